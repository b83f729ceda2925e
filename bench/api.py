"""The case API: what a module `bench/cases/<area>.py` defines.

A case module defines one function, `cases(ctx)`, that yields (or returns a list of) cases. It runs in the
harness process after `django.setup()`, against the bench database, so it may use the ORM and `reverse()`
to find the ids and URLs its cases need::

    # bench/cases/dashboard.py
    from django.urls import reverse

    from bench.api import Page


    def cases(ctx):
        yield Page("dashboard", reverse("dashboard:home"), user="drc", target_ms=300, in_load=True)

Three kinds of case:

- `Page(name, url, user=..., target_ms=...)`: an HTTP GET through gunicorn as `user` (a demo account,
  password `demo12345`, logged in once through the login form). Warm-up, then `requests` timed GETs,
  one at a time. Its floor, unless `floor` is given, is the page's own SELECTs replayed directly on a
  psycopg connection: the harness renders the page once in-process with Django's test client, captures its
  queries, and times running them all (with fetching every row) the same number of times. A page passes
  when its p95 is at most `target_ms` and its median at most `floor_factor` × the floor's median.
  `in_load=True` makes the DRC users of the load test read the page too.
- `Call(name, run, target_ms=..., floor=..., floor_factor=...)`: a Python callable timed in-process
  (an export, a job). `floor`, when given, is another callable timed the same way (say openpyxl writing
  the same rows alone). `setup`, when given, runs before each timed `run` and is not timed.
- `Load(name, run, target_ms=...)`: a callable that takes the `LoadEnv` (the server's base URL, a login
  helper, the pages marked `in_load`) and returns `LoadResult`; see `bench/load.py`.

`ctx` (`bench.api.Context`) gives `ctx.today` (the day the seed stands at), `ctx.current` (its month as
`(year, month)`), `ctx.previous` (the month before), and `ctx.options` (the command-line options).
Targets are in milliseconds; a case without a target (None) is timed and shown, and passes on no error.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the demo accounts' published password (demo/common.py)


@dataclass
class Context:
    today: datetime.date
    options: object = None

    @property
    def current(self) -> tuple[int, int]:
        return self.today.year, self.today.month

    @property
    def previous(self) -> tuple[int, int]:
        first = self.today.replace(day=1) - datetime.timedelta(days=1)
        return first.year, first.month


@dataclass
class Page:
    name: str
    url: str
    user: str = "drc"
    target_ms: float | None = 300
    floor: Callable[[], object] | None = None  # None: replay the page's own SELECTs
    floor_factor: float | None = 2.0
    requests: int | None = None  # timed GETs (default: --requests)
    warmup: int = 3
    in_load: bool = False


@dataclass
class Call:
    name: str
    run: Callable[[], object]
    target_ms: float | None = None
    floor: Callable[[], object] | None = None
    floor_factor: float | None = None
    setup: Callable[[], object] | None = None
    repeat: int = 3
    warmup: int = 1


@dataclass
class LoadResult:
    timings_ms: list[float]
    errors: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Load:
    name: str
    run: Callable[[object], LoadResult]
    target_ms: float | None = 500
