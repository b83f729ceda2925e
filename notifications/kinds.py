"""What a notice's internal key means to a reader: its kind in words and the object it is about.

A notice is recorded under (kind, object_key, period_key) so a retried job never sends twice; those keys
are for the machine. The sent log shows these descriptions instead, and links the notice's object.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KIND_LABELS = {
    "warning_issued": gettext_lazy("Warning issued"),
    "warning_updated": gettext_lazy("Warning updated"),
    "warning_escalated": gettext_lazy("Warning escalated to the district government"),
    "overdue_notice": gettext_lazy("Report overdue"),
    "overdue_summary": gettext_lazy("Overdue reports summary"),
    "holiday_calendar_missing": gettext_lazy("Holiday calendar missing"),
    "report_returned": gettext_lazy("Report returned to the unit"),
    "report_reopened": gettext_lazy("Accepted report reopened and returned"),
    "review_digest": gettext_lazy("Daily digest of reports awaiting review"),
    "month_submitted": gettext_lazy("A unit's month submitted to DRC"),
    "warning_measures": gettext_lazy("Measures recorded on a warning"),
    "assessment_published": gettext_lazy("Ranking published: the unit's place"),
    "decision_assigned": gettext_lazy("Dispatch-meeting decision assigned"),
    "decision_rectification": gettext_lazy("Dispatch-meeting decision to be rectified by a deadline"),
    # Pre-project fee grants (funding/): the app writes its Chinese directly.
    "fee_grant_submitted": "前期费申请待发改局审核",
    "fee_grant_resubmitted": "前期费申请修改后重新提交",
    "fee_grant_drc_reviewed": "前期费申请待财政局审核",
    "fee_grant_returned": "前期费申请退回修改",
    "fee_grant_rejected": "前期费申请不予安排",
    "fee_grant_approved": "前期费申请已批准",
    "fee_grant_disbursed": "前期费已拨付",
    "fee_grant_evaluated": "前期费绩效评价结果",
    "audit_chain_broken": gettext_lazy("Audit trail verification failed"),
}

OBJECT_LABELS = {
    "warning": gettext_lazy("Warning no. %(number)s"),
    "problem": gettext_lazy("Ledger problem no. %(number)s"),
    "report": gettext_lazy("Report no. %(number)s"),
    "project": gettext_lazy("Project no. %(number)s"),
    "decision": gettext_lazy("Decision no. %(number)s"),
    "fee_grant": "前期费申请 %(number)s号",
}

_REMINDER = re.compile(r"^deadline_reminder_(\d+)$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def kind_label(kind: str) -> str:
    """The kind in words; an unknown kind reads as its key rather than nothing."""
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    if match := _REMINDER.match(kind):
        return _("Reporting reminder (%(days)s working days left)") % {"days": match.group(1)}
    from .jobs import DEADLINE_SOURCES, load_jobs

    load_jobs()
    for suffix, text in (("_overdue", _("%(item)s overdue")), ("_due_soon", _("%(item)s due soon"))):
        name = kind.removesuffix(suffix)
        if name != kind and name in DEADLINE_SOURCES:
            return text % {"item": DEADLINE_SOURCES[name][0]}
    return kind


def object_label(notice) -> str:
    """What the notice is about: "预警 127号", the unit's name, "全区"…"""
    key = notice.object_key
    head, _sep, rest = key.partition(":")
    if head == "unit":
        return str(notice.unit) if notice.unit_id else key
    if head == "district":
        return _("The whole district")
    if head == "calendar":
        return _("Holiday calendar")
    if head in OBJECT_LABELS and rest:
        return str(OBJECT_LABELS[head]) % {"number": rest.split(":")[0]}
    return key


def period_label(period_key: str) -> str:
    if match := _MONTH.match(period_key):
        return _("%(year)s, month %(month)s") % {"year": match.group(1), "month": int(match.group(2))}
    if match := _QUARTER.match(period_key):
        return _("%(year)s, quarter %(quarter)s") % {"year": match.group(1), "quarter": match.group(2)}
    if match := _YEAR.match(period_key):
        return _("Year %(year)s") % {"year": match.group(1)}
    return period_key
