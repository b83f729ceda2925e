"""The 前期费 screens per role, the evaluation's effect on next year, the Excel export and the PDF
approval sheet (both read back), and query counts that do not grow with the number of grants."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exports.models import ExportJob
from funding import selectors, services
from funding.models import GrantStatus, Waste

from .conftest import apply, approve, pdf_upload, reserve_project

pytestmark = pytest.mark.django_db


def evaluate(grant, user, *, scores=(28, 27, 18, 18), waste=Waste.NONE):
    return services.evaluation_record(
        grant=grant,
        progress_score=scores[0],
        maturity_score=scores[1],
        use_score=scores[2],
        outcome_score=scores[3],
        entered_annual_list=True,
        won_higher_funds=False,
        higher_funds_amount=Decimal("0"),
        waste=waste,
        opinion="前期工作推进较快",
        acting_user=user,
    )


# --- Evaluation and next year's allocation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "waste", "grade", "factor"),
    [
        (95, Waste.NONE, "excellent", "1.20"),
        (80, Waste.NONE, "good", "1.00"),
        (60, Waste.NONE, "pass", "0.80"),
        (59, Waste.NONE, "fail", "0.50"),
        (95, Waste.LOW_EFFECT, "excellent", "0.60"),
        (95, Waste.WASTE, "excellent", "0.00"),
    ],
)
def test_grade_and_factor(total, waste, grade, factor):
    assert services.grade_and_factor(total, waste) == (grade, Decimal(factor))


def test_the_evaluation_sets_next_years_allocation(
    department, other_department, applicant, other_applicant, drc, finance_a, pool
):
    good = approve(
        apply(reserve_project(department, drc, name="交通项目甲", code="T-1"), applicant),
        drc,
        finance_a,
        approved="100",
    )
    unevaluated = approve(
        apply(reserve_project(department, drc, name="交通项目乙", code="T-2"), applicant), drc, finance_a, approved="50"
    )
    wasted = approve(
        apply(reserve_project(other_department, drc, name="水务项目", code="W-1"), other_applicant),
        drc,
        finance_a,
        approved="80",
    )
    evaluation = evaluate(good, drc)  # 91 points
    assert (evaluation.grade, evaluation.factor) == ("excellent", Decimal("1.20"))
    evaluate(wasted, finance_a, waste=Waste.WASTE)
    rows = {row.unit.name: row for row in selectors.next_year_allocation(2026)}
    transport, water = rows["区交通运输局"], rows["区水务局"]
    assert (transport.approved, transport.proposed, transport.evaluated, transport.not_evaluated) == (
        Decimal("150.00"),
        Decimal("170.00"),
        1,
        1,
    )
    assert transport.factor == Decimal("1.13")
    assert (water.approved, water.proposed, water.factor) == (Decimal("80.00"), Decimal("0.00"), Decimal("0.00"))
    # a second evaluation replaces the first, both in the history
    evaluate(good, drc, scores=(10, 10, 10, 10), waste=Waste.LOW_EFFECT)
    rows = {row.unit.name: row for row in selectors.next_year_allocation(2026)}
    assert rows["区交通运输局"].proposed == Decimal("75.00")  # 100 × 0.25 + 50 × 1.00
    assert good.evaluation.history.count() == 2
    assert unevaluated.status == GrantStatus.APPROVED


def test_the_allocation_page(client, approved, drc, finance_a, applicant, leader):
    evaluate(approved, finance_a)
    client.force_login(leader)
    body = client.get(reverse("funding:allocation") + "?year=2026").content.decode()
    assert "2027年前期费安排建议" in body and "96.00" in body  # 80 × 1.20
    client.force_login(applicant)
    assert client.get(reverse("funding:allocation")).status_code == 403


def test_nobody_evaluates_an_unapproved_grant_or_their_own_units(submitted, drc, applicant):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        evaluate(submitted, drc)
    with pytest.raises(PermissionDenied):
        evaluate(submitted, applicant)


# --- Screens -------------------------------------------------------------------------------------------


def test_the_home_page_per_role(
    client, approved, applicant, other_applicant, drc, finance_a, leader, auditor, statistician
):
    url = reverse("funding:home") + "?year=2026"
    for user in (applicant, drc, finance_a, leader, auditor):
        client.force_login(user)
        body = client.get(url).content.decode()
        assert approved.project.name in body, user
        assert "1,000.00 万元" in body and "920.00 万元" in body
    client.force_login(other_applicant)
    assert approved.project.name not in client.get(url).content.decode()
    client.force_login(statistician)
    assert client.get(url).status_code == 403
    client.force_login(other_applicant)
    assert client.get(reverse("funding:grant_detail", args=[approved.pk])).status_code == 404


def test_each_role_sees_only_its_own_step(client, submitted, applicant, drc, finance_a, auditor, leader):
    detail = reverse("funding:grant_detail", args=[submitted.pk])
    client.force_login(drc)
    assert 'id="drc-form"' in client.get(detail).content.decode()
    for user in (finance_a, auditor, leader, applicant):
        client.force_login(user)
        body = client.get(detail).content.decode()
        assert 'id="drc-form"' not in body and 'id="finance-form"' not in body, user
    client.force_login(auditor)
    response = client.post(reverse("funding:drc_review", args=[submitted.pk]), {"decision": "reject", "opinion": "x"})
    assert response.status_code == 403


def test_the_review_forms_show_the_services_refusals(client, submitted, drc):
    client.force_login(drc)
    response = client.post(
        reverse("funding:drc_review", args=[submitted.pk]),
        {"decision": "propose", "amount": "500", "opinion": "符合"},
    )
    assert response.status_code == 400
    assert "建议金额不能超过申请金额（120.00 万元）" in response.content.decode()


def test_applying_on_the_page_refuses_an_ineligible_project_with_the_reason(client, department, drc, applicant, pool):
    project = reserve_project(department, drc, name="未入库的道路项目", in_reserve=False)
    client.force_login(applicant)
    response = client.post(
        reverse("funding:grant_apply"),
        {
            "project": project.pk,
            "year": 2026,
            "amount": "50",
            "preparatory_items": "初步设计编制",
            "attachments": [pdf_upload()],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "项目未纳入储备库" in body and "未录入国家重大建设项目库" in body


def test_applying_on_the_page(client, eligible, applicant, pool):
    client.force_login(applicant)
    assert client.get(reverse("funding:grant_apply")).status_code == 200
    response = client.post(
        reverse("funding:grant_apply"),
        {
            "project": eligible.pk,
            "year": 2026,
            "amount": "12,5",
            "preparatory_items": "可研编制",
            "attachments": [pdf_upload()],
        },
    )
    assert response.status_code == 400  # "12,5" is refused, not guessed
    response = client.post(
        reverse("funding:grant_apply"),
        {
            "project": eligible.pk,
            "year": 2026,
            "amount": "１２.５",
            "preparatory_items": "可研编制",
            "attachments": [pdf_upload()],
        },
    )
    assert response.status_code == 302
    grant = eligible.fee_grants.get()
    assert grant.amount_requested == Decimal("12.5") and grant.attachments.count() == 1
    download = client.get(reverse("funding:attachment_file", args=[grant.attachments.get().pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_the_pool_page_is_for_finance(client, finance_a, drc):
    client.force_login(drc)
    assert client.get(reverse("funding:pool_edit")).status_code == 403
    client.force_login(finance_a)
    response = client.post(
        reverse("funding:pool_edit") + "?year=2027",
        {"year": 2027, "amount": "1,200", "note": "", "reason": "2027年预算"},
    )
    assert response.status_code == 302
    page = client.get(reverse("funding:pool_edit") + "?year=2027").content.decode()
    assert "2027年预算" in page  # the reason is in the pool's history


# --- Exports ------------------------------------------------------------------------------------------


def run_export(client, url, data, capture):
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    job = ExportJob.objects.latest("pk")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    with job.file.open("rb") as handle:
        return job, handle.read()


def test_excel_export_of_the_pool_and_the_grants(
    client, approved, finance_a, applicant, other_applicant, django_capture_on_commit_callbacks
):
    services.disbursement_add(
        grant=approved, amount=Decimal("30"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    client.force_login(finance_a)
    _job, data = run_export(
        client, reverse("funding:export_grants"), {"year": 2026}, django_capture_on_commit_callbacks
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    pool_sheet, grants_sheet = workbook["资金池"], workbook["前期费安排"]
    assert pool_sheet["A1"].value == "甘州区2026年前期费资金池"
    assert [c.value for c in pool_sheet[4]] == [2026, 1000, 80, 30, 0, 920]
    row = [c.value for c in grants_sheet[4]]
    assert row[:4] == [1, approved.project.name, approved.project.national_code, "区交通运输局"]
    assert row[5:11] == [120, 100, 80, 30, 0, "已批准"]
    assert grants_sheet["F4"].number_format == "#,##0.00"
    client.force_login(other_applicant)  # another department's export holds none of these grants
    _job, data = run_export(
        client, reverse("funding:export_grants"), {"year": 2026}, django_capture_on_commit_callbacks
    )
    assert openpyxl.load_workbook(io.BytesIO(data))["前期费安排"].max_row == 3


def test_the_approval_sheet_pdf(
    client, approved, finance_a, applicant, other_applicant, django_capture_on_commit_callbacks
):
    services.disbursement_add(
        grant=approved, amount=Decimal("30"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    client.force_login(applicant)
    job, data = run_export(
        client, reverse("funding:approval_sheet", args=[approved.pk]), {}, django_capture_on_commit_callbacks
    )
    assert job.file.name.endswith(".pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    for expected in (
        "前期费安排审批表",
        approved.project.name,
        "区交通运输局",
        "符合政策投向",
        "比例合理",
        "120.00",
        "80.00",
        "30.00",
    ):
        assert expected in compact, expected
    client.force_login(other_applicant)
    assert client.post(reverse("funding:approval_sheet", args=[approved.pk])).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_grants(client, department, applicant, drc, finance_a, pool):
    def add(count, start):
        for index in range(start, start + count):
            grant = apply(
                reserve_project(department, drc, name=f"项目{index}", code=f"Q-{index}"), applicant, amount="5"
            )
            grant = approve(grant, drc, finance_a, proposed="5", approved="5")
            services.disbursement_add(
                grant=grant, amount=Decimal("5"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
            )
            evaluate(grant, drc)
        return grant

    last = add(2, 0)
    client.force_login(drc)
    pages = [
        reverse("funding:home") + "?year=2026",
        reverse("funding:allocation") + "?year=2026",
        reverse("funding:grant_detail", args=[last.pk]),
    ]
    small = [count_queries(client, url) for url in pages]
    last = add(6, 2)
    pages[2] = reverse("funding:grant_detail", args=[last.pk])
    large = [count_queries(client, url) for url in pages]
    assert large == small


def test_resubmitting_and_evaluating_on_the_pages(client, submitted, applicant, drc, drc_b, finance_a):
    services.grant_drc_review(grant=submitted, decision="return", opinion="请补充可研合同", acting_user=drc)
    client.force_login(applicant)
    url = reverse("funding:grant_resubmit", args=[submitted.pk])
    assert "请补充可研合同" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "amount": "110",
            "preparatory_items": "可研编制",
            "reason": "已补充合同",
            "attachments": [pdf_upload("合同.pdf")],
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.amount_requested, submitted.attachments.count()) == (
        GrantStatus.DRC_REVIEW,
        Decimal("110"),
        2,
    )
    grant = approve(submitted, drc_b, finance_a, proposed="100", approved="100")
    client.force_login(finance_a)
    url = reverse("funding:evaluate", args=[grant.pk])
    assert client.get(url).status_code == 200
    data = {
        "progress_score": 25,
        "maturity_score": 25,
        "use_score": 15,
        "outcome_score": 15,
        "waste": "none",
        "opinion": "按期完成可研",
    }
    assert client.post(url, data).status_code == 302
    grant.refresh_from_db()
    assert (grant.evaluation.total_score, grant.evaluation.grade, grant.evaluation.factor) == (
        80,
        "good",
        Decimal("1.00"),
    )
    body = client.get(reverse("funding:grant_detail", args=[grant.pk])).content.decode()
    assert "良好（80分）" in body and "绩效评价：80分，良好，系数1.00；按期完成可研" in body
