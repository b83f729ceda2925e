"""The agenda assembles itself from the ledger, the warnings, the supervision list and overdue decisions;
DRC adds, removes (with a reason), reorders and groups; an ended meeting's agenda is frozen."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from meetings import services
from meetings.models import AgendaItem, Decision, MeetingSeries
from notifications.models import CalendarDay, HolidayYear
from tests.meetings.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def kinds(meeting):
    return {
        (item.kind, item.problem_id or item.warning_id or item.earlier_decision_id)
        for item in meeting.items.filter(removed=False)
    }


def test_assembly_draws_each_source_once(month, drc):
    meeting = month["meeting"]
    with time_machine.travel(NOW, tick=False):
        added = services.agenda_assemble(meeting=meeting, acting_user=drc)
    assert kinds(meeting) == {
        (AgendaItem.Kind.PROBLEM, month["district_problem"].pk),
        (AgendaItem.Kind.WARNING, month["red"].pk),
        (AgendaItem.Kind.SUPERVISION, month["escalated"].pk),
        (AgendaItem.Kind.OVERDUE_DECISION, month["overdue"].pk),
    }
    assert added == 4
    # Not the DRC-level problem, not the blue warning.
    assert not meeting.items.filter(problem=month["drc_problem"]).exists()
    assert not meeting.items.filter(warning=month["blue"]).exists()
    # Grouped into a section per source, in the order of the sources.
    titles = [s.title for s in meeting.sections.order_by("position")]
    assert titles == ["需区级协调解决的问题", "提请区政府督办事项", "本月红黄预警", "逾期未办结的议定事项"]
    with time_machine.travel(NOW, tick=False):
        assert services.agenda_assemble(meeting=meeting, acting_user=drc) == 0


def test_removed_item_keeps_its_reason_and_does_not_come_back(month, drc):
    meeting = month["meeting"]
    with time_machine.travel(NOW, tick=False):
        services.agenda_assemble(meeting=meeting, acting_user=drc)
        item = meeting.items.get(warning=month["red"])
        with pytest.raises(ValidationError):
            services.agenda_item_remove(item=item, reason=" ", acting_user=drc)
        services.agenda_item_remove(item=item, reason="已在专题会议研究", acting_user=drc)
        assert services.agenda_assemble(meeting=meeting, acting_user=drc) == 0
    item.refresh_from_db()
    assert item.removed and item.removed_reason == "已在专题会议研究"
    assert item.history.first().history_change_reason == "移除议题：已在专题会议研究"


def test_drc_adds_reorders_and_groups(month, drc, reporter_a):
    meeting = month["meeting"]
    with time_machine.travel(NOW, tick=False):
        services.agenda_assemble(meeting=meeting, acting_user=drc)
        section = services.section_create(meeting=meeting, title="其他事项", acting_user=drc)
        added = services.agenda_item_add(meeting=meeting, title="冬季施工安全", section=section, acting_user=drc)
        with pytest.raises(PermissionDenied):
            services.agenda_item_add(meeting=meeting, title="x", acting_user=reporter_a)
        order = list(meeting.items.order_by("position").values_list("pk", flat=True))
        services.agenda_reorder(meeting=meeting, item_ids=[added.pk, *order[:-1]], acting_user=drc)
        assert meeting.items.order_by("position").first().pk == added.pk
        problem_item = meeting.items.get(problem=month["district_problem"])
        services.agenda_item_set_section(item=problem_item, section=section, acting_user=drc)
        services.agenda_item_move(item=problem_item, direction="up", acting_user=drc)
    in_section = list(section.items.order_by("position").values_list("pk", flat=True))
    assert in_section == [problem_item.pk, added.pk]


def test_ended_meeting_agenda_and_minutes_are_frozen(month, drc, town_a):
    meeting = month["meeting"]
    with time_machine.travel(NOW, tick=False):
        services.agenda_assemble(meeting=meeting, acting_user=drc)
        item = meeting.items.first()
        services.meeting_start(meeting=meeting, acting_user=drc)
        services.decision_create(
            item=item, text="月底前完成", units=[town_a], deadline=datetime.date(2026, 12, 31), acting_user=drc
        )
        services.minutes_save(meeting=meeting, text="会议听取了各单位汇报。", acting_user=drc)
        meeting = services.meeting_end(meeting=meeting, acting_user=drc)
        assert bytes(meeting.minutes_pdf).startswith(b"%PDF")
        section = meeting.sections.first()
        attempts = [
            lambda: services.agenda_assemble(meeting=meeting, acting_user=drc),
            lambda: services.agenda_item_add(meeting=meeting, title="新议题", acting_user=drc),
            lambda: services.agenda_item_remove(item=meeting.items.last(), reason="不需要", acting_user=drc),
            lambda: services.agenda_reorder(meeting=meeting, item_ids=[meeting.items.last().pk], acting_user=drc),
            lambda: services.agenda_item_set_section(item=item, section=section, acting_user=drc),
            lambda: services.section_create(meeting=meeting, title="新分组", acting_user=drc),
            lambda: services.decision_create(
                item=item, text="再议", units=[town_a], deadline=datetime.date(2026, 12, 31), acting_user=drc
            ),
            lambda: services.minutes_save(meeting=meeting, text="改写", acting_user=drc),
        ]
        for attempt in attempts:
            with pytest.raises(ValidationError, match="已冻结"):
                attempt()
    meeting.refresh_from_db()
    assert meeting.minutes_text == "会议听取了各单位汇报。"
    # Every change is on record under the person who made it.
    rows = [
        *meeting.history.all(),
        *AgendaItem.history.filter(meeting_id=meeting.pk),
        *Decision.history.filter(meeting_id=meeting.pk),
    ]
    assert rows and {row.history_user for row in rows} == {drc}
    assert meeting.items.filter(removed=False).count() == 4


def test_minutes_pdf_lists_attendees_items_and_decisions(month, drc, leader, town_a):
    import io

    import pypdf

    meeting = month["meeting"]
    meeting.attendees.set([leader, drc])
    with time_machine.travel(NOW, tick=False):
        item = services.agenda_item_add(meeting=meeting, title="梁家墩镇用地协调", acting_user=drc)
        services.meeting_start(meeting=meeting, acting_user=drc)
        services.decision_create(
            item=item,
            text="区自然资源分局12月15日前完成报批",
            units=[town_a],
            deadline=datetime.date(2026, 12, 15),
            acting_user=drc,
        )
        meeting = services.meeting_end(meeting=meeting, acting_user=drc)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(bytes(meeting.minutes_pdf))).pages)
    text = "".join(text.split())
    for expected in (
        "会议纪要",
        "陈区长",
        "刘洋",
        "梁家墩镇用地协调",
        "区自然资源分局12月15日前完成报批",
        "2026年12月15日",
        "梁家墩镇",
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("cadence", "weeks", "last", "expected"),
    [
        # Monthly: the 25th of the next month; 25 Oct 2026 is a Sunday → Monday 26th.
        ("monthly", None, datetime.date(2026, 9, 25), datetime.date(2026, 10, 26)),
        ("monthly", None, None, datetime.date(2026, 11, 25)),
        # Every 2/4/6 weeks ("3246"), rolled past the National Day holiday.
        ("weeks", 2, datetime.date(2026, 9, 17), datetime.date(2026, 10, 8)),
        ("weeks", 4, datetime.date(2026, 10, 26), datetime.date(2026, 11, 23)),
        ("weeks", 6, datetime.date(2026, 10, 26), datetime.date(2026, 12, 7)),
    ],
)
def test_next_date_from_the_cadence_on_a_working_day(drc, leader, cadence, weeks, last, expected):
    from notifications.calendar import seed_from_chinesecalendar

    if not HolidayYear.objects.filter(year=2026).exists():
        seed_from_chinesecalendar()
    series = services.series_create(name="调度", chair=leader, cadence=cadence, every_weeks=weeks, acting_user=drc)
    if last:
        services.meeting_create(series=series, date=last, acting_user=drc)
    today = datetime.date(2026, 9, 1) if last else TODAY
    assert services.propose_next_date(series, today=today) == expected


def test_next_date_skips_a_holiday_the_calendar_knows(drc, leader):
    from ganzhou_projects.audit import save_with_history

    if not HolidayYear.objects.filter(year=2026).exists():
        HolidayYear.objects.create(year=2026)
    CalendarDay.objects.filter(date=datetime.date(2026, 11, 25)).delete()
    day = CalendarDay(date=datetime.date(2026, 11, 25), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    save_with_history(day, drc)
    series = services.series_create(
        name="调度", chair=leader, cadence=MeetingSeries.Cadence.MONTHLY, every_weeks=None, acting_user=drc
    )
    assert services.propose_next_date(series, today=datetime.date(2026, 11, 2)) == datetime.date(2026, 11, 26)


def test_series_validates_chair_and_weeks(drc, reporter_a):
    with pytest.raises(ValidationError) as error:
        services.series_create(name="调度", chair=reporter_a, cadence="weeks", every_weeks=None, acting_user=drc)
    assert set(error.value.message_dict) == {"chair", "every_weeks"}
