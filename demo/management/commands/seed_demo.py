"""Fill the database with reproducible demo data (see demo/seed.py)."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from demo.common import BATCH_SIZE, DEFAULT_MONTHS, DEFAULT_PROJECTS, DEFAULT_SEED
from demo.seed import SeedRefused, seed_demo


def _date(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2026-11-21, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Create Ganzhou's units, a demo account for every role (password demo12345), and N projects with "
        "their lists, three-list plans and a history spread over M months, with M months of monthly reports "
        "up to --today, the problem ledger and three months of warnings. Units and accounts are "
        "get-or-create; projects are only generated into a database without projects (use --reset to "
        "recreate the database first). Same arguments, same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS, help="number of projects (300)")
        parser.add_argument(
            "--months", type=int, default=DEFAULT_MONTHS, help="months of history up to --today (12)"
        )
        parser.add_argument("--today", type=_date, default=None, help="YYYY-MM-DD (default: today in Asia/Shanghai)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (2026)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="recreate the database first (drop every table and migrate): ALL existing data goes",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows per INSERT (2000)")

    def handle(self, *args, **options):
        if options["projects"] < 0:
            raise CommandError("--projects must not be negative")
        if not 1 <= options["months"] <= 120:
            raise CommandError("--months must be between 1 and 120")
        verbose = options["verbosity"] >= 2
        started = time.monotonic()
        try:
            ctx = seed_demo(
                projects=options["projects"],
                months=options["months"],
                # call_command() passes keyword options through without the parser's type conversion.
                today=_date(options["today"]) if options["today"] else None,
                seed=options["seed"],
                reset=options["reset"],
                batch_size=options["batch_size"],
                log=(lambda message: self.stdout.write(f"  {message}")) if verbose else (lambda message: None),
            )
        except SeedRefused as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{value} {name}" for name, value in ctx.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data (seed {ctx.seed}, {ctx.months} months up to {ctx.today}): {counts} "
                f"in {time.monotonic() - started:.1f}s."
            )
        )
