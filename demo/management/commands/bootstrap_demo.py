"""Used by `make run` after migrate: seed the demo data into an empty database, then show how to log in."""

import unicodedata

from django.core.management.base import BaseCommand

from demo.common import DEMO_PASSWORD
from demo.data import ROLE_ZH
from demo.inventory import generate_accounts
from demo.seed import seed_demo
from projects import roles
from projects.models import Project, User

URL = "http://127.0.0.1:8000"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Seed the demo data if there are no projects yet, then print the demo accounts and the URL."

    def handle(self, *args, **options):
        if not Project.objects.exists():
            self.stdout.write("No projects yet: seeding the demo data (this takes a few seconds)...")
            ctx = seed_demo()
            counts = ", ".join(f"{value} {name}" for name, value in ctx.counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {counts}."))
        self.print_accounts()

    def print_accounts(self):
        accounts = generate_accounts()
        reporters = [a for a in accounts if a.role == roles.REPORTER]
        shown = [a for a in accounts if a.role != roles.REPORTER] + [
            a for a in reporters if a.unit_code in ("liangjiadun", "shangqin")
        ]
        existing = {
            user.username: user
            for user in User.objects.filter(username__in=[a.username for a in accounts]).select_related("unit")
        }
        rows = [("用户名 username", "角色 role", "姓名 name", "单位 unit", "密码 password")]
        for account in shown:
            user = existing.get(account.username)
            if user is None:
                continue
            unit = user.unit.name if user.unit else "—"
            rows.append((account.username, ROLE_ZH[account.role], user.full_name, unit, DEMO_PASSWORD))
        if len(rows) == 1:
            self.stdout.write(self.style.WARNING("No demo accounts in this database (run `manage.py seed_demo`)."))
        else:
            widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
            self.stdout.write("")
            self.stdout.write("Demo accounts:")
            for number, row in enumerate(rows):
                self.stdout.write("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
                if number == 0:
                    self.stdout.write("  " + "  ".join("-" * w for w in widths))
            other = sum(1 for a in reporters if a.username in existing and a not in shown)
            if other:
                self.stdout.write(
                    f"  ...and reporter_<unit code> for each of the other {other} units "
                    f"(e.g. reporter_dongjie, reporter_shuiwu), password {DEMO_PASSWORD}"
                )
        self.stdout.write("")
        self.stdout.write(f"Open {URL} and log in with one of the accounts above.")
