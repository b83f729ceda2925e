"""前期费 journey in the browser: a department applies, DRC proposes an amount, Finance approves and pays
part of it, and the department records a spending with its voucher; the pool's figures follow."""

from decimal import Decimal

import pytest

from funding.models import FeeGrant, GrantStatus
from tests.browser.conftest import login
from tests.funding.conftest import (  # noqa: F401 - fixtures
    applicant,
    department,
    eligible,
    finance_a,
    finance_unit,
    pdf_bytes,
    pool,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(name)}


def test_application_reviews_disbursement_and_spending(page, eligible, applicant, drc, finance_a, pool):  # noqa: F811
    login(page, "transport_reporter")
    page.goto("/funding/?year=2026")
    page.click("#apply-link")
    page.select_option("#apply-form select[name=project]", str(eligible.pk))
    page.fill("#apply-form [name=amount]", "120")
    page.fill("#apply-form [name=preparatory_items]", "可行性研究报告编制及评估")
    page.set_input_files("#apply-form input[name=attachments]", files=[pdf_file("可研报告.pdf")])
    page.click("#apply-submit")
    page.wait_for_selector("#grant-status")
    assert page.inner_text("#grant-status").strip() == "待发改局审核"
    grant = FeeGrant.objects.get(project=eligible)
    assert "可研报告.pdf" in page.inner_text("#attachments")

    login(page, "drc")
    page.goto("/notifications/")
    assert eligible.name in page.inner_text("main")
    page.goto(f"/funding/{grant.pk}/")
    page.check("#drc-form input[value=propose]")
    page.fill("#drc-form [name=amount]", "100")
    page.fill("#drc-form [name=opinion]", "符合国家政策投向，材料真实")
    page.click("#drc-submit")
    page.wait_for_selector("text=发改局审核意见已提交。")
    assert page.inner_text("#grant-status").strip() == "待财政局审核"

    login(page, "finance_a")
    page.goto(f"/funding/{grant.pk}/")
    page.check("#finance-form input[value=approve]")
    page.fill("#finance-form [name=amount]", "100.01")  # above DRC's proposal
    page.fill("#finance-form [name=opinion]", "申报资金比例合理")
    page.click("#finance-submit")
    page.wait_for_selector("#finance-form .errorlist")
    assert "不能超过发改局建议金额" in page.inner_text("#finance-form")
    page.check("#finance-form input[value=approve]")
    page.fill("#finance-form [name=amount]", "80")
    page.fill("#finance-form [name=opinion]", "申报资金比例合理")
    page.click("#finance-submit")
    page.wait_for_selector("text=财政局审核意见已提交。")
    assert page.inner_text("#grant-status").strip() == "已批准"
    page.fill("#disbursement-form [name=amount]", "50")
    page.fill("#disbursement-form [name=paid_on]", "2026-03-01")
    page.click("#disbursement-submit")
    page.wait_for_selector("text=拨付已登记。")
    assert "50.00" in page.inner_text("#disbursement-table")

    login(page, "transport_reporter")
    page.goto(f"/funding/{grant.pk}/")
    page.select_option("#spending-form [name=stage]", "feasibility")
    page.select_option("#spending-form [name=activity]", "preparation")
    page.fill("#spending-form [name=amount]", "60")  # more than was paid
    page.fill("#spending-form [name=spent_on]", "2026-03-10")
    page.fill("#spending-form [name=description]", "可研报告编制合同首付款")
    page.set_input_files("#spending-form input[name=voucher]", files=[pdf_file("发票.pdf")])
    page.click("#spending-submit")
    page.wait_for_selector("#spending-form .errorlist")
    assert "支出不能超过已拨付金额" in page.inner_text("#spending-form")
    page.fill("#spending-form [name=amount]", "30")
    page.set_input_files("#spending-form input[name=voucher]", files=[pdf_file("发票.pdf")])
    page.click("#spending-submit")
    page.wait_for_selector("text=支出已登记。")
    assert "可行性研究报告·编制" in page.inner_text("#spending-table")

    page.goto("/funding/?year=2026")
    assert page.inner_text("#pool-committed").strip() == "80.00 万元"
    assert page.inner_text("#pool-disbursed").strip() == "50.00 万元"
    assert page.inner_text("#pool-spent").strip() == "30.00 万元"
    assert page.inner_text("#pool-remaining").strip() == "920.00 万元"

    grant.refresh_from_db()
    assert (grant.status, grant.approved_amount, grant.drc_by, grant.finance_by) == (
        GrantStatus.APPROVED,
        Decimal("80.00"),
        drc,
        finance_a,
    )
