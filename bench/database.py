"""The bench database: created when missing, always migrated, seeded once and then reused.

Which seed the database holds is written in its comment (`COMMENT ON DATABASE`), e.g.
`bench seed: projects=50000 months=12 seed=2026 today=2026-12-03`; a database whose comment names the asked
seed is reused as it is, anything else is seeded again from scratch (`seed_demo --reset`).
"""

from __future__ import annotations

import datetime
import re
import time
import urllib.parse

import psycopg
from psycopg import sql

MARKER = re.compile(r"bench seed: projects=(\d+) months=(\d+) seed=(\d+) today=(\d{4}-\d\d-\d\d)")


def _admin_url(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def create_if_missing(url: str) -> bool:
    admin_url, name = _admin_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def read_marker(url: str) -> dict | None:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    found = MARKER.search((row and row[0]) or "")
    if not found:
        return None
    projects, months, seed, today = found.groups()
    return {
        "projects": int(projects),
        "months": int(months),
        "seed": int(seed),
        "today": datetime.date.fromisoformat(today),
    }


def write_marker(url: str, *, projects: int, months: int, seed: int, today: datetime.date) -> None:
    _, name = _admin_url(url)
    text = f"bench seed: projects={projects} months={months} seed={seed} today={today.isoformat()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text)))


def clear_marker(url: str) -> None:
    _, name = _admin_url(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS NULL").format(sql.Identifier(name)))


def ensure_seeded(url: str, *, projects: int, months: int, seed: int, reseed: bool, log) -> datetime.date:
    """Migrate the (Django-configured) bench database and seed it unless it holds this seed; return its day."""
    from django.core.management import call_command
    from django.utils import timezone

    if create_if_missing(url):
        log(f"created database {_admin_url(url)[1]}")
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f}s")
    marker = read_marker(url)
    wanted = {"projects": projects, "months": months, "seed": seed}
    if marker and not reseed and all(marker[k] == v for k, v in wanted.items()):
        log(f"reusing the seeded database (seeded for {marker['today']})")
        return marker["today"]
    clear_marker(url)
    today = timezone.localdate()
    log(f"seeding {projects} projects, {months} months up to {today} (a few minutes)...")
    started = time.monotonic()
    call_command("seed_demo", projects=projects, months=months, seed=seed, today=today, reset=True, verbosity=2)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would in time: statistics and the visibility map
    write_marker(url, projects=projects, months=months, seed=seed, today=today)
    log(f"seeded in {time.monotonic() - started:.0f}s")
    return today
