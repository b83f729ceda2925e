import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.jobs import load_jobs, run_all, run_job


class Command(BaseCommand):
    help = "Run every scheduled job as it should have run on a date (catch-up after downtime). Safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today, Asia/Shanghai)")
        parser.add_argument("--until", help="YYYY-MM-DD: run every day from --as-of up to this date")
        parser.add_argument("--job", help="run only this job")

    def handle(self, *args, **options):
        try:
            start = datetime.date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
            end = datetime.date.fromisoformat(options["until"]) if options["until"] else start
        except ValueError as error:
            raise CommandError(f"Dates are written YYYY-MM-DD: {error}") from error
        if end < start:
            raise CommandError("--until is before --as-of")
        jobs = load_jobs()
        if options["job"] and options["job"] not in jobs:
            raise CommandError(f"Unknown job {options['job']!r}; known: {', '.join(jobs)}")
        day = start
        while day <= end:
            runs = [run_job(options["job"], day)] if options["job"] else run_all(day)
            for run in runs:
                status = "FAILED" if run is None or run.error else f"{run.notices_created} notice(s)"
                name = run.job if run else "?"
                self.stdout.write(f"{day} {name}: {status}")
            day += datetime.timedelta(days=1)
