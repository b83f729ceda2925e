"""The load test of issue 14: 50 users on loopback for 60 s, no error, p95 ≤ 500 ms (see bench/load.py)."""

import random

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse

from bench.api import Load
from bench.load import run_load
from dispatch import selectors
from dispatch.models import MonthlyReport, ReportStatus
from projects.models import Unit

REPORTER_SHARE = 0.8  # of the users; the rest are DRC reading
CARDS_PER_REPORTER = 60
SENT = (ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED, ReportStatus.ACCEPTED)


def _open_projects(period, unit) -> list[tuple[int, bool]]:
    """The unit's projects expected this month with nothing sent yet, each with whether it has a report (a draft)
    already. The load types into those with none first: the seed's complete drafts are sent by the unit's first
    submit, and a card typed after that is refused (该报告已报送) — right, but not the load's to measure."""
    sent = MonthlyReport.objects.filter(selectors.in_period(period), project=OuterRef("pk"), status__in=SENT)
    started = MonthlyReport.objects.filter(selectors.in_period(period), project=OuterRef("pk"))
    projects = selectors.expected_projects(period).filter(responsible_unit=unit).exclude(Exists(sent))
    projects = projects.annotate(started=Exists(started)).order_by("pk")
    return [(pk, begun) for pk, begun in projects.values_list("pk", "started")]


def cases(ctx):
    year, month = ctx.current
    users = ctx.options.load_users if ctx.options else 50
    seconds = ctx.options.load_seconds if ctx.options else 60

    def run(env):
        env.users, env.seconds = users, seconds
        period = selectors.period_for(year, month)
        reporters = round(users * REPORTER_SHARE)
        units = list(Unit.objects.annotate(n=Count("projects")).filter(n__gt=0).order_by("-n", "code"))
        rng = random.Random(f"{year}-{month}")
        work, pools = [], {}
        for index in range(reporters):
            unit = units[index % len(units)]  # two users of a unit share its account when there are few units
            if unit.pk not in pools:
                projects = _open_projects(period, unit)
                begun, fresh = [pk for pk, b in projects if b], [pk for pk, b in projects if not b]
                rng.shuffle(begun)
                rng.shuffle(fresh)
                pools[unit.pk] = begun + fresh  # popped from the end: the fresh ones first
            pool = pools[unit.pk]
            work.append((f"reporter_{unit.code}", [pool.pop() for _ in range(min(CARDS_PER_REPORTER, len(pool)))]))
        urls = [reverse("dispatch:review_queue", args=[year, month])] + [page.url for page in env.pages]
        return run_load(env, reporters=work, drc_urls=sorted(set(urls)), drc_users=users - reporters)

    yield Load(f"load: {users} users for {seconds} s (reporters saving and submitting, DRC reading)", run, 500)
