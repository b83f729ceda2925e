"""The bench's cases, one module per area (`bench/cases/<area>.py`, each with `cases(ctx)`; see bench/api.py)."""

from __future__ import annotations

import importlib
import pkgutil


def areas() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def collect(ctx, *, only_areas: list[str] | None = None) -> list[tuple[str, object]]:
    """(area, case) for every case of every area module, in area order and each module's own order."""
    found = []
    for area in areas():
        if only_areas and area not in only_areas:
            continue
        module = importlib.import_module(f"{__name__}.{area}")
        found.extend((area, case) for case in module.cases(ctx))
    return found
