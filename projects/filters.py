"""The project-list filters of the query string, shared by the list page and its exports."""

from django.http import HttpRequest

from ganzhou_projects.query import QueryParams

from .models import ListKind, Sector, Stage, Unit
from .selectors import ProjectFilters


def filters_from_request(request: HttpRequest) -> ProjectFilters:
    """The filters of the list page; a bad value is ignored and the page says so."""
    query = QueryParams(request.GET)
    filters = _read(query)
    query.warn_if_invalid(request)
    return filters


def filters_from_query(params) -> ProjectFilters:
    """Read `unit`, `sector`, `stage`, `list`, `leader`, `year`, `q` and `mine=1` from GET.

    Unknown or malformed values are ignored rather than refused, so a stale
    bookmark still shows a list.
    """
    return _read(QueryParams(params))


def _read(query: QueryParams) -> ProjectFilters:
    unit = None
    unit_pk = query.pk("unit")
    if unit_pk is not None:
        unit = Unit.objects.filter(pk=unit_pk).first()
    return ProjectFilters(
        unit=unit,
        sector=query.choice("sector", Sector.values),
        stage=query.choice("stage", Stage.values),
        list_kind=query.choice("list", ListKind.values),
        leader_id=query.pk("leader"),
        year=query.year("year"),
        text=query.text("q"),
        mine_only=query.flag("mine"),
    )
