"""The audit trail never holds an empty user: jobs, imports and people are all named."""

import datetime

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db.models import Max
from simple_history.models import HistoricalChanges

from dispatch.models import SHANGHAI
from early_warnings.models import ProjectWarning
from ganzhou_projects.audit import SYSTEM_USERNAME_PREFIX, system_actor
from tests.dispatch.conftest import plan, put_on_annual_list


def _history_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) and any(f.name == "history_user" for f in model._meta.fields)
    ]


def _high_water_marks():
    return {m: m.objects.aggregate(top=Max("history_id"))["top"] or 0 for m in _history_models()}


def _rows_since(marks):
    for model, top in marks.items():
        yield from model.objects.filter(history_id__gt=top).select_related("history_user")


def test_a_system_actor_is_one_inactive_user_per_key_who_cannot_log_in(db):
    jobs = system_actor("jobs")
    assert system_actor("jobs") == jobs
    assert jobs.username == f"{SYSTEM_USERNAME_PREFIX}jobs"
    assert not jobs.is_active and not jobs.has_usable_password()
    assert jobs.full_name == "系统：定时任务"
    with pytest.raises(ValueError):
        system_actor("nobody")


def test_a_month_of_jobs_records_every_change_under_a_named_actor(db, project_a, drc):
    put_on_annual_list(project_a, drc)
    plan(project_a, drc)
    marks = _high_water_marks()
    # The day after the November deadline: overdue notices and the warning run (the report is missing) ...
    with time_machine.travel(datetime.datetime(2026, 11, 21, 9, tzinfo=SHANGHAI), tick=False):
        call_command("run_jobs", "--as-of", "2026-11-21")
    assert ProjectWarning.objects.filter(project=project_a).exists()
    # ... and a month later the unresolved warning is escalated.
    with time_machine.travel(datetime.datetime(2026, 12, 22, 9, tzinfo=SHANGHAI), tick=False):
        call_command("run_jobs", "--as-of", "2026-12-22")
    assert ProjectWarning.objects.get(project=project_a).escalated_at is not None

    rows = list(_rows_since(marks))
    assert rows, "the jobs wrote history"
    unnamed = [(row._meta.db_table, row.history_id) for row in rows if row.history_user is None]
    assert unnamed == []
    unattributed = [row._meta.db_table for row in rows if row.history_user.username == "system:unknown"]
    assert unattributed == [], "a job wrote without naming its actor"
    warning_rows = [row for row in rows if isinstance(row, ProjectWarning.history.model)]
    assert {row.history_user.username for row in warning_rows} == {"system:jobs"}


def test_a_person_s_change_is_recorded_under_that_person(db, project_a, drc):
    marks = _high_water_marks()
    put_on_annual_list(project_a, drc)
    rows = list(_rows_since(marks))
    assert rows and {row.history_user for row in rows} == {drc}
