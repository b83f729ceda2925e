"""Every write of the pre-project fee app (seed 000 §4, seed 001 §23): one function per step.

Each takes the acting user, checks the rule it enforces with a Chinese ValidationError, writes inside
a transaction with history (who, when, why) and tells whoever acts next once the transaction commits.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from ganzhou_projects.audit import save_with_history
from ganzhou_projects.numbers import money
from projects import access
from projects.models import ListEntry, ListKind, Project

from . import selectors
from .models import (
    MINIMUM_POOL,
    ZERO,
    Attachment,
    Disbursement,
    Evaluation,
    FeeGrant,
    FeePool,
    Grade,
    GrantStatus,
    Spending,
    Waste,
    WorkActivity,
    WorkStage,
)
from .uploads import check_upload

CENT = Decimal("0.01")
ALLOWED_SPENDING_TEXT = (
    "前期费只能用于规划研究、方案设计、项目建议书、可行性研究报告、初步设计等环节的"
    "材料编制、招标、咨询、评估、审查、论证等前期工作"
)


def _amount(value, label: str) -> Decimal:
    if value is None:
        raise ValidationError(f"请填写{label}。")
    value = Decimal(value)
    if value <= 0:
        raise ValidationError(f"{label}必须大于0。")
    if value != value.quantize(CENT):
        raise ValidationError(f"{label}最多保留两位小数（万元）。")
    return value


# --- The pool -------------------------------------------------------------------------------------


def pool_set(*, year: int, amount: Decimal, note: str = "", reason: str, acting_user) -> FeePool:
    """Finance sets a year's pool: at least 1,000 万元 (seed 001 §23), never below what is already committed."""
    if not access.may_manage_fee_pool(acting_user):
        raise PermissionDenied
    amount = _amount(amount, "年度安排金额")
    if amount < MINIMUM_POOL:
        raise ValidationError("县级财政每年至少安排1000万元前期费，即不少于 1,000.00 万元。")
    if not (reason or "").strip():
        raise ValidationError("请填写设定或调整资金池的理由。")
    with transaction.atomic():
        pool = FeePool.objects.select_for_update().filter(year=year).first()
        if pool is None:
            pool = FeePool(year=year, amount=amount, note=note, set_by=acting_user)
        else:
            committed = selectors.committed_amount(pool.pk)
            if amount < committed:
                raise ValidationError(
                    f"资金池不能小于已批准的金额：已批准 {money(committed)} 万元，拟设定 {money(amount)} 万元。"
                )
            pool.amount, pool.note, pool.set_by = amount, note, acting_user
        try:
            with transaction.atomic():
                save_with_history(pool, acting_user, reason=reason.strip())
        except IntegrityError:
            raise ValidationError(f"{year}年的资金池已由他人设定，请刷新后再改。") from None
    return pool


# --- Eligibility and application ----------------------------------------------------------------


def ineligibility_reasons(project: Project) -> list[str]:
    """Why a project may not receive pre-project fees (seed 000 §4.1): empty when it may.

    Only projects in the reserve library (纳入储备库) that carry a national major-project database
    code (已录入国家重大建设项目库) are supported.
    """
    reasons = []
    in_reserve = ListEntry.objects.filter(project=project, kind=ListKind.RESERVE, is_active=True).exists()
    if not in_reserve:
        reasons.append("项目未纳入储备库，不能申请前期费。")
    if not project.national_code.strip():
        reasons.append("项目未录入国家重大建设项目库（无项目库代码），不能申请前期费。")
    return reasons


def _check_items(items: str) -> str:
    items = (items or "").strip()
    if not items:
        raise ValidationError({"preparatory_items": "请写明前期费支持的前期工作事项。"})
    return items


def _add_attachments(grant: FeeGrant, uploads, acting_user) -> None:
    for upload in uploads:
        checked = check_upload(upload)
        attachment = Attachment(
            grant=grant,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=acting_user,
        )
        upload.seek(0)
        attachment.file.save(checked.name, ContentFile(upload.read()), save=False)
        save_with_history(attachment, acting_user, reason="上传申报附件")


def grant_apply(
    *, project: Project, year: int, amount: Decimal, preparatory_items: str, attachments=(), acting_user, now=None
) -> FeeGrant:
    """A unit applies for pre-project fees for one of its projects in `year` (seed 000 §4.1).

    Refused with the reason when the project is not eligible, when the year has no pool, or when the
    project already has a live application that year.
    """
    if not access.may_apply_for_project(acting_user, project):
        raise PermissionDenied
    amount = _amount(amount, "申请金额")
    items = _check_items(preparatory_items)
    reasons = ineligibility_reasons(project)
    if reasons:
        raise ValidationError(reasons)
    for upload in attachments:
        check_upload(upload)  # refuse before anything is written
    now = now or timezone.now()
    with transaction.atomic():
        pool = FeePool.objects.filter(year=year).first()
        if pool is None:
            raise ValidationError(f"{year}年的前期费资金池尚未由区财政局设定，暂不能申请。")
        if amount > pool.amount:
            raise ValidationError(f"申请金额超过{year}年资金池总额（{money(pool.amount)} 万元）。")
        grant = FeeGrant(
            pool=pool,
            project=project,
            unit=acting_user.unit,
            amount_requested=amount,
            preparatory_items=items,
            submitted_by=acting_user,
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                save_with_history(grant, acting_user, reason="提交前期费申请")
        except IntegrityError:
            raise ValidationError(f"该项目{year}年已有前期费申请，不能重复申请。") from None
        _add_attachments(grant, attachments, acting_user)
        transaction.on_commit(lambda: _tell_drc(grant, "fee_grant_submitted", now))
    return grant


def _lock(grant: FeeGrant) -> FeeGrant:
    """The grant re-read under a row lock: a second reviewer works from what the first committed."""
    return FeeGrant.objects.select_for_update().select_related("pool", "project", "unit").get(pk=grant.pk)


def grant_resubmit(
    *, grant: FeeGrant, amount: Decimal, preparatory_items: str, attachments=(), reason: str, acting_user, now=None
) -> FeeGrant:
    """The applicant corrects a returned application and sends it back to DRC; the earlier reviews stay in history."""
    if not access.is_fee_grant_applicant(acting_user, grant):
        raise PermissionDenied
    amount = _amount(amount, "申请金额")
    items = _check_items(preparatory_items)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明修改了什么。"})
    for upload in attachments:
        check_upload(upload)
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock(grant)
        if grant.status != GrantStatus.RETURNED:
            raise ValidationError("只有退回修改的申请才能重新提交。")
        reasons = ineligibility_reasons(grant.project)
        if reasons:
            raise ValidationError(reasons)
        grant.amount_requested, grant.preparatory_items = amount, items
        grant.status = GrantStatus.DRC_REVIEW
        grant.submitted_by, grant.submitted_at = acting_user, now
        grant.drc_amount = grant.drc_by = grant.drc_at = None
        grant.approved_amount = grant.finance_by = grant.finance_at = None
        grant.drc_opinion = grant.finance_opinion = ""
        save_with_history(grant, acting_user, reason=f"修改后重新提交：{reason.strip()}")
        _add_attachments(grant, attachments, acting_user)
        transaction.on_commit(lambda: _tell_drc(grant, "fee_grant_resubmitted", now))
    return grant


def attachment_add(*, grant: FeeGrant, upload, acting_user) -> None:
    """More documents while the application waits for DRC or is returned to its unit."""
    if not access.is_fee_grant_applicant(acting_user, grant):
        raise PermissionDenied
    if grant.status not in (GrantStatus.DRC_REVIEW, GrantStatus.RETURNED):
        raise ValidationError("审核开始后不能再补充附件；如需补充，请等待退回修改。")
    with transaction.atomic():
        _add_attachments(grant, [upload], acting_user)


# --- Reviews ---------------------------------------------------------------------------------------


def _check_reviewer(grant: FeeGrant, acting_user) -> None:
    conflict = access.fee_review_conflict(acting_user, grant)
    if conflict:
        raise ValidationError(conflict)


def _opinion(opinion: str, what: str) -> str:
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError({"opinion": f"请填写{what}。"})
    return opinion


def grant_drc_review(
    *, grant: FeeGrant, decision: str, opinion: str, amount: Decimal | None = None, acting_user, now=None
) -> FeeGrant:
    """DRC reviews policy fit, compliance and authenticity (seed 000 §4.2): propose an amount, return or reject.

    The proposal is not above what was asked. The reviewer is neither of the applying unit nor the
    person who will give (or gave) Finance's opinion.
    """
    if not access.may_review_fee_grant_drc(acting_user):
        raise PermissionDenied
    if decision not in ("propose", "return", "reject"):
        raise ValidationError("请选择审核结论。")
    opinion = _opinion(opinion, "审核意见" if decision == "propose" else "退回或不予安排的理由")
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock(grant)
        if grant.status != GrantStatus.DRC_REVIEW:
            raise ValidationError(
                f"该申请当前为“{grant.get_status_display()}”，不在发改局审核环节（可能已由他人审核）。"
            )
        _check_reviewer(grant, acting_user)
        if decision == "propose":
            amount = _amount(amount, "建议金额")
            if amount > grant.amount_requested:
                raise ValidationError({"amount": f"建议金额不能超过申请金额（{money(grant.amount_requested)} 万元）。"})
            grant.drc_amount, grant.drc_opinion = amount, opinion
            grant.drc_by, grant.drc_at = acting_user, now
            grant.status = GrantStatus.FINANCE_REVIEW
            reason = f"发改局审核通过，建议安排 {money(amount)} 万元：{opinion}"
        else:
            grant.drc_opinion, grant.return_reason = opinion, opinion
            grant.drc_by, grant.drc_at = acting_user, now
            grant.status = GrantStatus.RETURNED if decision == "return" else GrantStatus.REJECTED
            reason = f"发改局{'退回修改' if decision == 'return' else '不予安排'}：{opinion}"
        save_with_history(grant, acting_user, reason=reason)
        if decision == "propose":
            transaction.on_commit(lambda: _tell_finance(grant, now))
        else:
            transaction.on_commit(lambda: _tell_applicant(grant, decision, opinion, now))
    return grant


def grant_finance_review(
    *, grant: FeeGrant, decision: str, opinion: str, amount: Decimal | None = None, acting_user, now=None
) -> FeeGrant:
    """Finance reviews the funding ratio (seed 000 §4.2) and approves an amount not above DRC's, or returns/rejects.

    Approval commits the amount from the year's pool. The pool row is locked first, so two approvals
    at once are serialised and the pool is never over-committed.
    """
    if not access.may_review_fee_grant_finance(acting_user):
        raise PermissionDenied
    if decision not in ("approve", "return", "reject"):
        raise ValidationError("请选择审核结论。")
    opinion = _opinion(opinion, "审核意见" if decision == "approve" else "退回或不予安排的理由")
    now = now or timezone.now()
    with transaction.atomic():
        pool = FeePool.objects.select_for_update().get(pk=grant.pool_id)  # pool first: one order, no deadlock
        grant = _lock(grant)
        if grant.status != GrantStatus.FINANCE_REVIEW:
            raise ValidationError(
                f"该申请当前为“{grant.get_status_display()}”，不在财政局审核环节（可能已由他人审核）。"
            )
        _check_reviewer(grant, acting_user)
        if decision == "approve":
            amount = _amount(amount, "批准金额")
            if amount > grant.drc_amount:
                raise ValidationError({"amount": f"批准金额不能超过发改局建议金额（{money(grant.drc_amount)} 万元）。"})
            remaining = pool.amount - selectors.committed_amount(pool.pk)
            if amount > remaining:
                raise ValidationError(
                    {
                        "amount": f"{pool.year}年资金池余额不足：尚可安排 {money(remaining)} 万元，"
                        f"本次拟批准 {money(amount)} 万元。"
                    }
                )
            grant.approved_amount, grant.finance_opinion = amount, opinion
            grant.status = GrantStatus.APPROVED
            reason = f"财政局审核批准 {money(amount)} 万元：{opinion}"
        else:
            grant.finance_opinion, grant.return_reason = opinion, opinion
            grant.status = GrantStatus.RETURNED if decision == "return" else GrantStatus.REJECTED
            reason = f"财政局{'退回修改' if decision == 'return' else '不予安排'}：{opinion}"
        grant.finance_by, grant.finance_at = acting_user, now
        save_with_history(grant, acting_user, reason=reason)
        transaction.on_commit(lambda: _tell_applicant(grant, decision, opinion, now))
    return grant


# --- Money out and money spent ----------------------------------------------------------------------


def disbursement_add(
    *, grant: FeeGrant, amount: Decimal, paid_on: datetime.date, note: str = "", acting_user, now=None
) -> Disbursement:
    """Finance pays an approved grant (拨付), in one or more payments, never above the approved amount."""
    if not access.may_review_fee_grant_finance(acting_user):
        raise PermissionDenied
    amount = _amount(amount, "拨付金额")
    if paid_on is None:
        raise ValidationError({"paid_on": "请填写拨付日期。"})
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock(grant)
        if grant.status != GrantStatus.APPROVED:
            raise ValidationError("只有已批准的申请才能拨付。")
        paid = grant.disbursements.aggregate(t=Sum("amount"))["t"] or ZERO
        if paid + amount > grant.approved_amount:
            raise ValidationError(
                {
                    "amount": f"拨付总额不能超过批准金额：批准 {money(grant.approved_amount)} 万元，"
                    f"已拨付 {money(paid)} 万元，本次最多 {money(grant.approved_amount - paid)} 万元。"
                }
            )
        payment = Disbursement(
            grant=grant, amount=amount, paid_on=paid_on, note=(note or "").strip(), recorded_by=acting_user
        )
        save_with_history(payment, acting_user, reason=f"拨付 {money(amount)} 万元")
        transaction.on_commit(lambda: _tell_disbursed(grant, payment, now))
    return payment


def spending_add(
    *,
    grant: FeeGrant,
    stage: str,
    activity: str,
    amount: Decimal,
    spent_on: datetime.date,
    description: str,
    voucher,
    acting_user,
) -> Spending:
    """The applying unit records what it spent, with its voucher (seed 000 §4.2, seed 001 §23).

    Only preparatory work counts — the five stages and their six kinds of work; anything else, or more
    than has been disbursed, is refused. 不得将前期费用作与项目前期工作无关的支出。
    """
    if not access.is_fee_grant_applicant(acting_user, grant):
        raise PermissionDenied
    if stage not in WorkStage.values or activity not in WorkActivity.values:
        raise ValidationError({"stage": f"该支出不在允许的范围内：{ALLOWED_SPENDING_TEXT}。"})
    amount = _amount(amount, "支出金额")
    if spent_on is None:
        raise ValidationError({"spent_on": "请填写支出日期。"})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "请写明支出内容。"})
    if voucher is None:
        raise ValidationError({"voucher": "请上传支出凭证。"})
    checked = check_upload(voucher, what="支出凭证")
    with transaction.atomic():
        grant = _lock(grant)
        if grant.status != GrantStatus.APPROVED:
            raise ValidationError("只有已批准的前期费才能登记支出。")
        disbursed = grant.disbursements.aggregate(t=Sum("amount"))["t"] or ZERO
        spent = grant.spendings.aggregate(t=Sum("amount"))["t"] or ZERO
        if spent + amount > disbursed:
            raise ValidationError(
                {
                    "amount": f"支出不能超过已拨付金额：已拨付 {money(disbursed)} 万元，已支出 {money(spent)} 万元，"
                    f"本次最多 {money(disbursed - spent)} 万元。"
                }
            )
        spending = Spending(
            grant=grant,
            stage=stage,
            activity=activity,
            amount=amount,
            spent_on=spent_on,
            description=description,
            voucher_name=checked.name,
            recorded_by=acting_user,
        )
        voucher.seek(0)
        spending.voucher.save(checked.name, ContentFile(voucher.read()), save=False)
        save_with_history(spending, acting_user, reason=f"登记支出 {money(amount)} 万元（{spending.category_label}）")
    return spending


# --- Performance evaluation -------------------------------------------------------------------------

# Total score → grade → factor on next year's allocation.
GRADE_BANDS = (
    (90, Grade.EXCELLENT, Decimal("1.20")),
    (75, Grade.GOOD, Decimal("1.00")),
    (60, Grade.PASS, Decimal("0.80")),
)
FAIL_FACTOR = Decimal("0.50")
LOW_EFFECT_CUT = Decimal("0.50")


def grade_and_factor(total: int, waste: str) -> tuple[str, Decimal]:
    """The grade of a total score and the factor on next year's allocation (seed 000 §4.3).

    优秀 1.20, 良好 1.00, 合格 0.80, 不合格 0.50; low or no effect halves the factor (适当调整) and waste
    cancels it (取消前期费安排额度).
    """
    grade, factor = Grade.FAIL, FAIL_FACTOR
    for floor, band_grade, band_factor in GRADE_BANDS:
        if total >= floor:
            grade, factor = band_grade, band_factor
            break
    if waste == Waste.LOW_EFFECT:
        factor = (factor * LOW_EFFECT_CUT).quantize(CENT, rounding=ROUND_HALF_UP)
    elif waste == Waste.WASTE:
        factor = ZERO.quantize(CENT)
    return grade, factor


def evaluation_record(
    *,
    grant: FeeGrant,
    progress_score: int,
    maturity_score: int,
    use_score: int,
    outcome_score: int,
    entered_annual_list: bool,
    won_higher_funds: bool,
    higher_funds_amount: Decimal,
    waste: str,
    opinion: str,
    acting_user,
    now=None,
) -> Evaluation:
    """DRC or Finance evaluates a grant's year: progress, maturity, money used, outcome (seed 000 §4.3).

    The grade and factor follow from the scores and the waste finding; a second evaluation of the same
    grant replaces the first, with both in the history.
    """
    if not access.may_evaluate_fee_grants(acting_user):
        raise PermissionDenied
    scores = {
        "progress_score": (progress_score, 30),
        "maturity_score": (maturity_score, 30),
        "use_score": (use_score, 20),
        "outcome_score": (outcome_score, 20),
    }
    for field, (value, top) in scores.items():
        if value is None or not 0 <= int(value) <= top:
            raise ValidationError({field: f"分值应在 0 到 {top} 之间。"})
    if waste not in Waste.values:
        raise ValidationError({"waste": "请选择是否存在资金浪费或使用低效。"})
    opinion = _opinion(opinion, "评价意见")
    higher = Decimal(higher_funds_amount or 0)
    if higher < 0:
        raise ValidationError({"higher_funds_amount": "争取上级资金不能为负数。"})
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock(grant)
        if grant.status != GrantStatus.APPROVED:
            raise ValidationError("只有已批准的前期费才能进行绩效评价。")
        if acting_user.unit_id is not None and acting_user.unit_id == grant.unit_id:
            raise ValidationError("不能评价本单位的前期费。")
        disbursed, spent = selectors.grant_totals(grant)
        base = disbursed or grant.approved_amount
        ratio = (spent * 100 / base).quantize(CENT, rounding=ROUND_HALF_UP) if base else ZERO
        total = sum(int(value) for value, _top in scores.values())
        grade, factor = grade_and_factor(total, waste)
        evaluation = Evaluation.objects.filter(grant=grant).first() or Evaluation(grant=grant)
        first = evaluation.pk is None
        for field, (value, _top) in scores.items():
            setattr(evaluation, field, int(value))
        evaluation.entered_annual_list = bool(entered_annual_list)
        evaluation.won_higher_funds = bool(won_higher_funds)
        evaluation.higher_funds_amount = higher
        evaluation.waste = waste
        evaluation.total_score, evaluation.grade, evaluation.factor = total, grade, factor
        evaluation.spent_ratio = ratio
        evaluation.opinion = opinion
        evaluation.evaluated_by, evaluation.evaluated_at = acting_user, now
        verb = "绩效评价" if first else "修改绩效评价"
        save_with_history(
            evaluation,
            acting_user,
            reason=f"{verb}：{total}分，{evaluation.get_grade_display()}，系数{factor}；{opinion}",
        )
        transaction.on_commit(lambda: _tell_evaluated(grant, evaluation, now))
    return evaluation


# --- Notices: to whoever acts next -------------------------------------------------------------------


def _link(grant: FeeGrant) -> str:
    return reverse("funding:grant_detail", args=[grant.pk])


def _notify(grant: FeeGrant, *, kind: str, when, title: str, body: str, users) -> None:
    from notifications.services import notify

    users = list(users)
    notify(
        kind=kind,
        object_key=f"fee_grant:{grant.pk}",
        period_key=when.isoformat(),
        title=title,
        body=body,
        users=users,
        emails=[u.email for u in users if u.email],
        unit=grant.unit,
        link=_link(grant),
    )


def _applicants(grant: FeeGrant):
    return access.unit_reporters(grant.unit)


def _tell_drc(grant: FeeGrant, kind: str, when) -> None:
    again = "重新提交" if kind == "fee_grant_resubmitted" else "提交"
    _notify(
        grant,
        kind=kind,
        when=when,
        title=f"【前期费待审核】{grant.project.name}",
        body=f"{grant.unit.name}{again}了{grant.project.name}的{grant.pool.year}年前期费申请，"
        f"申请 {money(grant.amount_requested)} 万元，请发改局审核。",
        users=access.drc_reviewers().exclude(unit=grant.unit),
    )


def _tell_finance(grant: FeeGrant, when) -> None:
    _notify(
        grant,
        kind="fee_grant_drc_reviewed",
        when=when,
        title=f"【前期费待财政审核】{grant.project.name}",
        body=f"发改局建议为{grant.project.name}安排前期费 {money(grant.drc_amount)} 万元，请财政局审核。",
        users=access.users_with_role("finance_bureau").exclude(unit=grant.unit),
    )


def _tell_applicant(grant: FeeGrant, decision: str, opinion: str, when) -> None:
    kinds = {
        "approve": ("fee_grant_approved", f"【前期费已批准】{grant.project.name}"),
        "return": ("fee_grant_returned", f"【前期费申请退回修改】{grant.project.name}"),
        "reject": ("fee_grant_rejected", f"【前期费不予安排】{grant.project.name}"),
    }
    kind, title = kinds[decision]
    if decision == "approve":
        body = f"{grant.project.name}获批前期费 {money(grant.approved_amount)} 万元，财政局将按进度拨付。{opinion}"
    else:
        outcome = "被退回修改，请修改后重新提交" if decision == "return" else "未获安排"
        body = f"{grant.project.name}的前期费申请{outcome}。理由：{opinion}"
    _notify(grant, kind=kind, when=when, title=title, body=body, users=_applicants(grant))


def _tell_disbursed(grant: FeeGrant, payment: Disbursement, when) -> None:
    _notify(
        grant,
        kind="fee_grant_disbursed",
        when=when,
        title=f"【前期费已拨付】{grant.project.name}",
        body=f"财政局已拨付{grant.project.name}前期费 {money(payment.amount)} 万元（{payment.paid_on:%Y-%m-%d}），"
        "请按规定用于前期工作并登记支出及凭证。",
        users=_applicants(grant),
    )


def _tell_evaluated(grant: FeeGrant, evaluation: Evaluation, when) -> None:
    _notify(
        grant,
        kind="fee_grant_evaluated",
        when=when,
        title=f"【前期费绩效评价】{grant.project.name}：{evaluation.get_grade_display()}",
        body=f"{grant.project.name}的{grant.pool.year}年前期费绩效评价为{evaluation.get_grade_display()}"
        f"（{evaluation.total_score}分），下年度安排系数 {evaluation.factor}。{evaluation.opinion}",
        users=_applicants(grant),
    )
