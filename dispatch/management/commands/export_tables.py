"""Write the three official monthly tables (seed 002) of one month as .xlsx files."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dispatch.selectors import period_for
from dispatch.tables import write_official_tables
from projects.models import Unit

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class Command(BaseCommand):
    help = "Write 前期项目谋划表, 新建（竣工）项目情况表 and 在建项目进展情况表 of one month into a directory."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="the reporting month, YYYY-MM (e.g. 2026-11)")
        parser.add_argument("--out", required=True, help="the directory to write into (created if missing)")
        parser.add_argument("--unit", default="", help="a responsible unit's code; the whole district if omitted")

    def handle(self, *args, month: str, out: str, unit: str, **options):
        match = MONTH.match(month.strip())
        if not match or not (2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12):
            raise CommandError(f"--month must be a month written YYYY-MM, such as 2026-11; got “{month}”.")
        the_unit = None
        if unit:
            try:
                the_unit = Unit.objects.get(code=unit)
            except Unit.DoesNotExist:
                raise CommandError(f"No responsible unit has the code “{unit}”.") from None
        out_dir = Path(out)
        if out_dir.exists() and not out_dir.is_dir():
            raise CommandError(f"--out “{out}” exists and is not a directory.")
        period = period_for(int(match.group(1)), int(match.group(2)))
        for path in write_official_tables(period, the_unit, out_dir):
            self.stdout.write(str(path))
