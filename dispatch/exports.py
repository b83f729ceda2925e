"""The official tables as a background export: the three tables of a month as one zip (DESIGN §3).

Registered with the export registry in DispatchConfig.ready; the whole district
is always prepared this way, a single unit may be.
"""

import tempfile
import zipfile
from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exports.models import ExportJob
from exports.registry import Built, ExportKind, JobPage, Progress
from exports.services import export_start
from projects import access
from projects.models import Unit

from .models import ReportingPeriod
from .selectors import period_for
from .tables import official_tables_zip_name, write_official_tables

OFFICIAL_TABLES = "official_tables"


def official_tables_export_start(*, user, period: ReportingPeriod, unit: Unit | None = None) -> ExportJob:
    """Queue the month's three tables of a unit, or of the district when `unit` is None, as a zip."""
    params = {"year": period.year, "month": period.month, "unit": unit.pk if unit else None}
    return export_start(kind=OFFICIAL_TABLES, user=user, params=params)


def _unit(params: dict) -> Unit | None:
    return Unit.objects.get(pk=params["unit"]) if params.get("unit") else None


def may_export_official_tables(user, params: dict) -> bool:
    """The district's tables: whoever reads every unit; one unit's tables: also that unit's own staff —
    in both cases only roles that start export jobs at all (not auditors)."""
    if not access.may_start_export_jobs(user):
        return False
    try:
        unit = _unit(params)
    except (Unit.DoesNotExist, ValueError, TypeError):
        return False
    return access.may_see_unit(user, unit)


def build_official_tables(params: dict, *, user, progress: Progress) -> Built:
    """The three tables written one after the other into a temporary directory, then zipped into a temporary file."""
    period = period_for(int(params["year"]), int(params["month"]))
    unit = _unit(params)
    archive = tempfile.TemporaryFile()  # noqa: SIM115 - the runner closes it after saving
    try:
        with tempfile.TemporaryDirectory(prefix="ganzhou-export-") as tmp:
            paths = write_official_tables(period, unit, Path(tmp) / "tables", progress=progress)
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
                for path in paths:
                    out.write(path, arcname=path.name)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return official_tables_zip_name(period, unit), archive


def describe_official_tables(params: dict) -> JobPage:
    """The month in the heading, the unit (or the district) below it and a link back to the tables' page."""
    unit_id = params.get("unit")
    scope = Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() if unit_id else None
    note = _("Tables of %(unit)s.") % {"unit": scope} if scope else _("Tables of the whole district.")
    year, month = params.get("year"), params.get("month")
    if not (year and month):
        return JobPage(note=note)
    return JobPage(
        heading=f"{year}年{month}月",
        note=note,
        back_url=reverse("dispatch:official_tables", args=[year, month]),
        back_label=_("Back to the official tables"),
    )


OFFICIAL_TABLES_EXPORT = ExportKind(
    key=OFFICIAL_TABLES,
    label=gettext_lazy("Official monthly tables"),
    build=build_official_tables,
    may_start=may_export_official_tables,
    describe=describe_official_tables,
)
