"""The pre-project fee workflow (seed 000 §4, seed 001 §23): eligibility, the two reviews and their
separation, the pool, disbursement and spending limits, and the history of every step."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from funding import services
from funding.models import FeeGrant, GrantStatus, Spending
from notifications.models import Notice
from projects import roles
from tests.factories import UserFactory

from .conftest import apply, approve, pdf_upload, png_upload, reserve_project

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Eligibility -----------------------------------------------------------------------------------


def test_a_reserve_project_with_a_national_code_may_apply(submitted, eligible):
    assert submitted.status == GrantStatus.DRC_REVIEW
    assert submitted.unit == eligible.responsible_unit
    assert submitted.attachments.get().content_type == "application/pdf"


def test_a_project_outside_the_reserve_library_is_refused_with_the_reason(department, drc, applicant, pool):
    project = reserve_project(department, drc, name="未入库项目", code="2026-620702-48-01-000009", in_reserve=False)
    with pytest.raises(ValidationError) as error:
        apply(project, applicant)
    assert "未纳入储备库" in messages_of(error.value)
    assert not FeeGrant.objects.exists()


def test_a_project_without_a_national_code_is_refused_with_the_reason(department, drc, applicant, pool):
    project = reserve_project(department, drc, name="无代码项目")
    with pytest.raises(ValidationError) as error:
        apply(project, applicant)
    assert "国家重大建设项目库" in messages_of(error.value)


def test_both_reasons_are_given_at_once(department, drc, applicant, pool):
    project = reserve_project(department, drc, name="两项都不符合", in_reserve=False)
    with pytest.raises(ValidationError) as error:
        apply(project, applicant)
    assert len(error.value.messages) == 2


def test_another_units_project_cannot_be_applied_for(eligible, other_applicant, pool):
    with pytest.raises(PermissionDenied):
        apply(eligible, other_applicant)


def test_no_pool_no_application(eligible, applicant):
    with pytest.raises(ValidationError) as error:
        apply(eligible, applicant)
    assert "资金池尚未" in messages_of(error.value)


def test_one_live_application_per_project_and_year(submitted, eligible, applicant):
    with pytest.raises(ValidationError) as error:
        apply(eligible, applicant)
    assert "已有前期费申请" in messages_of(error.value)


def test_a_rejected_application_leaves_room_for_a_new_one(submitted, eligible, applicant, drc):
    services.grant_drc_review(grant=submitted, decision="reject", opinion="不符合政策投向", acting_user=drc)
    assert apply(eligible, applicant).status == GrantStatus.DRC_REVIEW


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", b"MZ\x90\x00 this is an executable"),  # renamed executable
        ("报告.exe", b"%PDF-1.4 a real pdf with the wrong name"),
        ("报告.docx", b"PK\x03\x04 not really a zip"),
        ("报告.txt", b"plain text"),
    ],
)
def test_attachments_are_checked_by_content_not_by_name(eligible, applicant, pool, name, content):
    with pytest.raises(ValidationError) as error:
        apply(eligible, applicant, attachments=[SimpleUploadedFile(name, content)])
    assert "不是允许的文件类型" in messages_of(error.value)
    assert not FeeGrant.objects.exists()


def test_oversized_attachments_are_refused(eligible, applicant, pool, settings):
    settings.MAX_FUNDING_ATTACHMENT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as error:
        apply(eligible, applicant, attachments=[big])
    assert "超过 1 MB" in messages_of(error.value)


def test_office_documents_are_accepted(eligible, applicant, pool):
    import io

    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    grant = apply(eligible, applicant, attachments=[SimpleUploadedFile("测算表.xlsx", buffer.getvalue()), png_upload()])
    assert sorted(grant.attachments.values_list("content_type", flat=True)) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
    ]


# --- The pool ----------------------------------------------------------------------------------------


def test_the_pool_is_at_least_ten_million_yuan(finance_a):
    with pytest.raises(ValidationError) as error:
        services.pool_set(year=2027, amount=Decimal("999.99"), reason="预算", acting_user=finance_a)
    assert "至少安排1000万元" in messages_of(error.value)


def test_only_finance_sets_the_pool(drc, auditor):
    for user in (drc, auditor):
        with pytest.raises(PermissionDenied):
            services.pool_set(year=2027, amount=Decimal("1000"), reason="预算", acting_user=user)


def test_figures_of_the_pool(approved, finance_a, applicant):
    from funding import selectors

    services.disbursement_add(
        grant=approved, amount=Decimal("50"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    services.spending_add(
        grant=approved,
        stage="feasibility",
        activity="preparation",
        amount=Decimal("30"),
        spent_on=datetime.date(2026, 3, 10),
        description="可研编制合同首付款",
        voucher=png_upload(),
        acting_user=applicant,
    )
    figures = selectors.figures_of_year(2026)
    assert (figures.pool.amount, figures.committed, figures.disbursed, figures.spent, figures.remaining) == (
        Decimal("1000.00"),
        Decimal("80.00"),
        Decimal("50.00"),
        Decimal("30.00"),
        Decimal("920.00"),
    )


def test_approval_beyond_what_is_left_is_refused(department, drc, applicant, finance_a, pool):
    first = apply(reserve_project(department, drc, name="项目一", code="C-1"), applicant, amount="900")
    approve(first, drc, finance_a, proposed="900", approved="900")
    second = apply(reserve_project(department, drc, name="项目二", code="C-2"), applicant, amount="200")
    second = services.grant_drc_review(
        grant=second, decision="propose", amount=Decimal("200"), opinion="符合", acting_user=drc
    )
    with pytest.raises(ValidationError) as error:
        services.grant_finance_review(
            grant=second, decision="approve", amount=Decimal("200"), opinion="同意", acting_user=finance_a
        )
    assert "资金池余额不足：尚可安排 100.00 万元" in messages_of(error.value)
    services.pool_set(year=2026, amount=Decimal("1100"), reason="追加预算", acting_user=finance_a)
    approved = services.grant_finance_review(
        grant=second, decision="approve", amount=Decimal("200"), opinion="同意", acting_user=finance_a
    )
    assert approved.status == GrantStatus.APPROVED
    with pytest.raises(ValidationError) as error:
        services.pool_set(year=2026, amount=Decimal("1050"), reason="调减", acting_user=finance_a)
    assert "不能小于已批准的金额：已批准 1,100.00 万元" in messages_of(error.value)


# --- Reviews and separation of duties ------------------------------------------------------------------


def test_drc_proposes_and_finance_approves_within_it(submitted, drc, finance_a):
    grant = services.grant_drc_review(
        grant=submitted, decision="propose", amount=Decimal("100"), opinion="符合政策投向", acting_user=drc
    )
    assert grant.status == GrantStatus.FINANCE_REVIEW
    with pytest.raises(ValidationError) as error:
        services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("100.01"), opinion="同意", acting_user=finance_a
        )
    assert "不能超过发改局建议金额" in messages_of(error.value)
    grant = services.grant_finance_review(
        grant=grant, decision="approve", amount=Decimal("100"), opinion="同意", acting_user=finance_a
    )
    assert (grant.status, grant.approved_amount) == (GrantStatus.APPROVED, Decimal("100"))


def test_drc_cannot_propose_more_than_was_asked(submitted, drc):
    with pytest.raises(ValidationError) as error:
        services.grant_drc_review(
            grant=submitted, decision="propose", amount=Decimal("121"), opinion="符合", acting_user=drc
        )
    assert "不能超过申请金额" in messages_of(error.value)


def test_the_reviews_go_in_order_and_by_role(submitted, drc, finance_a, applicant):
    with pytest.raises(ValidationError):
        services.grant_finance_review(
            grant=submitted, decision="approve", amount=Decimal("10"), opinion="同意", acting_user=finance_a
        )
    with pytest.raises(PermissionDenied):
        services.grant_drc_review(
            grant=submitted, decision="propose", amount=Decimal("10"), opinion="同意", acting_user=finance_a
        )
    with pytest.raises(PermissionDenied):
        services.grant_drc_review(
            grant=submitted, decision="propose", amount=Decimal("10"), opinion="同意", acting_user=applicant
        )


def test_the_same_person_cannot_do_both_reviews(submitted, drc_unit):
    both = UserFactory(username="both", full_name="兼职", unit=drc_unit, role=roles.DRC)
    both.groups.add(roles.ensure_role_groups()[roles.FINANCE])
    both = type(both).objects.get(pk=both.pk)  # fresh permission cache
    grant = services.grant_drc_review(
        grant=submitted, decision="propose", amount=Decimal("100"), opinion="符合", acting_user=both
    )
    with pytest.raises(ValidationError) as error:
        services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("100"), opinion="同意", acting_user=both
        )
    assert "同一人不能既做发改局审核又做财政局审核" in messages_of(error.value)


def test_an_administrator_holding_both_rights_still_cannot_do_both(submitted, administrator):
    grant = services.grant_drc_review(
        grant=submitted, decision="propose", amount=Decimal("100"), opinion="符合", acting_user=administrator
    )
    with pytest.raises(ValidationError):
        services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("100"), opinion="同意", acting_user=administrator
        )


def test_nobody_reviews_their_own_units_application(drc_unit, drc, drc_b, finance_a, pool, finance_unit):
    own = reserve_project(drc_unit, drc, name="发改局自身项目", code="D-1")
    drc_reporter = UserFactory(username="drc_reporter", unit=drc_unit, role=roles.REPORTER)
    grant = apply(own, drc_reporter)
    with pytest.raises(ValidationError) as error:
        services.grant_drc_review(
            grant=grant, decision="propose", amount=Decimal("10"), opinion="符合", acting_user=drc_b
        )
    assert "不能审核本单位" in messages_of(error.value)
    finance_project = reserve_project(finance_unit, drc, name="财政局自身项目", code="F-1")
    finance_reporter = UserFactory(username="finance_reporter", unit=finance_unit, role=roles.REPORTER)
    grant = apply(finance_project, finance_reporter)
    grant = services.grant_drc_review(
        grant=grant, decision="propose", amount=Decimal("10"), opinion="符合", acting_user=drc
    )
    with pytest.raises(ValidationError) as error:
        services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("10"), opinion="同意", acting_user=finance_a
        )
    assert "不能审核本单位" in messages_of(error.value)


def test_auditors_change_nothing(submitted, auditor):
    with pytest.raises(PermissionDenied):
        services.grant_drc_review(grant=submitted, decision="reject", opinion="x", acting_user=auditor)
    with pytest.raises(PermissionDenied):
        services.grant_finance_review(grant=submitted, decision="reject", opinion="x", acting_user=auditor)


@pytest.mark.parametrize("returned_by", ["drc", "finance"])
def test_a_returned_application_is_corrected_and_resubmitted(submitted, drc, drc_b, finance_a, applicant, returned_by):
    if returned_by == "drc":
        grant = services.grant_drc_review(grant=submitted, decision="return", opinion="请补充可研批复", acting_user=drc)
    else:
        grant = services.grant_drc_review(
            grant=submitted, decision="propose", amount=Decimal("100"), opinion="符合", acting_user=drc
        )
        grant = services.grant_finance_review(
            grant=grant, decision="return", opinion="请说明资金比例", acting_user=finance_a
        )
    assert grant.status == GrantStatus.RETURNED
    assert grant.return_reason in ("请补充可研批复", "请说明资金比例")
    grant = services.grant_resubmit(
        grant=grant,
        amount=Decimal("90"),
        preparatory_items="可行性研究报告编制",
        attachments=[pdf_upload("补充材料.pdf")],
        reason="已补充材料并调减金额",
        acting_user=applicant,
    )
    assert (grant.status, grant.amount_requested, grant.drc_amount, grant.drc_by) == (
        GrantStatus.DRC_REVIEW,
        Decimal("90"),
        None,
        None,
    )
    assert grant.attachments.count() == 2
    grant = approve(grant, drc_b, finance_a, proposed="90", approved="90")
    assert grant.status == GrantStatus.APPROVED
    reasons = list(FeeGrant.history.filter(id=grant.pk).values_list("history_change_reason", flat=True))
    assert any("修改后重新提交：已补充材料并调减金额" in (r or "") for r in reasons)


def test_only_a_returned_application_is_resubmitted(submitted, applicant):
    with pytest.raises(ValidationError):
        services.grant_resubmit(
            grant=submitted, amount=Decimal("1"), preparatory_items="x", reason="x", acting_user=applicant
        )


# --- Disbursement and spending -------------------------------------------------------------------------


def test_disbursements_up_to_the_approved_amount(approved, finance_a, applicant):
    services.disbursement_add(
        grant=approved, amount=Decimal("50"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    services.disbursement_add(
        grant=approved, amount=Decimal("30"), paid_on=datetime.date(2026, 6, 1), acting_user=finance_a
    )
    with pytest.raises(ValidationError) as error:
        services.disbursement_add(
            grant=approved, amount=Decimal("0.01"), paid_on=datetime.date(2026, 7, 1), acting_user=finance_a
        )
    assert "拨付总额不能超过批准金额" in messages_of(error.value)
    with pytest.raises(PermissionDenied):
        services.disbursement_add(
            grant=approved, amount=Decimal("1"), paid_on=datetime.date(2026, 7, 1), acting_user=applicant
        )


def test_no_disbursement_before_approval(submitted, finance_a):
    with pytest.raises(ValidationError):
        services.disbursement_add(
            grant=submitted, amount=Decimal("1"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
        )


def spend(grant, user, amount, *, stage="feasibility", activity="preparation", voucher=None):
    return services.spending_add(
        grant=grant,
        stage=stage,
        activity=activity,
        amount=Decimal(amount),
        spent_on=datetime.date(2026, 4, 1),
        description="可研报告编制费",
        voucher=voucher or pdf_upload("发票.pdf"),
        acting_user=user,
    )


def test_spending_is_limited_to_what_was_disbursed(approved, finance_a, applicant):
    with pytest.raises(ValidationError) as error:
        spend(approved, applicant, "1")
    assert "支出不能超过已拨付金额：已拨付 0.00 万元" in messages_of(error.value)
    services.disbursement_add(
        grant=approved, amount=Decimal("40"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    spend(approved, applicant, "25")
    spend(approved, applicant, "15", stage="preliminary_design", activity="examination")
    with pytest.raises(ValidationError) as error:
        spend(approved, applicant, "0.01")
    assert "已拨付 40.00 万元，已支出 40.00 万元，本次最多 0.00 万元" in messages_of(error.value)
    assert Spending.objects.filter(grant=approved).count() == 2


@pytest.mark.parametrize(
    ("stage", "activity"), [("construction", "preparation"), ("feasibility", "equipment"), ("", "")]
)
def test_spending_outside_the_preparatory_categories_is_refused(approved, finance_a, applicant, stage, activity):
    services.disbursement_add(
        grant=approved, amount=Decimal("40"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    with pytest.raises(ValidationError) as error:
        spend(approved, applicant, "10", stage=stage, activity=activity)
    assert "不在允许的范围内" in messages_of(error.value)
    assert "规划研究、方案设计、项目建议书、可行性研究报告、初步设计" in messages_of(error.value)
    assert not Spending.objects.exists()


def test_spending_needs_a_real_voucher_and_the_applying_unit(approved, finance_a, applicant, other_applicant):
    services.disbursement_add(
        grant=approved, amount=Decimal("40"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    with pytest.raises(ValidationError) as error:
        spend(approved, applicant, "10", voucher=SimpleUploadedFile("发票.jpg", b"not a picture"))
    assert "支出凭证" in messages_of(error.value)
    with pytest.raises(PermissionDenied):
        spend(approved, other_applicant, "10")
    with pytest.raises(PermissionDenied):
        spend(approved, finance_a, "10")


# --- Notices and history --------------------------------------------------------------------------------


def test_each_step_tells_whoever_acts_next(
    eligible, applicant, pool, drc, finance_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant = apply(eligible, applicant)
    notice = Notice.objects.get(kind="fee_grant_submitted")
    assert set(notice.recipients.values_list("user__username", flat=True)) == {"drc"}
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.grant_drc_review(
            grant=grant, decision="propose", amount=Decimal("100"), opinion="符合", acting_user=drc
        )
    notice = Notice.objects.get(kind="fee_grant_drc_reviewed")
    assert set(notice.recipients.values_list("user__username", flat=True)) == {"finance_a"}
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("80"), opinion="同意", acting_user=finance_a
        )
    notice = Notice.objects.get(kind="fee_grant_approved")
    assert set(notice.recipients.values_list("user__username", flat=True)) == {"transport_reporter"}
    assert notice.link == f"/funding/{grant.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        services.disbursement_add(
            grant=grant, amount=Decimal("80"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
        )
    assert Notice.objects.filter(kind="fee_grant_disbursed", recipients__user=applicant).exists()


def test_every_step_is_in_the_history_with_who_and_why(approved, drc, finance_a, applicant):
    from funding import selectors

    services.disbursement_add(
        grant=approved, amount=Decimal("50"), paid_on=datetime.date(2026, 3, 1), acting_user=finance_a
    )
    events = selectors.grant_history(approved)
    by_reason = {event.reason: event.user.username for event in events}
    assert by_reason["提交前期费申请"] == "transport_reporter"
    assert by_reason["发改局审核通过，建议安排 100.00 万元：符合政策投向"] == "drc"
    assert by_reason["财政局审核批准 80.00 万元：比例合理"] == "finance_a"
    assert by_reason["拨付 50.00 万元"] == "finance_a"
    assert all(event.when for event in events)
