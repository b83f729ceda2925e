"""Trial defects: messages and labels that mislead (amounts, the over-plan rule, lag sign, review box,
colliding translations, the sent log's internal keys)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.models import SHANGHAI, MonthlyReport
from dispatch.workbook import COL_OVER_PLAN
from early_warnings import services as warning_services
from notifications.models import Notice
from tests.dispatch.conftest import fill

D = Decimal
NOW = datetime.datetime(2026, 11, 10, 10, tzinfo=SHANGHAI)


def report_of(project, user):
    period = services.period_get_or_create(year=2026, month=11)
    return services.report_get_or_create(period=period, project=project, acting_user=user)


class TestAmountsInMessages:
    def test_over_plan_message_has_two_decimals_and_thousands_separators(self, listed_a, reporter_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("4019.91"))
        errors = services.report_check_complete(report, datetime.date(2026, 11, 10))
        message = errors["over_plan_explanation"][0]
        assert "本年完成投资 4,019.91 超过年度计划 1,200.00" in message
        assert "4019.91000" not in message

    def test_pages_show_amounts_with_thousands_separators(self, client, drc, reporter_a, listed_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("1234.5"))
        client.force_login(drc)
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        assert "1,234.50" in body
        body = client.get(reverse("projects:project_detail", args=[listed_a.pk])).content.decode()
        assert "1,200.00" in body


class TestOverPlanLabel:
    def test_label_names_both_cases_everywhere(self, client, drc, reporter_a, listed_a):
        label = str(MonthlyReport._meta.get_field("over_plan_explanation").verbose_name)
        assert label == "超年度计划或超总投资说明"
        assert label == COL_OVER_PLAN
        report = report_of(listed_a, reporter_a)
        client.force_login(drc)
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        assert "超年度计划或超总投资说明" in body

    def test_message_names_the_case_that_applies(self, listed_a, reporter_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("1300"))
        message = services.report_check_complete(report, datetime.date(2026, 11, 10))["over_plan_explanation"][0]
        assert "超过年度计划" in message and "超过总投资" not in message


class TestLagSign:
    def test_ahead_of_plan_reads_ahead_with_a_positive_figure(self, client, drc, reporter_a, listed_a):
        # plan to November: 1,100.00; done this year: 1,300.00 → 18.2% ahead.
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("1300"))
        client.force_login(drc)
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        assert "超前 18.2%" in body
        assert "滞后 -" not in body

    def test_behind_plan_reads_behind(self, client, drc, reporter_a, listed_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("100"))
        client.force_login(drc)
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        assert "滞后 90.9%" in body


class TestReviewBox:
    def review_box(self, client, report):
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        return body.split('id="review-actions"', 1)[1].split("</section>", 1)[0]

    def test_each_status_has_its_own_text(self, client, drc, reporter_a, listed_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        client.force_login(drc)
        assert "尚未报送" in self.review_box(client, report)
        services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        services.report_return(report=report, reason="请核实投资额", acting_user=drc, now=NOW)
        box = self.review_box(client, report)
        assert "已退回单位修改，等待重新报送" in box
        assert "尚未报送" not in box


class TestTranslationsThatCollided:
    def test_admin_add_links_read_add(self, client, administrator):
        client.force_login(administrator)
        body = client.get(reverse("admin:projects_unit_changelist")).content.decode()
        assert "增加" in body
        assert "调入" not in body

    def test_review_trail_action_column_reads_operation(self, client, drc, reporter_a, listed_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        client.force_login(drc)
        body = client.get(reverse("dispatch:report_detail", args=[report.pk])).content.decode()
        trail = body.split('id="review-trail"', 1)[1].split("</thead>", 1)[0]
        assert "<th>操作</th>" in trail
        assert "调整方式" not in trail

    def test_our_own_uses_keep_their_words(self, client, drc, listed_a):
        client.force_login(drc)
        body = client.get(reverse("projects:project_detail", args=[listed_a.pk])).content.decode()
        assert "调入" in body
        body = client.get(reverse("projects:adjustments")).content.decode()
        assert "调整方式" in body


class TestSentLog:
    def test_kind_in_chinese_and_object_linked(self, client, drc, project_a, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            warning = warning_services.warning_issue(
                project=project_a, colour="blue", reason="进度滞后", acting_user=drc
            )
        notice = Notice.objects.get(kind="warning_issued")
        client.force_login(drc)
        body = client.get(reverse("notifications:sent_log")).content.decode()
        assert "warning_issued" not in body.split("<tbody>", 1)[1]
        assert f"warning:{warning.pk}" not in body
        assert "发出预警" in body
        assert f'<a href="/warnings/{warning.pk}/">预警 {warning.pk}号</a>' in body
        assert f"· {notice.period_key}</small>" not in body

    @pytest.mark.parametrize(
        ("kind", "label"),
        [("deadline_reminder_3", "报送提醒（还剩3个工作日）"), ("ledger_problem_overdue", "工作台账问题已逾期")],
    )
    def test_generated_kinds_read_in_words(self, kind, label):
        from notifications.kinds import kind_label

        assert kind_label(kind) == label


def test_fund_item_names_its_amount_as_money(db):
    from projects.models import PolicyFundItem

    item = PolicyFundItem(fund_type="central_budget", amount=D("12345.6"))
    assert str(item).endswith("12,345.60")
