"""Notices: recorded once under (kind, object, period), shown in-app and emailed to the unit's contacts."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ganzhou_projects.audit import save_with_history, system_actor
from projects.models import Unit, User

from .models import EmailDelivery, Notice, NoticeRecipient

logger = logging.getLogger(__name__)


def unit_addresses(unit: Unit) -> list[str]:
    """Where a unit's email goes: its contact and its head (DESIGN: the unit, its head)."""
    return [address for address in (unit.contact_email, unit.head_email) if address]


def unit_users(unit: Unit):
    return User.objects.filter(is_active=True, unit=unit)


def notify(
    *,
    kind: str,
    object_key: str,
    period_key: str,
    title: str,
    body: str,
    users: Iterable[User] = (),
    emails: Iterable[str] = (),
    unit: Unit | None = None,
    link: str = "",
) -> Notice | None:
    """Record a notice once; returns it when new, None when it was already recorded.

    A second run of the same job, a retried task or a second beat finds the key taken and
    sends nothing. Emails are sent after the transaction commits.
    """
    try:
        with transaction.atomic():
            notice = Notice(
                kind=kind, object_key=object_key, period_key=period_key, title=title, body=body, link=link, unit=unit
            )
            # The notification system sends it, whoever's step caused it.
            save_with_history(notice, system_actor("notices"))
    except IntegrityError:
        return None
    with transaction.atomic():
        NoticeRecipient.objects.bulk_create(
            [NoticeRecipient(notice=notice, user=user) for user in {u.pk: u for u in users}.values()],
            ignore_conflicts=True,
        )
        addresses = sorted({a.strip().lower() for a in emails if a and a.strip()})
        EmailDelivery.objects.bulk_create(
            [EmailDelivery(notice=notice, address=address) for address in addresses], ignore_conflicts=True
        )
    if addresses:
        from .tasks import send_notice_emails

        transaction.on_commit(lambda: send_notice_emails.delay(notice.pk))
    return notice


@dataclass
class NoticeDraft:
    """One notice for `notify_many`: as `notify`'s arguments; `unit_users` adds the unit's active users."""

    kind: str
    object_key: str
    period_key: str
    title: str
    body: str
    users: list = field(default_factory=list)
    emails: list = field(default_factory=list)
    unit: Unit | None = None
    unit_users: bool = False
    link: str = ""


def notify_many(drafts: list[NoticeDraft]) -> list[Notice]:
    """`notify` for many notices at once (a batch job's), in a constant number of queries; returns the new ones.

    A draft whose key is already recorded is skipped, as `notify` does; the notices are written in one
    transaction and their emails sent after it commits. The keys are checked before they are written, so
    a key written meanwhile by another transaction makes the batch fail rather than send twice.
    """
    if not drafts:
        return []
    key = lambda d: (d.kind, d.object_key, d.period_key)  # noqa: E731
    taken = set(
        Notice.objects.filter(
            kind__in={d.kind for d in drafts},
            object_key__in={d.object_key for d in drafts},
            period_key__in={d.period_key for d in drafts},
        ).values_list("kind", "object_key", "period_key")
    )
    fresh = {}
    for draft in drafts:
        if key(draft) not in taken:
            fresh.setdefault(key(draft), draft)
    if not fresh:
        return []
    drafts = list(fresh.values())
    unit_ids = {d.unit.pk for d in drafts if d.unit_users and d.unit is not None}
    members: dict[int, list[User]] = {}
    for user in User.objects.filter(is_active=True, unit_id__in=unit_ids):
        members.setdefault(user.unit_id, []).append(user)
    with transaction.atomic():
        notices = bulk_create_with_history(
            [
                Notice(kind=d.kind, object_key=d.object_key, period_key=d.period_key, title=d.title, body=d.body,
                       link=d.link, unit=d.unit)
                for d in drafts
            ],
            Notice,
            default_user=system_actor("notices"),
        )  # fmt: skip
        recipients, deliveries = [], []
        for notice, draft in zip(notices, drafts, strict=True):
            users = [*draft.users, *(members.get(draft.unit.pk, []) if draft.unit_users and draft.unit else [])]
            recipients += [NoticeRecipient(notice=notice, user=user) for user in {u.pk: u for u in users}.values()]
            addresses = sorted({a.strip().lower() for a in draft.emails if a and a.strip()})
            deliveries += [EmailDelivery(notice=notice, address=address) for address in addresses]
        NoticeRecipient.objects.bulk_create(recipients, ignore_conflicts=True)
        EmailDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    if deliveries:
        from .tasks import send_notice_emails

        transaction.on_commit(lambda: send_notice_emails.delay())  # every pending delivery, in one task
    return notices


STALE_CLAIM = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5


def send_emails(*, notice_id: int | None = None, now: datetime.datetime | None = None) -> int:
    """Send pending emails (of one notice, or all). Each delivery is claimed with a conditional update first,
    so two workers never send the same email; a claim left by a killed worker is taken again after a while.
    """
    now = now or timezone.now()
    deliveries = EmailDelivery.objects.filter(
        Q(status=EmailDelivery.Status.PENDING)
        | Q(status=EmailDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        | Q(status=EmailDelivery.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
    )
    if notice_id is not None:
        deliveries = deliveries.filter(notice_id=notice_id)
    sent = 0
    for delivery in deliveries.select_related("notice").order_by("id"):
        claimed = EmailDelivery.objects.filter(
            pk=delivery.pk, status=delivery.status, attempts=delivery.attempts
        ).update(status=EmailDelivery.Status.SENDING, claimed_at=now, attempts=delivery.attempts + 1)
        if claimed != 1:
            continue
        notice = delivery.notice
        body = notice.body
        if notice.link:
            body += f"\n\n{settings.SITE_URL.rstrip('/')}{notice.link}"
        try:
            send_mail(notice.title, body, settings.DEFAULT_FROM_EMAIL, [delivery.address])
        except Exception as error:  # any delivery failure is recorded and retried later
            logger.warning("email to %s failed: %s", delivery.address, error)
            EmailDelivery.objects.filter(pk=delivery.pk).update(status=EmailDelivery.Status.FAILED, error=str(error))
            continue
        EmailDelivery.objects.filter(pk=delivery.pk).update(status=EmailDelivery.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent


def mark_read(*, user: User, recipient_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all unread ones when no ids are given)."""
    qs = NoticeRecipient.objects.filter(user=user, read_at__isnull=True)
    if recipient_ids is not None:
        qs = qs.filter(pk__in=list(recipient_ids))
    return qs.update(read_at=timezone.now())
