"""The dispatch-meeting packet (issue 11): a 500-project district's packet in at most 30 s, and at most 1.3×
WeasyPrint rendering the same HTML alone.

The bench database is the province-scale one (50,000 projects), so the "district" is 500 projects of the
month's list (the first 500 in the appendix's order); the packet is built for them without a meeting and
without storing a version (a PacketVersion would write to the bench database). The timed run is the whole
build — snapshot (every query), HTML and PDF; the floor is `render_pdf` of that build's HTML.
"""

from bench.api import Call
from dispatch.selectors import expected_projects, period_for
from projects.models import Project

DISTRICT_PROJECTS = 500


def reviewed_month(ctx) -> tuple[int, int]:
    """The month a meeting today would review: this one after the 20th (its reports are in), else the last."""
    return ctx.current if ctx.today.day > 20 else ctx.previous


def cases(ctx):
    from meetings.packet import build_pdf, packet_html, render_pdf, take_snapshot

    year, month = reviewed_month(ctx)
    listed = expected_projects(period_for(year, month)).order_by("responsible_unit__sort_order", "name", "id")
    district = Project.objects.filter(pk__in=list(listed.values_list("pk", flat=True)[:DISTRICT_PROJECTS]))
    html: dict = {}

    def build():
        snapshot, pdf, pages = build_pdf(year=year, month=month, projects=district)
        assert len(snapshot["projects"]) == district.count() and pdf.startswith(b"%PDF") and pages > 1

    def weasyprint_alone():
        if "html" not in html:  # the same HTML as a build (made once, during the floor's warm-up)
            html["html"] = packet_html(take_snapshot(year=year, month=month, projects=district))
        render_pdf(html["html"])

    yield Call(
        f"packet: {DISTRICT_PROJECTS}-project district, {year}-{month:02d} (snapshot + HTML + PDF)",
        build,
        target_ms=30_000,
        floor=weasyprint_alone,
        floor_factor=1.3,
        repeat=3,
        warmup=1,
    )
