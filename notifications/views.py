from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ganzhou_projects.query import QueryParams
from projects import access

from . import services
from .kinds import kind_label
from .models import EmailDelivery, Notice, NoticeRecipient

PAGE_SIZE = 30


@login_required
@require_safe
def centre(request):
    """The user's notification centre, newest first."""
    qs = NoticeRecipient.objects.filter(user=request.user).select_related("notice", "notice__unit")
    if QueryParams(request.GET).flag("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.order_by("-notice__created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/centre.html",
        {"page": page, "unread_only": request.GET.get("unread") == "1", "querystring": query.urlencode()},
    )


@login_required
@require_POST
def mark_read(request):
    ids = [int(i) for i in request.POST.getlist("recipient") if i.isdigit()]
    if request.POST.get("all") == "1":
        count = services.mark_read(user=request.user)
    else:
        count = services.mark_read(user=request.user, recipient_ids=ids)
    messages.success(request, _("%(count)s notice(s) marked as read.") % {"count": count})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:centre")


@login_required
@require_POST
def open_notice(request, pk):
    """Open a notice: mark it read and go to what it is about (a POST: reading a page never writes)."""
    recipient = NoticeRecipient.objects.select_related("notice").filter(user=request.user, pk=pk).first()
    if recipient is None:
        from django.http import Http404

        raise Http404
    services.mark_read(user=request.user, recipient_ids=[recipient.pk])
    link = recipient.notice.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:centre")


@login_required
@require_safe
def sent_log(request):
    """For DRC: every notice the system sent, to whom and when, with each email's fate."""
    if not access.may_see_sent_log(request.user):
        raise PermissionDenied
    qs = Notice.objects.select_related("unit").annotate(
        users=Count("recipients", distinct=True),
        read=Count("recipients", filter=Q(recipients__read_at__isnull=False), distinct=True),
    )
    params = QueryParams(request.GET)
    kind = params.text("kind", max_length=Notice._meta.get_field("kind").max_length)
    if kind:
        qs = qs.filter(kind=kind)
    text = params.text("q")
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(unit__name__icontains=text))
    params.warn_if_invalid(request)
    qs = qs.prefetch_related(Prefetch("emails", queryset=EmailDelivery.objects.order_by("id"))).order_by(
        "-created_at", "-id"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    kinds = [(k, kind_label(k)) for k in Notice.objects.order_by("kind").values_list("kind", flat=True).distinct()]
    return render(
        request,
        "notifications/sent_log.html",
        {"page": page, "kind": kind, "kinds": kinds, "q": text, "querystring": query.urlencode()},
    )
