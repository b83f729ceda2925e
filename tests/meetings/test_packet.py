"""The packet PDF read back: sections, every project of the month, fonts embedded, "第 X 页 共 Y 页" equal to
the page count, headers repeated, rows whole; frozen data and versions; the export job and the command."""

import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.core.management import call_command

from dispatch import services as dispatch_services
from dispatch.models import MonthlyReport
from exports.models import ExportJob
from exports.services import export_job_run
from meetings import packet, services
from meetings.exports import packet_export_start
from meetings.models import PacketVersion
from tests.dispatch.conftest import fill
from tests.meetings.conftest import NOW, make_projects

pytestmark = pytest.mark.django_db


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def squeeze(text: str) -> str:
    """Text without the line breaks and spaces a wrapped cell puts into it."""
    return "".join(text.split())


def fonts_of(pdf: bytes) -> list[dict]:
    fonts = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts.append(
                {
                    "name": str(font.get("/BaseFont")),
                    "embedded": any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")),
                }
            )
    return fonts


def build(meeting, user, when=NOW):
    with time_machine.travel(when, tick=False):
        return packet.packet_build(meeting=meeting, acting_user=user)


def test_pdf_reads_back(month, drc):
    version = build(month["meeting"], drc)
    pdf = bytes(version.pdf)
    texts = pages_text(pdf)
    whole = squeeze("".join(texts))
    for _key, title in packet.SECTIONS:
        assert squeeze(title) in whole
    assert "目录" in whole and "数据截止时间" in whole and "2026年11月24日10:00" in whole
    for project in month["projects"]:
        assert squeeze(project.name) in whole, project.name
    # The table of contents gives each section's page (target-counter).
    toc = squeeze(texts[1])
    for key, title in packet.SECTIONS:
        page = next(i for i, text in enumerate(texts) if squeeze(title) in squeeze(text) and i > 1) + 1
        assert f"{squeeze(title)}" in toc and re.search(re.escape(squeeze(title)) + r"\.*" + str(page), toc), key
    # 第 X 页 共 Y 页 on every page but the cover, Y the real count.
    totals = {int(m) for text in texts[1:] for m in re.findall(r"共 (\d+) 页", text)}
    assert totals == {len(texts)} == {version.pages}
    assert [int(re.search(r"第 (\d+) 页", text).group(1)) for text in texts[1:]] == list(range(2, len(texts) + 1))
    fonts = fonts_of(pdf)
    assert fonts and all(font["embedded"] for font in fonts), fonts
    assert all("+" in font["name"] for font in fonts), fonts  # subset fonts are named ABCDEF+Name
    assert any("CJK" in font["name"] for font in fonts)
    # The month's figures and lists.
    assert "投资完成率" in whole and "开复工率" in whole and "梁家墩镇" in whole
    assert "投资严重滞后" in whole and "设施农业用地指标未落实" in whole
    assert "区自然资源分局11月10日前完成用地预审" in whole and "逾期，提请追责" in whole
    assert "<svg" not in whole  # the chart is drawn, not printed as markup


def test_long_tables_repeat_their_header_and_keep_rows_whole(drc, town_a, town_b, leader):
    names = [
        ("a" if i % 2 else "b", f"甘州区第{i:03d}号重点项目（含配套基础设施及附属工程建设内容）") for i in range(90)
    ]
    with time_machine.travel(NOW, tick=False):
        make_projects(drc, {"a": town_a, "b": town_b}, names)
        series = services.series_create(
            name="调度会", chair=leader, cadence="monthly", every_weeks=None, acting_user=drc
        )
        meeting = services.meeting_create(series=series, date=datetime.date(2026, 11, 26), acting_user=drc)
    version = build(meeting, drc)
    texts = pages_text(bytes(version.pdf))
    appendix = [i for i, text in enumerate(texts) if any(squeeze(n) in squeeze(text) for _u, n in names)]
    assert len(appendix) >= 3
    for index in appendix:
        assert "项目名称" in texts[index] and "累计完" in squeeze(texts[index])  # the header on every page
    for _unit, name in names:
        assert sum(squeeze(name) in squeeze(text) for text in texts) == 1, name  # each row whole on one page


def test_built_packet_is_frozen_and_a_rebuild_makes_a_new_version(month, drc):
    first = build(month["meeting"], drc)
    before = pages_text(bytes(first.pdf))
    report = MonthlyReport.objects.get(project=month["projects"][0], period__year=2026, period__month=11)
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        fill(report, drc, progress_text="钢结构大棚已全部封顶", investment_this_month=Decimal("321.45"))
    first.refresh_from_db()
    assert pages_text(bytes(first.pdf)) == before
    assert "钢结构大棚已全部封顶" not in squeeze("".join(before))
    assert packet.packet_html(first.snapshot) == packet.packet_html(PacketVersion.objects.get(pk=first.pk).snapshot)
    second = build(month["meeting"], drc, when=NOW + datetime.timedelta(hours=3))
    after = squeeze("".join(pages_text(bytes(second.pdf))))
    assert "钢结构大棚已全部封顶" in after and "321.45" in after and "2026年11月24日13:00" in after
    assert (first.number, second.number) == (1, 2)
    assert list(month["meeting"].packets.values_list("number", flat=True)) == [2, 1]
    # A frozen version still renders to the same text from its own snapshot.
    assert "钢结构大棚已全部封顶" not in squeeze(packet.packet_html(first.snapshot))


def test_export_job_builds_a_version_with_progress(month, drc, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        job = packet_export_start(user=drc, meeting=month["meeting"])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    assert job.progress == 100
    version = month["meeting"].packets.get()
    assert job.file.read() == bytes(version.pdf)
    assert export_job_run(job.pk) is False  # claimed once


def test_export_job_is_drc_only(month, leader):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        packet_export_start(user=leader, meeting=month["meeting"])


def test_build_packet_command(month, tmp_path, capsys):
    out = tmp_path / "packet.pdf"
    with time_machine.travel(NOW, tick=False):
        call_command("build_packet", "--month", "2026-11", "--out", str(out))
    texts = pages_text(out.read_bytes())
    assert month["meeting"].title in squeeze(texts[0])
    assert all(squeeze(p.name) in squeeze("".join(texts)) for p in month["projects"])
    assert "4 projects" in capsys.readouterr().out
    assert not PacketVersion.objects.exists()  # the command writes a file, not a version


def test_draft_this_month_counts_as_typed_but_not_sent(month, drc):
    """The appendix marks a project whose report of the month is not submitted (as the official table does)."""
    project = month["projects"][0]
    with time_machine.travel(NOW, tick=False):
        report = MonthlyReport.objects.get(project=project, period__month=11)
        dispatch_services.report_submit(report=report, acting_user=drc)
    version = build(month["meeting"], drc)
    rows = {row["name"]: row for row in version.snapshot["projects"]}
    assert "未报送" not in rows[project.name]["progress"]
    assert "未报送" in rows[month["projects"][1].name]["progress"]


def test_follow_up_lists_open_decisions_and_those_settled_since_the_last_meeting(month, drc, town_a):
    from dispatch.models import SHANGHAI

    def decided(day, text):
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI), tick=False):
            meeting = services.meeting_create(series=month["series"], date=day, acting_user=drc)
            item = services.agenda_item_add(meeting=meeting, title="议题", acting_user=drc)
            return services.decision_create(
                item=item, text=text, units=[town_a], deadline=day + datetime.timedelta(days=20), acting_user=drc
            )

    long_done = decided(datetime.date(2026, 8, 25), "八月议定，九月已办结")
    recently_done = decided(datetime.date(2026, 9, 25), "九月议定，十一月办结")
    with time_machine.travel(datetime.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        services.decision_mark_done(decision=long_done, evidence="已办结", acting_user=drc)
    with time_machine.travel(datetime.datetime(2026, 11, 2, 10, tzinfo=SHANGHAI), tick=False):
        services.decision_mark_done(decision=recently_done, evidence="已办结", acting_user=drc)
    with time_machine.travel(NOW, tick=False):
        snapshot = packet.take_snapshot(year=2026, month=11, meeting=month["meeting"])
    texts = {row["text"]: row["status"] for row in snapshot["decisions"]}
    assert texts == {month["overdue"].text: "逾期，提请追责", "九月议定，十一月办结": "已办结"}


def test_html_typed_into_a_record_is_printed_as_text_in_the_packet(month, drc):
    """A name or problem typed as markup is neither rendered nor run by WeasyPrint: it prints as typed."""
    from early_warnings import ledger
    from projects.models import Project

    project = month["projects"][0]
    typed = '<b>粗体</b><script>alert(1)</script><img src="http://127.0.0.1:9/x.png">温室项目'
    Project.objects.filter(pk=project.pk).update(name=typed)
    with time_machine.travel(NOW, tick=False):
        ledger.problem_create(
            project=project,
            category="land",
            description="<i>斜体</i>用地<style>*{display:none}</style>未批",
            level="district",
            acting_user=drc,
        )
    whole = squeeze("".join(pages_text(bytes(build(month["meeting"], drc).pdf))))
    assert squeeze(typed) in whole
    assert squeeze("<i>斜体</i>用地<style>*{display:none}</style>未批") in whole
