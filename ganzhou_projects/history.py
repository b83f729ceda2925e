"""The one renderer of change history: django-simple-history records of any models → events.

Every history screen (a project's history tab, a ledger problem, the warning settings, a
warning, a monthly report, a reporting period) asks ``history_events`` and shows the result
with ``templates/includes/history.html``, so an auditor reads every trail the same way
(DESIGN §1: who changed what, when, from what to what).

An event says who (the user's name; a system actor by its name, e.g. 系统：定时任务), when
(aware, in Asia/Shanghai), why (the change reason, when one was given), what (the model and the
object) and the field changes: the field's verbose name, the old and the new value shown as a
person reads them — choice labels, the related object's name, 是/否, amounts in 万元 with two
decimals and thousands separators, dates in Chinese, JSON readably. A creation lists the initial
values; a deletion is shown as such.

Queries do not grow with the number of history rows: one per history queryset, one per m2m
field snapshot, and one per related model whose names are shown.
"""

import datetime
import decimal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .audit import SYSTEM_ACTORS, SYSTEM_USERNAME_PREFIX

HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})
KIND_LABELS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
# An m2m change written by the same hand this soon after a save belongs to that save
# (`.set()` on a saved object writes one history row per removal and per addition).
SAME_ACTION = datetime.timedelta(seconds=2)
EMPTY = "—"


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEvent:
    when: datetime.datetime
    user: object
    actor: str
    reason: str
    model_label: str
    object_label: str
    kind: str
    changes: list[FieldChange] = field(default_factory=list)
    history_id: int = 0  # the history row the event was made from (its table's key), for the auditors' log
    object_id: object = None  # the recorded object's id

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


def actor_name(user) -> str:
    """Who made a change: the person's name, or the system actor's (translated) name."""
    if user is None:
        return str(SYSTEM_ACTORS["unknown"])
    if user.username.startswith(SYSTEM_USERNAME_PREFIX):
        key = user.username.removeprefix(SYSTEM_USERNAME_PREFIX)
        if key in SYSTEM_ACTORS:
            return str(SYSTEM_ACTORS[key])
    return str(user)


def _json(value) -> str:
    if isinstance(value, Mapping):
        return "，".join(f"{key}：{_json(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "；".join(_json(item) for item in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def display_value(model_field: models.Field, value, related: Mapping) -> str:
    """One stored value as a person reads it; `related` maps related model → {pk: object}."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        target = related.get(model_field.related_model, {}).get(value)
        return str(target) if target is not None else str(value)
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(model_field, models.DecimalField):
        places = model_field.decimal_places
        quantum = decimal.Decimal(1).scaleb(-places)
        value = decimal.Decimal(value).quantize(quantum)
        return f"{value:,.{places}f}" if places == 2 else f"{value:.{places}f}"
    if isinstance(model_field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(model_field, models.JSONField):
        return _json(value)
    return str(value)


@dataclass
class _M2M:
    """One m2m field tracked by simple-history: each history row's snapshot of the related ids."""

    model_field: models.ManyToManyField
    ids_by_record: dict[int, frozenset]


def _load_m2m(history_model, records) -> list[_M2M]:
    result = []
    record_ids = [record.history_id for record in records]
    for m2m_field in getattr(history_model, "_history_m2m_fields", ()):
        snapshot = getattr(history_model, m2m_field.name).model
        target = f"{m2m_field.m2m_reverse_field_name()}_id"
        ids: dict[int, set] = {}
        if record_ids:
            for history_id, pk in snapshot.objects.filter(history_id__in=record_ids).values_list("history_id", target):
                ids.setdefault(history_id, set()).add(pk)
        result.append(_M2M(m2m_field, {key: frozenset(value) for key, value in ids.items()}))
    return result


# How the objects of a model are named in history, where their str() is not what a user reads (e.g. a
# Django group's code name): model → function(objects by pk) → names by pk, a constant number of queries.
# Apps register theirs in their AppConfig.ready (projects: a role's Chinese name, a unit group's unit).
OBJECT_NAMERS: dict[type, Callable[[dict], dict]] = {}


def register_namer(model: type, namer: Callable[[dict], dict]) -> None:
    OBJECT_NAMERS[model] = namer


def _related_objects(wanted: Mapping[type, set]) -> dict[type, dict]:
    """The related objects shown by name, one query per related model (with their own non-null relations)."""
    related = {
        model: model._default_manager.select_related().in_bulk(pks) if pks else {} for model, pks in wanted.items()
    }
    for model, objects in related.items():
        if model in OBJECT_NAMERS and objects:
            related[model] = OBJECT_NAMERS[model](objects)
    return related


def _instance(record, fields, related):
    """The object as the record saw it, its relations filled from `related` so str() needs no query.

    (simple-history's `record.instance` reads excluded fields from the live row: a query per record.)
    """
    instance = record.instance_type(**{f.attname: getattr(record, f.attname) for f in fields})
    for model_field in fields:
        if model_field.many_to_one or model_field.one_to_one:
            pk = getattr(record, model_field.attname)
            model_field.set_cached_value(instance, related.get(model_field.related_model, {}).get(pk))
    return instance


def history_events(
    querysets: Iterable[models.QuerySet],
    *,
    hidden: Iterable[str] = (),
    object_labels: Mapping[type, Callable[[object], str]] | None = None,
) -> list[HistoryEvent]:
    """Every recorded change in the history querysets (each of one model's history), newest first.

    `hidden` names fields left out besides id/created_at/updated_at (e.g. the parent a screen
    is about); `object_labels` maps a model to how one of its records is named (default:
    the object's str() as the record saw it). A change that shows no visible field is skipped.
    """
    hidden = HIDDEN_FIELDS | set(hidden)
    object_labels = object_labels or {}
    loaded = []
    wanted: dict[type, set] = {}
    for qs in querysets:
        history_model = qs.model
        records = list(qs.select_related("history_user").order_by("id", "history_date", "history_id"))
        fields = history_model.tracked_fields
        m2ms = _load_m2m(history_model, records)
        # Every relation is looked up, shown or not: the object's name (its str()) may use it.
        for record in records:
            for model_field in fields:
                if model_field.is_relation and getattr(record, model_field.attname) is not None:
                    wanted.setdefault(model_field.related_model, set()).add(getattr(record, model_field.attname))
        for m2m in m2ms:
            wanted.setdefault(m2m.model_field.related_model, set()).update(*m2m.ids_by_record.values())
        loaded.append((history_model, records, fields, m2ms))
    related = _related_objects(wanted)

    events: list[tuple[HistoryEvent, int]] = []
    for history_model, records, fields, m2ms in loaded:
        model = history_model.instance_type
        shown = [f for f in fields if f.name not in hidden]
        label_of = object_labels.get(model)
        previous = None
        last_event, last_at = None, None
        for record in records:
            same_object = previous is not None and previous.id == record.id
            changes = _field_changes(record, previous if same_object else None, shown, related)
            m2m_changes = _m2m_changes(record, previous if same_object else None, m2ms, related)
            previous = record
            if not same_object:
                last_event = None
            if (
                record.history_type == "~"
                and m2m_changes
                and not changes
                and last_event is not None
                and last_event.user == record.history_user
                and record.history_date - last_at < SAME_ACTION
            ):
                _merge(last_event, m2m_changes)
                last_at = record.history_date
                continue
            changes += m2m_changes
            if record.history_type == "~" and not changes:
                continue
            instance = _instance(record, fields, related)
            last_event = HistoryEvent(
                when=timezone.localtime(record.history_date),
                user=record.history_user,
                actor=actor_name(record.history_user),
                reason=record.history_change_reason or "",
                model_label=str(model._meta.verbose_name),
                object_label=label_of(instance) if label_of else str(instance),
                kind=record.history_type,
                changes=changes if record.history_type != "-" else [],
                history_id=record.history_id,
                object_id=record.id,
            )
            last_at = record.history_date
            events.append((last_event, record.history_id))
    events.sort(key=lambda pair: (pair[0].when, pair[1]), reverse=True)
    return [event for event, _history_id in events]


def _field_changes(record, previous, fields, related) -> list[FieldChange]:
    changes = []
    for model_field in fields:
        new = getattr(record, model_field.attname)
        if previous is None:  # a creation (or the first record kept): its initial values
            if new in (None, "", False, [], {}):
                continue
            changes.append(FieldChange(str(model_field.verbose_name), "", display_value(model_field, new, related)))
            continue
        old = getattr(previous, model_field.attname)
        if old != new:
            changes.append(
                FieldChange(
                    str(model_field.verbose_name),
                    display_value(model_field, old, related),
                    display_value(model_field, new, related),
                )
            )
    return changes


def _names(ids: frozenset, model, related) -> str:
    objects = related.get(model, {})
    return "、".join(sorted(str(objects.get(pk, pk)) for pk in ids))


def _m2m_changes(record, previous, m2ms, related) -> list[FieldChange]:
    changes = []
    for m2m in m2ms:
        new = m2m.ids_by_record.get(record.history_id, frozenset())
        old = m2m.ids_by_record.get(previous.history_id, frozenset()) if previous is not None else frozenset()
        if new != old:
            model = m2m.model_field.related_model
            changes.append(
                FieldChange(
                    str(m2m.model_field.verbose_name),
                    "" if previous is None else (_names(old, model, related) or EMPTY),
                    _names(new, model, related) or EMPTY,
                )
            )
    return changes


def _merge(event: HistoryEvent, changes: list[FieldChange]) -> None:
    """Fold the m2m rows of one action into its event: the old value stays the first, the new the last."""
    for change in changes:
        existing = next((c for c in event.changes if c.label == change.label), None)
        if existing is None:
            event.changes.append(FieldChange(change.label, "" if event.kind == "+" else change.old, change.new))
        else:
            existing.new = change.new
    event.changes = [c for c in event.changes if c.old != c.new]
