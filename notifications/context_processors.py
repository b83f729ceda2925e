from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread count in the header, and the missing-holiday-year notice for administrators: each read when a
    template shows it (the layout does; the meeting-room screen and page fragments do not)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    from django.utils import timezone

    from projects.access import may_see_holiday_notice

    from .calendar import missing_years
    from .models import NoticeRecipient

    context = {
        "unread_notices": SimpleLazyObject(
            lambda: NoticeRecipient.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
    if may_see_holiday_notice(user):
        context["holiday_years_missing"] = SimpleLazyObject(lambda: missing_years(timezone.localdate()))
    return context
