"""考核排名: the quarterly ranking and the year-end assessment of the units, DRC's scoring scheme.

Who reads what (projects.access): DRC, leaders, auditors and the statistics and finance bureaus read
every table, published or not, and the scheme; a unit's staff read published tables only (a
published ranking is a circular to every unit) and get 404 for a draft; others get 403.
Only DRC changes anything.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ganzhou_projects.history import history_events
from projects import access
from projects.forms import apply_validation_error, flash_errors

from . import services
from .exports import assessment_export_start
from .forms import AdjustmentForm, SchemeForm, WithdrawForm
from .models import SCHEME_VALUE_FIELDS, Adjustment, Assessment, ScoringScheme, UnitGroup, group_of
from .scoring import (
    FORMULA_LINES,
    Period,
    draft_table,
    parse_period,
    published_assessment,
    published_table,
    scheme_for,
    units_of,
)

HISTORY_PAGE_SIZE = 20


def _group(group: str) -> str:
    if group not in UnitGroup.values:
        raise Http404
    return group


def _readable(request, period: Period, group: str):
    """The table the user may read: published for readers of published tables, drafts for draft readers."""
    user = request.user
    if not access.may_read_published_assessment(user):
        raise PermissionDenied
    published = published_assessment(period, _group(group))
    if published is not None:
        return published_table(published)
    if not access.may_read_assessment_drafts(user):
        raise Http404
    return draft_table(period, group)


def _unit_ids(group: str):
    return units_of(_group(group)).values("pk")


def _back(period: Period, group: str):
    if period.quarter:
        return redirect("assessment:quarter", period.year, period.quarter, group)
    return redirect("assessment:year_end", period.year, group)


@login_required
@require_safe
def index(request):
    """The year's quarters and year-end, per group, with what is published."""
    user = request.user
    if not access.may_read_published_assessment(user):
        raise PermissionDenied
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    published = {(a.quarter, a.group): a for a in Assessment.objects.filter(year=year)}
    drafts = access.may_read_assessment_drafts(user)
    rows = []
    for quarter in (1, 2, 3, 4, None):
        period = Period(year, quarter)
        cells = []
        for group in UnitGroup:
            done = published.get((quarter, group.value))
            cells.append({"group": group, "published": done, "readable": drafts or done is not None})
        rows.append({"period": period, "cells": cells})
    return render(
        request,
        "assessment/index.html",
        {
            "year": year,
            "rows": rows,
            "years": [year - 1, year, year + 1],
            "may_manage": access.may_manage_assessment(user),
        },
    )


def _table_page(request, period: Period, group: str, extra: dict | None = None):
    data = _readable(request, period, group)
    user = request.user
    context = {
        "data": data,
        "formula": FORMULA_LINES,
        "may_manage": access.may_manage_assessment(user),
        "may_publish": access.may_manage_assessment(user)
        and data.published is None
        and timezone.now() > period.closing_deadline(),
        "reads_drafts": access.may_read_assessment_drafts(user),
        **(extra or {}),
    }
    return render(request, "assessment/table.html", context)


@login_required
@require_safe
def quarter(request, year: int, quarter: int, group: str):
    return _table_page(request, parse_period(year, quarter), group)


@login_required
@require_safe
def year_end(request, year: int, group: str):
    period = parse_period(year, None)
    user = request.user
    extra = {}
    if access.may_read_assessment_drafts(user):
        adjustments = Adjustment.objects.filter(year=period.year, unit__in=_unit_ids(group))
        extra["show_adjustments"] = True
        extra["adjustments"] = list(adjustments.select_related("unit", "created_by").order_by("unit__sort_order", "id"))
        extra["adjustment_history"] = history_events(
            [Adjustment.history.filter(year=period.year, unit__in=_unit_ids(group))]
        )
        if access.may_manage_assessment(user) and published_assessment(period, _group(group)) is None:
            extra["adjustment_form"] = AdjustmentForm(group=group)
            extra["withdraw_form"] = WithdrawForm()
    return _table_page(request, period, group, extra)


@login_required
@require_POST
def publish(request, year: int, group: str, quarter: int | None = None):
    period = parse_period(year, quarter)
    try:
        services.assessment_publish(period=period, group=_group(group), acting_user=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, f"{period.label}{UnitGroup(group).label}考核已发布，已通知各单位。")
    return _back(period, group)


@login_required
@require_POST
def export(request, year: int, group: str, quarter: int | None = None):
    period = parse_period(year, quarter)
    job = assessment_export_start(user=request.user, period=period, group=_group(group))
    return redirect("exports:job", pk=job.pk)


@login_required
@require_POST
def adjustment_add(request, year: int, group: str):
    if not access.may_manage_assessment(request.user):
        raise PermissionDenied
    period = parse_period(year, None)
    form = AdjustmentForm(request.POST, group=_group(group))
    if form.is_valid():
        try:
            services.adjustment_add(year=period.year, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, "考核调整已登记。")
    else:
        flash_errors(request, form)
    return _back(period, group)


@login_required
@require_POST
def adjustment_withdraw(request, pk: int):
    if not access.may_manage_assessment(request.user):
        raise PermissionDenied
    adjustment = get_object_or_404(Adjustment.objects.select_related("unit"), pk=pk)
    group = group_of(adjustment.unit)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.adjustment_withdraw(
                adjustment=adjustment, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, "考核调整已撤销。")
    else:
        flash_errors(request, form)
    return _back(Period(adjustment.year, None), group)


@login_required
def scheme(request):
    """The dated versions of the scoring scheme with their history; DRC adds or changes a version."""
    user = request.user
    if not access.may_read_assessment_drafts(user):
        raise PermissionDenied
    may_manage = access.may_manage_assessment(user)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    form = (
        SchemeForm(request.POST or None, initial={} if request.method == "POST" else _initial()) if may_manage else None
    )
    if form is not None and request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in SCHEME_VALUE_FIELDS}
        try:
            services.scheme_save(
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
                acting_user=user,
                **values,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "评分方案已保存。")
            return redirect("assessment:scheme")
    schemes = list(ScoringScheme.objects.order_by("-effective_from"))
    return render(
        request,
        "assessment/scheme.html",
        {
            "form": form,
            "schemes": schemes,
            "default": ScoringScheme(),
            "formula": FORMULA_LINES,
            "page": Paginator(history_events([ScoringScheme.history.all()]), HISTORY_PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "querystring": "",
        },
    )


def _initial() -> dict:
    current = scheme_for(timezone.localdate())
    return {"effective_from": timezone.localdate(), **{name: getattr(current, name) for name in SCHEME_VALUE_FIELDS}}
