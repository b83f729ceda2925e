"""seed_demo as a whole: --reset recreates the database, and every history row it writes names who acted."""

import datetime
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from simple_history.models import registered_models

from demo.inventory import generate_accounts
from dispatch.models import MonthlyReport
from early_warnings.models import Problem, ProblemUpdate, ProjectWarning, WarningRun
from projects.models import Project, Unit, User
from tests.factories import UnitFactory

TODAY = datetime.date(2026, 11, 21)
SEED = {"projects": 80, "months": 4, "today": TODAY.isoformat()}
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options):
    call_command("seed_demo", **{**SEED, **options}, stdout=StringIO())


def history_models():
    return [model.history.model for model in registered_models.values() if hasattr(model, "history")]


def signature():
    return (
        sorted(Project.objects.values_list("name", "stage", "total_investment", "created_at")),
        sorted(
            MonthlyReport.objects.values_list(
                "period__month", "project__name", "status", "investment_this_month", "first_submitted_at"
            )
        ),
        sorted(Problem.objects.values_list("description", "status", "deadline")),
        sorted(ProjectWarning.objects.values_list("project__name", "colour", "status", "year", "month")),
        ProblemUpdate.objects.count(),
    )


def test_reset_recreates_the_database_and_the_same_arguments_give_the_same_data(db, fast_hasher):
    seed()
    before = signature()
    counts = (Unit.objects.count(), User.objects.count())
    UnitFactory(code="not_demo", name="演示以外的单位")  # a row the demo did not write

    seed(reset=True)

    assert signature() == before
    assert (Unit.objects.count(), User.objects.count()) == counts
    assert not Unit.objects.filter(code="not_demo").exists()
    assert WarningRun.objects.count() == 3
    for history in history_models():
        assert not history.objects.filter(history_type="-").exists(), history
    # Only the history of the rows of this seed: the old ones went with the schema.
    for model in (Project, MonthlyReport, Problem, ProblemUpdate, ProjectWarning):
        assert model.history.count() == model.history.filter(id__in=model.objects.values("id")).count(), model


def test_reset_outside_a_transaction_migrates_and_the_flush_after_the_test_still_works(transactional_db, fast_hasher):
    """As on the command line: each migration commits; pytest-django flushes the recreated tables afterwards."""
    seed(projects=5, months=1)
    seed(projects=3, months=1, reset=True)
    assert Project.objects.count() == 3
    assert not connection.in_atomic_block


def test_every_history_row_the_seed_writes_names_system_demo_or_the_demo_account_that_acted(db, fast_hasher):
    """Every history model: the rows the seed wrote have a user, system:demo or a demo account. (Rows that
    were there before, such as the holiday calendar's from post_migrate, are not the demo's.)"""
    before = {
        history: history.objects.order_by("-history_id").values_list("history_id", flat=True).first() or 0
        for history in history_models()
    }
    seed()

    demo_users = {account.username for account in generate_accounts()} | {"system:demo"}
    written = 0
    for history, last in before.items():
        rows = history.objects.filter(history_id__gt=last)
        assert not rows.filter(history_user__isnull=True).exists(), history
        written += rows.count()
        users = set(rows.values_list("history_user__username", flat=True).distinct())
        assert users <= demo_users, (history, users - demo_users)
    assert written > 1000

    system = User.objects.get(username="system:demo")
    assert not system.is_active and not system.has_usable_password()
    # What no demo person did: the administrator's own setup and the monthly warning run.
    assert User.history.filter(username="admin", history_user=system).exists()
    automatic = ProjectWarning.history.filter(manual=False, history_type="+")
    assert automatic.exists() and not automatic.exclude(history_user=system).exists()
    # What people did: the reporter who submitted, DRC who accepted.
    report = MonthlyReport.objects.filter(accepted_by__isnull=False).select_related("submitted_by").first()
    users = list(report.history.order_by("history_date").values_list("history_user__username", flat=True))
    assert report.submitted_by.username in users and users[-1] == "drc"
    assert not report.actions.exclude(acting_user__username__in=demo_users).exists()


def test_reset_on_sqlite_deletes_the_file_and_migrates(tmp_path):
    """`make run` without DATABASE_URL is SQLite: the reset replaces the file; the writer uses bulk_create."""
    path = tmp_path / "demo.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE left_over (id integer)")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings",
    }
    command = [sys.executable, "manage.py", "seed_demo", "--projects", "4", "--months", "1", "--reset"]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    assert "4 projects" in result.stdout
    with sqlite3.connect(path) as new:
        tables = {name for (name,) in new.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "left_over" not in tables
        assert new.execute("SELECT count(*) FROM projects_project").fetchone() == (4,)
        unattributed = "SELECT count(*) FROM projects_historicalproject WHERE history_user_id IS NULL"
        assert new.execute(unattributed).fetchone() == (0,)
