"""The ranking pages, publishing with its notices, the Excel export read back, and who may do what."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import services
from assessment.models import Adjustment, Assessment, UnitGroup
from assessment.scoring import Period
from exports.models import ExportJob
from notifications.kinds import kind_label, period_label
from notifications.models import Notice
from tests.assessment.conftest import Q1_NOW, YEAR_END_NOW
from tests.dashboard.conftest import listed, report
from tests.factories import UnitFactory

Q1_URL = reverse("assessment:quarter", args=[2026, 1, "township"])


@pytest.fixture
def at_q1_end():
    with time_machine.travel(Q1_NOW, tick=False):
        yield


def test_the_draft_page_shows_every_component_the_score_and_the_formula(client, world, drc, at_q1_end):
    client.force_login(drc)
    page = client.get(Q1_URL).content.decode()
    assert "2026年第1季度乡镇（街道）重点项目考核排名" in page
    assert "未发布" in page
    row = page[page.index(f'id="unit-{world["a"].pk}"') :].split("</tr>")[0]
    for text in ("梁家墩镇", "66.67%", "300.00", "100.00%", "90.00"):
        assert text in row
    assert "加权得分＝Σ（权重×指标分）÷Σ权重" in page  # the formula, in Chinese
    assert "得分相同者名次并列" in page
    assert "不参与排名" in page  # 火车站街道
    assert 'id="assessment-publish"' in page
    assert "style=" not in page.split("<main")[1] and "<script>" not in page


def test_publish_notifies_each_unit_of_its_place(
    client, world, drc, reporter_a, django_capture_on_commit_callbacks, at_q1_end
):
    client.force_login(drc)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:quarter_publish", args=[2026, 1, "township"]))
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.year, assessment.quarter, assessment.group) == (2026, 1, "township")
    assert assessment.rows.count() == 4
    notices = {n.unit.name: n for n in Notice.objects.filter(kind="assessment_published")}
    assert set(notices) == {"梁家墩镇", "上秦镇", "东街", "火车站街道"}
    assert "得分90.00，在3个单位中列第1名" in notices["梁家墩镇"].body
    assert "列第2名" in notices["上秦镇"].body and "列第2名" in notices["东街"].body
    assert "不参与排名" in notices["火车站街道"].body
    assert notices["梁家墩镇"].link == Q1_URL
    assert list(notices["梁家墩镇"].recipients.values_list("user", flat=True)) == [reporter_a.pk]
    assert kind_label("assessment_published") == "考核排名发布（本单位名次）"
    assert period_label("2026-Q1") == "2026年第1季度"
    # Running the notices again sends nothing twice.
    assert services.notify_places(assessment_id=assessment.pk) == 0
    page = client.get(Q1_URL).content.decode()
    assert "发布；本表为发布时的结果" in page and 'id="assessment-publish"' not in page


def test_units_read_published_tables_only(client, world, drc, reporter_a, at_q1_end):
    client.force_login(reporter_a)
    assert client.get(Q1_URL).status_code == 404  # a draft is DRC's working table
    index = client.get(reverse("assessment:index") + "?year=2026").content.decode()
    assert Q1_URL not in index
    services.assessment_publish(period=Period(2026, 1), group=UnitGroup.TOWNSHIP, acting_user=drc, now=Q1_NOW)
    page = client.get(Q1_URL).content.decode()
    assert "上秦镇" in page and "东街" in page  # a circular to every unit: the whole table
    assert 'class="own"' in page
    assert 'id="assessment-publish"' not in page
    assert Q1_URL in client.get(reverse("assessment:index") + "?year=2026").content.decode()
    # Departments' Q1 is still a draft.
    assert client.get(reverse("assessment:quarter", args=[2026, 1, "department"])).status_code == 404
    assert client.get(reverse("assessment:scheme")).status_code == 403
    assert client.post(reverse("assessment:quarter_publish", args=[2026, 1, "department"])).status_code == 403


def test_leaders_and_auditors_read_and_change_nothing(client, world, leader, auditor, at_q1_end):
    for user in (leader, auditor):
        client.force_login(user)
        page = client.get(Q1_URL).content.decode()
        assert "90.00" in page and 'id="assessment-publish"' not in page
        assert client.post(reverse("assessment:quarter_publish", args=[2026, 1, "township"])).status_code == 403
        scheme = client.get(reverse("assessment:scheme")).content.decode()
        assert 'id="scheme-form"' not in scheme
        assert client.post(reverse("assessment:scheme"), {"effective_from": "2026-01-01"}).status_code == 403
        assert (
            client.post(
                reverse("assessment:adjustment_add", args=[2026, "township"]),
                {"unit": world["a"].pk, "points": "5", "reason": "x"},
            ).status_code
            == 403
        )
    assert not Assessment.objects.exists() and not Adjustment.objects.exists()


def test_bad_period_or_group_is_404(client, world, drc):
    client.force_login(drc)
    assert client.get(reverse("assessment:quarter", args=[2026, 5, "township"])).status_code == 404
    assert client.get(reverse("assessment:quarter", args=[2026, 1, "nobody"])).status_code == 404
    assert client.get(reverse("assessment:year_end", args=[1999, "township"])).status_code == 404


def test_drc_sets_the_scheme_on_its_page(client, world, drc, at_q1_end):
    client.force_login(drc)
    data = {
        "effective_from": "2026-01-01",
        "weight_timeliness": "50",
        "weight_investment": "30",
        "weight_start": "20",
        "deduct_red": "5",
        "deduct_yellow": "3",
        "deduct_blue": "1",
        "grade_excellent": "90",
        "grade_good": "80",
        "grade_pass": "60",
        "reason": "突出报送及时率",
    }
    response = client.post(reverse("assessment:scheme"), data)
    assert response.status_code == 302
    page = client.get(reverse("assessment:scheme")).content.decode()
    assert "突出报送及时率" in page and "2026-01-01" in page
    assert "83.34" in client.get(Q1_URL).content.decode()
    bad = client.post(reverse("assessment:scheme"), data | {"weight_start": "30", "reason": "错"})
    assert bad.status_code == 200 and "三项权重之和须为100" in bad.content.decode()


def test_year_end_page_adjustments_through_the_form(client, world, drc):
    url = reverse("assessment:year_end", args=[2026, "township"])
    with time_machine.travel(YEAR_END_NOW, tick=False):
        client.force_login(drc)  # inside: a session begun a month earlier would have expired
        response = client.post(
            reverse("assessment:adjustment_add", args=[2026, "township"]),
            {"unit": world["a"].pk, "points": "２０", "reason": "重点项目观摩点评第一名"},
        )
        assert response.status_code == 302 and response["Location"] == url
        adjustment = Adjustment.objects.get()
        assert adjustment.points == Decimal("20") and adjustment.created_by == drc
        page = client.get(url).content.decode()
        assert "重点项目观摩点评第一名" in page and "64.00" in page and "合格" in page
        assert (
            client.post(reverse("assessment:adjustment_withdraw", args=[adjustment.pk]), {"reason": ""}).status_code
            == 302
        )
        assert Adjustment.objects.exists()  # no reason, not withdrawn
        client.post(reverse("assessment:adjustment_withdraw", args=[adjustment.pk]), {"reason": "重复登记"})
        assert not Adjustment.objects.exists()
        page = client.get(url).content.decode()
        assert "重复登记" in page  # in the adjustments' change record
        assert "44.00" in page and "不合格" in page


def _run_export(client, url, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    with job.file.open("rb") as handle:
        return openpyxl.load_workbook(io.BytesIO(handle.read())).active


def test_quarter_excel_reads_back(client, world, drc, django_capture_on_commit_callbacks, at_q1_end):
    client.force_login(drc)
    ws = _run_export(
        client, reverse("assessment:quarter_export", args=[2026, 1, "township"]), django_capture_on_commit_callbacks
    )
    assert ws["A1"].value == "甘州区2026年第1季度乡镇（街道）重点项目考核排名"
    assert ws["C3"].value == "报送及时率" and ws["F4"].value == "及时率" and ws["Q3"].value == "加权得分"
    first = [c.value for c in ws[5]]
    assert first[:2] == [1, "梁家墩镇"]
    assert first[2:5] == [3, 2, 1]
    assert Decimal(str(first[5])) == Decimal("66.67") and ws["F5"].number_format == '0.00"%"'
    assert Decimal(str(first[6])) == Decimal("300") and ws["G5"].number_format == "#,##0.00"
    assert Decimal(str(first[17])) == Decimal("90.00") and ws["R5"].number_format == "0.00"
    places = [(ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value) for r in range(5, 9)]
    assert places == [(1, "梁家墩镇"), (2, "东街"), (2, "上秦镇"), ("不参与排名", "火车站街道")]
    texts = [ws.cell(row=r, column=1).value for r in range(9, ws.max_row + 1)]
    assert "计分办法：" in texts


def test_year_end_excel_reads_back_with_adjustment_and_grade(client, world, drc, django_capture_on_commit_callbacks):
    services.adjustment_add(year=2026, unit=world["a"], points=Decimal("20"), reason="观摩第一", acting_user=drc)
    with time_machine.travel(YEAR_END_NOW, tick=False):
        client.force_login(drc)
        ws = _run_export(
            client, reverse("assessment:year_end_export", args=[2026, "township"]), django_capture_on_commit_callbacks
        )
    assert ws["A1"].value == "甘州区2026年度乡镇（街道）重点项目年终考核"
    assert ws["R3"].value == "年终调整分" and ws["S3"].value == "得分" and ws["T3"].value == "等次"
    row = {ws.cell(row=r, column=2).value: r for r in range(5, 9)}
    a = row["梁家墩镇"]
    assert Decimal(str(ws.cell(row=a, column=18).value)) == Decimal("20")
    assert Decimal(str(ws.cell(row=a, column=19).value)) == Decimal("64.00")
    assert ws.cell(row=a, column=20).value == "合格"


def test_a_unit_may_export_a_published_table_only(
    client, world, drc, reporter_a, django_capture_on_commit_callbacks, at_q1_end
):
    client.force_login(reporter_a)
    url = reverse("assessment:quarter_export", args=[2026, 1, "township"])
    assert client.post(url).status_code == 403
    services.assessment_publish(period=Period(2026, 1), group=UnitGroup.TOWNSHIP, acting_user=drc, now=Q1_NOW)
    ws = _run_export(client, url, django_capture_on_commit_callbacks)
    assert ws["B5"].value == "梁家墩镇"


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_units_projects_and_reports(client, world, drc, at_q1_end):
    urls = [Q1_URL, reverse("assessment:year_end", args=[2026, "township"]), reverse("assessment:index")]
    client.force_login(drc)
    services.adjustment_add(year=2026, unit=world["a"], points=Decimal("1"), reason="一", acting_user=drc)
    before = [_count(client, url) for url in urls]
    for i in range(6):
        unit = UnitFactory(name=f"扩展镇{i}")
        project = listed(f"扩展项目{i}", unit, "industry", "1200", datetime.date(2026, 1, 10), drc)
        for month in (1, 2, 3):
            report(project, month, "100", drc, start_status="started")
        services.adjustment_add(year=2026, unit=unit, points=Decimal("2"), reason="二", acting_user=drc)
    after = [_count(client, url) for url in urls]
    assert after == before
    assert before[0] <= 20
