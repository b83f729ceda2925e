"""The quarterly ranking and the year-end table at district scale (issue 10): timed and shown, no target set.

The draft pages compute every unit's components live (a fixed number of aggregates over all projects);
a published table reads its stored rows.
"""

from django.urls import reverse

from bench.api import Page


def cases(ctx):
    year, month = ctx.current
    quarter = (month - 1) // 3 + 1
    yield Page(
        "ranking draft, townships, this quarter",
        reverse("assessment:quarter", args=[year, quarter, "township"]),
        user="drc",
        target_ms=None,
        floor_factor=None,
    )
    yield Page(
        "year-end draft, departments",
        reverse("assessment:year_end", args=[year, "department"]),
        user="drc",
        target_ms=None,
        floor_factor=None,
    )
