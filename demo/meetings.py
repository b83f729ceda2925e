"""Demo dispatch meetings: the monthly district meeting and the executive deputy's two-weekly one ("3246"),
each with its next meeting in preparation on the proposed date; DRC assembles the agenda on the page."""

from __future__ import annotations

from .inventory import SeedContext


def seed_meetings(ctx: SeedContext) -> None:
    from meetings import services
    from meetings.models import MeetingSeries

    drc, head, deputy = ctx.users.get("drc"), ctx.users.get("leader"), ctx.users.get("leader_zhang")
    if drc is None or head is None or MeetingSeries.objects.exists():
        return
    towns = [unit for code, unit in sorted(ctx.units.items()) if unit.unit_type in ("town", "street")]
    for name, chair, cadence, weeks in (
        ("甘州区重点项目建设调度会", head, MeetingSeries.Cadence.MONTHLY, None),
        ("常务副区长项目前期调度会", deputy or head, MeetingSeries.Cadence.WEEKS, 2),
    ):
        series = services.series_create(
            name=name, chair=chair, cadence=cadence, every_weeks=weeks, attendee_units=towns, acting_user=drc
        )
        date = services.propose_next_date(series, today=ctx.today)
        services.meeting_create(series=series, date=date, location="区政府三楼会议室", acting_user=drc)
