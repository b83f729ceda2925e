"""History is append-only in the database: every history table refuses UPDATE, DELETE and TRUNCATE."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from simple_history.exceptions import NotHistoricalModelError
from simple_history.models import registered_models
from simple_history.utils import get_history_model_for_model

from ganzhou_projects.audit import save_with_history
from ganzhou_projects.history_guard import (
    ROW_TRIGGER,
    TRUNCATE_TRIGGER,
    history_tables,
    install_history_guard,
)
from projects.models import Unit, User
from tests.factories import UnitFactory, UserFactory

# pg_trigger.tgtype bits (PostgreSQL's trigger.h)
ROW, BEFORE, DELETE, UPDATE, TRUNCATE = 1, 2, 8, 16, 32


def registered_history_tables() -> set[str]:
    """Every table simple-history writes: each registered model's history and its m2m snapshots."""
    tables = set()
    for model in registered_models.values():
        try:
            history_model = get_history_model_for_model(model)
        except NotHistoricalModelError:  # an m2m through model: its snapshot table is found below
            continue
        tables.add(history_model._meta.db_table)
        for m2m_field in history_model._history_m2m_fields:
            tables.add(getattr(history_model, m2m_field.name).model._meta.db_table)
    return tables


def triggers_by_table() -> dict[str, dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgenabled = 'O'"
        )
        found: dict[str, dict[str, int]] = {}
        for table, name, tgtype in cursor.fetchall():
            found.setdefault(table, {})[name] = tgtype
    return found


@pytest.mark.django_db
def test_every_history_table_refuses_update_delete_and_truncate():
    tables = registered_history_tables()
    assert "early_warnings_historicalproblem_responsible_units" in tables  # m2m snapshots are history too
    assert set(history_tables()) == tables
    triggers = triggers_by_table()
    missing = []
    for table in sorted(tables):
        row = triggers.get(table, {}).get(ROW_TRIGGER)
        statement = triggers.get(table, {}).get(TRUNCATE_TRIGGER)
        if row is None or row & (ROW | BEFORE | UPDATE | DELETE) != ROW | BEFORE | UPDATE | DELETE:
            missing.append(f"{table}: BEFORE UPDATE OR DELETE FOR EACH ROW")
        if statement is None or statement & (ROW | BEFORE | TRUNCATE) != BEFORE | TRUNCATE:
            missing.append(f"{table}: BEFORE TRUNCATE FOR EACH STATEMENT")
    assert missing == []


@pytest.fixture
def unit_with_history(db):
    unit = UnitFactory(code="ganjun", name="甘浚镇")
    unit.name = "甘浚镇人民政府"
    save_with_history(unit, UserFactory(username="someone"))
    assert unit.history.count() == 2
    return unit


def refused(run) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        run()
    return str(error.value)


def test_update_of_a_history_row_is_refused(unit_with_history):
    message = refused(lambda: Unit.history.filter(id=unit_with_history.pk).update(name="改写"))
    assert "history tables are append-only: UPDATE" in message
    assert set(unit_with_history.history.values_list("name", flat=True)) == {"甘浚镇", "甘浚镇人民政府"}


def test_delete_of_a_history_row_is_refused(unit_with_history):
    message = refused(lambda: unit_with_history.history.earliest().delete())
    assert "history tables are append-only: DELETE" in message
    assert unit_with_history.history.count() == 2


def test_truncate_of_a_history_table_is_refused(unit_with_history):
    def truncate():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred FK check
            cursor.execute(f"TRUNCATE {Unit.history.model._meta.db_table} CASCADE")

    assert "history tables are append-only: TRUNCATE" in refused(truncate)
    assert unit_with_history.history.count() == 2


def test_a_user_with_history_cannot_be_deleted_only_deactivated(unit_with_history):
    """history_user is ON DELETE SET NULL in the ORM: deleting a user would rewrite the trail."""
    user = User.objects.get(username="someone")
    assert "append-only" in refused(user.delete)
    user.is_active = False
    save_with_history(user, user, reason="left the bureau")
    assert User.history.filter(id=user.pk).latest().history_change_reason == "left the bureau"


@pytest.mark.django_db
def test_installing_again_changes_nothing():
    assert install_history_guard(connection) == []  # every table already guarded
    assert len(triggers_by_table()) >= len(history_tables())


def test_other_databases_get_no_triggers():
    class SQLite:
        vendor = "sqlite"

    assert install_history_guard(SQLite()) == []


@pytest.mark.django_db(transaction=True)
def test_the_test_database_flush_still_empties_history_and_keeps_the_triggers():
    UnitFactory(code="dangzhai", name="党寨镇")
    assert Unit.history.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not Unit.history.exists()
    assert set(history_tables()) <= set(triggers_by_table())
