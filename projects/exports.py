"""A large inventory export (前期项目谋划表 of the projects a user sees) as a background export job.

Registered with the export registry in ProjectsConfig.ready; the project list
sends an export here when it has more than INLINE_EXPORT_MAX_ROWS rows.
"""

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy

from exports.models import ExportJob
from exports.registry import Built, ExportKind, Progress
from exports.services import export_start

from . import access
from .excel import export_planning_table, planning_filename
from .filters import filters_from_query
from .selectors import project_list

INVENTORY = "inventory"


def inventory_export_start(*, user, query: str, year: int) -> ExportJob:
    """Queue the inventory export of the projects `user` sees, with the project list's filters (`query`)."""
    return export_start(kind=INVENTORY, user=user, params={"query": query, "year": year})


def build_inventory(params: dict, *, user, progress: Progress) -> Built:
    """The projects the job's owner sees now, filtered as the list was when the export was asked for."""
    filters = filters_from_query(QueryDict(params.get("query", "")))
    progress(10, "")
    content = export_planning_table(project_list(user, filters), int(params["year"]))
    return planning_filename(timezone.localdate()), content


INVENTORY_EXPORT = ExportKind(
    key=INVENTORY,
    label=gettext_lazy("Project inventory (planning table)"),
    build=build_inventory,
    may_start=lambda user, params: access.may_export_inventory(user) and access.may_start_export_jobs(user),
)
