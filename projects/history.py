"""The change history of a project and everything that hangs off it, for the history tab.

Reads the simple-history tables directly: one query per model, diffs computed in
Python between consecutive versions of the same object, so the page's query count
does not grow with the number of changes.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import ListAdjustment, ListEntry, PolicyFundItem, Project, ProjectYearPlan, Unit, User

HIDDEN_FIELDS = {"id", "created_at", "updated_at"}
TYPE_LABELS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEvent:
    when: datetime.datetime
    user: object
    model_label: str
    object_label: str
    kind: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(TYPE_LABELS.get(self.kind, self.kind))


def _history_querysets(project: Project) -> list[models.QuerySet]:
    plan_ids = ProjectYearPlan.history.filter(project_id=project.pk).values("id")
    entry_ids = ListEntry.history.filter(project_id=project.pk).values("id")
    return [
        Project.history.filter(id=project.pk),
        ProjectYearPlan.history.filter(project_id=project.pk),
        PolicyFundItem.history.filter(year_plan_id__in=plan_ids),
        ListEntry.history.filter(project_id=project.pk),
        ListAdjustment.history.filter(entry_id__in=entry_ids),
    ]


def _display(model_field, value, lookups) -> str:
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return str(lookups.get(model_field.related_model, {}).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    return str(value)


def _object_label(record) -> str:
    model = record.instance_type
    if model is Project:
        return record.name
    if model is ProjectYearPlan:
        return str(_("%(year)s three lists") % {"year": record.year})
    if model is PolicyFundItem:
        return str(dict(PolicyFundItem._meta.get_field("fund_type").flatchoices).get(record.fund_type, ""))
    if model is ListEntry:
        kind = dict(ListEntry._meta.get_field("kind").flatchoices).get(record.kind, record.kind)
        return f"{record.year or ''}{kind}"
    if model is ListAdjustment:
        return str(dict(ListAdjustment._meta.get_field("action").flatchoices).get(record.action, ""))
    return str(record.id)


def project_history(project: Project) -> list[HistoryEvent]:
    """Every recorded change of the project, its year plans, fund items and list moves, newest first."""
    groups = []
    unit_ids, user_ids = set(), set()
    for qs in _history_querysets(project):
        records = list(qs.select_related("history_user").order_by("id", "history_date", "history_id"))
        groups.append(records)
        for record in records:
            for name in ("responsible_unit_id", "competent_department_id"):
                if getattr(record, name, None):
                    unit_ids.add(getattr(record, name))
            for name in ("leader_id", "acting_user_id"):
                if getattr(record, name, None):
                    user_ids.add(getattr(record, name))
    lookups = {
        Unit: dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")),
        User: {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)},
    }
    events: list[HistoryEvent] = []
    for records in groups:
        previous = None
        for record in records:
            model = record.instance_type
            same_object = previous is not None and previous.id == record.id
            changes = []
            if same_object and record.history_type == "~":
                delta = record.diff_against(previous)
                for change in delta.changes:
                    if change.field in HIDDEN_FIELDS:
                        continue
                    model_field = model._meta.get_field(change.field)
                    changes.append(
                        FieldChange(
                            str(model_field.verbose_name),
                            _display(model_field, change.old, lookups),
                            _display(model_field, change.new, lookups),
                        )
                    )
                if not changes:
                    previous = record
                    continue
            elif record.history_type == "+":
                for model_field in model._meta.concrete_fields:
                    name = model_field.attname if isinstance(model_field, models.ForeignKey) else model_field.name
                    if model_field.name in HIDDEN_FIELDS or model_field.name in {"project", "year_plan", "entry"}:
                        continue
                    value = getattr(record, name, None)
                    if value in (None, ""):
                        continue
                    changes.append(
                        FieldChange(str(model_field.verbose_name), "", _display(model_field, value, lookups))
                    )
            events.append(
                HistoryEvent(
                    when=record.history_date,
                    user=record.history_user,
                    model_label=str(model._meta.verbose_name),
                    object_label=_object_label(record),
                    kind=record.history_type,
                    changes=changes,
                )
            )
            previous = record
    events.sort(key=lambda event: event.when, reverse=True)
    return events
