def notifications(request):
    """The unread count in the header, and the missing-holiday-year notice for administrators."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    from django.utils import timezone

    from projects.roles import is_administrator

    from .calendar import missing_years
    from .models import NoticeRecipient

    context = {"unread_notices": NoticeRecipient.objects.filter(user=user, read_at__isnull=True).count()}
    if is_administrator(user):
        context["holiday_years_missing"] = missing_years(timezone.localdate())
    return context
