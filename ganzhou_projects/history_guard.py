"""History is append-only: on PostgreSQL the history tables refuse UPDATE, DELETE and TRUNCATE.

The auditors' trail (DESIGN §1: every record and its complete change history) must not be
rewritable by the application, an admin action or a stray script: the database itself refuses.
Every table of a django-simple-history model (the models' histories and the m2m snapshots,
all subclasses of ``HistoricalChanges``) gets two triggers calling one function that raises:

- ``history_append_only_row``: BEFORE UPDATE OR DELETE, FOR EACH ROW;
- ``history_append_only_truncate``: BEFORE TRUNCATE, FOR EACH STATEMENT.

A consequence: a user who appears in history cannot be deleted (the ``history_user`` foreign
key is ON DELETE SET NULL in the ORM, which is an UPDATE of history rows). Users are
deactivated, never deleted.

``install_history_guard`` is idempotent. The migration ``projects.0006_history_append_only``
runs it once every history table exists, and ``post_migrate`` runs it again after every
``migrate``, so the history tables that later migrations or apps add are covered too. On
other databases (SQLite for ``make run``) it does nothing.
"""

from django.apps import apps as global_apps
from django.db import connections

FUNCTION_NAME = "history_append_only"
ROW_TRIGGER = "history_append_only_row"
TRUNCATE_TRIGGER = "history_append_only_truncate"
MESSAGE = "history tables are append-only: % on % refused"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'History rows are written once, by django-simple-history, and never changed.';
END;
$$
"""


def history_tables(apps=global_apps) -> list[str]:
    """The database tables of every django-simple-history model in an app registry (live or migration state)."""
    from simple_history.models import HistoricalChanges

    return sorted({model._meta.db_table for model in apps.get_models() if issubclass(model, HistoricalChanges)})


GUARDED_SQL = """
SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname IN (%s, %s) AND c.relnamespace = current_schema()::regnamespace
GROUP BY c.relname HAVING count(DISTINCT t.tgname) = 2
"""


def install_history_guard(connection, apps=global_apps) -> list[str]:
    """Create the refusing function, and both triggers on every history table lacking them.

    Returns the tables it (re)created triggers on. A table that already has both keeps them:
    re-creating a trigger locks its table, and post_migrate runs after every flush in tests.
    """
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        cursor.execute(GUARDED_SQL, [ROW_TRIGGER, TRUNCATE_TRIGGER])
        guarded = {row[0] for row in cursor.fetchall()}
        tables = [table for table in history_tables(apps) if table not in guarded]
        for table in tables:
            cursor.execute(f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {quote(table)}")
            cursor.execute(
                f"CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {quote(table)} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION_NAME}()"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {quote(table)}")
            cursor.execute(
                f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION_NAME}()"
            )
    return tables


def install_from_migration(apps, schema_editor) -> None:
    """RunPython entry point: the migration state's registry names the history tables as they are then."""
    install_history_guard(schema_editor.connection, apps)


def install_after_migrate(sender, *, using="default", apps=global_apps, **kwargs) -> None:
    """post_migrate receiver: guard the history tables that migrations applied since have added."""
    install_history_guard(connections[using], apps)
