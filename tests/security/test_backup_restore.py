"""The restore drill: `make backup`, `make restore` into a fresh database, every row back, the chain intact."""

import datetime
import os
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from auditlog.chain import chained_tables
from projects import services
from tests.factories import ProjectFactory

REPO_ROOT = Path(__file__).resolve().parents[2]


def url_for(name: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgresql://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{name}"


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        tables = [row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def run(args, **env):
    return subprocess.run(
        args, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300, check=True
    )


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database_keeps_every_row_and_the_chain(tmp_path, town_a, drc):
    project = ProjectFactory(name="甘州区备份演练项目", responsible_unit=town_a)
    for amount in ("1200", "1350.25"):
        services.project_update(
            project=project,
            acting_user=drc,
            reason="备份演练",
            total_investment=Decimal(amount),
            today=datetime.date(2026, 3, 1),
        )
    source = url_for(connection.settings_dict["NAME"])
    dump = tmp_path / "drill.dump"
    run(["make", "--no-print-directory", "backup", f"FILE={dump}"], DATABASE_URL=source)
    assert dump.stat().st_size > 0

    fresh = f"ganzhou_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        run(["make", "--no-print-directory", "restore", f"FILE={dump}"], DATABASE_URL=url_for(fresh))
        before, after = row_counts(source), row_counts(url_for(fresh))
        assert after == before
        history = set(chained_tables())
        assert history <= set(after)
        assert after["projects_historicalproject"] >= 3
        assert after["auditlog_chainentry"] == before["auditlog_chainentry"] > 0
        with psycopg.connect(url_for(fresh)) as db:
            names = db.execute(
                "SELECT total_investment FROM projects_historicalproject WHERE name = %s ORDER BY history_id",
                ["甘州区备份演练项目"],
            ).fetchall()
        assert [str(value) for (value,) in names][-1] == "1350.25"
        verified = run(
            [str(REPO_ROOT / ".venv/bin/python"), "manage.py", "verify_audit"], DATABASE_URL=url_for(fresh)
        )
        assert verified.stdout.startswith("完整")
        source_head = run([str(REPO_ROOT / ".venv/bin/python"), "manage.py", "verify_audit"], DATABASE_URL=source)
        assert verified.stdout == source_head.stdout  # the same chain head: nothing lost, nothing reordered
    finally:
        with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
