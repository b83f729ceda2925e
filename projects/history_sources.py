"""Histories that higher apps add to a project's 变更记录 tab, without projects importing them.

The tab shows every change of the project and of the records that belong to it; the monthly
reports (dispatch) and the ledger problems and warnings (early_warnings) live in apps above this
one, so each registers a source in its AppConfig.ready. A source takes a project id and returns
history querysets (each of one model's history), as ``ganzhou_projects.history.history_events`` takes them.
"""

from collections.abc import Callable

from django.db.models import QuerySet

HistorySource = Callable[[int], list[QuerySet]]

HISTORY_SOURCES: list[HistorySource] = []


def register_history_source(source: HistorySource) -> HistorySource:
    if source not in HISTORY_SOURCES:
        HISTORY_SOURCES.append(source)
    return source


def registered_histories(project_id: int) -> list[QuerySet]:
    return [qs for source in HISTORY_SOURCES for qs in source(project_id)]
