"""The project-list filters of the query string, shared by the list page and its exports."""

from django.http import HttpRequest

from .models import ListKind, Sector, Stage, Unit
from .selectors import ProjectFilters

MIN_YEAR, MAX_YEAR = 2000, 2100


def _int_or_none(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def filters_from_request(request: HttpRequest) -> ProjectFilters:
    return filters_from_query(request.GET)


def filters_from_query(params) -> ProjectFilters:
    """Read `unit`, `sector`, `stage`, `list`, `leader`, `year`, `q` and `mine=1` from GET.

    Unknown or malformed values are ignored rather than refused, so a stale
    bookmark still shows a list.
    """
    unit = None
    unit_pk = _int_or_none(params.get("unit"))
    if unit_pk is not None:
        unit = Unit.objects.filter(pk=unit_pk).first()
    sector = params.get("sector", "")
    stage = params.get("stage", "")
    list_kind = params.get("list", "")
    year = _int_or_none(params.get("year"))
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        year = None
    return ProjectFilters(
        unit=unit,
        sector=sector if sector in Sector.values else "",
        stage=stage if stage in Stage.values else "",
        list_kind=list_kind if list_kind in ListKind.values else "",
        leader_id=_int_or_none(params.get("leader")),
        year=year,
        text=params.get("q", "").strip()[:100],
        mine_only=params.get("mine") == "1",
    )
