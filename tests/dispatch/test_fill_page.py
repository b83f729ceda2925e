"""The unit month fill-in page: compact rows a page at a time, each card opened and saved on its own,
numbers read as typed or refused at the field, and the month submitted after a confirmation."""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from dispatch import services
from dispatch.models import SHANGHAI, MonthlyReport, MonthSubmission, ReportStatus, ReviewAction
from notifications.models import Notice
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.dispatch.test_views import card_data
from tests.factories import ProjectFactory

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def month_url(**query):
    url = reverse("dispatch:fill_month", args=[2026, 11])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def card_url(project):
    return reverse("dispatch:card", args=[2026, 11, project.pk])


def save_url(project):
    return reverse("dispatch:card_save", args=[2026, 11, project.pk])


def submit_url():
    return reverse("dispatch:submit_month", args=[2026, 11])


def listed(unit, user, name=None):
    project = ProjectFactory(responsible_unit=unit, **({"name": name} if name else {}))
    put_on_annual_list(project, user)
    plan(project, user)
    return project


def saved(project, user, **values):
    period = services.period_get_or_create(year=2026, month=11)
    report = services.report_get_or_create(period=period, project=project, acting_user=user)
    return fill(report, user, **values)


class TestCard:
    def test_card_opens_in_its_row_and_writes_nothing(self, client, reporter_a, listed_a):
        client.force_login(reporter_a)
        response = client.get(card_url(listed_a), headers={"HX-Request": "true"})
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body
        assert f'id="card-{listed_a.pk}"' in body and "已保存的数字" in body
        assert "此卡片保存后即可上传进展照片" in body
        assert not MonthlyReport.objects.exists()
        # Without htmx the card is a page of its own.
        assert "<html" in client.get(card_url(listed_a)).content.decode()

    def test_another_units_card_is_404(self, client, reporter_a, listed_b):
        client.force_login(reporter_a)
        assert client.get(card_url(listed_b)).status_code == 404

    def test_a_project_that_does_not_report_has_no_card(self, client, reporter_a, project_a):
        client.force_login(reporter_a)
        assert client.get(card_url(project_a)).status_code == 404


class TestNumbers:
    def test_letters_are_refused_at_the_field_and_nothing_is_saved(self, client, reporter_a, drc, listed_a):
        report = saved(listed_a, reporter_a, investment_this_month=Decimal("100"))
        client.force_login(reporter_a)
        version = report.version
        response = client.post(save_url(listed_a), card_data(report, investment_this_month="12abc"))
        body = response.content.decode()
        assert 'data-saved="1"' not in body and "未保存" in body
        errors = json.loads(response.context["field_errors"])
        assert errors == {f"p{listed_a.pk}-investment_this_month": ["“12abc”不是数字。"]}
        report.refresh_from_db()
        assert report.investment_this_month == Decimal("100") and report.version == version

    def test_full_width_digits_are_read(self, client, reporter_a, listed_a):
        report = saved(listed_a, reporter_a)
        client.force_login(reporter_a)
        response = client.post(save_url(listed_a), card_data(report, investment_this_month="１２．５"))
        assert 'data-saved="1"' in response.content.decode()
        report.refresh_from_db()
        assert report.investment_this_month == Decimal("12.5")

    def test_a_full_width_decimal_comma_is_refused(self, client, reporter_a, listed_a):
        report = saved(listed_a, reporter_a)
        client.force_login(reporter_a)
        response = client.post(save_url(listed_a), card_data(report, investment_this_month="１２，５"))
        errors = json.loads(response.context["field_errors"])
        assert "“１２，５”不是数字" in errors[f"p{listed_a.pk}-investment_this_month"][0]
        report.refresh_from_db()
        assert report.investment_this_month == Decimal("100")

    def test_a_negative_amount_is_never_counted(self, client, reporter_a, listed_a):
        report = saved(listed_a, reporter_a, investment_this_month=Decimal("100"))
        client.force_login(reporter_a)
        before = client.post(save_url(listed_a), card_data(report, investment_this_month="100")).context["figures"]
        response = client.post(save_url(listed_a), card_data(report, investment_this_month="-100"))
        errors = json.loads(response.context["field_errors"])
        assert errors[f"p{listed_a.pk}-investment_this_month"] == ["金额不能为负数。"]
        assert response.context["figures"].cumulative == before.cumulative
        assert "已保存的数字" in response.content.decode()
        report.refresh_from_db()
        assert report.investment_this_month == Decimal("100")


class TestList:
    def test_filters_and_search(self, client, reporter_a, drc, town_a):
        unfilled = listed(town_a, drc, "梁家墩镇未填项目")
        draft = listed(town_a, drc, "梁家墩镇草稿项目")
        troubled = listed(town_a, drc, "梁家墩镇有问题项目")
        sent = listed(town_a, drc, "梁家墩镇已报送项目")
        saved(draft, reporter_a)
        report = saved(troubled, reporter_a)
        services.report_save_draft(
            report=report,
            data={},
            problems=[{"category": "land", "description": "用地指标未落实"}],
            acting_user=reporter_a,
        )
        services.report_submit(report=saved(sent, reporter_a), acting_user=reporter_a, now=NOW)
        client.force_login(reporter_a)

        def names(**query):
            body = client.get(month_url(**query)).content.decode()
            return {p.name for p in (unfilled, draft, troubled, sent) if p.name in body}

        assert names() == {unfilled.name, draft.name, troubled.name, sent.name}
        for key, _label, count in client.get(month_url()).context["filters"]:
            shown = client.get(month_url(show=key))  # the page's count is its filter badge's, read once
            assert shown.context["page"].paginator.count == count == len(shown.context["rows"]), key
        assert names(show="unfilled") == {unfilled.name}
        assert names(show="draft") == {draft.name, troubled.name}
        assert names(show="problems") == {troubled.name}
        assert client.get(month_url(show="problems")).content.decode().count('<span class="badge bad">有问题') == 1
        assert names(show="sent") == {sent.name}
        assert names(q="草稿") == {draft.name}
        assert not MonthlyReport.objects.filter(project=unfilled).exists()

    def test_rows_are_paginated(self, client, reporter_a, drc, town_a, settings):
        from dispatch import views

        for _ in range(3):
            listed(town_a, drc)
        client.force_login(reporter_a)
        original = views.PAGE_SIZE
        views.PAGE_SIZE = 2
        try:
            first = client.get(month_url()).context["rows"]
            second = client.get(month_url(page=2)).context["rows"]
        finally:
            views.PAGE_SIZE = original
        assert len(first) == 2 and len(second) == 1

    def test_query_count_does_not_grow_with_projects(self, client, reporter_a, drc, town_a):
        def add(count):
            for index in range(count):
                project = listed(town_a, drc)
                if index % 2:
                    saved(project, reporter_a)

        add(3)
        client.force_login(reporter_a)
        client.get(month_url())  # session and caches warmed
        with CaptureQueriesContext(connection) as few:
            assert client.get(month_url()).status_code == 200
        add(9)
        with CaptureQueriesContext(connection) as many:
            response = client.get(month_url())
        assert len(response.context["rows"]) == 12
        assert len(many.captured_queries) == len(few.captured_queries)


class TestSubmit:
    def test_confirmation_lists_incomplete_projects_and_writes_nothing(self, client, reporter_a, drc, town_a):
        complete = [listed(town_a, drc, f"梁家墩镇完整项目{i}") for i in range(2)]
        lacking = listed(town_a, drc, "梁家墩镇缺进展项目")
        never = listed(town_a, drc, "梁家墩镇未填项目")
        for project in complete:
            saved(project, reporter_a)
        saved(lacking, reporter_a, progress_text="")
        client.force_login(reporter_a)
        versions = dict(MonthlyReport.objects.values_list("pk", "version"))
        body = client.get(submit_url()).content.decode()
        assert "将报送 2 个项目。</strong>以下 2 个项目尚未填完，不会报送：" in body
        assert (lacking.name in body and "请填写形象进度" in body) or "形象进度" in body
        assert never.name in body and "尚未填报" in body
        assert dict(MonthlyReport.objects.values_list("pk", "version")) == versions
        assert not MonthlyReport.objects.filter(project=never).exists()

    def test_post_submits_every_complete_report_as_stored(self, client, post_submit, reporter_a, drc, town_a):
        complete = [listed(town_a, drc) for _ in range(2)]
        lacking = listed(town_a, drc)
        for project in complete:
            saved(project, reporter_a)
        saved(lacking, reporter_a, progress_text="")
        client.force_login(reporter_a)
        # What a page might post is not read: the server sends what it has.
        typed = card_data(MonthlyReport(project_id=lacking.pk, version=1), progress_text="页面上的内容")
        response = post_submit(submit_url(), typed)
        job = MonthSubmission.objects.get()
        assert response.url == reverse("dispatch:submit_progress", args=[2026, 11, job.pk])
        page = client.get(response.url).content.decode()
        assert "已报送 2 个项目的月度进展" in page and "hx-trigger" not in page  # finished: no more polling
        assert (job.status, job.submitted_count, job.refused, job.user) == ("done", 2, [], reporter_a)
        statuses = dict(MonthlyReport.objects.values_list("project_id", "status"))
        assert statuses == {
            complete[0].pk: ReportStatus.SUBMITTED,
            complete[1].pk: ReportStatus.SUBMITTED,
            lacking.pk: ReportStatus.DRAFT,
        }
        assert MonthlyReport.objects.get(project=lacking).progress_text == ""

    def test_a_month_is_sent_whole_or_not_at_all(self, client, post_submit, reporter_a, drc, town_a, monkeypatch):
        from dispatch import submit_handlers

        for _ in range(3):
            saved(listed(town_a, drc), reporter_a)
        client.force_login(reporter_a)

        def failing(*, reports, acting_user):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(submit_handlers, "SUBMIT_HANDLERS", [failing])
        page = client.get(post_submit(submit_url()).url).content.decode()
        assert "报送失败，本次未报送任何月报" in page
        assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.DRAFT}  # none half-sent
        assert not ReviewAction.objects.exists()
        assert MonthSubmission.objects.get().status == MonthSubmission.Status.FAILED
        notice = Notice.objects.get(kind="month_submitted")
        assert notice.title.startswith("【月报报送失败】") and notice.recipients.get().user == reporter_a

    def test_a_report_changed_meanwhile_is_refused_with_why_and_the_others_go(
        self, client, post_submit, reporter_a, drc, town_a, monkeypatch
    ):
        sent_elsewhere, emptied, retyped, plain = (listed(town_a, drc, f"梁家墩镇项目{i}") for i in range(4))
        for project in (sent_elsewhere, emptied, retyped, plain):
            saved(project, reporter_a)
        client.force_login(reporter_a)
        check = services.month_submit_check

        def another_page_acts_after_the_check(*args):
            answer = check(*args)  # the reports as the submit read them; then, before it locks them:
            services.report_submit(report=MonthlyReport.objects.get(project=sent_elsewhere), acting_user=reporter_a)
            fill(MonthlyReport.objects.get(project=emptied), reporter_a, progress_text="")
            fill(MonthlyReport.objects.get(project=retyped), reporter_a, progress_text="另一页面刚保存的进展")
            return answer

        monkeypatch.setattr(services, "month_submit_check", another_page_acts_after_the_check)
        body = client.get(post_submit(submit_url()).url).content.decode()
        assert "已报送 2 个项目的月度进展" in body
        assert f"{sent_elsewhere.name}：该报告处于“已报送”状态，目前不能修改。" in body
        assert f"{emptied.name}：" in body and "请填写形象进度" in body
        stored = {r.project_id: r for r in MonthlyReport.objects.all()}
        assert stored[emptied.pk].status == ReportStatus.DRAFT and stored[emptied.pk].progress_text == ""
        # What the other page saved is what was sent: nothing typed is lost to the submit's older copy.
        assert stored[retyped.pk].status == ReportStatus.SUBMITTED
        assert stored[retyped.pk].progress_text == "另一页面刚保存的进展"
        assert stored[plain.pk].status == ReportStatus.SUBMITTED
        assert ReviewAction.objects.filter(report__project=sent_elsewhere).count() == 1  # sent once, elsewhere

    def test_each_sent_report_keeps_its_trail_and_the_audit_chain_holds(
        self, client, post_submit, reporter_a, drc, town_a
    ):
        from auditlog.chain import chain_now, verify_chain

        chain_now()
        projects = [listed(town_a, drc) for _ in range(3)]
        for project in projects:
            saved(project, reporter_a)
        returned = MonthlyReport.objects.get(project=projects[0])
        services.report_submit(report=returned, acting_user=reporter_a, now=NOW)
        services.report_return(report=returned, reason="请补充形象进度", acting_user=drc, now=NOW)
        first_sent = MonthlyReport.objects.get(pk=returned.pk).first_submitted_at
        client.force_login(reporter_a)
        post_submit(submit_url())
        for report in MonthlyReport.objects.all():
            latest = report.history.order_by("-history_id").first()
            assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("~", reporter_a, None)
            assert (latest.status, latest.version, latest.submitted_by) == (report.status, report.version, reporter_a)
            assert latest.submitted_at == report.submitted_at == NOW
            action = report.actions.order_by("-pk").first()
            assert (action.acting_user, action.created_at) == (reporter_a, NOW)
            assert action.history.get().history_user == reporter_a
        again = MonthlyReport.objects.get(pk=returned.pk)
        assert again.status == ReportStatus.RESUBMITTED and again.first_submitted_at == first_sent
        assert again.actions.order_by("-pk").first().action == ReviewAction.Action.RESUBMIT
        others = MonthlyReport.objects.exclude(pk=returned.pk)
        assert {(r.status, r.timeliness, r.first_submitted_at) for r in others} == {
            (ReportStatus.SUBMITTED, "on_time", NOW)
        }
        result = verify_chain()
        assert result.intact, result.finding

    def test_the_submission_page_follows_the_worker_and_the_submitter_is_told(
        self, client, post_submit, reporter_a, drc, town_a
    ):
        project = listed(town_a, drc, "梁家墩镇报送项目")
        saved(project, reporter_a)
        client.force_login(reporter_a)
        response = client.post(submit_url())  # not committed yet: the worker has not started
        job = MonthSubmission.objects.get()
        page = client.get(response.url).content.decode()
        assert job.status == "queued" and 'hx-trigger="every 1s"' in page and "排队中" in page
        assert "报送完成后会收到通知" in page
        assert client.post(submit_url()).url == response.url  # asked again: the same submission, not a second
        assert MonthSubmission.objects.count() == 1
        services.month_submission_run(job.pk)
        assert not services.month_submission_run(job.pk)  # a second run (a retried task) does nothing
        assert ReviewAction.objects.count() == 1
        page = client.get(response.url).content.decode()
        assert "已报送 1 个项目的月度进展" in page and "hx-trigger" not in page
        notice = Notice.objects.get(kind="month_submitted")
        assert notice.title == "【月报报送】梁家墩镇2026年11月：已报送 1 个项目"
        assert notice.link == response.url and notice.recipients.get().user == reporter_a
        client.force_login(drc)
        assert client.get(response.url).status_code == 404  # the submitter's page alone

    def test_a_submission_that_lost_its_worker_is_failed_and_may_start_again(self, client, reporter_a, drc, town_a):
        saved(listed(town_a, drc), reporter_a)
        client.force_login(reporter_a)
        client.post(submit_url())
        lost = MonthSubmission.objects.get()
        with time_machine.travel(NOW + MonthSubmission.STALE_AFTER + datetime.timedelta(minutes=1), tick=False):
            response = client.post(submit_url())
        lost.refresh_from_db()
        assert lost.status == "failed" and "未报送任何月报" in lost.message
        assert response.url != reverse("dispatch:submit_progress", args=[2026, 11, lost.pk])
        assert MonthSubmission.objects.filter(status="queued").count() == 1

    def test_another_units_reporter_submits_only_their_own(self, client, reporter_a, reporter_b, listed_a):
        saved(listed_a, reporter_a)
        client.force_login(reporter_b)
        client.post(submit_url(), {"unit": listed_a.responsible_unit_id})
        assert MonthlyReport.objects.get().status == ReportStatus.DRAFT

    def test_confirmation_query_count_does_not_grow(self, client, reporter_a, drc, town_a):
        def add(count):
            for _ in range(count):
                saved(listed(town_a, drc), reporter_a)

        add(3)
        client.force_login(reporter_a)
        client.get(submit_url())
        with CaptureQueriesContext(connection) as few:
            client.get(submit_url())
        add(9)
        with CaptureQueriesContext(connection) as many:
            response = client.get(submit_url())
        assert len(response.context["complete"]) == 12
        assert len(many.captured_queries) == len(few.captured_queries)


class TestPhotos:
    def image(self):
        buffer = io.BytesIO()
        Image.new("RGB", (400, 300), "navy").save(buffer, "JPEG")
        buffer.seek(0)
        buffer.name = "site.jpg"
        return buffer

    def test_upload_and_delete_answer_the_cards_photo_block(self, client, reporter_a, listed_a):
        report = saved(listed_a, reporter_a)
        client.force_login(reporter_a)
        url = reverse("dispatch:photo_upload", args=[report.pk])
        hx = {"HX-Request": "true"}
        response = client.post(url, {f"photo{report.pk}-image": self.image()}, headers=hx)
        body = response.content.decode()
        photo = report.photos.get()
        assert response.status_code == 200 and f'id="photos-{listed_a.pk}"' in body
        assert reverse("dispatch:photo_file", args=[photo.pk, "thumb"]) in body
        fake = io.BytesIO(b"%PDF-1.4 not an image")
        fake.name = "x.jpg"
        body = client.post(url, {f"photo{report.pk}-image": fake}, headers=hx).content.decode()
        assert "photo-errors" in body and "不是图片" in body
        response = client.post(reverse("dispatch:photo_delete", args=[photo.pk]), headers=hx)
        assert response.status_code == 200 and not report.photos.exists()

    def test_first_save_sends_the_photo_form(self, client, reporter_a, listed_a):
        client.force_login(reporter_a)
        body = client.post(save_url(listed_a), card_data(MonthlyReport(project_id=listed_a.pk))).content.decode()
        report = MonthlyReport.objects.get()
        assert "data-photos" in body and f"photo{report.pk}-image" in body
