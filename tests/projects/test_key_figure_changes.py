"""A change of a key figure (总投资, 年度计划投资) needs a reason, kept in the history and shown to DRC."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from dispatch.models import SHANGHAI
from projects import services
from projects.forms import ProjectForm
from tests.dispatch.conftest import plan
from tests.factories import month_plan

NOW = datetime.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)


def edit_data(project, user, **changes):
    form = ProjectForm(instance=project, user=user)
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(changes)
    return data


def plan_data(target, reason=""):
    data = {"annual_target": str(target), "change_reason": reason, "planned_start_date": "2026-03-01"}
    data.update({f"plan_{i:02d}": str(v) for i, v in enumerate(month_plan(D(target)), start=1)})
    data.update({"funds-TOTAL_FORMS": "0", "funds-INITIAL_FORMS": "0"})
    return data


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.usefixtures("frozen")
class TestChangeReason:
    def test_service_refuses_a_total_investment_change_without_reason(self, project_a, reporter_a):
        with pytest.raises(ValidationError):
            services.project_update(project=project_a, acting_user=reporter_a, total_investment=D("6000"))
        services.project_update(
            project=project_a, acting_user=reporter_a, location="甘州区梁家墩镇"
        )  # no reason needed
        services.project_update(
            project=project_a, acting_user=reporter_a, total_investment=D("6000"), reason="设计变更增加建设内容"
        )
        assert project_a.history.latest().history_change_reason == "设计变更增加建设内容"

    def test_project_form_asks_for_the_reason(self, client, project_a, reporter_a):
        client.force_login(reporter_a)
        url = reverse("projects:project_edit", args=[project_a.pk])
        response = client.post(url, edit_data(project_a, reporter_a, total_investment="6000"))
        assert response.status_code == 200 and "change_reason" in response.context["form"].errors
        response = client.post(url, edit_data(project_a, reporter_a, total_investment="6000", change_reason="概算调整"))
        assert response.status_code == 302
        project_a.refresh_from_db()
        assert project_a.total_investment == D("6000")
        assert project_a.history.latest().history_change_reason == "概算调整"

    def test_year_plan_form_asks_for_the_reason_when_the_target_changes(self, client, project_a, reporter_a, drc):
        plan(project_a, drc, target="1200")
        client.force_login(reporter_a)
        url = reverse("projects:year_plan_edit", args=[project_a.pk, 2026])
        response = client.post(url, plan_data("1500"))
        assert response.status_code == 200 and "change_reason" in response.context["form"].errors
        assert client.post(url, plan_data("1500", "追加投资计划")).status_code == 302
        assert project_a.year_plans.get(year=2026).history.latest().history_change_reason == "追加投资计划"
        assert client.post(url, plan_data("1500")).status_code == 302  # unchanged target: no reason needed

    def test_review_queue_lists_the_months_key_figure_changes(
        self, client, project_a, project_b, reporter_a, reporter_b, drc, django_assert_max_num_queries
    ):
        plan(project_a, drc, target="1200")
        services.project_update(
            project=project_a, acting_user=reporter_a, total_investment=D("6000"), reason="概算调整"
        )
        services.year_plan_save(
            project=project_a,
            year=2026,
            annual_target=D("1500"),
            monthly=month_plan(D("1500")),
            planned_start_date=None,
            fund_items=[],
            acting_user=reporter_a,
            reason="追加投资计划",
        )
        client.force_login(drc)
        url = reverse("dispatch:review_queue", args=[2026, 11])
        response = client.get(url)
        changes = response.context["key_changes"]
        assert [(c.figure, c.old, c.new, c.reason) for c in changes] == [
            ("annual_target", D("1200"), D("1500"), "追加投资计划"),
            ("total_investment", D("5000"), D("6000"), "概算调整"),
        ]
        body = response.content.decode()
        assert "5,000.00" in body and "6,000.00" in body and "概算调整" in body
        assert client.get(reverse("dispatch:review_queue", args=[2026, 10])).context["key_changes"] == []
        # Another unit's reporter does not see project_a's changes.
        client.force_login(reporter_b)
        assert client.get(url).context["key_changes"] == []
        # Query count does not grow with the number of changed projects.
        client.force_login(drc)
        with django_assert_max_num_queries(60) as few:
            client.get(url)
        services.project_update(project=project_b, acting_user=reporter_b, total_investment=D("7000"), reason="调整")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url)


def test_reason_field_sits_by_its_figure_and_only_when_there_is_one_to_change(client, project_a, reporter_a, drc):
    client.force_login(reporter_a)
    form = client.get(reverse("projects:project_edit", args=[project_a.pk])).context["form"]
    names = list(form.fields)
    assert names[names.index("total_investment") + 1] == "change_reason"
    assert form.fields["change_reason"].widget.attrs["data-reason-for"] == "total_investment"
    assert "change_reason" not in client.get(reverse("projects:project_create")).context["form"].fields
    plan_url = reverse("projects:year_plan_edit", args=[project_a.pk, 2026])
    assert "change_reason" not in client.get(plan_url).context["form"].fields  # a new plan: nothing to change
    plan(project_a, drc, target="1200")
    assert "change_reason" in client.get(plan_url).context["form"].fields
