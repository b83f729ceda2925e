"""The meeting pages as DRC, a leader and unit staff use them; query counts independent of the agenda's size."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exports.models import ExportJob
from meetings import services
from meetings.models import AgendaItem, Decision, Meeting, MeetingSeries
from tests.meetings.conftest import NOW

pytestmark = pytest.mark.django_db


def test_drc_prepares_holds_and_ends_a_meeting(client, month, drc, leader, town_a):
    client.force_login(drc)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("meetings:meeting_list")).content.decode()
        assert "甘州区重点项目建设调度会" in page and "2026年12月25日" in page  # a month after the last meeting
        response = client.post(
            reverse("meetings:series_create"),
            {"name": "常务副区长项目前期调度", "chair": leader.pk, "cadence": "weeks", "every_weeks": "2"},
        )
        assert response.status_code == 302
        series = MeetingSeries.objects.get(name="常务副区长项目前期调度")
        assert series.every_weeks == 2 and series.cadence_label == "每2周一次"
        form = client.get(reverse("meetings:meeting_create", args=[series.pk])).content.decode()
        assert 'value="2026-12-08"' in form  # two weeks on, a Tuesday
        meeting = month["meeting"]
        url = reverse("meetings:meeting_detail", args=[meeting.pk])
        client.post(reverse("meetings:agenda_assemble", args=[meeting.pk]))
        page = client.get(url).content.decode()
        problem = month["district_problem"]
        assert reverse("early_warnings:problem_detail", args=[problem.pk]) in page
        assert reverse("early_warnings:warning_detail", args=[month["red"].pk]) in page
        assert reverse("meetings:decision_detail", args=[month["overdue"].pk]) in page
        client.post(reverse("meetings:agenda_add", args=[meeting.pk]), {"title": "冬季施工安全", "note": ""})
        manual = meeting.items.get(kind=AgendaItem.Kind.MANUAL)
        client.post(reverse("meetings:item_remove", args=[manual.pk]), {"reason": "另行部署"})
        manual.refresh_from_db()
        assert manual.removed and "另行部署" in client.get(url).content.decode()
        client.post(reverse("meetings:meeting_state", args=[meeting.pk]), {"action": "start"})
        item = meeting.items.get(problem=problem)
        client.post(
            reverse("meetings:decision_add", args=[item.pk]),
            {"text": "自然资源分局调剂用地指标", "units": [town_a.pk], "deadline": "2026-12-15"},
        )
        decision = Decision.objects.get(text="自然资源分局调剂用地指标")
        client.post(reverse("meetings:minutes_save", args=[meeting.pk]), {"text": "会议研究了用地问题。"})
        client.post(reverse("meetings:meeting_state", args=[meeting.pk]), {"action": "end"})
    # Still on the meeting's day: the session would have gone idle by the real clock (SESSION_IDLE_TIMEOUT).
    with time_machine.travel(NOW, tick=False):
        meeting.refresh_from_db()
        assert meeting.state == Meeting.State.ENDED and decision.item == item
        response = client.get(reverse("meetings:minutes_pdf", args=[meeting.pk]))
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
        page = client.get(url).content.decode()
        assert 'id="agenda-assemble"' not in page and 'id="meeting-end"' not in page
        # A frozen agenda refuses the change and says why.
        response = client.post(reverse("meetings:agenda_add", args=[meeting.pk]), {"title": "补充议题"}, follow=True)
        assert "已冻结" in response.content.decode()
        assert not meeting.items.filter(title="补充议题").exists()


def test_packet_is_built_in_the_background_and_every_version_downloads(
    client, month, drc, leader, django_capture_on_commit_callbacks
):
    meeting = month["meeting"]
    client.force_login(drc)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:packet_build", args=[meeting.pk]))
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    job_page = client.get(response["Location"]).content.decode()
    assert "调度会材料" in job_page and reverse("meetings:meeting_detail", args=[meeting.pk]) in job_page
    with (
        time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("meetings:packet_build", args=[meeting.pk]))
    client.force_login(leader)
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert "第1版" in page and "第2版" in page and "2026-11-24 10:00" in page and "2026-11-24 11:00" in page
    assert 'id="packet-build"' not in page  # leaders download, DRC builds
    for version in meeting.packets.all():
        response = client.get(reverse("meetings:packet_download", args=[version.pk]))
        assert response.content == bytes(version.pdf)
        assert "attachment" in response["Content-Disposition"]
    assert client.post(reverse("meetings:packet_build", args=[meeting.pk])).status_code == 403


def test_units_follow_their_decisions(client, month, drc, reporter_a, reporter_b, town_a):
    with time_machine.travel(NOW, tick=False):
        item = services.agenda_item_add(meeting=month["meeting"], title="用地", acting_user=drc)
        decision = services.decision_create(
            item=item,
            text="梁家墩镇完成土地流转",
            units=[town_a],
            deadline=datetime.date(2026, 12, 5),
            acting_user=drc,
        )
    client.force_login(reporter_a)
    assert "梁家墩镇完成土地流转" in client.get(reverse("meetings:decision_list")).content.decode()
    url = reverse("meetings:decision_detail", args=[decision.pk])
    client.post(reverse("meetings:decision_progress", args=[decision.pk]), {"text": "已签订流转合同80%"})
    page = client.get(url).content.decode()
    assert "已签订流转合同80%" in page and 'id="drc-actions"' not in page
    assert client.post(reverse("meetings:decision_done", args=[decision.pk]), {"evidence": "x"}).status_code == 403
    decision.refresh_from_db()
    assert not decision.is_done  # refused: DRC marks done
    assert client.get(reverse("meetings:meeting_detail", args=[month["meeting"].pk])).status_code == 404
    client.force_login(reporter_b)
    assert client.get(url).status_code == 404
    assert "梁家墩镇完成土地流转" not in client.get(reverse("meetings:decision_list") + "?view=all").content.decode()
    client.force_login(drc)
    client.post(reverse("meetings:decision_done", args=[decision.pk]), {"evidence": "流转合同全部签订"})
    decision.refresh_from_db()
    assert decision.is_done and decision.done_by == drc


def test_accountability_tab_lists_overdue_decisions(client, month, drc):
    client.force_login(drc)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("meetings:decision_list") + "?view=accountability").content.decode()
    assert month["overdue"].text in page and "逾期，提请追责" in page


def test_meeting_page_queries_do_not_grow_with_the_agenda(client, month, drc, town_a, town_b):
    from tests.meetings.conftest import make_projects

    meeting = month["meeting"]
    client.force_login(drc)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    with time_machine.travel(NOW, tick=False):
        services.agenda_assemble(meeting=meeting, acting_user=drc)
        for item in meeting.items.all():
            services.decision_create(
                item=item, text="办理", units=[town_a], deadline=datetime.date(2026, 12, 31), acting_user=drc
            )
        small = count()
        from early_warnings import ledger

        for project in make_projects(drc, {"a": town_a, "b": town_b}, [("a", f"新增项目{i}") for i in range(8)]):
            ledger.problem_create(
                project=project, category="land", description="用地", level="district", acting_user=drc
            )
        services.agenda_assemble(meeting=meeting, acting_user=drc)
        for item in meeting.items.filter(decisions=None):
            services.decision_create(
                item=item, text="办理", units=[town_a, town_b], deadline=datetime.date(2026, 12, 31), acting_user=drc
            )
        services.section_create(meeting=meeting, title="其他", acting_user=drc)
        assert meeting.items.count() >= 12
        assert count() == small


def test_meeting_arrangements_change_until_it_ends(client, month, drc, leader, town_a):
    meeting = month["meeting"]
    client.force_login(drc)
    url = reverse("meetings:meeting_edit", args=[meeting.pk])
    assert 'value="2026-11-26"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "title": meeting.title,
            "date": "2026-12-02",
            "location": "区政府三楼会议室",
            "chair": leader.pk,
            "attendees": [leader.pk, drc.pk],
            "attendee_units": [town_a.pk],
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.date, meeting.year, meeting.month) == (datetime.date(2026, 12, 2), 2026, 11)
    assert set(meeting.attendees.all()) == {leader, drc} and list(meeting.attendee_units.all()) == [town_a]
    with time_machine.travel(NOW, tick=False):
        services.meeting_start(meeting=meeting, acting_user=drc)
        services.meeting_end(meeting=meeting, acting_user=drc)
    assert client.get(url).status_code == 302
    client.post(url, {"title": "x", "date": "2026-12-03", "chair": leader.pk})
    meeting.refresh_from_db()
    assert meeting.date == datetime.date(2026, 12, 2)
    client.force_login(leader)
    assert client.get(url).status_code == 403
