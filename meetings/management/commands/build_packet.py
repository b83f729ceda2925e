"""Write the dispatch-meeting packet of a month to a PDF file, from the data as it stands now."""

import re
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meetings.models import Meeting
from meetings.packet import build_pdf


class Command(BaseCommand):
    help = "Build the dispatch-meeting packet (调度会材料) of a month as PDF: --month YYYY-MM --out FILE.pdf"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="the reporting month, YYYY-MM")
        parser.add_argument("--out", required=True, help="the PDF file to write")
        parser.add_argument(
            "--meeting",
            type=int,
            help="the meeting (id) whose details and decisions the packet shows; "
            "by default the latest meeting reviewing that month, if any",
        )

    def handle(self, *args, month: str, out: str, meeting: int | None = None, **options):
        match = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise CommandError("--month must be YYYY-MM")
        year, number = int(match.group(1)), int(match.group(2))
        if meeting is not None:
            chosen = Meeting.objects.filter(pk=meeting).first()
            if chosen is None:
                raise CommandError(f"no meeting {meeting}")
        else:
            chosen = Meeting.objects.filter(year=year, month=number).order_by("-date", "-pk").first()
        started = time.monotonic()
        snapshot, pdf, pages = build_pdf(year=year, month=number, meeting=chosen)
        Path(out).write_bytes(pdf)
        self.stdout.write(
            f"{out}: {pages} pages, {len(snapshot['projects'])} projects, "
            f"{time.monotonic() - started:.1f} s, data cut-off {snapshot['cut_off_text']}"
        )
