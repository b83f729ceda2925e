"""What auditors read: the global change log, one record's timeline, a project as it stood on a day.

The global log runs over every history table at once (``catalogue.record_kinds``), newest first,
with keyset pagination: a page is one UNION ALL query ordered by (history_date, kind, history_id)
and cut after the cursor, so a page costs the same on the first day and after years of history
(no OFFSET, no COUNT). The page's rows are then rendered by ``ganzhou_projects.history`` with the
record each one follows (its predecessor in the same object's history), so every row shows its
field changes old → new: a constant number of queries per kind on the page, whatever the rows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone

from ganzhou_projects.history import HistoryEvent, display_value, history_events

from .catalogue import RecordKind, kind_of, record_kinds

PAGE_SIZE = 50


@dataclass(frozen=True)
class LogFilters:
    user_id: int | None = None
    unit_id: int | None = None
    kind: str = ""
    project_id: int | None = None
    date_from: datetime.date | None = None  # inclusive, days in Asia/Shanghai
    date_to: datetime.date | None = None  # inclusive

    def as_params(self) -> dict:
        return {
            "user": self.user_id or "",
            "unit": self.unit_id or "",
            "kind": self.kind,
            "project": self.project_id or "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: (history_date, kind key, history_id)."""

    when: datetime.datetime
    kind: str
    history_id: int

    def encode(self) -> str:
        return f"{self.when.isoformat()}~{self.kind}~{self.history_id}"

    @classmethod
    def decode(cls, text: str):
        try:
            when, kind, history_id = text.split("~")
            return cls(datetime.datetime.fromisoformat(when), kind, int(history_id))
        except (ValueError, TypeError):
            return None


@dataclass
class LogPage:
    events: list[HistoryEvent]
    next_cursor: Cursor | None
    kinds: dict[int, RecordKind] = field(default_factory=dict)  # id(event) → its kind


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def kind_queryset(kind: RecordKind, filters: LogFilters):
    """The kind's history rows that pass the filters, or None when the filters exclude the kind entirely."""
    if filters.kind and filters.kind != kind.key:
        return None
    qs = kind.history_model.objects.all()
    if filters.project_id is not None:
        condition = kind.for_project(filters.project_id)
        if condition is None:
            return None
        qs = qs.filter(condition)
    if filters.unit_id is not None:
        condition = kind.for_unit(filters.unit_id)
        if condition is None:
            return None
        qs = qs.filter(condition)
    if filters.user_id is not None:
        qs = qs.filter(history_user_id=filters.user_id)
    if filters.date_from:
        qs = qs.filter(history_date__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(history_date__lt=_start_of(filters.date_to + datetime.timedelta(days=1)))
    return qs


def _after(kind: RecordKind, cursor: Cursor) -> Q:
    if kind.key < cursor.kind:
        return Q(history_date__lte=cursor.when)
    if kind.key == cursor.kind:
        return Q(history_date__lt=cursor.when) | Q(history_date=cursor.when, history_id__lt=cursor.history_id)
    return Q(history_date__lt=cursor.when)


def page_keys(filters: LogFilters, *, after: Cursor | None = None, limit: int = PAGE_SIZE) -> list[Cursor]:
    """The (date, kind, history id) of the next `limit` rows after `after`, newest first: one query."""
    kinds = sorted(record_kinds().values(), key=lambda kind: kind.key)  # k's order is the keys' order
    index = {kind.key: number for number, kind in enumerate(kinds)}
    parts = []
    for kind in kinds:
        qs = kind_queryset(kind, filters)
        if qs is None:
            continue
        if after is not None:
            qs = qs.filter(_after(kind, after))
        # Each kind's own newest `limit` rows first (a backward scan of its history_date index that stops
        # there), then the newest `limit` of those: the work is kinds × limit, whatever the tables hold.
        parts.append(
            qs.annotate(
                k=Value(index[kind.key], output_field=IntegerField()), hid=Cast(F("history_id"), BigIntegerField())
            )
            .order_by("-history_date", "-history_id")
            .values_list("history_date", "k", "hid")[:limit]
        )
    if not parts:
        return []
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = list(union.order_by("-history_date", "-k", "-hid")[:limit]) if len(parts) > 1 else list(parts[0])
    return [Cursor(when, kinds[k].key, hid) for when, k, hid in rows]


def events_for(keys: list[Cursor]) -> LogPage:
    """The events of the rows named by `keys`, in that order, each with its field changes."""
    by_kind: dict[str, list[int]] = {}
    for key in keys:
        by_kind.setdefault(key.kind, []).append(key.history_id)
    found: dict[tuple[str, int], HistoryEvent] = {}
    kinds_of_events = {}
    for key, ids in by_kind.items():
        kind = kind_of(key)
        history = kind.history_model.objects
        previous = (
            history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        predecessors = [
            pk
            for pk in history.filter(history_id__in=ids).annotate(p=Subquery(previous)).values_list("p", flat=True)
            if pk is not None
        ]
        for event in history_events([history.filter(history_id__in=set(ids) | set(predecessors))]):
            if event.history_id in ids:
                found[(key, event.history_id)] = event
                kinds_of_events[id(event)] = kind
    events = [found[(key.kind, key.history_id)] for key in keys if (key.kind, key.history_id) in found]
    return LogPage(events=events, next_cursor=None, kinds=kinds_of_events)


def log_page(filters: LogFilters, *, after: Cursor | None = None, limit: int = PAGE_SIZE) -> LogPage:
    keys = page_keys(filters, after=after, limit=limit + 1)
    more = len(keys) > limit
    keys = keys[:limit]
    page = events_for(keys)
    page.next_cursor = keys[-1] if more else None
    return page


def iter_log(filters: LogFilters, *, chunk: int = 500):
    """Every event that passes the filters, newest first, a chunk at a time (for the Excel export)."""
    after = None
    while True:
        keys = page_keys(filters, after=after, limit=chunk)
        if not keys:
            return
        page = events_for(keys)
        yield page
        if len(keys) < chunk:
            return
        after = keys[-1]


def log_count(filters: LogFilters) -> int:
    """How many history rows pass the filters (one COUNT per kind: the export's progress, not the page)."""
    total = 0
    for kind in record_kinds().values():
        qs = kind_queryset(kind, filters)
        if qs is not None:
            total += qs.count()
    return total


# --- one record ------------------------------------------------------------


def dependent_kinds(kind: RecordKind) -> list[tuple[RecordKind, str]]:
    """The kinds whose records point at one of `kind` (a report's photos, problems, reviews): (kind, field)."""
    result = []
    for other in record_kinds().values():
        if other is kind:
            continue
        for model_field in other.model._meta.concrete_fields:
            if (
                model_field.many_to_one
                and model_field.related_model is kind.model
                and model_field.name not in ("history_user",)
            ):
                result.append((other, f"{model_field.name}_id"))
                break
    return result


def record_timeline(kind: RecordKind, object_id) -> list[HistoryEvent]:
    """Every change of one record and of the records that belong to it, newest first, field by field.

    A project's timeline is every record reaching the project: its lists, plans, fund items, monthly
    reports with their photos, problems and reviews, ledger problems, warnings.
    """
    querysets = [kind.history_model.objects.filter(id=object_id)]
    if kind.key == "projects.project":
        for other in record_kinds().values():
            if other is not kind and other.project_path:
                querysets.append(other.history_model.objects.filter(**{other.project_path: object_id}))
    else:
        for other, path in dependent_kinds(kind):
            querysets.append(other.history_model.objects.filter(**{path: object_id}))
    return history_events(querysets)


# --- a project as of a day ---------------------------------------------------


@dataclass
class RecordState:
    label: str
    fields: list[tuple[str, str]]


@dataclass
class KindState:
    kind: RecordKind
    records: list[RecordState]


REPORTS_SHOWN = 3  # the latest monthly reports as they stood


def _state(instance, related) -> RecordState:
    fields = []
    for model_field in instance._meta.concrete_fields:
        if model_field.name in ("id", "created_at", "updated_at"):
            continue
        fields.append(
            (str(model_field.verbose_name), display_value(model_field, getattr(instance, model_field.attname), related))
        )
    return RecordState(str(instance), fields)


def _related_for(instances) -> dict:
    wanted: dict[type, set] = {}
    for instance in instances:
        for model_field in instance._meta.concrete_fields:
            value = getattr(instance, model_field.attname)
            if model_field.is_relation and value is not None:
                wanted.setdefault(model_field.related_model, set()).add(value)
    return {model: model._default_manager.in_bulk(pks) for model, pks in wanted.items()}


def project_as_of(project_id, when: datetime.datetime) -> list[KindState] | None:
    """The project and every record reaching it as they stood at `when`, from the history tables alone.

    None when the project did not exist then. Monthly reports: the latest REPORTS_SHOWN periods.
    """
    kinds = record_kinds()
    project_kind = kinds["projects.project"]
    project = (
        project_kind.history_model.objects.filter(id=project_id, history_date__lte=when)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if project is None or project.history_type == "-":
        return None
    states = [(project_kind, [project.instance])]
    for kind in kinds.values():
        if kind is project_kind or not kind.project_path:
            continue
        manager = getattr(kind.model, kind.model._meta.simple_history_manager_attribute)
        instances = list(manager.as_of(when).filter(**{kind.project_path: project_id}).order_by("-pk"))
        if kind.key == "dispatch.monthlyreport":
            instances = instances[:REPORTS_SHOWN]
        if instances:
            states.append((kind, instances))
    related = _related_for([instance for _kind, instances in states for instance in instances])
    return [KindState(kind, [_state(instance, related) for instance in instances]) for kind, instances in states]
