"""Flags that higher apps put on projects in dispatch's read-only pages, without dispatch importing them.

Registered today: `early_warnings.selectors.open_warning_flags` (the project's open
warnings), in `early_warnings.apps.EarlyWarningsConfig.ready`. A source takes a list of
project ids and returns, in a fixed number of queries, `{project_id: [short label, ...]}`.
"""

from collections import defaultdict
from collections.abc import Callable

FlagSource = Callable[[list[int]], dict[int, list[str]]]

FLAG_SOURCES: list[FlagSource] = []


def register_project_flags(source: FlagSource) -> FlagSource:
    if source not in FLAG_SOURCES:
        FLAG_SOURCES.append(source)
    return source


def project_flags(project_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    for source in FLAG_SOURCES:
        for pk, labels in source(project_ids).items():
            result[pk].extend(labels)
    return result
