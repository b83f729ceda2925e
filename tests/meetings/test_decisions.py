"""Decisions (议定事项): units told and reminded, progress, done with evidence; past the deadline flagged for
accountability unless excused (容错, with reason and approving leader); a correctable one rectified by a
deadline (限期整改), which becomes the deadline in force (seed 000 §1.3)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch.models import SHANGHAI
from meetings import services
from meetings.models import Decision
from meetings.selectors import accountability_q, decisions_for_user
from notifications.jobs import run_job
from notifications.models import Notice

pytestmark = pytest.mark.django_db

MEETING_DAY = datetime.datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)
DEADLINE = datetime.date(2026, 12, 10)


@pytest.fixture
def decision(month, drc, town_a, town_b, reporter_a, reporter_b):
    with time_machine.travel(MEETING_DAY, tick=False):
        item = services.agenda_item_add(meeting=month["meeting"], title="冷链物流园用地", acting_user=drc)
        return services.decision_create(
            item=item, text="完成冷链物流园用地报批", units=[town_a, town_b], deadline=DEADLINE, acting_user=drc
        )


def about(decision):
    return Notice.objects.filter(object_key__startswith=f"decision:{decision.pk}:")


def flagged(day: datetime.date) -> set[int]:
    """This test's decision among those flagged (the fixture's earlier one is overdue too)."""
    return set(
        Decision.objects.filter(accountability_q(day), text="完成冷链物流园用地报批").values_list("pk", flat=True)
    )


def test_units_are_told_and_reminded(decision, town_a, town_b, reporter_a):
    assigned = Notice.objects.filter(kind="decision_assigned")
    assert {n.unit for n in assigned} == {town_a, town_b}
    assert reporter_a.notices.filter(notice__in=assigned).exists()
    # Three working days before the deadline (Mon 7 Dec for Thu 10 Dec) and after it.
    run_job("item_deadline_reminders", datetime.date(2026, 12, 7))
    run_job("item_deadline_reminders", datetime.date(2026, 12, 11))
    run_job("item_deadline_reminders", datetime.date(2026, 12, 11))  # twice: sent once
    assert about(decision).filter(kind="meeting_decision_due_soon").count() == 2
    overdue = about(decision).filter(kind="meeting_decision_overdue")
    assert overdue.count() == 2 and "已逾期" in overdue.first().title
    assert "调度会议定事项" in overdue.first().kind_label
    assert assigned.first().kind_label == "调度会议定事项交办"


def test_overdue_is_flagged_until_done(decision, drc, reporter_a, reporter_b):
    assert decision.status(DEADLINE) == "open"
    assert decision.status(DEADLINE + datetime.timedelta(days=1)) == "accountability"
    assert flagged(DEADLINE + datetime.timedelta(days=1)) == {decision.pk}
    services.decision_progress_add(decision=decision, text="已上报省厅", acting_user=reporter_a)
    with pytest.raises(PermissionDenied):
        services.decision_mark_done(decision=decision, evidence="批复", acting_user=reporter_b)
    with pytest.raises(ValidationError):
        services.decision_mark_done(decision=decision, evidence="", acting_user=drc)
    services.decision_mark_done(decision=decision, evidence="甘自然资发〔2026〕88号批复", acting_user=drc)
    decision.refresh_from_db()
    assert decision.status(DEADLINE + datetime.timedelta(days=30)) == "done"
    assert flagged(DEADLINE + datetime.timedelta(days=30)) == set()
    assert decision.progress.get().unit == reporter_a.unit


def test_exemption_needs_reason_and_leader_and_clears_the_flag(decision, drc, leader, reporter_a):
    with pytest.raises(ValidationError) as error:
        services.decision_exempt(decision=decision, reason="", leader=reporter_a, acting_user=drc)
    assert set(error.value.message_dict) == {"reason", "leader"}
    with pytest.raises(PermissionDenied):
        services.decision_exempt(decision=decision, reason="暴雨", leader=leader, acting_user=reporter_a)
    services.decision_exempt(
        decision=decision, reason="持续强降雨导致无法施工（不可抗力）", leader=leader, acting_user=drc
    )
    decision.refresh_from_db()
    later = DEADLINE + datetime.timedelta(days=5)
    assert decision.status(later) == "exempted" and flagged(later) == set()
    assert (decision.exemption_leader, decision.exemption_reason) == (leader, "持续强降雨导致无法施工（不可抗力）")
    assert decision.history.first().history_change_reason.startswith("容错")
    # Excused decisions are not reminded.
    run_job("item_deadline_reminders", later)
    assert not about(decision).filter(kind="meeting_decision_overdue").exists()


def test_rectification_sets_a_new_deadline_in_force(decision, drc, town_a):
    late = DEADLINE + datetime.timedelta(days=3)
    with pytest.raises(ValidationError, match="只有逾期"):
        services.decision_rectify(
            decision=decision,
            deadline=DEADLINE + datetime.timedelta(days=20),
            note="",
            acting_user=drc,
            today=DEADLINE,
        )
    with pytest.raises(ValidationError):
        services.decision_rectify(decision=decision, deadline=DEADLINE, note="", acting_user=drc, today=late)
    new_deadline = datetime.date(2026, 12, 31)
    services.decision_rectify(
        decision=decision, deadline=new_deadline, note="补齐用地材料", acting_user=drc, today=late
    )
    decision.refresh_from_db()
    assert decision.deadline_in_force == new_deadline
    assert decision.status(late) == "rectifying" and flagged(late) == set()
    assert decision.status(new_deadline + datetime.timedelta(days=1)) == "accountability"
    assert flagged(new_deadline + datetime.timedelta(days=1)) == {decision.pk}
    notices = Notice.objects.filter(kind="decision_rectification")
    assert notices.count() == 2 and "2026年12月31日" in notices.get(unit=town_a).body
    # The reminders follow the deadline in force.
    run_job("item_deadline_reminders", datetime.date(2026, 12, 28))
    assert about(decision).filter(kind="meeting_decision_due_soon", period_key="2026-12-31").count() == 2


def test_an_overdue_decision_goes_on_the_next_agenda(decision, month, drc, leader):
    with time_machine.travel(datetime.datetime(2026, 12, 20, 10, tzinfo=SHANGHAI), tick=False):
        later = services.meeting_create(series=month["series"], date=datetime.date(2026, 12, 28), acting_user=drc)
        services.agenda_assemble(meeting=later, acting_user=drc)
    assert later.items.filter(earlier_decision=decision).exists()


def test_unit_staff_see_only_their_units_decisions(decision, reporter_a, month, drc):
    assert set(decisions_for_user(reporter_a)) == {decision}
    other = month["overdue"]  # 上秦镇's only
    assert other not in decisions_for_user(reporter_a)
    assert other in decisions_for_user(drc)
