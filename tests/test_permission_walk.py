"""Walk every URL of the app as every role: nobody gets another unit's data, and each role gets what it may.

The walk enumerates the URLconf, so a new URL fails here until it is given its
arguments and the statuses each role should get.
"""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pypdf
import pytest
import time_machine
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dispatch import services as dispatch_services
from dispatch.models import MonthSubmission, ReportingPeriod
from early_warnings import ledger
from exports.models import ExportJob
from notifications.services import notify
from projects import services
from projects.models import ListKind
from tests.dispatch.conftest import fill
from tests.factories import ProjectFactory

SECRET = "上秦镇保密测试项目"
NOT_APP_PAGES = {"logout", "healthz", "home", "login"}

# URLs that only accept POST.
POST_ONLY = {
    "projects:list_add",
    "projects:reserve_comprehensive",
    "dispatch:card_save",
    "dispatch:photo_upload",
    "dispatch:photo_delete",
    "dispatch:report_review",
    "dispatch:report_verify",
    "dispatch:verification_record",
    "notifications:mark_read",
    "notifications:open",
    "early_warnings:warning_measures",
    "early_warnings:warning_resolve",
    "early_warnings:problem_add_update",
    "early_warnings:problem_close",
    "auditlog:log_export",
    "assessment:quarter_publish",
    "assessment:quarter_export",
    "assessment:year_end_publish",
    "assessment:year_end_export",
    "assessment:adjustment_add",
    "assessment:adjustment_withdraw",
    "dashboard:target_delete",
    "meetings:meeting_state",
    "meetings:minutes_save",
    "meetings:agenda_assemble",
    "meetings:agenda_add",
    "meetings:section_add",
    "meetings:packet_build",
    "meetings:item_remove",
    "meetings:item_move",
    "meetings:decision_add",
    "meetings:decision_progress",
    "meetings:decision_done",
    "meetings:decision_exempt",
    "meetings:decision_rectify",
    "funding:export_grants",
    "funding:attachment_add",
    "funding:drc_review",
    "funding:finance_review",
    "funding:disbursement_add",
    "funding:spending_add",
    "funding:approval_sheet",
}
MEETING_POSTS = {name for name in POST_ONLY if name.startswith("meetings:")}
# URLs about one object: another unit's object is never reachable.
OBJECT_URLS = {
    "projects:project_detail",
    "projects:project_edit",
    "projects:project_history",
    "projects:year_plan_edit",
    "projects:list_add",
    "projects:list_remove",
    "projects:reserve_comprehensive",
    "dispatch:report_detail",
    "dispatch:card",
    "dispatch:card_save",
    "dispatch:photo_upload",
    "dispatch:photo_delete",
    "dispatch:photo_file",
    "dispatch:report_review",
    "dispatch:report_verify",
    "dispatch:verification_record",
    "dispatch:project_months",
    "dispatch:submit_progress",
    "exports:job",
    "exports:job_download",
    "notifications:open",
    "early_warnings:warning_detail",
    "early_warnings:warning_measures",
    "early_warnings:warning_resolve",
    "early_warnings:problem_detail",
    "early_warnings:problem_edit",
    "early_warnings:problem_add_update",
    "early_warnings:problem_close",
    "auditlog:record",
    "auditlog:project_as_of",
    "assessment:adjustment_withdraw",
    "meetings:meeting_create",
    "meetings:meeting_edit",
    "meetings:meeting_detail",
    "meetings:minutes_pdf",
    "meetings:packet_download",
    "meetings:decision_detail",
    *MEETING_POSTS,
    "funding:grant_detail",
    "funding:grant_resubmit",
    "funding:attachment_add",
    "funding:drc_review",
    "funding:finance_review",
    "funding:disbursement_add",
    "funding:spending_add",
    "funding:evaluate",
    "funding:approval_sheet",
    "funding:attachment_file",
    "funding:voucher_file",
}
# Pages that take a form: GET shows it, POST submits it. Every other page only reads, and a POST to it is refused
# with 405 (test_a_post_to_a_page_that_only_reads_is_refused).
FORM_PAGES = {
    "projects:project_create",
    "projects:project_edit",
    "projects:year_plan_edit",
    "projects:list_remove",
    "projects:import_projects",
    "dispatch:submit_month",
    "dispatch:review_queue",
    "dispatch:period_edit",
    "dispatch:unit_workbook_upload",
    "dispatch:official_tables",
    "early_warnings:warning_issue",
    "early_warnings:settings",
    "early_warnings:problem_create",
    "early_warnings:problem_edit",
    "auditlog:verification",
    "dashboard:targets",
    "assessment:scheme",
    "meetings:series_create",
    "meetings:meeting_create",
    "meetings:meeting_edit",
    "funding:pool_edit",
    "funding:grant_apply",
    "funding:grant_resubmit",
    "funding:evaluate",
    "password_change",
}


def app_url_names() -> set[str]:
    names = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns)
    return names - NOT_APP_PAGES


def readable(response) -> str:
    """The text a user gets: the HTML, or every cell of a downloaded workbook (also inside a zip)."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content

    def workbook_text(data: bytes) -> str:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return " ".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v)

    if content_type.startswith("application/vnd.openxmlformats"):
        return workbook_text(body)
    if content_type.startswith("image/"):
        return ""  # a picture carries no project text; who may fetch it is asserted by the status codes
    if content_type.startswith("application/pdf"):
        return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    if content_type.startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(workbook_text(archive.read(name)) for name in archive.namelist())
    return body.decode()


def fee_grant(name, unit, reporter, drc, finance):
    """An approved pre-project fee grant of the unit, paid in part and spent in part, with an attachment."""
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from funding import services as funding_services
    from funding.models import FeePool
    from projects.models import Stage

    def pdf(file_name):
        writer = pypdf.PdfWriter()
        writer.add_blank_page(width=72, height=72)
        buffer = io.BytesIO()
        writer.write(buffer)  # a real (blank) PDF: the walk reads every download back
        return SimpleUploadedFile(file_name, buffer.getvalue(), content_type="application/pdf")

    if not FeePool.objects.filter(year=2026).exists():
        funding_services.pool_set(year=2026, amount=Decimal("1000"), reason="年度预算", acting_user=finance)
    project = ProjectFactory(
        name=f"{name}前期工作", responsible_unit=unit, stage=Stage.PREPARATORY, national_code=f"NC-{unit.code}"
    )
    services.list_add(project=project, kind=ListKind.RESERVE, year=None, reason="入库", acting_user=drc)
    grant = funding_services.grant_apply(
        project=project,
        year=2026,
        amount=Decimal("100"),
        preparatory_items=f"{name}可研编制",
        attachments=[pdf("申请.pdf")],
        acting_user=reporter,
    )
    grant = funding_services.grant_drc_review(
        grant=grant, decision="propose", amount=Decimal("80"), opinion="符合", acting_user=drc
    )
    grant = funding_services.grant_finance_review(
        grant=grant, decision="approve", amount=Decimal("60"), opinion="同意", acting_user=finance
    )
    funding_services.disbursement_add(
        grant=grant, amount=Decimal("40"), paid_on=datetime.date(2026, 3, 1), acting_user=finance
    )
    funding_services.spending_add(
        grant=grant,
        stage="feasibility",
        activity="preparation",
        amount=Decimal("10"),
        spent_on=datetime.date(2026, 3, 5),
        description=f"{name}可研编制费",
        voucher=pdf("凭证.pdf"),
        acting_user=reporter,
    )
    return grant


@pytest.fixture
def world(town_a, town_b, reporter_a, reporter_b, drc, leader, auditor, statistician, finance, administrator):
    from PIL import Image

    result = {}
    for key, unit, reporter, name in (
        ("secret", town_b, reporter_b, SECRET),
        ("own", town_a, reporter_a, "梁家墩镇自有项目"),
    ):
        project = ProjectFactory(name=name, responsible_unit=unit, start_year=2026, end_year=2026)
        entry = services.list_add(
            project=project,
            kind=ListKind.ANNUAL,
            year=2026,
            reason="年度计划",
            acting_user=drc,
            today=datetime.date(2026, 1, 2),
        )
        period = dispatch_services.period_get_or_create(year=2026, month=11)
        report = dispatch_services.report_get_or_create(period=period, project=project, acting_user=reporter)
        fill(report, reporter)
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
        buffer.seek(0)
        buffer.name = "p.png"
        buffer.size = len(buffer.getvalue())
        photo = dispatch_services.photo_add(report=report, upload=buffer, caption="现场", acting_user=reporter)
        verification = dispatch_services.verification_request(report=report, reason="核实", acting_user=statistician)
        from early_warnings import services as warning_services

        warning = warning_services.warning_issue(
            project=project, colour="red", reason=f"{name}投资滞后", acting_user=drc
        )
        problem = ledger.problem_create(
            project=project,
            category="land",
            description=f"{name}用地指标未落实",
            level="drc",
            acting_user=drc,
        )
        grant = fee_grant(name, unit, reporter, drc, finance)
        submission = MonthSubmission.objects.create(
            user=reporter, unit=unit, period=period, status="done", refused=[f"{name}：已被他人报送"]
        )
        result[key] = {
            "submission": submission,
            "grant": grant,
            "attachment": grant.attachments.get(),
            "spending": grant.spendings.get(),
            "problem": problem,
            "warning": warning,
            "project": project,
            "entry": entry,
            "report": report,
            "photo": photo,
            "verification": verification,
        }
    from assessment.services import adjustment_add

    result["adjustment"] = adjustment_add(
        year=2026, unit=town_b, points=Decimal("-2"), reason=f"{SECRET}观摩落后", acting_user=drc
    )
    result["job"] = ExportJob.objects.create(user=drc, kind="official_tables", params={})
    result["target"] = dispatch_services.start_target_set(
        year=2026, due_date=datetime.date(2026, 3, 31), percent=80, reason="测试", acting_user=drc
    )
    add_meeting(result, drc, leader, town_a, town_b)
    notice = notify(
        kind="overdue_notice",
        object_key="unit:b",
        period_key="2026-11",
        title=f"{SECRET}逾期未报",
        body=SECRET,
        users=[reporter_b],
    )
    result["recipient"] = notice.recipients.get()
    return result


def add_meeting(world, drc, leader, town_a, town_b) -> None:
    """An ended dispatch meeting with a decision for each town, its minutes and a packet version."""
    from meetings import services as meeting_services
    from meetings.packet import packet_build

    series = meeting_services.series_create(
        name="调度会", chair=leader, cadence="monthly", every_weeks=None, acting_user=drc
    )
    meeting = meeting_services.meeting_create(series=series, date=datetime.date(2026, 11, 26), acting_user=drc)
    for key, unit in (("secret", town_b), ("own", town_a)):
        item = meeting_services.agenda_item_add(
            meeting=meeting, title=f"{world[key]['project'].name}协调", acting_user=drc
        )
        world[key]["item"] = item
        world[key]["decision"] = meeting_services.decision_create(
            item=item,
            text=f"{world[key]['project'].name}月底前完成用地报批",
            units=[unit],
            deadline=datetime.date(2026, 12, 31),
            acting_user=drc,
        )
    world["series"] = series
    world["meeting"] = meeting
    world["packet"] = packet_build(meeting=meeting, acting_user=drc)
    meeting_services.meeting_start(meeting=meeting, acting_user=drc)
    meeting_services.meeting_end(meeting=meeting, acting_user=drc)


def urls_for(world, which: str) -> dict[str, str]:
    item = world[which]
    kwargs = {
        "projects:project_detail": {"pk": item["project"].pk},
        "projects:project_edit": {"pk": item["project"].pk},
        "projects:project_history": {"pk": item["project"].pk},
        "projects:year_plan_edit": {"pk": item["project"].pk, "year": 2026},
        "projects:list_add": {"pk": item["project"].pk},
        "projects:list_remove": {"entry_pk": item["entry"].pk},
        "projects:reserve_comprehensive": {"entry_pk": item["entry"].pk},
        "dispatch:fill_month": {"year": 2026, "month": 11},
        "dispatch:submit_month": {"year": 2026, "month": 11},
        "dispatch:submit_progress": {"year": 2026, "month": 11, "pk": item["submission"].pk},
        "dispatch:report_detail": {"pk": item["report"].pk},
        "dispatch:card": {"year": 2026, "month": 11, "project_pk": item["project"].pk},
        "dispatch:card_save": {"year": 2026, "month": 11, "project_pk": item["project"].pk},
        "dispatch:photo_upload": {"pk": item["report"].pk},
        "dispatch:photo_delete": {"pk": item["photo"].pk},
        "dispatch:photo_file": {"pk": item["photo"].pk, "size": "thumb"},
        "dispatch:report_review": {"pk": item["report"].pk},
        "dispatch:report_verify": {"pk": item["report"].pk},
        "dispatch:verification_record": {"pk": item["verification"].pk},
        "dispatch:review_queue": {"year": 2026, "month": 11},
        "dispatch:month_overview": {"year": 2026, "month": 11},
        "dispatch:project_months": {"pk": item["project"].pk},
        "dispatch:period_edit": {"year": 2026, "month": 11},
        "dispatch:unit_workbook": {"year": 2026, "month": 11},
        "dispatch:unit_workbook_upload": {"year": 2026, "month": 11},
        "dispatch:official_tables": {"year": 2026, "month": 11},
        "exports:job": {"pk": world["job"].pk},
        "exports:job_download": {"pk": world["job"].pk},
        "notifications:open": {"pk": world["recipient"].pk},
        "early_warnings:warning_detail": {"pk": item["warning"].pk},
        "early_warnings:warning_measures": {"pk": item["warning"].pk},
        "early_warnings:warning_resolve": {"pk": item["warning"].pk},
        "early_warnings:problem_detail": {"pk": item["problem"].pk},
        "early_warnings:problem_edit": {"pk": item["problem"].pk},
        "early_warnings:problem_add_update": {"pk": item["problem"].pk},
        "early_warnings:problem_close": {"pk": item["problem"].pk},
        "auditlog:record": {"kind": "projects.project", "object_id": item["project"].pk},
        "auditlog:project_as_of": {"pk": item["project"].pk},
        "assessment:quarter": {"year": 2026, "quarter": 4, "group": "township"},
        "assessment:quarter_publish": {"year": 2026, "quarter": 4, "group": "township"},
        "assessment:quarter_export": {"year": 2026, "quarter": 4, "group": "township"},
        "assessment:year_end": {"year": 2026, "group": "township"},
        "assessment:year_end_publish": {"year": 2026, "group": "township"},
        "assessment:year_end_export": {"year": 2026, "group": "township"},
        "assessment:adjustment_add": {"year": 2026, "group": "township"},
        "assessment:adjustment_withdraw": {"pk": world["adjustment"].pk},
        "dashboard:target_delete": {"pk": world["target"].pk},
        "meetings:meeting_create": {"series_pk": world["series"].pk},
        "meetings:meeting_detail": {"pk": world["meeting"].pk},
        "meetings:meeting_edit": {"pk": world["meeting"].pk},
        "meetings:meeting_state": {"pk": world["meeting"].pk},
        "meetings:minutes_save": {"pk": world["meeting"].pk},
        "meetings:minutes_pdf": {"pk": world["meeting"].pk},
        "meetings:agenda_assemble": {"pk": world["meeting"].pk},
        "meetings:agenda_add": {"pk": world["meeting"].pk},
        "meetings:section_add": {"pk": world["meeting"].pk},
        "meetings:packet_build": {"pk": world["meeting"].pk},
        "meetings:packet_download": {"pk": world["packet"].pk},
        "meetings:item_remove": {"pk": item["item"].pk},
        "meetings:item_move": {"pk": item["item"].pk},
        "meetings:decision_add": {"pk": item["item"].pk},
        "meetings:decision_detail": {"pk": item["decision"].pk},
        "meetings:decision_progress": {"pk": item["decision"].pk},
        "meetings:decision_done": {"pk": item["decision"].pk},
        "meetings:decision_exempt": {"pk": item["decision"].pk},
        "meetings:decision_rectify": {"pk": item["decision"].pk},
        **{
            f"funding:{name}": {"pk": item["grant"].pk}
            for name in (
                "grant_detail",
                "grant_resubmit",
                "attachment_add",
                "drc_review",
                "finance_review",
                "disbursement_add",
                "spending_add",
                "evaluate",
                "approval_sheet",
            )
        },
        "funding:attachment_file": {"pk": item["attachment"].pk},
        "funding:voucher_file": {"pk": item["spending"].pk},
    }
    no_arguments = {
        "password_change",
        "password_change_done",
        "projects:project_list",
        "projects:project_create",
        "projects:annual_list",
        "projects:reserve",
        "projects:adjustments",
        "projects:export_inventory",
        "projects:import_projects",
        "dispatch:home",
        "dispatch:completeness",
        "dispatch:periods",
        "notifications:centre",
        "notifications:mark_read",
        "notifications:open",
        "notifications:sent_log",
        "early_warnings:board",
        "early_warnings:warning_issue",
        "early_warnings:supervision",
        "early_warnings:settings",
        "early_warnings:ledger",
        "early_warnings:problem_create",
        "early_warnings:warning_project_search",
        "early_warnings:problem_project_search",
        "auditlog:log",
        "auditlog:log_export",
        "auditlog:verification",
        "assessment:index",
        "assessment:scheme",
        "dashboard:dashboard",
        "dashboard:screen",
        "dashboard:my_projects",
        "dashboard:projects",
        "dashboard:targets",
        "meetings:meeting_list",
        "meetings:series_create",
        "meetings:decision_list",
        "funding:home",
        "funding:pool_edit",
        "funding:allocation",
        "funding:export_grants",
        "funding:grant_apply",
    }
    names = app_url_names()
    missing = names - set(kwargs) - no_arguments
    assert not missing, f"new URLs need an entry in the permission walk: {missing}"
    return {name: reverse(name, kwargs=kwargs.get(name)) for name in names}


@pytest.mark.parametrize("method", ["get", "post"])
def test_reporter_never_sees_another_units_data(client, world, reporter_a, method):
    client.force_login(reporter_a)
    for name, url in urls_for(world, "secret").items():
        if name in (
            "dispatch:fill_month",
            "dispatch:submit_month",
            "dispatch:unit_workbook",
            "dispatch:unit_workbook_upload",
        ):
            url += f"?unit={world['secret']['project'].responsible_unit_id}"
        response = getattr(client, method)(url)
        assert SECRET not in readable(response), f"{method} {name} leaked another unit's project"
        if name in OBJECT_URLS:
            assert response.status_code in (403, 404, 405), f"{method} {name} gave {response.status_code}"


def expected_get_status(name: str, role: str) -> set[int]:
    readers = {"leader", "auditor", "stats", "finance"}
    reviewers = {"drc", "admin"}
    if name in POST_ONLY:
        return {405}
    if name == "projects:list_remove":
        return {200} if role in reviewers else {403}
    if name in ("projects:project_edit", "projects:year_plan_edit"):
        return {404} if role in readers else {200}
    if name == "projects:project_create":
        return {403} if role in readers else {200}
    if name == "projects:import_projects":
        return {403, 404} if role in readers else {200}
    if name == "dispatch:period_edit":
        return {200} if role in reviewers else {403}
    if name == "dispatch:month_overview":
        return {403} if role == "reporter_a" else {200}
    if name == "dispatch:card":
        # A card is opened by those who may change its project: the unit's own staff, DRC and administrators.
        return {200} if role in ("reporter_a", "drc", "admin") else {404}
    if name in (
        "dispatch:fill_month",
        "dispatch:submit_month",
        "dispatch:unit_workbook",
        "dispatch:unit_workbook_upload",
    ):
        # Filled by a unit's own staff (DRC from its own unit); the unit-less get nothing to fill.
        return {200} if role in ("reporter_a", "drc") else {404}
    if name == "dispatch:submit_progress":
        return {200} if role == "reporter_a" else {404}  # the submitter's alone (reporter_a walks their own)
    if name in ("exports:job", "exports:job_download"):
        if role != "drc":
            return {404}
        return {200} if name == "exports:job" else {404}  # not finished yet: nothing to download
    if name == "dispatch:home":
        return {302}
    if name in ("early_warnings:warning_issue", "early_warnings:settings", "early_warnings:warning_project_search"):
        return {200} if role in reviewers else {403}
    if name == "early_warnings:problem_create":
        return {403} if role in readers else {200}
    if name == "early_warnings:problem_edit":
        return {200} if role in reviewers else {403}
    if name == "early_warnings:supervision":
        return {200} if role in ("drc", "admin", "leader", "auditor") else {403}
    if name.startswith("auditlog:"):
        return {200} if role in ("admin", "auditor") else {403}
    if name in ("assessment:quarter", "assessment:year_end"):
        # Unpublished: the draft is for those who read every unit; a unit's staff read published tables only.
        return {404} if role == "reporter_a" else {200}
    if name == "assessment:scheme":
        return {403} if role == "reporter_a" else {200}
    if name == "dashboard:targets":
        return {200} if role in reviewers else {403}
    if name == "dashboard:my_projects":
        return {200} if role == "leader" else {403}
    if name in ("meetings:series_create", "meetings:meeting_create"):
        return {200} if role in reviewers else {403}
    if name == "meetings:meeting_edit":
        # The walk's meeting has ended: DRC is sent back to it (frozen), the others may not change it.
        return {302} if role in reviewers else ({404} if role == "reporter_a" else {403})
    if name == "meetings:meeting_list":
        return {403} if role == "reporter_a" else {200}
    if name in ("meetings:meeting_detail", "meetings:minutes_pdf", "meetings:packet_download"):
        return {404} if role == "reporter_a" else {200}
    if name == "notifications:sent_log":
        return {200} if role in ("drc", "admin", "auditor") else {403}
    if name.startswith("funding:"):
        return expected_funding_status(name, role)
    return {200}


def expected_funding_status(name: str, role: str) -> set[int]:
    """前期费: the statistics bureau has no part in it; the applying unit, DRC, Finance, leaders and auditors read."""
    if name == "funding:home":
        return {403} if role == "stats" else {200}
    if name == "funding:pool_edit":
        return {200} if role in ("finance", "admin") else {403}
    if name == "funding:allocation":
        return {403} if role in ("reporter_a", "stats") else {200}
    if name == "funding:grant_apply":
        return {200} if role == "reporter_a" else {403}
    if role == "stats":
        return {404}  # no grant of any unit is theirs to read
    if name == "funding:grant_resubmit":
        return {403}  # the grant is approved: nothing to resubmit
    if name == "funding:evaluate":
        return {200} if role in ("drc", "finance", "admin") else {403}
    return {200}


@pytest.fixture
def roles(reporter_a, drc, leader, auditor, statistician, finance, administrator):
    return {
        "reporter_a": reporter_a,
        "drc": drc,
        "admin": administrator,
        "leader": leader,
        "auditor": auditor,
        "stats": statistician,
        "finance": finance,
    }


def test_every_role_walks_every_url(client, world, roles):
    for role, user in roles.items():
        client.force_login(user)
        which = "own" if role == "reporter_a" else "secret"
        for name, url in urls_for(world, which).items():
            status = client.get(url).status_code
            assert status in expected_get_status(name, role), (role, name, status)


# Logging in and the messages framework keep their state in the session row: not the app's data.
NOT_APP_DATA = {"django_session"}


def writes_so_far() -> dict[str, int]:
    """Rows inserted, updated or deleted so far per table in this test's transaction (PostgreSQL's counters)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return {name: count for name, count in cursor.fetchall() if count and name not in NOT_APP_DATA}


def unsaved_month_urls(unit_pk: int) -> dict[str, str]:
    """Pages of a month whose period and reports do not exist yet, and a year with no periods."""
    month = {"year": 2027, "month": 2}
    tables = reverse("dispatch:official_tables", kwargs=month)
    return {
        f"{name} 2027-02": reverse(f"dispatch:{name}", kwargs=month)
        for name in (
            "fill_month",
            "submit_month",
            "review_queue",
            "period_edit",
            "unit_workbook",
            "unit_workbook_upload",
        )
    } | {
        "official_tables 2027-02": tables,
        "official_tables download 2027-02": f"{tables}?download=construction&unit={unit_pk}",
        "completeness 2026": reverse("dispatch:completeness") + "?year=2026",
        "periods 2027": reverse("dispatch:periods") + "?year=2027",
        "dashboard 2027-02": reverse("dashboard:dashboard") + "?period=2027-02",
        "dashboard rows 2027-02": reverse("dashboard:projects") + f"?year=2027&month=2&unit={unit_pk}&show=missing",
        "dashboard targets 2027": reverse("dashboard:targets") + "?year=2027",
    }


def test_no_get_writes_anything(client, world, roles):
    """A GET never writes: no page, for no role, inserts, updates or deletes a row of any table."""
    periods = sorted(ReportingPeriod.objects.values_list("year", "month"))
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC), tick=False):
        for role, user in roles.items():
            client.force_login(user)
            which = "own" if role == "reporter_a" else "secret"
            pages = urls_for(world, which) | unsaved_month_urls(world[which]["project"].responsible_unit_id)
            for name, url in pages.items():
                before = writes_so_far()
                response = client.get(url)
                try:
                    readable(response)  # a streamed file is produced while it is read
                except Exception as error:
                    raise AssertionError((role, name, url, response.get("Content-Type"))) from error
                after = writes_so_far()
                written = {table: n - before.get(table, 0) for table, n in after.items() if n != before.get(table, 0)}
                assert not written, f"GET {name} as {role} ({response.status_code}) wrote {written}"
    assert sorted(ReportingPeriod.objects.values_list("year", "month")) == periods


def test_auditor_changes_nothing(client, world, auditor):
    client.force_login(auditor)
    project = world["secret"]["project"]
    response = client.post(reverse("projects:project_edit", args=[project.pk]), {"name": "改名"})
    assert response.status_code == 404
    report = world["secret"]["report"]
    card_save = reverse("dispatch:card_save", args=[2026, 11, project.pk])
    assert client.post(card_save, {}).status_code == 404
    assert client.post(reverse("dispatch:report_review", args=[report.pk]), {"action": "accept"}).status_code == 403
    project.refresh_from_db()
    assert project.name == SECRET


def test_a_post_to_a_page_that_only_reads_is_refused(client, world, roles):
    """Every page that only reads answers a POST with 405, for every role (a POST never reads as a GET)."""
    read_only = app_url_names() - POST_ONLY - FORM_PAGES
    assert "projects:project_detail" in read_only and "auditlog:log" in read_only
    for role, user in roles.items():
        client.force_login(user)
        which = "own" if role == "reporter_a" else "secret"
        for name, url in urls_for(world, which).items():
            if name in read_only:
                status = client.post(url).status_code
                assert status == 405, (role, name, status)


def test_anonymous_users_are_sent_to_login(client, world):
    for name, url in urls_for(world, "secret").items():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], name


def test_admin_is_for_administrators_only(client, drc, administrator):
    client.force_login(drc)
    assert client.get("/admin/").status_code == 404
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200
