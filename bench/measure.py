"""Timing the cases and their floors, and the rows of the table."""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from .api import Call, Load, LoadResult, Page
from .http import Session

SQL_READS = ("SELECT", "WITH")


@dataclass
class Row:
    name: str
    median: float | None = None
    p95: float | None = None
    target: float | None = None
    floor: float | None = None
    floor_factor: float | None = None
    errors: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor:
            return None
        return self.median / self.floor

    @property
    def passed(self) -> bool:
        if self.errors or self.median is None:
            return False
        if self.target is not None and self.p95 > self.target:
            return False
        return not (self.floor_factor is not None and self.ratio is not None and self.ratio > self.floor_factor)


def p95(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def timed(function: Callable[[], object], *, warmup: int, repeat: int, setup=None) -> list[float]:
    for _ in range(warmup):
        if setup:
            setup()
        function()
    timings = []
    for _ in range(repeat):
        if setup:
            setup()
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


class Harness:
    def __init__(self, *, base_url: str, database_url: str, requests: int, log):
        self.base_url, self.database_url, self.requests, self.log = base_url, database_url, requests, log
        self.sessions: dict[str, Session] = {}

    def session(self, user: str) -> Session:
        if user not in self.sessions:
            session = Session(self.base_url)
            session.login(user)
            self.sessions[user] = session
        return self.sessions[user]

    # -- pages ---------------------------------------------------------------

    def page_queries(self, page: Page) -> tuple[list[str], int]:
        """The SELECTs the page runs, captured by rendering it once in-process (Django's test client)."""
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client()
        client.force_login(get_user_model().objects.get(username=page.user))
        client.get(page.url)  # the per-process caches, as the server's warm-up fills them
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url)
        if response.status_code != 200:
            raise RuntimeError(f"in-process GET {page.url} answered {response.status_code}")
        statements = [q["sql"] for q in captured.captured_queries]
        return [s for s in statements if s.lstrip().upper().startswith(SQL_READS)], len(statements)

    def replay(self, statements: list[str], repeat: int, warmup: int) -> list[float]:
        with psycopg.connect(self.database_url) as conn:
            conn.read_only = True

            def run():
                with conn.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
                        if cursor.description is not None:
                            cursor.fetchall()
                conn.rollback()

            return timed(run, warmup=warmup, repeat=repeat)

    def run_page(self, page: Page) -> Row:
        row = Row(page.name, target=page.target_ms, floor_factor=page.floor_factor)
        repeat = page.requests or self.requests
        session = self.session(page.user)
        timings, sizes = [], []
        for index in range(page.warmup + repeat):
            response = session.get(page.url)
            if response.status != 200:
                row.errors.append(f"HTTP {response.status} for {page.url}")
                return row
            if index >= page.warmup:
                timings.append(response.ms)
                sizes.append(len(response.body))
        row.median, row.p95 = statistics.median(timings), p95(timings)
        if page.floor is not None:
            floor = timed(page.floor, warmup=page.warmup, repeat=repeat)
            row.note = f"{max(sizes) / 1024:.0f} kB"
        else:
            statements, total = self.page_queries(page)
            floor = self.replay(statements, repeat=repeat, warmup=page.warmup)
            row.note = f"{total} queries, {max(sizes) / 1024:.0f} kB"
        row.floor = statistics.median(floor)
        return row

    # -- calls and load --------------------------------------------------------

    def run_call(self, call: Call) -> Row:
        row = Row(call.name, target=call.target_ms, floor_factor=call.floor_factor)
        timings = timed(call.run, warmup=call.warmup, repeat=call.repeat, setup=call.setup)
        row.median, row.p95 = statistics.median(timings), p95(timings)
        if call.floor is not None:
            row.floor = statistics.median(timed(call.floor, warmup=call.warmup, repeat=call.repeat))
        row.note = f"{call.repeat} runs"
        return row

    def run_load(self, load: Load, env) -> Row:
        row = Row(load.name, target=load.target_ms)
        result: LoadResult = load.run(env)
        if result.timings_ms:
            row.median, row.p95 = statistics.median(result.timings_ms), p95(result.timings_ms)
        row.errors = result.errors
        row.note = result.note
        return row

    def run(self, case, env) -> Row:
        self.log(f"  {case.name} ...")
        started = time.monotonic()
        try:
            if isinstance(case, Page):
                row = self.run_page(case)
            elif isinstance(case, Call):
                row = self.run_call(case)
            elif isinstance(case, Load):
                row = self.run_load(case, env)
            else:
                raise TypeError(f"not a case: {case!r}")
        except Exception as error:  # a failing case is a failed row, not a failed run
            traceback.print_exc()
            row = Row(case.name, target=getattr(case, "target_ms", None), errors=[f"{type(error).__name__}: {error}"])
        self.log(f"    {fmt(row.median)} / {fmt(row.p95)} in {time.monotonic() - started:.0f}s")
        return row


def fmt(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms >= 10000:
        return f"{ms / 1000:.1f} s"
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def table(rows: list[Row]) -> str:
    lines = [
        "| case | median | p95 | target (p95) | floor | ratio | result | note |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
        if row.floor_factor is not None and row.ratio is not None:
            ratio += f" (≤ {row.floor_factor:g}×)"
        target = f"≤ {fmt(row.target)}" if row.target is not None else "—"
        result = "pass" if row.passed else "FAIL"
        note = "; ".join([*row.errors, row.note] if row.errors else [row.note])
        lines.append(
            f"| {row.name} | {fmt(row.median)} | {fmt(row.p95)} | {target} | {fmt(row.floor)} | {ratio} "
            f"| {result} | {note} |"
        )
    return "\n".join(lines)
