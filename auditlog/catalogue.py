"""Every kind of record with a history, discovered from the app registry (no list to keep up to date).

A kind is one django-simple-history model (the m2m snapshots are shown through their parent's
events by ``ganzhou_projects.history``). For the auditors' filters each kind knows how its rows
reach a project and a unit, found from its foreign keys: the project itself; a key to Project
(``project``); or a key to a model that has one (a report's photo → the report → its project).
Unit: the record's own key to a unit (a report's ``unit``, a project's ``responsible_unit``, a
user's ``unit``), else its project's responsible unit. The links are read from the current rows
(a history row keeps only the ids), so a record whose parent was deleted leaves the unit and
project filters (it stays in the unfiltered log).
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Q

UNIT_FIELD_NAMES = ("responsible_unit", "unit")
# Kinds whose model's verbose name is a library's English one.
LABELS = {
    "projects.projectgroupobjectpermission": "项目权限（单位组）",
    "projects.projectuserobjectpermission": "项目权限（用户）",
}


@dataclass(frozen=True)
class RecordKind:
    key: str  # "app_label.model", stable in URLs and filters
    label: str
    history_model: type
    project_path: str | None  # lookup from the history row to the project's id, e.g. "report__project_id"
    unit_path: str | None

    @property
    def model(self):
        return self.history_model.instance_type

    def for_project(self, project_id) -> Q | None:
        return Q(**{self.project_path: project_id}) if self.project_path else None

    def for_unit(self, unit_id) -> Q | None:
        return Q(**{self.unit_path: unit_id}) if self.unit_path else None


def _fk_to(model, target) -> str | None:
    for model_field in model._meta.concrete_fields:
        if model_field.many_to_one and model_field.related_model is target:
            return model_field.name
    return None


def _paths(model):
    project_model = apps.get_model("projects", "Project")
    unit_model = apps.get_model("projects", "Unit")
    if model is project_model:
        project = "id"
    elif (name := _fk_to(model, project_model)) is not None:
        project = f"{name}_id"
    else:
        project = None
        for model_field in model._meta.concrete_fields:
            if model_field.many_to_one and (hop := _fk_to(model_field.related_model, project_model)):
                project = f"{model_field.name}__{hop}_id"
                break
    unit = None
    if model is unit_model:
        unit = "id"
    else:
        for model_field in model._meta.concrete_fields:
            if (
                model_field.many_to_one
                and model_field.related_model is unit_model
                and model_field.name in UNIT_FIELD_NAMES
            ):
                unit = f"{model_field.name}_id"
                break
    if unit is None and project is not None:
        unit = "responsible_unit_id" if project == "id" else project.removesuffix("_id") + "__responsible_unit_id"
    return project, unit


@cache
def record_kinds() -> dict[str, RecordKind]:
    """Every history model's kind, by key, sorted by label."""
    from simple_history.models import HistoricalChanges

    kinds = []
    for history_model in apps.get_models():
        if not issubclass(history_model, HistoricalChanges) or not hasattr(history_model, "history_date"):
            continue  # the m2m snapshots have no date of their own
        if not _is_history_model(history_model):
            continue
        model = history_model.instance_type
        project, unit = _paths(model)
        kinds.append(
            RecordKind(
                key=model._meta.label_lower,
                label=LABELS.get(model._meta.label_lower, str(model._meta.verbose_name)),
                history_model=history_model,
                project_path=project,
                unit_path=unit,
            )
        )
    return {kind.key: kind for kind in sorted(kinds, key=lambda k: (k.label, k.key))}


def _is_history_model(history_model) -> bool:
    try:
        history_model._meta.get_field("history_date")
        history_model._meta.get_field("history_user")
    except Exception:
        return False
    return isinstance(getattr(history_model, "instance_type", None), type) and issubclass(
        history_model.instance_type, models.Model
    )


def kind_of(key: str) -> RecordKind | None:
    return record_kinds().get(key)
