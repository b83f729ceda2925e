"""`seed_demo`: the writers of the demo's kinds of records, in order, in one transaction.

To add a kind of record, write a generator and a writer taking the `SeedContext` in the module of its
domain, and append the writer to `STEPS` after what it builds on.

`--reset` recreates the database instead of deleting rows: the history tables are append-only (they refuse
UPDATE, DELETE and TRUNCATE), and a fresh schema migrated from scratch is what a demo reset means anyway.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from projects.models import Project

from .common import BATCH_SIZE, DEFAULT_MONTHS, DEFAULT_PROJECTS, DEFAULT_SEED
from .funding import seed_fee_grants
from .inventory import (
    SeedContext,
    seed_administrator,
    seed_lists,
    seed_plans,
    seed_projects,
    seed_units,
    seed_users,
)
from .ledger import seed_ledger_and_warnings
from .meetings import seed_meetings
from .reports import seed_reports

STEPS: list[Callable[[SeedContext], None]] = [
    seed_administrator,
    seed_units,
    seed_users,
    seed_projects,
    seed_lists,
    seed_plans,
    seed_reports,
    seed_ledger_and_warnings,
    seed_meetings,
    seed_fee_grants,
]


class SeedRefused(Exception):
    """The database already has projects and no reset was asked for, or it cannot be reset."""


def recreate_database(log: Callable[[str], None] = lambda message: None) -> None:
    """Drop every table and migrate from scratch (for demo and development databases only).

    PostgreSQL: the `public` schema is dropped and created again, so the rows, their history, sequences and
    the history tables' triggers all go, and migrate builds them anew. SQLite: the database file is deleted.
    Inside a transaction (a test) PostgreSQL rolls all of it back with the transaction.
    """
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # A table with pending foreign-key checks (rows written earlier in the transaction) cannot be
                # dropped or altered: check them now, and check each row as it is written until migrate is done
                # (a data migration's rows would otherwise block a later migration's ALTER TABLE).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
            cursor.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")  # as PostgreSQL's own public schema has
    elif vendor == "sqlite":
        if connection.in_atomic_block:
            raise SeedRefused("--reset on SQLite deletes the database file: it cannot run inside a transaction")
        name = str(connection.settings_dict["NAME"])
        connection.close()
        if not connection.is_in_memory_db():
            Path(name).unlink(missing_ok=True)
    else:
        raise SeedRefused(f"--reset knows PostgreSQL and SQLite, not {vendor}")
    call_command("migrate", interactive=False, verbosity=0)
    if vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred
    ContentType.objects.clear_cache()  # the ids of the dropped schema's content types are gone with it
    log(f"Recreated the {vendor} database and migrated it.")


def seed_demo(
    *,
    projects: int = DEFAULT_PROJECTS,
    months: int = DEFAULT_MONTHS,
    today: datetime.date | None = None,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] = lambda message: None,
) -> SeedContext:
    """Create the demo units, accounts, projects, lists, plans, reports, ledger and warnings.

    Units and accounts are get-or-create (never duplicated, never changed). Projects are only generated
    into a database without projects: with `reset`, the database is recreated first (`recreate_database`);
    without it, a database with projects raises SeedRefused.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    if projects < 0:
        raise ValueError("projects must not be negative")
    ctx = SeedContext(
        today=today or timezone.localdate(),
        months=months,
        seed=seed,
        project_count=projects,
        batch_size=batch_size,
        log=log,
    )
    if reset:
        recreate_database(log)
    else:
        existing = Project.objects.count()
        if existing:
            raise SeedRefused(
                f"The database already has {existing} projects; run with --reset to recreate it and seed again."
            )
    with transaction.atomic():
        for step in STEPS:
            started = time.monotonic()
            step(ctx)
            log(f"{step.__name__}: {time.monotonic() - started:.1f}s")
    return ctx
