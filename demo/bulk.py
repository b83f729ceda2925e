"""The demo's one writer: rows in their final state and their history, by INSERT (or COPY) only.

The generators hand over plain rows (attname -> value), or `Timeline`s: a row with the changes that led
to its final state, each with its moment and the user who made it. `write_timelines` inserts the rows and
one history row per change, as django-simple-history would have written them had each change been saved
in turn. History rows are written once, in their final form, with a user: the history tables are
append-only (PostgreSQL refuses UPDATE, DELETE and TRUNCATE on them), so nothing here goes back to fix one.

- PostgreSQL (psycopg 3): COPY, with ids drawn from the table's sequence first when the caller needs
  them. At 50,000 projects the demo writes some two million rows: bulk_create spends ~100 µs a row
  preparing values, COPY takes seconds.
- Elsewhere (SQLite for `make run`): bulk_create. The same rows either way (a test compares them).

Neither path sends signals; single rows that need theirs (units, accounts) go through `save_as_of`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, models
from simple_history.utils import get_history_manager_for_model


def copy_available(cursor) -> bool:
    return connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy")  # psycopg 3


def history_enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


@contextmanager
def explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let save() and bulk_create keep the created/updated times we set instead of stamping "now"."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def insert_rows(model: type[models.Model], rows: list[dict], *, batch_size: int, with_ids: bool = False) -> None:
    """Insert plain rows (attname -> value) of `model`, a historical model or an M2M table.

    `with_ids` fills in each row's primary key (`id`, or `history_id` of a history row); without it the
    database numbers the rows and a primary key in a row is ignored.
    """
    if not rows:
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    with connection.cursor() as cursor:
        if copy_available(cursor):
            from psycopg.types.json import Jsonb

            table = model._meta.db_table
            if with_ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk.column, len(rows)],
                )
                for row, (value,) in zip(rows, cursor.fetchall(), strict=True):
                    row[pk.attname] = value
            quote = connection.ops.quote_name
            sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
            columns = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
            with cursor.cursor.copy(sql) as writer:
                for row in rows:
                    writer.write_row([Jsonb(row[name]) if is_json else row[name] for name, is_json in columns])
            return
    names = [f.attname for f in fields]
    objs = [model(**{name: row[name] for name in names if name in row}) for row in rows]
    with explicit_timestamps(model):
        model._default_manager.bulk_create(objs, batch_size=batch_size)
    if with_ids:
        for row, obj in zip(rows, objs, strict=True):
            if obj.pk is None:
                raise RuntimeError(f"{connection.vendor} did not return the ids of the new {model.__name__} rows")
            row[pk.attname] = obj.pk


def blank_row(model: type[models.Model]) -> dict:
    """Every column of a new `model` row (but the primary key) at its default."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


def values_of(obj: models.Model) -> dict:
    """The row of an unsaved model instance: its columns (but the primary key) by attname."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}


def history_row(values: dict, at: datetime.datetime, user_id: int, kind: str, reason: str = "") -> dict:
    """The row simple-history writes for an object in the state `values`, made by `user_id` at `at`."""
    if user_id is None:
        raise ValueError("every demo history row names the user who acted (a demo account or system:demo)")
    return {
        **values,
        "history_date": at,
        "history_type": kind,
        "history_user_id": user_id,
        "history_change_reason": reason or None,
    }


@dataclass(eq=False, slots=True)
class Timeline:
    """A row in its final state and the changes that led there: (moment, user id, changes, reason) each,
    the first holding every column."""

    row: dict = field(default_factory=dict)
    events: list = field(default_factory=list)

    @classmethod
    def entered(cls, at: datetime.datetime, user_id: int, row: dict, *, change_reason: str = "") -> Timeline:
        """A row entered once and never changed: one "+" history row."""
        timeline = cls()
        timeline.change(at, user_id, change_reason=change_reason, **row)
        return timeline

    def change(self, at: datetime.datetime, user_id: int, /, *, change_reason: str = "", **changes) -> None:
        self.row.update(changes)
        self.events.append((at, user_id, changes, change_reason))

    def history(self) -> Iterable[dict]:
        """The history rows, oldest first: the state after each change (needs the row's id)."""
        state = {"id": self.row["id"]}
        for n, (at, user_id, changes, reason) in enumerate(sorted(self.events, key=lambda event: event[0])):
            state.update(changes)
            yield history_row(state, at, user_id, "~" if n else "+", reason)  # a new dict each time


def write_timelines(
    model: type[models.Model], timelines: list[Timeline], *, batch_size: int, history_ids: bool = False
) -> list[dict]:
    """Insert the rows (their ids filled in) and their history; returns the history rows (with their
    `history_id` when `history_ids`, for rows that point at them such as an M2M snapshot)."""
    insert_rows(model, [t.row for t in timelines], batch_size=batch_size, with_ids=True)
    if not history_enabled():
        return []
    history = [row for t in timelines for row in t.history()]
    insert_rows(get_history_manager_for_model(model).model, history, batch_size=batch_size, with_ids=history_ids)
    return history


def save_as_of(obj: models.Model, *, at: datetime.datetime, user, reason: str = "") -> models.Model:
    """Save one new object through save() (its signals run), its history row dated `at` and made by `user`,
    keeping the timestamps set on it."""
    if user is None:
        raise ValueError("every demo history row names the user who acted (a demo account or system:demo)")
    obj._history_date = at
    obj._history_user = user
    if reason:
        obj._change_reason = reason
    with explicit_timestamps(type(obj)):
        obj.save()
    return obj
