"""Tamper evidence: every history row is chained to the one before it by a hash over its content.

The database writes the chain, so no application path can skip it:

- every history table (each django-simple-history model, the m2m snapshots included) carries the
  constraint trigger ``audit_chain_row``: AFTER INSERT, FOR EACH ROW, DEFERRABLE INITIALLY
  DEFERRED — it fires when the inserting transaction commits;
- the trigger calls ``audit_chain_add(table, key, content)``, which takes a transaction-level
  advisory lock, reads the newest entry's link and appends one ``auditlog_chainentry``:
  ``row_hash = sha256(row JSON)``, ``link = sha256(previous link | table | key | row_hash)``.
  Because the trigger fires at commit, the lock is held only while a transaction commits
  (committers queue for it; no transaction waits for it while holding row locks, so it cannot
  deadlock), and the chain's order is the order of commits;
- the chain table is append-only like the history tables (the triggers of
  ``ganzhou_projects.history_guard``).

The row JSON is ``row_to_json`` of the history row as PostgreSQL renders it with ``TimeZone``
UTC (the functions set it), so the same row gives the same hash in any session and after a
``pg_dump``/``pg_restore``.

``verify_chain`` walks the chain in one REPEATABLE READ snapshot and reports the first problem:
an entry whose link does not follow (an entry was altered or removed before it), a history row
whose content no longer matches its hash (altered), an entry whose row is gone (removed), or a
history row the chain does not know (written with the triggers off).

What it cannot see: a superuser who rewrites a row *and* recomputes every later link, or who
removes the newest rows together with their entries. ``verify_audit`` prints the head of the
chain (its entry count and last link); an auditor who keeps that line can later check that the
chain still passes through it (``verify_audit --head N:LINK``).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import connection, connections, transaction

from ganzhou_projects.history_guard import FUNCTION_NAME as GUARD_FUNCTION
from ganzhou_projects.history_guard import ROW_TRIGGER as GUARD_ROW_TRIGGER
from ganzhou_projects.history_guard import TRUNCATE_TRIGGER as GUARD_TRUNCATE_TRIGGER

CHAIN_TABLE = "auditlog_chainentry"
CHAIN_TRIGGER = "audit_chain_row"
LOCK_KEY = 726_813_013  # pg_advisory_xact_lock key of the chain (any constant unique to this app)
CHUNK = 5000

FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION audit_chain_add(tbl text, pk bigint, content text) RETURNS void
LANGUAGE plpgsql SET TimeZone TO 'UTC' AS $$
DECLARE
    content_hash text := encode(sha256(convert_to(content, 'UTF8')), 'hex');
    previous text;
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT link INTO previous FROM {CHAIN_TABLE} ORDER BY id DESC LIMIT 1;
    INSERT INTO {CHAIN_TABLE} (table_name, row_pk, row_hash, link, recorded_at)
    VALUES (tbl, pk, content_hash,
            encode(sha256(convert_to(coalesce(previous, '') || '|' || tbl || '|' || pk || '|' || content_hash,
                                     'UTF8')), 'hex'),
            clock_timestamp());
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_row() RETURNS trigger
LANGUAGE plpgsql SET TimeZone TO 'UTC' AS $$
BEGIN
    PERFORM audit_chain_add(TG_TABLE_NAME, (to_jsonb(NEW) ->> TG_ARGV[0])::bigint, row_to_json(NEW)::text);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_backfill(tbl text, pkcol text) RETURNS integer
LANGUAGE plpgsql SET TimeZone TO 'UTC' AS $$
DECLARE
    r record;
    n integer := 0;
BEGIN
    FOR r IN EXECUTE format(
        'SELECT t.%1$I AS pk, row_to_json(t)::text AS content FROM %2$I t '
        'WHERE NOT EXISTS (SELECT 1 FROM {CHAIN_TABLE} c WHERE c.table_name = %3$L AND c.row_pk = t.%1$I) '
        'ORDER BY t.%1$I', pkcol, tbl, tbl)
    LOOP
        PERFORM audit_chain_add(tbl, r.pk, r.content);
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;
"""  # noqa: S608 (constants only)

CHAINED_SQL = "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s"


def chained_tables(apps=global_apps) -> dict[str, str]:
    """Every history table of the registry → the column of its primary key."""
    from simple_history.models import HistoricalChanges

    return {
        model._meta.db_table: model._meta.pk.column
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
    }


def install_chain(db_connection, apps=global_apps) -> list[str]:
    """The functions, the chain trigger on every history table lacking it (its rows chained first), the guard.

    Idempotent and cheap when nothing is missing (post_migrate runs it after every flush in tests).
    Returns the tables it added the trigger to.
    """
    if db_connection.vendor != "postgresql":
        return []
    quote = db_connection.ops.quote_name
    tables = chained_tables(apps)
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [CHAIN_TABLE])
        if cursor.fetchone()[0] is None:
            return []  # before auditlog's first migration
        cursor.execute(FUNCTIONS_SQL)
        cursor.execute(CHAINED_SQL, [CHAIN_TRIGGER])
        done = {row[0] for row in cursor.fetchall()}
        added = [table for table in sorted(tables) if table not in done]
        for table in added:
            cursor.execute("SELECT audit_chain_backfill(%s, %s)", [table, tables[table]])
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {CHAIN_TRIGGER} AFTER INSERT ON {quote(table)} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_row(%s)",
                [tables[table]],
            )
        cursor.execute(CHAINED_SQL, [GUARD_ROW_TRIGGER])
        if CHAIN_TABLE not in {row[0] for row in cursor.fetchall()}:
            cursor.execute(
                f"CREATE TRIGGER {GUARD_ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {CHAIN_TABLE} "
                f"FOR EACH ROW EXECUTE FUNCTION {GUARD_FUNCTION}()"
            )
            cursor.execute(
                f"CREATE TRIGGER {GUARD_TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {CHAIN_TABLE} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {GUARD_FUNCTION}()"
            )
    return added


def install_from_migration(apps, schema_editor) -> None:
    install_chain(schema_editor.connection, apps)


def install_after_migrate(sender, *, using="default", apps=global_apps, **kwargs) -> None:
    install_chain(connections[using], apps)


def chain_now(db_connection=None) -> None:
    """Fire the deferred chain triggers of the current transaction now (tests run inside one transaction)."""
    with (db_connection or connection).cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {CHAIN_TRIGGER} IMMEDIATE")


@dataclass
class Finding:
    """The first thing wrong with the trail, in words an auditor reads, with the row it concerns."""

    problem: str  # altered | removed | unchained | link
    table: str
    row_pk: int | None
    entry_id: int | None
    message: str


@dataclass
class Verification:
    entries: int
    head_link: str
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None


def _content_hashes(cursor, table: str, pkcol: str, keys: list[int]) -> dict[int, str]:
    cursor.execute(
        f"SELECT t.\"{pkcol}\", encode(sha256(convert_to(row_to_json(t)::text, 'UTF8')), 'hex') "  # noqa: S608 (table names from the app registry)
        f'FROM "{table}" t WHERE t."{pkcol}" = ANY(%s)',
        [keys],
    )
    return dict(cursor.fetchall())


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def verify_chain(*, head: tuple[int, str] | None = None) -> Verification:
    """Walk the whole chain in one snapshot; the first problem found, or none (see the module docstring).

    `head` is an (entry count, link) an auditor noted earlier: the chain must still pass through it.
    """
    tables = chained_tables()
    from .messages import finding_message

    def found(problem, table, row_pk, entry_id, **extra):
        return Finding(problem, table, row_pk, entry_id, finding_message(problem, table, row_pk, **extra))

    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:  # one snapshot for the whole walk (inside a caller's transaction: the caller's)
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET LOCAL TimeZone TO 'UTC'")
        # Inside a caller's transaction, the history rows it wrote are chained only at its commit: chain
        # them now (the trigger fires when set IMMEDIATE), then defer again, so they are not reported.
        cursor.execute(f"SET CONSTRAINTS {CHAIN_TRIGGER} IMMEDIATE")
        cursor.execute(f"SET CONSTRAINTS {CHAIN_TRIGGER} DEFERRED")
        previous, count, last_id = "", 0, 0
        previous_entry = None
        while True:
            cursor.execute(
                f"SELECT id, table_name, row_pk, row_hash, link FROM {CHAIN_TABLE} "  # noqa: S608 (a constant)
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            by_table = defaultdict(list)
            for entry_id, table, row_pk, row_hash, link in rows:
                if link != _sha256(f"{previous}|{table}|{row_pk}|{row_hash}"):
                    return Verification(count, previous, found("link", table, row_pk, entry_id, after=previous_entry))
                previous, count, last_id = link, count + 1, entry_id
                previous_entry = (table, row_pk)
                if head is not None and count == head[0] and link != head[1]:
                    return Verification(count, link, found("head", table, row_pk, entry_id))
                by_table[table].append((entry_id, row_pk, row_hash))
            for table, entries in by_table.items():
                if table not in tables:
                    entry_id, row_pk, _hash = entries[0]
                    return Verification(count, previous, found("removed", table, row_pk, entry_id))
                current = _content_hashes(cursor, table, tables[table], [row_pk for _e, row_pk, _h in entries])
                for entry_id, row_pk, row_hash in entries:  # the first problem in chain order
                    if row_pk not in current:
                        return Verification(count, previous, found("removed", table, row_pk, entry_id))
                    if current[row_pk] != row_hash:
                        return Verification(count, previous, found("altered", table, row_pk, entry_id))
        if head is not None and count < head[0]:
            return Verification(count, previous, found("head", "", None, None))
        for table, pkcol in sorted(tables.items()):
            cursor.execute(
                f'SELECT t."{pkcol}" FROM "{table}" t WHERE NOT EXISTS (SELECT 1 FROM {CHAIN_TABLE} c '  # noqa: S608
                f'WHERE c.table_name = %s AND c.row_pk = t."{pkcol}") ORDER BY t."{pkcol}" LIMIT 1',
                [table],
            )
            row = cursor.fetchone()
            if row is not None:
                return Verification(count, previous, found("unchained", table, row[0], None))
    return Verification(count, previous, None)
