"""前期费 screens: the pool and the grants of a year, one grant with the step its reader may take,
the application, the pool setting, the evaluation and next year's allocation. Rules are in services."""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from projects import access
from projects.forms import apply_validation_error
from projects.models import ListKind, Project

from . import selectors, services
from .exports import grants_export_start, sheet_export_start
from .forms import (
    ApplicationForm,
    AttachmentForm,
    DisbursementForm,
    DrcReviewForm,
    EvaluationForm,
    FinanceReviewForm,
    PoolForm,
    ResubmitForm,
    SpendingForm,
)
from .models import Attachment, FeePool, GrantStatus, Spending

PAGE_SIZE = 50
HISTORY_ROWS = 100


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_safe
def home(request):
    """The year's pool (committed, disbursed, spent, left) and the grants the user reads, with what awaits them."""
    if not access.may_see_fee_pool(request.user):
        raise PermissionDenied
    year = _year(request)
    status = request.GET.get("status", "")
    grants = selectors.grants_for_user(request.user).filter(pool__year=year)
    if status in GrantStatus.values:
        grants = grants.filter(status=status)
    page = Paginator(selectors.grant_list(grants).order_by("status", "-submitted_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    user = request.user
    return render(
        request,
        "funding/home.html",
        {
            "year": year,
            "years": sorted({year, *FeePool.objects.values_list("year", flat=True)}, reverse=True),
            "figures": selectors.figures_of_year(year),
            "page": page,
            "status": status,
            "statuses": GrantStatus.choices,
            "querystring": f"year={year}&status={status}",
            "may_apply": access.may_apply_for_fee_grant(user),
            "may_manage_pool": access.may_manage_fee_pool(user),
            "may_read_all": access.may_read_all_fee_grants(user),
        },
    )


@login_required
def pool_edit(request):
    """Finance sets or adjusts a year's pool, with the reason on record."""
    if not access.may_manage_fee_pool(request.user):
        raise PermissionDenied
    year = _year(request)
    pool = FeePool.objects.filter(year=year).first()
    initial = {
        "year": year,
        "amount": pool.amount if pool else services.MINIMUM_POOL,
        "note": pool.note if pool else "",
    }
    form = PoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pool = services.pool_set(
                year=data["year"],
                amount=data["amount"],
                note=data["note"],
                reason=data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{pool.year}年前期费资金池已设定。")
            return redirect(f"{reverse('funding:home')}?year={pool.year}")
    history = selectors.pool_history(pool)[:HISTORY_ROWS] if pool else []
    return render(request, "funding/pool_form.html", {"form": form, "year": year, "pool": pool, "history": history})


def _applicable_projects(user):
    """The projects the user's unit answers for (responsible or competent department): eligible or not, so a
    refusal can say why."""
    return (
        Project.objects.filter(Q(responsible_unit_id=user.unit_id) | Q(competent_department_id=user.unit_id))
        .only("id", "name", "national_code")
        .order_by("name", "id")
    )


@login_required
def grant_apply(request):
    """A unit applies for a project's pre-project fees; an ineligible project is refused with the reason."""
    if not access.may_apply_for_fee_grant(request.user):
        raise PermissionDenied
    projects = _applicable_projects(request.user)
    form = ApplicationForm(
        request.POST or None, request.FILES or None, projects=projects, initial={"year": _year(request)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.grant_apply(
                project=data["project"],
                year=data["year"],
                amount=data["amount"],
                preparatory_items=data["preparatory_items"],
                attachments=data["attachments"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "前期费申请已提交，等待发改局审核。")
            return redirect("funding:grant_detail", pk=grant.pk)
    return render(request, "funding/apply.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request, grant, *, forms=None, status=200):
    user = request.user
    forms = forms or {}
    disbursed, spent = selectors.grant_totals(grant)
    is_applicant = access.is_fee_grant_applicant(user, grant)
    conflict = access.fee_review_conflict(user, grant)
    can_drc = grant.status == GrantStatus.DRC_REVIEW and access.may_review_fee_grant_drc(user)
    can_finance = grant.status == GrantStatus.FINANCE_REVIEW and access.may_review_fee_grant_finance(user)
    approved = grant.status == GrantStatus.APPROVED
    evaluation = getattr(grant, "evaluation", None)
    return render(
        request,
        "funding/grant_detail.html",
        {
            "grant": grant,
            "project": grant.project,
            "disbursed": disbursed,
            "spent": spent,
            "undisbursed": (grant.approved_amount or 0) - disbursed,
            "unspent": disbursed - spent,
            "attachments": grant.attachments.select_related("uploaded_by"),
            "disbursements": grant.disbursements.select_related("recorded_by"),
            "spendings": grant.spendings.select_related("recorded_by"),
            "evaluation": evaluation,
            "is_applicant": is_applicant,
            "conflict": conflict if (can_drc or can_finance) else "",
            "can_drc": can_drc and not conflict,
            "can_finance": can_finance and not conflict,
            "can_resubmit": is_applicant and grant.status == GrantStatus.RETURNED,
            "can_attach": is_applicant and grant.status in (GrantStatus.DRC_REVIEW, GrantStatus.RETURNED),
            "can_disburse": approved
            and access.may_review_fee_grant_finance(user)
            and disbursed < grant.approved_amount,
            "can_spend": approved and is_applicant,
            "can_evaluate": approved and access.may_evaluate_fee_grants(user) and user.unit_id != grant.unit_id,
            "drc_form": forms.get("drc") or DrcReviewForm(initial={"amount": grant.amount_requested}),
            "finance_form": forms.get("finance") or FinanceReviewForm(initial={"amount": grant.drc_amount}),
            "disbursement_form": forms.get("disbursement") or DisbursementForm(),
            "spending_form": forms.get("spending") or SpendingForm(),
            "attachment_form": forms.get("attachment") or AttachmentForm(),
            "history": selectors.grant_history(grant)[:HISTORY_ROWS],
        },
        status=status,
    )


def _grant(request, pk):
    return selectors.get_grant_for_user(request.user, pk)


@login_required
@require_safe
def grant_detail(request, pk):
    return _detail(request, _grant(request, pk))


@login_required
def grant_resubmit(request, pk):
    """The applicant corrects a returned application and sends it to DRC again."""
    grant = _grant(request, pk)
    if not (access.is_fee_grant_applicant(request.user, grant) and grant.status == GrantStatus.RETURNED):
        raise PermissionDenied
    initial = {"amount": grant.amount_requested, "preparatory_items": grant.preparatory_items}
    form = ResubmitForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_resubmit(
                grant=grant,
                amount=data["amount"],
                preparatory_items=data["preparatory_items"],
                attachments=data["attachments"],
                reason=data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "申请已修改并重新提交，等待发改局审核。")
            return redirect("funding:grant_detail", pk=grant.pk)
    return render(request, "funding/resubmit.html", {"form": form, "grant": grant}, status=400 if form.errors else 200)


def _post_step(request, pk, *, key, form_class, may, run, done: str):
    """A POSTed step on one grant: the form, the service, and the grant page again on an error."""
    grant = _grant(request, pk)
    if not may(request.user, grant):
        raise PermissionDenied
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            run(grant, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, done)
            return redirect("funding:grant_detail", pk=grant.pk)
    return _detail(request, _grant(request, pk), forms={key: form}, status=400)


@login_required
@require_POST
def attachment_add(request, pk):
    return _post_step(
        request,
        pk,
        key="attachment",
        form_class=AttachmentForm,
        may=access.is_fee_grant_applicant,
        run=lambda grant, data: services.attachment_add(grant=grant, upload=data["file"], acting_user=request.user),
        done="附件已上传。",
    )


@login_required
@require_POST
def drc_review(request, pk):
    return _post_step(
        request,
        pk,
        key="drc",
        form_class=DrcReviewForm,
        may=lambda user, grant: access.may_review_fee_grant_drc(user),
        run=lambda grant, data: services.grant_drc_review(
            grant=grant,
            decision=data["decision"],
            amount=data["amount"],
            opinion=data["opinion"],
            acting_user=request.user,
        ),
        done="发改局审核意见已提交。",
    )


@login_required
@require_POST
def finance_review(request, pk):
    return _post_step(
        request,
        pk,
        key="finance",
        form_class=FinanceReviewForm,
        may=lambda user, grant: access.may_review_fee_grant_finance(user),
        run=lambda grant, data: services.grant_finance_review(
            grant=grant,
            decision=data["decision"],
            amount=data["amount"],
            opinion=data["opinion"],
            acting_user=request.user,
        ),
        done="财政局审核意见已提交。",
    )


@login_required
@require_POST
def disbursement_add(request, pk):
    return _post_step(
        request,
        pk,
        key="disbursement",
        form_class=DisbursementForm,
        may=lambda user, grant: access.may_review_fee_grant_finance(user),
        run=lambda grant, data: services.disbursement_add(
            grant=grant, amount=data["amount"], paid_on=data["paid_on"], note=data["note"], acting_user=request.user
        ),
        done="拨付已登记。",
    )


@login_required
@require_POST
def spending_add(request, pk):
    return _post_step(
        request,
        pk,
        key="spending",
        form_class=SpendingForm,
        may=access.is_fee_grant_applicant,
        run=lambda grant, data: services.spending_add(
            grant=grant, voucher=data.pop("voucher"), acting_user=request.user, **data
        ),
        done="支出已登记。",
    )


@login_required
def evaluate(request, pk):
    """DRC or Finance evaluates the grant's year; the factor weighs the department's next allocation."""
    grant = _grant(request, pk)
    if not (access.may_evaluate_fee_grants(request.user) and grant.status == GrantStatus.APPROVED):
        raise PermissionDenied
    current = getattr(grant, "evaluation", None)
    initial = {}
    if current:
        initial = {f: getattr(current, f) for f in EvaluationForm.base_fields}
    else:
        in_list = grant.project.list_entries.filter(kind=ListKind.ANNUAL, year__gte=grant.pool.year).exists()
        initial = {"entered_annual_list": in_list}
    form = EvaluationForm(request.POST or None, initial=initial)
    disbursed, spent = selectors.grant_totals(grant)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_record(grant=grant, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "绩效评价已保存。")
            return redirect("funding:grant_detail", pk=grant.pk)
    context = {"form": form, "grant": grant, "current": current, "disbursed": disbursed, "spent": spent}
    return render(request, "funding/evaluate.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def allocation(request):
    """下年度前期费安排建议: per department, from the evaluations of the year's grants (seed 000 §4.3)."""
    if not access.may_read_all_fee_grants(request.user):
        raise PermissionDenied
    year = _year(request)
    rows = selectors.next_year_allocation(year)
    next_pool = FeePool.objects.filter(year=year + 1).first()
    return render(
        request,
        "funding/allocation.html",
        {
            "year": year,
            "next_year": year + 1,
            "rows": rows,
            "next_pool": next_pool,
            "total_approved": sum((r.approved for r in rows), start=services.ZERO),
            "total_proposed": sum((r.proposed for r in rows), start=services.ZERO),
        },
    )


@login_required
@require_POST
def export_grants(request):
    """The year's pool and grants as Excel, built in the background."""
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    job = grants_export_start(user=request.user, year=year)
    return redirect("exports:job", pk=job.pk)


@login_required
@require_POST
def approval_sheet(request, pk):
    """前期费安排审批表 as a PDF, built in the background."""
    grant = _grant(request, pk)
    job = sheet_export_start(user=request.user, grant_id=grant.pk)
    return redirect("exports:job", pk=job.pk)


def _file_response(field, name: str):
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(name))


@login_required
@require_safe
def attachment_file(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk, grant__in=selectors.grants_for_user(request.user))
    return _file_response(attachment.file, attachment.original_name)


@login_required
@require_safe
def voucher_file(request, pk):
    spending = get_object_or_404(Spending, pk=pk, grant__in=selectors.grants_for_user(request.user))
    return _file_response(spending.voucher, spending.voucher_name)
