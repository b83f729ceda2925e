import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from dispatch import services as dispatch_services
from dispatch.jobs import deadline_reminders, overdue_notices
from dispatch.models import SHANGHAI
from notifications.calendar import WorkCalendar, missing_years
from notifications.jobs import DEADLINE_SOURCES, DeadlineItem, item_deadline_reminders, register_deadline_source
from notifications.models import CalendarDay, EmailDelivery, HolidayYear, JobRun, Notice, NoticeRecipient
from tests.dispatch.conftest import fill, put_on_annual_list
from tests.factories import ProjectFactory

D = datetime.date


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


class TestWorkCalendar:
    def test_seeded_from_chinesecalendar(self, db):
        assert HolidayYear.objects.filter(year=2026, source="chinesecalendar").exists()
        assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"
        assert CalendarDay.objects.get(date=D(2026, 10, 10)).kind == CalendarDay.Kind.WORKDAY

    def test_national_day_week_and_make_up_days(self, db):
        calendar = WorkCalendar()
        assert not calendar.is_working_day(D(2026, 10, 5))  # Monday in the National Day holiday
        assert calendar.is_working_day(D(2026, 10, 10))  # Saturday make-up workday
        assert calendar.is_working_day(D(2026, 9, 20))  # Sunday make-up workday before Mid-autumn
        assert not calendar.is_working_day(D(2026, 9, 25))  # Mid-autumn Festival (a Friday)
        # Deadline moved to Friday 9 October: counting back skips the whole holiday week.
        assert calendar.working_days_before(D(2026, 10, 9), 1) == D(2026, 10, 8)
        assert calendar.working_days_before(D(2026, 10, 9), 2) == D(2026, 9, 30)
        assert calendar.working_days_before(D(2026, 10, 9), 5) == D(2026, 9, 24)
        # The Saturday make-up day counts.
        assert calendar.working_days_before(D(2026, 10, 12), 1) == D(2026, 10, 10)

    def test_spring_festival_and_a_deadline_on_a_holiday(self, db):
        calendar = WorkCalendar()
        assert not calendar.is_working_day(D(2026, 2, 20))
        assert calendar.working_days_before(D(2026, 2, 20), 1) == D(2026, 2, 14)
        assert calendar.working_days_before(D(2026, 2, 20), 5) == D(2026, 2, 10)

    def test_missing_year_falls_back_to_weekdays_and_is_reported(self, db, administrator):
        calendar = WorkCalendar()
        assert not calendar.is_covered(2027)
        assert calendar.is_working_day(D(2027, 1, 1))  # a Friday: no 2027 schedule yet, so a working day
        assert calendar.working_days_before(D(2027, 1, 5), 2) == D(2027, 1, 1)
        assert missing_years(D(2026, 11, 21)) == []
        assert missing_years(D(2026, 12, 1)) == [2027]
        assert holiday_check(D(2026, 12, 1)) == 1
        notice = Notice.objects.get(kind="holiday_calendar_missing")
        assert "2027" in notice.title and notice.recipients.get().user == administrator
        assert holiday_check(D(2026, 12, 2)) == 0  # once per year
        # An administrator enters 2027: New Year's Day becomes a holiday and the notice stops.
        CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        HolidayYear.objects.create(year=2027, source=HolidayYear.Source.MANUAL)
        assert not WorkCalendar().is_working_day(D(2027, 1, 1))
        assert missing_years(D(2026, 12, 1)) == []

    def test_banner_for_administrators(self, client, administrator, drc):
        HolidayYear.objects.filter(year=2026).delete()
        client.force_login(administrator)
        assert "节假日安排" in client.get("/projects/").content.decode()
        client.force_login(drc)
        assert "节假日安排" not in client.get("/projects/").content.decode()


def holiday_check(day):
    from notifications.jobs import holiday_calendar_check

    return holiday_calendar_check(day)


@pytest.fixture
def two_units(town_a, town_b, reporter_a, reporter_b, drc):
    town_a.contact_email, town_a.head_email = "ljd@example.cn", "ljd-head@example.cn"
    town_a.save()
    town_b.contact_email = ""  # 上秦镇 gets in-app notices only
    town_b.save()
    projects = {}
    for unit in (town_a, town_b):
        project = ProjectFactory(responsible_unit=unit)
        put_on_annual_list(project, drc)
        projects[unit.pk] = project
    return projects


def move_deadline(year, month, deadline, drc):
    period = dispatch_services.period_get_or_create(year=year, month=month)
    return dispatch_services.period_move_deadline(
        period=period, deadline=deadline, reason="节假日调整", acting_user=drc
    )


class TestDeadlineReminders:
    def test_on_the_fifth_and_second_working_day_before_only_to_units_not_done(
        self, two_units, town_a, town_b, reporter_b, drc, mailoutbox, django_capture_on_commit_callbacks
    ):
        period = move_deadline(2026, 10, at(2026, 10, 9, 23, 59, 59), drc)
        # 上秦镇 is done before the first reminder.
        report = dispatch_services.report_get_or_create(
            period=period, project=two_units[town_b.pk], acting_user=reporter_b
        )
        fill(report, reporter_b)
        dispatch_services.report_submit(report=report, acting_user=reporter_b, now=at(2026, 9, 20, 10))
        sent_days = []
        day = D(2026, 9, 21)  # after September's own deadline
        while day <= D(2026, 10, 9):
            with django_capture_on_commit_callbacks(execute=True):
                if deadline_reminders(day):
                    sent_days.append(day)
            day += datetime.timedelta(days=1)
        assert sent_days == [D(2026, 9, 24), D(2026, 9, 30)]
        notices = Notice.objects.filter(kind__startswith="deadline_reminder").order_by("created_at")
        assert [(n.kind, n.unit_id) for n in notices] == [
            ("deadline_reminder_5", town_a.pk),
            ("deadline_reminder_2", town_a.pk),
        ]
        assert "还剩2个工作日" in notices[1].title and two_units[town_a.pk].name in notices[1].body
        assert sorted(m.to[0] for m in mailoutbox) == sorted(["ljd@example.cn", "ljd-head@example.cn"] * 2)
        assert NoticeRecipient.objects.filter(notice=notices[0]).get().user.unit == town_a

    def test_no_reminder_on_a_non_working_day(self, two_units, drc):
        move_deadline(2026, 10, at(2026, 10, 12, 23, 59, 59), drc)
        assert WorkCalendar().working_days_before(D(2026, 10, 12), 2) == D(2026, 10, 9)
        assert deadline_reminders(D(2026, 10, 11)) == 0  # Sunday
        assert deadline_reminders(D(2026, 10, 9)) == 2

    def test_the_same_job_twice_sends_nothing_twice(self, two_units, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = deadline_reminders(D(2026, 11, 18))
        with django_capture_on_commit_callbacks(execute=True):
            second = deadline_reminders(D(2026, 11, 18))
        assert (first, second) == (2, 0)
        assert Notice.objects.count() == 2
        assert len(mailoutbox) == 2  # 梁家墩镇's contact and head; 上秦镇 has no email set

    def test_reminder_across_a_month_end_with_an_uncovered_year(self, drc, town_a):
        project = ProjectFactory(responsible_unit=town_a, start_year=2026, end_year=2027)
        put_on_annual_list(project, drc, year=2026)
        move_deadline(2026, 12, at(2027, 1, 5, 23, 59, 59), drc)
        assert deadline_reminders(D(2027, 1, 1)) == 1
        assert Notice.objects.get().period_key == "2026-12"


class TestOverdueNotices:
    def test_day_after_the_deadline_to_unit_head_and_drc(
        self, two_units, town_a, town_b, reporter_a, drc, mailoutbox, django_capture_on_commit_callbacks
    ):
        drc.email = "drc@example.cn"
        drc.save()
        period = dispatch_services.period_get_or_create(year=2026, month=11)
        report = dispatch_services.report_get_or_create(
            period=period, project=two_units[town_a.pk], acting_user=reporter_a
        )
        fill(report, reporter_a)
        dispatch_services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 20, 23, 59, 59))
        assert overdue_notices(D(2026, 11, 20)) == 0  # not before the deadline has passed
        with django_capture_on_commit_callbacks(execute=True):
            assert overdue_notices(D(2026, 11, 21)) == 2  # 上秦镇's notice and DRC's summary
        unit_notice = Notice.objects.get(kind="overdue_notice")
        assert unit_notice.unit == town_b and two_units[town_b.pk].name in unit_notice.body
        assert set(unit_notice.recipients.values_list("user__username", flat=True)) == {"reporter_b", "drc"}
        summary = Notice.objects.get(kind="overdue_summary")
        assert "上秦镇" in summary.body and "梁家墩镇" not in summary.body
        assert [m.to for m in mailoutbox] == [["drc@example.cn"]]
        assert overdue_notices(D(2026, 11, 22)) == 0

    def test_a_deadline_moved_to_the_month_end_still_gets_its_notice(self, two_units, drc):
        # The known bug elsewhere: the due date is taken from the current period, so on 1 December the job
        # looks at December's deadline (the 20th) and November's overdue notice never fires.
        move_deadline(2026, 11, at(2026, 11, 30, 23, 59, 59), drc)
        assert overdue_notices(D(2026, 11, 21)) == 0
        assert overdue_notices(D(2026, 12, 1)) == 3
        assert set(Notice.objects.values_list("period_key", flat=True)) == {"2026-11"}

    def test_catch_up_after_downtime(self, two_units):
        assert overdue_notices(D(2026, 11, 24)) == 3  # the 21st was missed; the notice still goes out
        assert overdue_notices(D(2026, 11, 25)) == 0


class TestRunJobs:
    def test_run_jobs_as_of_twice_sends_nothing_twice(self, two_units, mailoutbox):
        out = StringIO()
        call_command("run_jobs", "--as-of", "2026-11-21", stdout=out)
        first = Notice.objects.count()
        call_command("run_jobs", "--as-of", "2026-11-21", stdout=out)
        assert first == 3 and Notice.objects.count() == first
        assert "overdue_notices: 3 notice(s)" in out.getvalue()
        assert JobRun.objects.filter(as_of=D(2026, 11, 21), job="overdue_notices").count() == 2
        assert EmailDelivery.objects.count() == 2

    def test_catch_up_over_a_range(self, two_units):
        out = StringIO()
        call_command("run_jobs", "--as-of", "2026-11-12", "--until", "2026-11-23", stdout=out)
        kinds = sorted(Notice.objects.values_list("kind", flat=True))
        assert kinds == ["deadline_reminder_2"] * 2 + ["deadline_reminder_5"] * 2 + ["overdue_notice"] * 2 + [
            "overdue_summary"
        ]

    def test_bad_arguments(self, db):
        from django.core.management import CommandError

        with pytest.raises(CommandError):
            call_command("run_jobs", "--as-of", "21-11-2026")
        with pytest.raises(CommandError):
            call_command("run_jobs", "--job", "nope")


class TestItemDeadlines:
    def test_a_registered_source_gets_reminders_before_and_after(self, town_a, reporter_a):
        items = [DeadlineItem(key="decision:1", unit=town_a, deadline=D(2026, 11, 25), title="落实施工用电", link="/")]
        register_deadline_source("test_decision", "调度会议定事项")(lambda as_of: items)
        try:
            assert item_deadline_reminders(D(2026, 11, 18)) == 0  # 5 working days ahead
            assert item_deadline_reminders(D(2026, 11, 20)) == 1  # 3 working days ahead
            assert item_deadline_reminders(D(2026, 11, 23)) == 0  # already reminded
            assert item_deadline_reminders(D(2026, 11, 26)) == 1  # overdue
            assert item_deadline_reminders(D(2026, 11, 27)) == 0
            kinds = list(Notice.objects.order_by("id").values_list("kind", flat=True))
            assert kinds == ["test_decision_due_soon", "test_decision_overdue"]
            assert NoticeRecipient.objects.filter(user=reporter_a).count() == 2
        finally:
            DEADLINE_SOURCES.pop("test_decision")


class TestNotificationCentre:
    def make_notice(self, user, title="测试通知"):
        from notifications.services import notify

        return notify(kind="test", object_key=title, period_key="2026-11", title=title, body="内容", users=[user])

    def test_unread_count_and_mark_read(self, client, reporter_a, reporter_b):
        self.make_notice(reporter_a, "第一条")
        self.make_notice(reporter_a, "第二条")
        self.make_notice(reporter_b, "别人的")
        client.force_login(reporter_a)
        body = client.get("/notifications/").content.decode()
        assert 'id="unread-count">2<' in body and "第一条" in body and "别人的" not in body
        mine = NoticeRecipient.objects.filter(user=reporter_a).order_by("id")
        client.post("/notifications/read/", {"recipient": mine[0].pk})
        assert 'id="unread-count">1<' in client.get("/notifications/").content.decode()
        client.post("/notifications/read/", {"all": "1"})
        assert 'id="unread-count"' not in client.get("/notifications/").content.decode()
        other = NoticeRecipient.objects.get(user=reporter_b)
        assert client.post(f"/notifications/{other.pk}/open/").status_code == 404
        other.refresh_from_db()
        assert other.read_at is None

    def test_opening_a_notice_is_a_post_that_marks_it_read_and_follows_its_link(self, client, reporter_a):
        self.make_notice(reporter_a, "打开测试")
        mine = NoticeRecipient.objects.get(user=reporter_a)
        client.force_login(reporter_a)
        assert client.get(f"/notifications/{mine.pk}/open/").status_code == 405  # a GET never writes
        mine.refresh_from_db()
        assert mine.read_at is None
        response = client.post(f"/notifications/{mine.pk}/open/")
        assert response.status_code == 302
        mine.refresh_from_db()
        assert mine.read_at is not None

    def test_sent_log_is_for_drc(self, client, drc, reporter_a, leader):
        self.make_notice(reporter_a, "报送提醒测试")
        client.force_login(drc)
        assert "报送提醒测试" in client.get("/notifications/sent/").content.decode()
        for user in (reporter_a, leader):
            client.force_login(user)
            assert client.get("/notifications/sent/").status_code == 403

    def test_header_count_query_does_not_grow(self, client, reporter_a, django_assert_max_num_queries):
        client.force_login(reporter_a)
        self.make_notice(reporter_a, "一")
        with django_assert_max_num_queries(20) as few:
            client.get("/notifications/")
        for i in range(20):
            self.make_notice(reporter_a, f"通知{i}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/notifications/")
