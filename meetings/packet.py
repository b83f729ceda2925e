"""The dispatch-meeting packet (调度会材料): a snapshot of the month's data, rendered to PDF by WeasyPrint.

The packet is built from a snapshot taken when it is built (`take_snapshot`): plain JSON with every
figure already written as users read it, stored on the PacketVersion with the PDF and the cut-off
time, so a later edit of a report changes neither. The PDF's style is static/css/packet_pdf.css
(WeasyPrint reads the file; the HTML carries no inline style).
"""

import datetime
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dispatch import indicators
from dispatch.selectors import completeness, expected_projects, period_for
from dispatch.tables import table_rows
from early_warnings import indicators as warning_indicators
from early_warnings.ledger import agenda_items as ledger_agenda_items
from early_warnings.selectors import supervision_items
from ganzhou_projects.audit import save_with_history
from ganzhou_projects.numbers import money, percent
from projects import access
from projects.models import Unit

from .charts import investment_chart_svg
from .models import DECISION_STATUS_LABELS, Decision, Meeting, PacketVersion
from .services import month_warnings

PACKET_CSS = "css/packet_pdf.css"
COMPLETENESS_STATUS = {
    "none": "无应报项目",
    "missing": "有未报送",
    "open": "报送中",
    "late": "已报齐（含迟报）",
    "on_time": "按时报齐",
}
SECTIONS = [
    ("summary", "一、总体情况"),
    ("chart", "二、各单位投资完成情况"),
    ("reporting", "三、各单位报送情况"),
    ("warnings", "四、预警项目"),
    ("problems", "五、提请会议协调解决的问题"),
    ("decisions", "六、前期议定事项落实情况"),
    ("appendix", "附件：在建项目进展情况表"),
]


def _text(value) -> str:
    return "" if value is None else str(value)


def _date(day) -> str:
    return f"{day:%Y年%m月%d日}" if day else "—"


def _project_rows(period, scope, progress) -> list[dict]:
    projects = list(
        scope.select_related("responsible_unit").order_by(
            "responsible_unit__sort_order", "responsible_unit__name", "name", "id"
        )
    )

    def chunk_progress(done: int, total: int) -> None:
        if progress:
            progress(10 + int(40 * done / max(total, 1)), "在建项目进展情况表")

    rows = []
    for serial, row in enumerate(table_rows(period, projects, chunk_progress), start=1):
        project, report, figures = row.project, row.report, row.figures
        sent = report is not None and report.first_submitted_at is not None
        progress_text = report.progress_text.strip() if report else ""
        if report and report.progress_percent is not None:
            progress_text = (
                f"{progress_text}（{percent(report.progress_percent)}）"
                if progress_text
                else percent(report.progress_percent)
            )
        rows.append(
            {
                "serial": serial,
                "name": project.name,
                "unit": project.responsible_unit.name,
                "sector": project.get_sector_display(),
                "total": money(project.total_investment),
                "this_month": money(report.investment_this_month if report else None),
                "cumulative": money(figures.cumulative),
                "year_to_date": money(figures.year_to_date),
                "annual_target": money(figures.annual_target),
                "progress": progress_text if sent else (f"{progress_text}（未报送）" if progress_text else "未报送"),
            }
        )
    return rows


def _meeting_part(meeting: Meeting | None) -> dict | None:
    if meeting is None:
        return None
    return {
        "title": meeting.title,
        "date": _date(meeting.date),
        "location": meeting.location,
        "chair": str(meeting.chair),
        "attendees": [str(user) for user in meeting.attendees.order_by("full_name", "pk")],
        "units": [unit.name for unit in meeting.attendee_units.order_by("sort_order", "name")],
    }


def _decisions_part(meeting: Meeting | None, today: datetime.date) -> list[dict]:
    """Decisions of earlier meetings still open, or settled (done or excused) since the last meeting before this
    one: what the meeting follows up (DESIGN §5)."""
    qs = Decision.objects.select_related("meeting").prefetch_related("responsible_units", "progress")
    if meeting is not None:
        qs = qs.filter(meeting__date__lt=meeting.date)
        previous = Meeting.objects.filter(date__lt=meeting.date).aggregate(last=Max("date"))["last"]
        if previous is not None:
            start = timezone.make_aware(datetime.datetime.combine(previous, datetime.time()))
            qs = qs.filter(
                Q(done_at__isnull=True, exempted_at__isnull=True) | Q(done_at__gte=start) | Q(exempted_at__gte=start)
            )
    rows = []
    for decision in qs.order_by("meeting__date", "deadline", "pk"):
        updates = list(decision.progress.all())
        rows.append(
            {
                "meeting": _date(decision.meeting.date),
                "text": decision.text,
                "units": "、".join(u.name for u in decision.responsible_units.all()),
                "deadline": _date(decision.deadline_in_force),
                "status": DECISION_STATUS_LABELS[decision.status(today)],
                "flagged": decision.status(today) == "accountability",
                "latest": updates[-1].text if updates else "",
            }
        )
    return rows


def take_snapshot(
    *,
    year: int,
    month: int,
    meeting: Meeting | None = None,
    now: datetime.datetime | None = None,
    progress=None,
    projects=None,
) -> dict:
    """Everything the packet prints, read now and written out as text: the packet's frozen data.

    `projects` narrows the district to some projects (the benchmark's 500-project district); the
    reporting status is then that of the units those projects belong to.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = period_for(year, month)
    scope = expected_projects(period)
    if projects is not None:
        scope = scope.filter(pk__in=projects.values("pk"))

    def narrow(records):
        return records if projects is None else records.filter(project__in=scope.values("pk"))

    with translation.override(settings.LANGUAGE_CODE):
        if progress:
            progress(2, "汇总指标")
        invest = indicators.investment(year, month, projects=projects)
        start = indicators.start_rate(year, month, projects=projects)
        approval = indicators.approval_rate(year, month, projects=projects)
        units = Unit.objects.order_by("sort_order", "name")
        if projects is not None:
            units = units.filter(pk__in=scope.values("responsible_unit_id"))
        units = list(units)
        warnings_count = warning_indicators.warning_counts(year, month, units=[], projects=projects).district
        problems_count = warning_indicators.problem_counts(
            year, month, units=[], projects=projects, today=today
        ).district
        by_unit = indicators.investment_by_unit(year, month, units=units, projects=projects)
        filled = completeness(period, now, units=units)
        expected = sum(c.expected for c in filled.values())
        submitted = sum(c.submitted for c in filled.values())
        on_time = sum(c.on_time for c in filled.values())
        chart = []
        for unit in units:
            figures = by_unit.get(unit.pk)
            if figures is None or not figures.annual_plan:
                continue
            pace = figures.plan_to_date * 100 / figures.annual_plan
            chart.append(
                {
                    "unit": unit.name,
                    "rate": _text(figures.rate),
                    "pace": _text(pace.quantize(Decimal("0.1"))),
                    "rate_text": percent(figures.rate),
                }
            )
        reporting = [
            {
                "unit": unit.name,
                "expected": filled[unit.pk].expected,
                "on_time": filled[unit.pk].on_time,
                "late": filled[unit.pk].late,
                "missing": filled[unit.pk].missing + filled[unit.pk].not_yet,
                "rate": percent(filled[unit.pk].reporting_rate),
                "status": COMPLETENESS_STATUS[filled[unit.pk].status],
                "investment_rate": percent(by_unit[unit.pk].rate),
            }
            for unit in units
        ]
        if progress:
            progress(8, "预警与问题")
        supervised = list(narrow(supervision_items()))
        escalated = {w.pk for w in supervised}
        of_month = list(narrow(month_warnings(year, month)))
        in_month = {w.pk for w in of_month}
        warnings = [
            {
                "project": w.project.name,
                "unit": w.project.responsible_unit.name,
                "colour": w.colour,
                "colour_label": w.get_colour_display(),
                "status": w.get_status_display(),
                "reasons": "；".join(r.get("text", "") for r in w.reasons if isinstance(r, dict)),
                "escalated": w.pk in escalated,
            }
            for w in of_month + [w for w in supervised if w.pk not in in_month]
        ]
        problems = [
            {
                "project": p.project.name,
                "unit": p.project.responsible_unit.name,
                "category": p.get_category_display(),
                "description": p.description,
                "units": "、".join(u.name for u in p.responsible_units.all()),
                "deadline": _date(p.deadline),
            }
            for p in narrow(ledger_agenda_items(today))
        ]
        decisions = _decisions_part(meeting, today)
        rows = _project_rows(period, scope, progress)
        return {
            "version": 1,
            "year": year,
            "month": month,
            "cut_off": timezone.localtime(now).isoformat(),
            "cut_off_text": f"{timezone.localtime(now):%Y年%m月%d日 %H:%M}",
            "meeting": _meeting_part(meeting),
            "summary": {
                "annual_plan": money(invest.annual_plan),
                "plan_to_date": money(invest.plan_to_date),
                "completed": money(invest.completed),
                "investment_rate": percent(invest.rate),
                "start_due": start.due,
                "started": start.started,
                "start_rate": percent(start.rate),
                "start_target": percent(start.target) if start.target is not None else "—",
                "approval_rate": percent(approval.rate),
                "approval_required": approval.required,
                "approval_done": approval.done,
                "expected": expected,
                "submitted": submitted,
                "on_time": on_time,
                "reporting_rate": percent(Decimal(submitted * 100) / expected if expected else None),
                "warnings_open": warnings_count.open,
                "warnings_red": warnings_count.red,
                "warnings_yellow": warnings_count.yellow,
                "warnings_blue": warnings_count.blue,
                "warnings_escalated": warnings_count.escalated,
                "problems_open": problems_count.open,
                "problems_overdue": problems_count.overdue,
            },
            "chart": chart,
            "reporting": reporting,
            "warnings": warnings,
            "problems": problems,
            "decisions": decisions,
            "projects": rows,
        }


def packet_html(snapshot: dict) -> str:
    """The packet's HTML from a snapshot alone (nothing else is read)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "meetings/pdf/packet.html",
            {
                "s": snapshot,
                "sections": SECTIONS,
                "chart_svg": investment_chart_svg(snapshot["chart"]),
            },
        )


def stylesheet_path(name: str = PACKET_CSS) -> str:
    path = finders.find(name)
    if not path:
        raise FileNotFoundError(name)
    return path


def render_pdf(html: str, css: str = PACKET_CSS) -> tuple[bytes, int]:
    """HTML → PDF with the packet's stylesheet; returns the bytes and the page count."""
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[CSS(filename=stylesheet_path(css))]
    )
    return document.write_pdf(), len(document.pages)


def build_pdf(*, year: int, month: int, meeting: Meeting | None = None, now=None, progress=None, projects=None):
    """Snapshot, HTML and PDF of one month: (snapshot, pdf bytes, pages)."""
    snapshot = take_snapshot(year=year, month=month, meeting=meeting, now=now, progress=progress, projects=projects)
    if progress:
        progress(55, "排版")
    pdf, pages = render_pdf(packet_html(snapshot))
    return snapshot, pdf, pages


def packet_build(*, meeting: Meeting, acting_user, now: datetime.datetime | None = None, progress=None):
    """A new packet version of the meeting, from data as it stands now (the cut-off); earlier ones stay."""
    from django.core.exceptions import PermissionDenied

    if not access.may_manage_meetings(acting_user):
        raise PermissionDenied
    now = now or timezone.now()
    started = time.monotonic()
    snapshot, pdf, pages = build_pdf(
        year=meeting.year, month=meeting.month, meeting=meeting, now=now, progress=progress
    )
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        number = (meeting.packets.aggregate(top=Max("number"))["top"] or 0) + 1
        version = PacketVersion(
            meeting=meeting,
            number=number,
            cut_off=now,
            snapshot=snapshot,
            pdf=pdf,
            pages=pages,
            built_by=acting_user,
            build_seconds=Decimal(time.monotonic() - started).quantize(Decimal("0.01")),
        )
        save_with_history(version, acting_user, reason=f"生成调度会材料第{number}版")
    if progress:
        progress(99, "完成")
    return version
