"""The nightly verification of the audit hash chain: auditors and administrators are told when it fails."""

from django.urls import reverse

from notifications.jobs import register_job
from notifications.services import notify
from projects import access, roles

KIND = "audit_chain_broken"


@register_job(KIND, hour=2, minute=30)
def audit_chain_check(as_of) -> int:
    """Verify every history row against the hash chain; on a failure, notify auditors and administrators once a day."""
    from .tasks import verify_and_keep

    kept = verify_and_keep()
    if kept["intact"]:
        return 0
    users = list(access.users_with_role(roles.AUDITOR)) + list(access.administrators())
    notice = notify(
        kind=KIND,
        object_key="audit_chain",
        period_key=as_of.isoformat(),
        title="变更记录防篡改校验未通过",
        body=kept["message"],
        users=users,
        link=reverse("auditlog:verification"),
    )
    return 1 if notice else 0
