"""A leader's read-only monthly overview and the project page's monthly-progress tab."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from dispatch import services
from dispatch.models import SHANGHAI
from early_warnings import services as warning_services
from projects import services as project_services
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.factories import ProjectFactory

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def sent(project, user, month=11, with_photo=False, **values):
    period = services.period_get_or_create(year=2026, month=month)
    report = services.report_get_or_create(period=period, project=project, acting_user=user)
    fill(report, user, **values)
    if with_photo:
        photo(report, user)
    return services.report_submit(report=report, acting_user=user, now=NOW)


def photo(report, user):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "p.png"
    buffer.size = len(buffer.getvalue())
    return services.photo_add(report=report, upload=buffer, caption="现场", acting_user=user)


@pytest.mark.usefixtures("frozen")
class TestLeaderOverview:
    def test_leader_home_opens_the_overview_of_their_projects(
        self, client, leader, listed_a, listed_b, reporter_a, drc
    ):
        project_services.project_update(project=listed_a, acting_user=drc, leader=leader)
        sent(listed_a, reporter_a, investment_this_month=Decimal("1034.5"))
        warning_services.warning_issue(project=listed_a, colour="red", reason="投资滞后", acting_user=drc)
        client.force_login(leader)
        response = client.get(reverse("dispatch:home"))
        assert response.url == reverse("dispatch:month_overview", args=[2026, 11])
        response = client.get(response.url)
        body = response.content.decode()
        assert "2026年11月审核" not in body
        assert listed_a.name in body and listed_b.name not in body  # only the projects the leader leads
        assert "1,034.50" in body and "1,200.00" in body  # this month, the annual target
        assert "红色预警" in body and "已报送" in body
        assert listed_b.name in client.get(response.wsgi_request.path, {"scope": "all"}).content.decode()

    def test_reporters_may_not_open_it_and_drc_still_reviews(self, client, reporter_a, drc):
        client.force_login(reporter_a)
        assert client.get(reverse("dispatch:month_overview", args=[2026, 11])).status_code == 403
        client.force_login(drc)
        assert client.get(reverse("dispatch:home")).url == reverse("dispatch:review_queue", args=[2026, 11])

    def test_query_count_does_not_grow(self, client, leader, town_a, drc, reporter_a, django_assert_max_num_queries):
        def add():
            project = ProjectFactory(responsible_unit=town_a, leader=leader)
            put_on_annual_list(project, drc)
            plan(project, drc)
            sent(project, reporter_a)
            warning_services.warning_issue(project=project, colour="blue", reason="滞后", acting_user=drc)

        add()
        client.force_login(leader)
        url = reverse("dispatch:month_overview", args=[2026, 11])
        with django_assert_max_num_queries(40) as few:
            client.get(url)
        for _ in range(5):
            add()
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200


@pytest.mark.usefixtures("frozen")
class TestProjectMonthsTab:
    def test_months_with_plan_completed_cumulative_photos_and_status(
        self, client, listed_a, reporter_a, reporter_b, auditor, drc
    ):
        october = sent(listed_a, reporter_a, month=10, investment_this_month=Decimal("300"))
        services.report_accept(report=october, acting_user=drc, now=NOW)
        november = sent(listed_a, reporter_a, with_photo=True, investment_this_month=Decimal("150"))
        picture = november.photos.get()
        url = reverse("dispatch:project_months", args=[listed_a.pk])
        client.force_login(reporter_a)
        detail = client.get(reverse("projects:project_detail", args=[listed_a.pk])).content.decode()
        assert url in detail  # the tab is on the project page
        response = client.get(url)
        months = response.context["months"]
        assert months[9]["completed"] == Decimal("300") and months[10]["completed"] == Decimal("150")
        opening = listed_a.opening_cumulative_investment
        assert months[10]["cumulative"] == opening + Decimal("450")
        assert months[10]["plan"] == Decimal("100") and months[11]["report"] is None
        body = response.content.decode()
        assert reverse("dispatch:photo_file", args=[picture.pk, "thumb"]) in body
        assert "已通过" in body and "已报送" in body
        client.force_login(auditor)
        assert client.get(url).status_code == 200
        client.force_login(reporter_b)
        assert client.get(url).status_code == 404
