"""The warning pages: board, detail with measures and resolution, manual issue, supervision list, settings."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import SHANGHAI, ProblemCategory, SolvingLevel
from early_warnings import selectors, services
from early_warnings.models import Colour, Problem, ProjectWarning, WarningSettings
from tests.factories import ProjectFactory

D = Decimal
BOARD = "/warnings/"
NOW = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def make_warning(project, colour=Colour.RED, *, month=11, status=ProjectWarning.Status.ISSUED, escalated=None, text=""):
    text = text or f"截至{month}月年度计划完成投资 1,100.00 万元，实际 641.67 万元，滞后 41.7%"
    return ProjectWarning.objects.create(
        project=project,
        year=2026,
        month=month,
        colour=colour,
        reasons=[{"rule": "investment_lag", "colour": colour, "text": text, "month": f"{month}月"}],
        status=status,
        issued_at=at(2026, month, 21, 9),
        last_year=2026,
        last_month=month,
        escalated_at=escalated,
        resolved_at=at(2026, month, 28, 9) if status == ProjectWarning.Status.RESOLVED else None,
    )


def rows(response) -> list[ProjectWarning]:
    return list(response.context["page"].object_list)


def tiles(response) -> dict[str, int]:
    return {value: count for value, _label, count in response.context["tiles"]}


def is_chinese(message) -> bool:
    return bool(CHINESE.search(str(message)))


@pytest.fixture
def project_c(town_a):
    return ProjectFactory(name="梁家墩镇污水管网改造项目", responsible_unit=town_a)


@pytest.fixture
def three(project_a, project_b, project_c):
    """Red open in town A, yellow rectifying and escalated in town B, blue resolved in town A in October."""
    return {
        "red": make_warning(project_a, Colour.RED),
        "yellow": make_warning(
            project_b, Colour.YELLOW, status=ProjectWarning.Status.RECTIFYING, escalated=at(2026, 11, 21, 8, 50)
        ),
        "blue": make_warning(project_c, Colour.BLUE, month=10, status=ProjectWarning.Status.RESOLVED),
    }


class TestBoard:
    def test_counts_open_warnings_per_colour(self, client, drc, three):
        client.force_login(drc)
        response = client.get(BOARD)
        assert response.status_code == 200
        assert tiles(response) == {Colour.RED: 1, Colour.YELLOW: 1, Colour.BLUE: 0}  # the blue one is resolved
        assert response.context["escalated_count"] == 1
        assert set(rows(response)) == set(three.values())
        body = response.content.decode()
        assert "滞后 41.7%" in body
        assert 'class="colour-badge colour-red"' in body

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("colour=red", {"red"}),
            ("colour=blue", {"blue"}),
            ("status=open", {"red", "yellow"}),
            ("status=rectifying", {"yellow"}),
            ("status=resolved", {"blue"}),
            ("escalated=yes", {"yellow"}),
            ("escalated=no", {"red", "blue"}),
            ("period=2026-10", {"blue"}),
            ("period=2026-11", {"red", "yellow"}),
            ("colour=nonsense&escalated=maybe&period=2026-13", {"red", "yellow", "blue"}),
        ],
    )
    def test_filters(self, client, drc, three, query, expected):
        client.force_login(drc)
        response = client.get(f"{BOARD}?{query}")
        assert set(rows(response)) == {three[key] for key in expected}

    def test_unit_filter_and_counts_follow_it(self, client, drc, three, town_b):
        client.force_login(drc)
        response = client.get(f"{BOARD}?unit={town_b.pk}")
        assert rows(response) == [three["yellow"]]
        assert tiles(response) == {Colour.RED: 0, Colour.YELLOW: 1, Colour.BLUE: 0}

    def test_open_warnings_come_first_red_before_yellow(self, client, drc, three):
        client.force_login(drc)
        assert rows(client.get(BOARD)) == [three["red"], three["yellow"], three["blue"]]

    def test_a_continued_warning_shows_its_latest_month_first(self, client, drc, project_a):
        warning = make_warning(project_a, Colour.YELLOW, month=10, text="2026年10月项目进展未报送")
        warning.reasons = [
            *warning.reasons,
            {"rule": "report_missing", "colour": "yellow", "text": "十一月", "month": "11月"},
        ]
        warning.last_month = 11
        warning.save()
        client.force_login(drc)
        body = client.get(BOARD).content.decode()
        assert body.index("十一月") < body.index("<details>") < body.index("2026年10月项目进展未报送")

    def test_unit_reporter_sees_only_own_units_warnings(self, client, reporter_a, three, town_a):
        client.force_login(reporter_a)
        response = client.get(BOARD)
        assert response.status_code == 200
        assert set(rows(response)) == {three["red"], three["blue"]}
        assert tiles(response) == {Colour.RED: 1, Colour.YELLOW: 0, Colour.BLUE: 0}
        assert response.context["escalated_count"] == 0
        assert list(response.context["units"]) == [town_a]
        assert "上秦镇" not in response.content.decode()

    def test_leader_and_auditor_see_every_unit(self, client, leader, auditor, three):
        for user in (leader, auditor):
            client.force_login(user)
            assert len(rows(client.get(BOARD))) == 3

    def test_needs_a_login(self, client, three):
        response = client.get(BOARD)
        assert response.status_code == 302
        assert "/login/" in response["Location"]

    def test_query_count_does_not_grow_with_rows(self, client, drc, town_a, town_b):
        client.force_login(drc)

        def count_queries():
            client.get(BOARD)  # warm the session and caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{BOARD}?status=open")
            return len(queries), len(rows(response))

        for unit in (town_a, town_b):
            make_warning(ProjectFactory(responsible_unit=unit), Colour.RED, escalated=at(2026, 11, 21, 8))
        few, shown = count_queries()
        assert shown == 2
        for i in range(12):
            unit = town_a if i % 2 else town_b
            make_warning(ProjectFactory(responsible_unit=unit), [Colour.BLUE, Colour.YELLOW, Colour.RED][i % 3])
        many, shown = count_queries()
        assert shown == 14
        assert many == few


class TestDetail:
    def test_shows_reasons_timeline_and_history(self, client, drc, three):
        client.force_login(drc)
        response = client.get(f"/warnings/{three['yellow'].pk}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "滞后 41.7%" in body
        assert 'id="step-issued"' in body and 'id="step-escalated"' in body
        assert 'id="resolve-form"' in body
        assert len(response.context["history"]) == 1

    def test_404_for_a_reporter_of_another_unit(self, client, reporter_b, three):
        client.force_login(reporter_b)
        warning = three["red"]
        assert client.get(f"/warnings/{warning.pk}/").status_code == 404
        assert client.post(f"/warnings/{warning.pk}/measures/", {"measures": "x"}).status_code == 404
        assert client.get("/warnings/999999/").status_code == 404

    def test_unit_states_measures_and_the_warning_is_rectifying(self, client, reporter_a, three):
        warning = three["red"]
        client.force_login(reporter_a)
        page = client.get(f"/warnings/{warning.pk}/").content.decode()
        assert 'id="measures-form"' in page
        assert 'id="resolve-form"' not in page
        response = client.post(
            f"/warnings/{warning.pk}/measures/", {"measures": "12月10日前补报11月进展，增派施工力量"}
        )
        assert response.status_code == 302
        warning.refresh_from_db()
        assert warning.status == ProjectWarning.Status.RECTIFYING
        assert warning.measures_by == reporter_a
        page = client.get(f"/warnings/{warning.pk}/")
        assert "增派施工力量" in page.content.decode()
        history = page.context["history"]
        assert [event.kind for event in history] == ["~", "+"]
        assert history[0].user == reporter_a
        status = str(ProjectWarning._meta.get_field("status").verbose_name)
        changes = {change.label: (change.old, change.new) for change in history[0].changes}
        assert changes[status] == (ProjectWarning.Status.ISSUED.label, ProjectWarning.Status.RECTIFYING.label)

    def test_empty_measures_are_refused(self, client, reporter_a, three):
        warning = three["red"]
        client.force_login(reporter_a)
        response = client.post(f"/warnings/{warning.pk}/measures/", {"measures": "  "})
        assert response.status_code == 400
        assert response.context["measures_form"].errors["measures"]
        warning.refresh_from_db()
        assert warning.status == ProjectWarning.Status.ISSUED

    def test_who_only_reads_may_not_state_measures(self, client, leader, three):
        client.force_login(leader)
        warning = three["red"]
        assert 'id="measures-form"' not in client.get(f"/warnings/{warning.pk}/").content.decode()
        assert client.post(f"/warnings/{warning.pk}/measures/", {"measures": "x"}).status_code == 403

    def test_resolve_by_drc_only(self, client, reporter_a, leader, drc, three):
        warning = three["red"]
        for user in (reporter_a, leader):
            client.force_login(user)
            assert client.post(f"/warnings/{warning.pk}/resolve/", {"resolution": "已补报"}).status_code == 403
        warning.refresh_from_db()
        assert warning.status == ProjectWarning.Status.ISSUED

        client.force_login(drc)
        assert client.post(f"/warnings/{warning.pk}/resolve/", {"resolution": ""}).status_code == 400
        response = client.post(f"/warnings/{warning.pk}/resolve/", {"resolution": "11月进展已补报，投资进度已追上"})
        assert response.status_code == 302
        warning.refresh_from_db()
        assert warning.status == ProjectWarning.Status.RESOLVED
        assert warning.resolved_by == drc
        page = client.get(f"/warnings/{warning.pk}/").content.decode()
        assert 'id="step-resolved"' in page
        assert 'id="resolve-form"' not in page and 'id="measures-form"' not in page

    def test_administrator_may_resolve(self, client, administrator, three):
        client.force_login(administrator)
        warning = three["yellow"]
        assert client.post(f"/warnings/{warning.pk}/resolve/", {"resolution": "已解决"}).status_code == 302
        warning.refresh_from_db()
        assert warning.status == ProjectWarning.Status.RESOLVED


class TestManualIssue:
    @pytest.fixture(autouse=True)
    def _frozen(self):
        with time_machine.travel(NOW, tick=False):
            yield

    def test_drc_issues_a_warning_with_a_reason(self, client, drc, project_a):
        client.force_login(drc)
        response = client.get(f"/warnings/new/?project={project_a.pk}")
        assert response.status_code == 200
        assert project_a.name in response.content.decode()
        response = client.post(
            f"/warnings/new/?project={project_a.pk}",
            {"project": project_a.pk, "colour": Colour.YELLOW, "reason": "征地拆迁停滞两个月，影响主体施工"},
        )
        warning = ProjectWarning.objects.get(project=project_a)
        assert response.status_code == 302
        assert response["Location"] == f"/warnings/{warning.pk}/"
        assert (warning.colour, warning.manual, warning.issued_by) == (Colour.YELLOW, True, drc)
        assert (warning.year, warning.month) == (2026, 11)
        assert warning.reasons[0]["text"] == "征地拆迁停滞两个月，影响主体施工"

    def test_select_offers_the_annual_list(self, client, drc, project_a):
        from tests.dispatch.conftest import put_on_annual_list

        put_on_annual_list(project_a, drc)
        ProjectFactory(name="不在年度清单的项目")
        client.force_login(drc)
        body = client.get("/warnings/new/").content.decode()
        assert project_a.name in body
        assert "不在年度清单的项目" not in body

    def test_a_missing_reason_gives_a_chinese_error(self, client, drc, project_a):
        client.force_login(drc)
        response = client.post("/warnings/new/", {"project": project_a.pk, "colour": Colour.RED, "reason": " "})
        assert response.status_code == 200
        errors = response.context["form"].errors["reason"]
        assert errors and is_chinese(errors[0]), errors
        assert not ProjectWarning.objects.exists()

    def test_only_drc(self, client, reporter_a, leader, auditor, project_a):
        for user in (reporter_a, leader, auditor):
            client.force_login(user)
            assert client.get("/warnings/new/").status_code == 403
            data = {"project": project_a.pk, "colour": Colour.RED, "reason": "自行预警"}
            assert client.post("/warnings/new/", data).status_code == 403
        assert not ProjectWarning.objects.exists()

    def test_joins_the_open_warning_of_the_project(self, client, drc, project_a):
        existing = make_warning(project_a, Colour.BLUE)
        client.force_login(drc)
        client.post("/warnings/new/", {"project": project_a.pk, "colour": Colour.RED, "reason": "安全生产隐患"})
        existing.refresh_from_db()
        assert ProjectWarning.objects.count() == 1
        assert existing.colour == Colour.RED
        assert [r["text"] for r in existing.reasons][-1] == "安全生产隐患"


class TestSupervision:
    @pytest.fixture
    def escalated(self, project_a, leader):
        project_a.leader = leader
        project_a.save()
        warning = make_warning(project_a, Colour.RED, month=10)
        warning.measures = "增派施工力量"
        warning.status = ProjectWarning.Status.RECTIFYING
        warning.save()
        with time_machine.travel(at(2026, 11, 21, 8, 50), tick=False):
            assert services.warnings_escalate(as_of=datetime.date(2026, 11, 21)) == [warning]
        warning.refresh_from_db()
        return warning

    def test_lists_an_escalated_warning(self, client, drc, leader, auditor, escalated, project_b):
        make_warning(project_b, Colour.YELLOW)  # not escalated: not on the list
        for user in (drc, leader, auditor):
            client.force_login(user)
            response = client.get("/warnings/supervision/")
            assert response.status_code == 200
            assert rows(response) == [escalated]
        body = response.content.decode()
        assert escalated.project.name in body and "陈区长" in body and "增派施工力量" in body
        assert "2026-10-21" in body and "2026-11-21" in body
        assert "css/warnings.css" in body
        assert "@media print" in Path(finders.find("css/warnings.css")).read_text(encoding="utf-8")

    def test_403_for_reporters(self, client, reporter_a, escalated):
        client.force_login(reporter_a)
        assert client.get("/warnings/supervision/").status_code == 403

    def test_selector_as_of_a_date(self, escalated, drc):
        assert list(selectors.supervision_items(as_of=datetime.date(2026, 11, 20))) == []
        assert list(selectors.supervision_items(as_of=datetime.date(2026, 11, 21))) == [escalated]
        with time_machine.travel(at(2026, 12, 5, 10), tick=False):
            services.warning_resolve(warning=escalated, resolution="已解决", acting_user=drc)
        assert list(selectors.supervision_items()) == []
        assert list(selectors.supervision_items(as_of=datetime.date(2026, 12, 4))) == [escalated]
        assert list(selectors.supervision_items(as_of=datetime.date(2026, 12, 5))) == []


class TestSettings:
    def valid(self, **changes):
        data = {
            "lag_blue": "10",
            "lag_yellow": "20",
            "lag_red": "30",
            "start_blue_days": "15",
            "start_yellow_days": "30",
            "late_report_colour": Colour.BLUE,
            "missing_report_colour": Colour.YELLOW,
            "overdue_problem_colour": Colour.YELLOW,
        }
        return {**data, **changes}

    def test_only_drc_or_administrator(self, client, reporter_a, leader, auditor, administrator):
        for user in (reporter_a, leader, auditor):
            client.force_login(user)
            assert client.get("/warnings/settings/").status_code == 403
            assert client.post("/warnings/settings/", self.valid(lag_red="50")).status_code == 403
        client.force_login(administrator)
        assert client.get("/warnings/settings/").status_code == 200
        assert WarningSettings.current().lag_red == Decimal("30")

    def test_shows_the_note_and_the_model_labels(self, client, drc):
        client.force_login(drc)
        body = client.get("/warnings/settings/").content.decode()
        assert "修改自下次预警计算起生效" in body
        assert str(WarningSettings._meta.get_field("lag_red").verbose_name) in body

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"lag_blue": "25"}, "lag_blue"),
            ({"lag_yellow": "35"}, "lag_yellow"),
            ({"start_blue_days": "31"}, "start_blue_days"),
            ({"lag_red": "101"}, "lag_red"),
        ],
    )
    def test_thresholds_must_be_in_order(self, client, drc, changes, field):
        client.force_login(drc)
        response = client.post("/warnings/settings/", self.valid(**changes))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == [field]
        assert is_chinese(errors[field][0]), errors
        settings = WarningSettings.current()
        assert (settings.lag_blue, settings.lag_yellow, settings.lag_red) == (D("10"), D("20"), D("30"))

    def test_a_change_is_on_record_with_who_what_and_why(self, client, drc):
        client.force_login(drc)
        reason = "区政府要求提高红色预警门槛"
        response = client.post("/warnings/settings/", self.valid(lag_red="35", raise_open_warnings="on", reason=reason))
        assert response.status_code == 302
        settings = WarningSettings.current()
        assert settings.lag_red == D("35") and settings.raise_open_warnings
        latest = settings.history.first()
        assert (latest.history_user, latest.history_change_reason) == (drc, reason)

        response = client.get("/warnings/settings/")
        events = list(response.context["page"].object_list)
        assert events[0].user == drc and events[0].kind == "~"
        changes = {c.label: (c.old, c.new) for c in events[0].changes}
        assert changes[str(WarningSettings._meta.get_field("lag_red").verbose_name)] == ("30.0", "35.0")
        assert len(changes) == 2
        assert events[0].reason == reason and reason in response.content.decode()
        # The row the data migration created, with the defaults, on record under the system actor.
        assert events[-1].kind == "+" and events[-1].user.username == "system:migration"

    def test_a_change_needs_its_reason(self, client, drc):
        client.force_login(drc)
        response = client.post("/warnings/settings/", self.valid(lag_red="35"))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["reason"] and is_chinese(errors["reason"][0]), errors
        assert WarningSettings.current().lag_red == D("30")
        assert WarningSettings.history.count() == 1

    def test_saving_without_a_change_adds_nothing(self, client, drc):
        client.force_login(drc)
        client.post("/warnings/settings/", self.valid())
        assert WarningSettings.history.count() == 1


class TestProjectPage:
    def test_shows_the_open_warning_and_open_problems(self, client, drc, project_a):
        warning = make_warning(project_a, Colour.RED)
        problem = Problem.objects.create(
            project=project_a,
            category=ProblemCategory.LAND,
            description="项目用地指标尚未落实",
            raised_by=drc,
            raised_year=2026,
            raised_month=11,
            level=SolvingLevel.DRC,
            deadline=datetime.date(2026, 12, 15),
        )
        Problem.objects.create(
            project=project_a,
            category=ProblemCategory.FUNDS,
            description="已销号的问题",
            raised_by=drc,
            raised_year=2026,
            raised_month=10,
            level=SolvingLevel.UNIT,
            status=Problem.Status.CLOSED,
        )
        client.force_login(drc)
        body = client.get(f"/projects/{project_a.pk}/").content.decode()
        assert f"/warnings/{warning.pk}/" in body
        assert "滞后 41.7%" in body
        assert "项目用地指标尚未落实" in body and f"/warnings/ledger/{problem.pk}/" in body
        assert "已销号的问题" not in body
        assert f"/warnings/new/?project={project_a.pk}" in body

    def test_reporter_sees_it_without_the_issue_link(self, client, reporter_a, project_a):
        make_warning(project_a, Colour.YELLOW, status=ProjectWarning.Status.RESOLVED)
        client.force_login(reporter_a)
        response = client.get(f"/projects/{project_a.pk}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="project-warnings"' in body
        assert 'id="project-open-warning"' not in body  # resolved
        assert "/warnings/new/" not in body
