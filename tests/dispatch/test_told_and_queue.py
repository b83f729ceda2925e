"""Who is told about review steps, and what the review queue opens on (trial defects)."""

import datetime

import time_machine
from django.core import mail
from django.urls import reverse

from dispatch import jobs, services
from dispatch.models import SHANGHAI
from early_warnings import services as warning_services
from early_warnings.models import Colour
from notifications.models import Notice
from tests.dispatch.conftest import fill

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def submitted(project, user):
    period = services.period_get_or_create(year=2026, month=11)
    report = services.report_get_or_create(period=period, project=project, acting_user=user)
    fill(report, user)
    return services.report_submit(report=report, acting_user=user, now=NOW)


class TestUnitToldOfReturn:
    def test_return_and_reopen_tell_the_units_reporters(
        self, listed_a, reporter_a, reporter_b, drc, django_capture_on_commit_callbacks
    ):
        reporter_a.email = "wangfang@example.cn"
        reporter_a.save()
        report = submitted(listed_a, reporter_a)
        with django_capture_on_commit_callbacks(execute=True):
            services.report_return(report=report, reason="投资额与统计数据不符", acting_user=drc, now=NOW)
        notice = Notice.objects.get(kind="report_returned")
        assert "投资额与统计数据不符" in notice.body and listed_a.name in notice.title
        assert notice.link == reverse("dispatch:fill_month", args=[2026, 11]) + f"?show=returned#report-{report.pk}"
        assert set(notice.recipients.values_list("user__username", flat=True)) == {"reporter_a"}
        assert any("投资额与统计数据不符" in m.body and m.to == ["wangfang@example.cn"] for m in mail.outbox)

        services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        services.report_accept(report=report, acting_user=drc, now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            services.report_reopen(report=report, reason="形象进度需补充照片", acting_user=drc, now=NOW)
        reopened = Notice.objects.get(kind="report_reopened")
        assert "形象进度需补充照片" in reopened.body


class TestDrcTold:
    def test_daily_digest_of_reports_awaiting_review(self, listed_a, listed_b, reporter_a, reporter_b, drc):
        submitted(listed_a, reporter_a)
        submitted(listed_b, reporter_b)
        assert jobs.review_digest(datetime.date(2026, 11, 18)) == 1
        assert jobs.review_digest(datetime.date(2026, 11, 18)) == 0  # once a day
        notice = Notice.objects.get(kind="review_digest")
        assert "今日有2份月报待审核" in notice.title
        assert notice.link == reverse("dispatch:review_queue", args=[2026, 11]) + "?status=awaiting"
        assert list(notice.recipients.values_list("user__username", flat=True)) == ["drc"]

    def test_no_digest_when_nothing_waits(self, drc):
        assert jobs.review_digest(datetime.date(2026, 11, 18)) == 0

    def test_measures_on_a_warning_tell_drc(self, project_a, reporter_a, drc, django_capture_on_commit_callbacks):
        warning = warning_services.warning_issue(
            project=project_a, colour=Colour.BLUE, reason="进度滞后", acting_user=drc
        )
        with django_capture_on_commit_callbacks(execute=True):
            warning_services.warning_state_measures(warning=warning, measures="增加施工班组", acting_user=reporter_a)
        notice = Notice.objects.get(kind="warning_measures")
        assert "增加施工班组" in notice.body
        assert list(notice.recipients.values_list("user__username", flat=True)) == ["drc"]


class TestQueueDefault:
    def test_queue_opens_on_awaiting_and_all_stays_selectable(self, client, listed_a, listed_b, reporter_a, drc):
        submitted(listed_a, reporter_a)
        with time_machine.travel(NOW, tick=False):
            client.force_login(drc)
            url = reverse("dispatch:review_queue", args=[2026, 11])
            body = client.get(url).content.decode()
            assert listed_a.name in body
            # listed_b has no report: shown under 全部 only
            from dispatch.models import MonthlyReport

            draft = services.report_get_or_create(
                period=MonthlyReport.objects.get().period, project=listed_b, acting_user=drc
            )
            fill(draft, drc)
            assert listed_b.name not in client.get(url).content.decode()
            assert listed_b.name in client.get(url, {"status": "all"}).content.decode()
