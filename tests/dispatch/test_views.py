import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from dispatch import services
from dispatch.models import SHANGHAI, MonthlyReport, ReportStatus
from tests.dispatch.conftest import fill

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def card_data(report, **values):
    prefix = f"p{report.project_id}"
    base = {
        "version": str(report.version),
        "investment_this_month": "120.50",
        "progress_text": "完成主体结构",
        "progress_percent": "40",
        "start_status": "resumed",
        "actual_start_date": "2026-03-05",
        "proc_land": "done",
    }
    base.update(values)
    return {f"{prefix}-{k}": v for k, v in base.items()}


def first_save(client, project):
    """Open the month and save the project's card: opening writes nothing, the first save creates the draft."""
    client.get(month_url())
    assert not MonthlyReport.objects.exists()
    client.post(save_url(project), {f"p{project.pk}-version": "0", f"p{project.pk}-progress_text": "草稿"})
    return MonthlyReport.objects.get()


def save_url(project, year=2026, month=11):
    return reverse("dispatch:card_save", args=[year, month, project.pk])


def submit_url(year=2026, month=11):
    return reverse("dispatch:submit_month", args=[year, month])


def month_url(year=2026, month=11):
    return reverse("dispatch:fill_month", args=[year, month])


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.usefixtures("frozen")
class TestFillMonth:
    def test_reporter_sees_only_own_unit_projects(self, client, reporter_a, listed_a, listed_b):
        client.force_login(reporter_a)
        body = client.get(month_url()).content.decode()
        assert listed_a.name in body and listed_b.name not in body
        assert "2026年11月" in body and "2026-11-20 23:59:59" in body

    def test_other_units_month_is_404(self, client, reporter_a, listed_b, town_b):
        client.force_login(reporter_a)
        assert client.get(month_url(), {"unit": town_b.pk}).content.decode().count(listed_b.name) == 0

    def test_save_then_submit_after_the_confirmation(self, client, post_submit, reporter_a, listed_a):
        client.force_login(reporter_a)
        report = first_save(client, listed_a)
        response = client.post(save_url(listed_a), card_data(report))
        assert response.status_code == 200 and "data-saved" in response.content.decode()
        report.refresh_from_db()
        assert report.investment_this_month == Decimal("120.50") and report.status == ReportStatus.DRAFT
        assert "将报送 1 个项目。" in client.get(submit_url()).content.decode()
        report.refresh_from_db()
        assert report.status == ReportStatus.DRAFT  # the confirmation writes nothing
        response = post_submit(submit_url(), {"unit": listed_a.responsible_unit_id})
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED and report.timeliness == "on_time"

    def test_an_incomplete_card_stays_a_draft_and_the_confirmation_says_why(
        self, client, post_submit, reporter_a, listed_a
    ):
        client.force_login(reporter_a)
        report = first_save(client, listed_a)
        client.post(
            save_url(listed_a), card_data(report, investment_this_month="0", progress_text="冬季停工，设备检修")
        )
        body = client.get(submit_url()).content.decode()
        assert "将报送 0 个项目。" in body and "以下 1 个项目尚未填完，不会报送：" in body
        assert "零投资说明" in body and listed_a.name in body
        assert "没有已填完的项目，未报送任何报告" in client.get(post_submit(submit_url()).url).content.decode()
        report.refresh_from_db()
        assert report.status == ReportStatus.DRAFT and report.progress_text == "冬季停工，设备检修"

    def test_negative_amount_is_refused_with_a_chinese_message(self, client, reporter_a, listed_a):
        client.force_login(reporter_a)
        report = first_save(client, listed_a)
        response = client.post(save_url(listed_a), card_data(report, investment_this_month="-3"))
        assert "不能为负数" in response.content.decode()
        report.refresh_from_db()
        assert report.investment_this_month is None

    def test_autosave(self, client, reporter_a, reporter_b, listed_a):
        client.force_login(reporter_a)
        report = first_save(client, listed_a)
        url = reverse("dispatch:card_save", args=[2026, 11, report.project_id])
        response = client.post(url, card_data(report, progress_text="自动保存的内容"))
        assert "草稿已保存" in response.content.decode()
        report.refresh_from_db()
        assert report.progress_text == "自动保存的内容"
        client.force_login(reporter_b)
        assert client.post(url, card_data(report)).status_code == 404

    def test_photo_upload_images_only_with_thumbnail(self, client, reporter_a, listed_a, settings):
        client.force_login(reporter_a)
        report = first_save(client, listed_a)
        url = reverse("dispatch:photo_upload", args=[report.pk])
        buffer = io.BytesIO()
        Image.new("RGB", (1600, 1200), "navy").save(buffer, "JPEG")
        buffer.seek(0)
        buffer.name = "site.jpg"
        client.post(url, {f"photo{report.pk}-image": buffer, f"photo{report.pk}-caption": "施工现场"})
        photo = report.photos.get()
        with Image.open(photo.thumbnail.path) as thumb:
            assert max(thumb.size) <= 320
        fake = io.BytesIO(b"%PDF-1.4 not an image")
        fake.name = "x.jpg"
        response = client.post(url, {f"photo{report.pk}-image": fake}, follow=True)
        assert "不是图片" in response.content.decode()
        settings.MAX_PHOTO_BYTES = 100
        buffer.seek(0)
        response = client.post(url, {f"photo{report.pk}-image": buffer}, follow=True)
        assert "照片超过" in response.content.decode()
        assert report.photos.count() == 1


@pytest.mark.usefixtures("frozen")
class TestReviewViews:
    def submitted(self, project, user):
        period = services.period_get_or_create(year=2026, month=11)
        report = services.report_get_or_create(period=period, project=project, acting_user=user)
        fill(report, user)
        return services.report_submit(report=report, acting_user=user, now=NOW)

    def test_queue_and_bulk_accept(self, client, drc, reporter_a, reporter_b, listed_a, listed_b):
        a = self.submitted(listed_a, reporter_a)
        b = self.submitted(listed_b, reporter_b)
        client.force_login(drc)
        url = reverse("dispatch:review_queue", args=[2026, 11])
        body = client.get(url, {"status": "awaiting"}).content.decode()
        assert listed_a.name in body and listed_b.name in body
        a.refresh_from_db()
        b.refresh_from_db()
        client.post(url, {"report": [a.pk, b.pk], f"version-{a.pk}": a.version, f"version-{b.pk}": b.version})
        assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.ACCEPTED}

    def test_bulk_accept_leaves_a_report_changed_since_the_queue_was_loaded(
        self, client, drc, reporter_a, reporter_b, listed_a, listed_b
    ):
        a = self.submitted(listed_a, reporter_a)
        b = self.submitted(listed_b, reporter_b)
        client.force_login(drc)
        url = reverse("dispatch:review_queue", args=[2026, 11])
        body = client.get(url).content.decode()
        shown = MonthlyReport.objects.get(pk=b.pk).version
        assert f'name="version-{b.pk}" value="{shown}"' in body
        # The unit's report is returned by another reviewer and resubmitted with new figures meanwhile.
        services.report_return(report=b, reason="请核对", acting_user=drc)
        fill(b, reporter_b, investment_this_month=Decimal("77"))
        services.report_submit(report=b, acting_user=reporter_b, now=NOW)
        response = client.post(
            url, {"report": [a.pk, b.pk], f"version-{a.pk}": a.version, f"version-{b.pk}": shown}, follow=True
        )
        body = response.content.decode()
        assert "1 份报告未通过" in body
        assert MonthlyReport.objects.get(pk=a.pk).status == ReportStatus.ACCEPTED
        assert MonthlyReport.objects.get(pk=b.pk).status == ReportStatus.RESUBMITTED

    def test_accept_refuses_a_resubmission_the_reviewer_has_not_seen(self, client, drc, reporter_a, listed_a):
        report = self.submitted(listed_a, reporter_a)
        client.force_login(drc)
        detail = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        shown = MonthlyReport.objects.get(pk=report.pk).version
        assert f'name="version" value="{shown}"' in detail
        services.report_return(report=report, reason="请核对", acting_user=drc)
        fill(report, reporter_a, investment_this_month=Decimal("77"))
        services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        url = reverse("dispatch:report_review", args=[report.pk])
        body = client.post(url, {"action": "accept", "version": shown}, follow=True).content.decode()
        assert "单位已修改" in body
        assert MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.RESUBMITTED
        # Having read the current figures, the reviewer accepts.
        current = MonthlyReport.objects.get(pk=report.pk).version
        client.post(url, {"action": "accept", "version": current})
        assert MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.ACCEPTED

    def test_return_shows_reason_to_the_unit(self, client, drc, reporter_a, listed_a):
        report = self.submitted(listed_a, reporter_a)
        client.force_login(drc)
        report.refresh_from_db()
        client.post(
            reverse("dispatch:report_review", args=[report.pk]),
            {"action": "return", "reason": "投资额偏高，请核实", "version": report.version},
        )
        client.force_login(reporter_a)
        body = client.get(month_url()).content.decode()
        assert "投资额偏高，请核实" in body

    def test_reporters_cannot_review(self, client, reporter_a, listed_a):
        report = self.submitted(listed_a, reporter_a)
        client.force_login(reporter_a)
        response = client.post(reverse("dispatch:report_review", args=[report.pk]), {"action": "accept"})
        assert response.status_code == 403

    def test_queue_query_count_does_not_grow(self, client, drc, reporter_a, town_a, django_assert_max_num_queries):
        from tests.dispatch.conftest import put_on_annual_list
        from tests.factories import ProjectFactory

        projects = [ProjectFactory(responsible_unit=town_a) for _ in range(3)]
        for project in projects:
            put_on_annual_list(project, drc)
            self.submitted(project, reporter_a)
        client.force_login(drc)
        url = reverse("dispatch:review_queue", args=[2026, 11])
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        for _ in range(12):
            project = ProjectFactory(responsible_unit=town_a)
            put_on_annual_list(project, drc)
            self.submitted(project, reporter_a)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url)

    def test_statistics_bureau_verifies(self, client, statistician, reporter_a, listed_a):
        report = self.submitted(listed_a, reporter_a)
        client.force_login(statistician)
        client.post(reverse("dispatch:report_verify", args=[report.pk]), {"reason": "与统计联网直报数据不符"})
        verification = report.verifications.get()
        client.post(
            reverse("dispatch:verification_record", args=[verification.pk]),
            {"outcome": "confirmed", "result": "现场核实数据属实", "verified_investment": "120.5"},
        )
        verification.refresh_from_db()
        assert verification.outcome == "confirmed"
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        assert "现场核实数据属实" in body

    def test_completeness_grid(self, client, drc, reporter_a, listed_a, listed_b):
        self.submitted(listed_a, reporter_a)
        client.force_login(drc)
        response = client.get(reverse("dispatch:completeness"), {"year": 2026})
        body = response.content.decode()
        assert "梁家墩镇" in body and "上秦镇" in body
        assert "1/0/0" in body

    def test_drc_moves_the_deadline(self, client, drc, reporter_a):
        client.force_login(drc)
        url = reverse("dispatch:period_edit", args=[2026, 12])
        response = client.post(url, {"deadline": "2026-12-22T23:59:59", "reason": ""})
        assert "请说明" in response.content.decode() or "必填" in response.content.decode()
        client.post(url, {"deadline": "2026-12-22T23:59:59", "reason": "元旦前提前报送"})
        period = services.period_get_or_create(year=2026, month=12)
        assert period.deadline == datetime.datetime(2026, 12, 22, 23, 59, 59, tzinfo=SHANGHAI)
        client.force_login(reporter_a)
        assert client.get(url).status_code == 403


@pytest.mark.usefixtures("frozen")
def test_photos_are_served_only_to_those_who_may_see_the_report(client, reporter_a, reporter_b, drc, listed_a):
    client.force_login(reporter_a)
    report = first_save(client, listed_a)
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "olive").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "site.jpg"
    client.post(reverse("dispatch:photo_upload", args=[report.pk]), {f"photo{report.pk}-image": buffer})
    photo = report.photos.get()
    thumb = reverse("dispatch:photo_file", args=[photo.pk, "thumb"])
    response = client.get(thumb)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert max(image.size) <= 320
    assert thumb in client.get(reverse("dispatch:card", args=[2026, 11, listed_a.pk])).content.decode()
    assert client.get(reverse("dispatch:photo_file", args=[photo.pk, "other"])).status_code == 404
    client.force_login(reporter_b)
    assert client.get(thumb).status_code == 404
    client.force_login(drc)
    assert client.get(reverse("dispatch:photo_file", args=[photo.pk, "full"])).status_code == 200
