"""`python manage.py verify_audit [--head N:LINK]`: is every history row as it was written?

Prints 完整 (intact) with the chain's head, or names the first row that was altered, removed or
written past the chain, and exits with status 1.
"""

from django.core.management.base import BaseCommand, CommandError

from auditlog.chain import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain over every history row; name the first altered or removed row."

    def add_arguments(self, parser):
        parser.add_argument("--head", help="N:LINK printed by an earlier run: the chain must still pass through it")

    def handle(self, *args, head=None, **options):
        expected = None
        if head:
            count, _sep, link = head.partition(":")
            if not count.isdigit() or len(link) != 64:
                raise CommandError("--head takes N:LINK as printed by an earlier run.")
            expected = (int(count), link)
        result = verify_chain(head=expected)
        if result.intact:
            self.stdout.write(f"完整：{result.entries} 条变更记录，哈希链头 {result.entries}:{result.head_link}")
            return
        self.stderr.write(f"不完整：{result.finding.message}")
        raise SystemExit(1)
