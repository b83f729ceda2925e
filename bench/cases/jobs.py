"""The scheduled jobs at province scale, timed (no target: issue 14 asks to time them and bound the run).

Each runs for the day after the seed month's deadline, as beat would run it, inside a transaction that
is rolled back, so every bench run measures the same work (the warning run judges all 50,000 projects).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from bench.api import Call
from dispatch.selectors import period_for
from notifications.jobs import load_jobs, run_job


class _Undo(Exception):
    pass


def _rolled_back(name: str, as_of: datetime.date):
    def run():
        try:
            with transaction.atomic():
                run_job(name, as_of)
                raise _Undo
        except _Undo:
            pass

    return run


def cases(ctx):
    year, month = ctx.current
    as_of = timezone.localtime(period_for(year, month).deadline).date() + datetime.timedelta(days=1)
    for name in load_jobs():
        yield Call(f"job {name} ({as_of})", _rolled_back(name, as_of), target_ms=None, repeat=1, warmup=0)
