"""The problem ledger (工作台账, seed 000 §1.2): taken over from monthly reports, assigned, followed, closed by DRC."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.models import SHANGHAI, ProblemCategory, SolvingLevel
from early_warnings import ledger
from early_warnings.ledger import LedgerFilters
from early_warnings.models import Problem
from notifications.jobs import item_deadline_reminders
from notifications.models import Notice, NoticeRecipient
from tests.dispatch.conftest import GOOD, plan, put_on_annual_list
from tests.factories import ProjectFactory, UnitFactory

D = datetime.date
NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def listed_a(project_a, drc):
    """Project A on the annual list with a plan, so its monthly report can be submitted."""
    put_on_annual_list(project_a, drc)
    plan(project_a, drc)
    return project_a


@pytest.fixture
def department(db):
    return UnitFactory(code="ziranziyuan", name="市自然资源局甘州分局", unit_type="department")


def report_with_problems(project, user, problems, year=2026, month=11):
    period = dispatch_services.period_get_or_create(year=year, month=month)
    report = dispatch_services.report_get_or_create(period=period, project=project, acting_user=user)
    return dispatch_services.report_save_draft(
        report=report, data=GOOD, problems=problems, acting_user=user, today=TODAY
    )


LAND = {"category": ProblemCategory.LAND, "description": "设施农业用地指标不足，急需调剂20亩", "level": ""}
POWER = {
    "category": ProblemCategory.UTILITIES,
    "description": "施工用电线路未接入，需区级协调电力公司",
    "level": SolvingLevel.DISTRICT,
}


def raise_problem(user, project, **kwargs):
    values = {
        "category": ProblemCategory.FUNDS,
        "description": "配套资金缺口300万元",
        "level": SolvingLevel.DRC,
        "acting_user": user,
        "today": TODAY,
    }
    values.update(kwargs)
    return ledger.problem_create(project=project, **values)


class TestFromMonthlyReports:
    def test_problems_raised_in_a_report_land_in_the_ledger_once(self, listed_a, reporter_a, drc, town_a):
        report = report_with_problems(listed_a, reporter_a, [LAND, POWER])
        assert not Problem.objects.exists()  # a draft raises nothing yet
        dispatch_services.report_submit(report=report, acting_user=reporter_a)

        land, power = Problem.objects.order_by("id")
        assert (land.raised_year, land.raised_month, land.raised_by) == (2026, 11, reporter_a)
        assert land.project == listed_a and land.source.report == report
        assert land.level == SolvingLevel.DRC  # no level chosen: DRC coordinates
        assert list(land.responsible_units.all()) == [town_a]
        assert not land.for_district_agenda
        assert power.level == SolvingLevel.DISTRICT and power.for_district_agenda
        assert list(ledger.agenda_items(TODAY)) == [power]
        assert land.history.first().history_user == reporter_a

        # Returned, reworded and resubmitted: the ledger follows the wording without a duplicate.
        dispatch_services.report_return(report=report, reason="请补充用地面积", acting_user=drc)
        report_with_problems(
            listed_a, reporter_a, [{**LAND, "description": "设施农业用地指标不足，急需调剂25亩"}, POWER]
        )
        dispatch_services.report_submit(report=report, acting_user=reporter_a)
        assert Problem.objects.count() == 2
        land.refresh_from_db()
        assert land.description == "设施农业用地指标不足，急需调剂25亩"

    def test_calling_twice_is_harmless(self, listed_a, reporter_a):
        report = report_with_problems(listed_a, reporter_a, [LAND])
        reported = report.problems.get()
        first = ledger.problem_from_reported(reported=reported, acting_user=reporter_a)
        assert ledger.problem_from_reported(reported=reported, acting_user=reporter_a) == first
        assert Problem.objects.count() == 1

    def test_competent_department_shares_a_department_level_problem(self, listed_a, reporter_a, town_a, department):
        listed_a.competent_department = department
        listed_a.save()
        report = report_with_problems(listed_a, reporter_a, [{**LAND, "level": SolvingLevel.DEPARTMENT}])
        dispatch_services.report_submit(report=report, acting_user=reporter_a)
        assert set(Problem.objects.get().responsible_units.all()) == {town_a, department}

    def test_a_closed_problem_keeps_its_wording(self, listed_a, reporter_a, drc):
        report = report_with_problems(listed_a, reporter_a, [LAND])
        dispatch_services.report_submit(report=report, acting_user=reporter_a)
        problem = Problem.objects.get()
        ledger.problem_close(problem=problem, evidence="已调剂用地指标20亩", acting_user=drc)
        dispatch_services.report_return(report=report, reason="请核对", acting_user=drc)
        report_with_problems(listed_a, reporter_a, [{**LAND, "description": "改写后的问题"}])
        dispatch_services.report_submit(report=report, acting_user=reporter_a)
        problem.refresh_from_db()
        assert problem.description == LAND["description"] and problem.status == Problem.Status.CLOSED
        assert Problem.objects.count() == 1


class TestRaiseAndAssign:
    def test_unit_staff_raise_for_their_own_projects_only(self, reporter_a, project_a, project_b, town_a):
        problem = raise_problem(reporter_a, project_a)
        assert (problem.raised_year, problem.raised_month) == (2026, 11)
        assert list(problem.responsible_units.all()) == [town_a] and problem.deadline is None
        with pytest.raises(ValidationError) as error:
            raise_problem(reporter_a, project_b)
        assert "project" in error.value.message_dict
        with pytest.raises(ValidationError):  # DRC assigns deadlines
            raise_problem(reporter_a, project_a, deadline=D(2026, 12, 1))

    def test_leaders_and_auditors_do_not_raise(self, leader, auditor, project_a):
        for user in (leader, auditor):
            with pytest.raises(ValidationError):
                raise_problem(user, project_a)

    def test_drc_assigns_units_and_deadline(self, drc, project_a, town_b):
        problem = raise_problem(drc, project_a, responsible_units=[town_b], deadline=D(2026, 12, 10))
        assert list(problem.responsible_units.all()) == [town_b] and problem.deadline == D(2026, 12, 10)
        with pytest.raises(ValidationError) as error:
            raise_problem(drc, project_a, deadline=D(2026, 11, 1))
        assert "deadline" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            raise_problem(drc, project_a, category="", description=" ", level="nope")
        assert set(error.value.message_dict) == {"category", "description", "level"}

    def test_district_level_goes_on_the_agenda_and_off_again(self, drc, reporter_a, project_a, town_a):
        problem = raise_problem(reporter_a, project_a)
        fields = {"category": problem.category, "description": problem.description, "deadline": D(2026, 12, 1)}
        with pytest.raises(PermissionDenied):
            ledger.problem_update(
                problem=problem,
                level=SolvingLevel.DISTRICT,
                responsible_units=[town_a],
                acting_user=reporter_a,
                **fields,
            )
        ledger.problem_update(
            problem=problem, level=SolvingLevel.DISTRICT, responsible_units=[town_a], acting_user=drc, **fields
        )
        assert problem.for_district_agenda and list(ledger.agenda_items(TODAY)) == [problem]
        assert problem.history.first().history_user == drc
        ledger.problem_update(
            problem=problem, level=SolvingLevel.DRC, responsible_units=[town_a], acting_user=drc, **fields
        )
        assert not problem.for_district_agenda and not ledger.agenda_items(TODAY).exists()
        with pytest.raises(ValidationError) as error:
            ledger.problem_update(
                problem=problem, level=SolvingLevel.DRC, responsible_units=[], acting_user=drc, **fields
            )
        assert "responsible_units" in error.value.message_dict

    def test_agenda_as_of_a_date(self, drc, project_a):
        problem = raise_problem(drc, project_a, level=SolvingLevel.DISTRICT)
        assert not ledger.agenda_items(TODAY - datetime.timedelta(days=1)).exists()  # not raised yet then
        with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
            ledger.problem_close(problem=problem, evidence="区政府常务会议研究解决", acting_user=drc)
        assert list(ledger.agenda_items(TODAY)) == [problem]  # still open on the 18th
        assert not ledger.agenda_items(TODAY + datetime.timedelta(days=5)).exists()


class TestProgressAndClosure:
    def test_responsible_unit_records_progress(self, reporter_a, reporter_b, leader, drc, project_a):
        problem = raise_problem(reporter_a, project_a)
        ledger.problem_add_update(problem=problem, text="已向自然资源局提交用地申请", acting_user=reporter_a)
        ledger.problem_add_update(problem=problem, text="已协调，待审批", acting_user=drc)
        for user in (reporter_b, leader):
            with pytest.raises(PermissionDenied):
                ledger.problem_add_update(problem=problem, text="无关单位", acting_user=user)
        with pytest.raises(ValidationError):
            ledger.problem_add_update(problem=problem, text="  ", acting_user=reporter_a)
        assert [u.author for u in problem.updates.all()] == [reporter_a, drc]

    def test_closure_needs_evidence_and_drc(self, reporter_a, drc, project_a, town_a):
        problem = raise_problem(reporter_a, project_a)
        with pytest.raises(PermissionDenied):
            ledger.problem_close(problem=problem, evidence="单位自行解决", acting_user=reporter_a)
        with pytest.raises(ValidationError) as error:
            ledger.problem_close(problem=problem, evidence=" ", acting_user=drc)
        assert "evidence" in error.value.message_dict
        problem.refresh_from_db()
        assert problem.status == Problem.Status.OPEN

        ledger.problem_close(problem=problem, evidence="资金已拨付到位（甘发改投资〔2026〕88号）", acting_user=drc)
        problem.refresh_from_db()
        assert problem.status == Problem.Status.CLOSED and problem.closed_by == drc and problem.closed_at == NOW
        assert problem.history.first().history_user == drc

        # Closed is read-only.
        with pytest.raises(ValidationError):
            ledger.problem_add_update(problem=problem, text="补充进展", acting_user=drc)
        with pytest.raises(ValidationError):
            ledger.problem_close(problem=problem, evidence="再次销号", acting_user=drc)
        with pytest.raises(ValidationError):
            ledger.problem_update(
                problem=problem,
                category=problem.category,
                description="改写",
                level=problem.level,
                responsible_units=[town_a],
                deadline=None,
                acting_user=drc,
            )


@pytest.fixture
def three_tabs(drc, project_a, project_b, town_a, town_b):
    """An open problem due later, an overdue one and a closed one."""
    later = raise_problem(drc, project_a, deadline=D(2026, 12, 31), category=ProblemCategory.LAND)
    with time_machine.travel(datetime.datetime(2026, 10, 8, 9, tzinfo=SHANGHAI), tick=False):
        overdue = raise_problem(
            drc,
            project_b,
            deadline=D(2026, 11, 10),
            level=SolvingLevel.DISTRICT,
            responsible_units=[town_b],
            today=D(2026, 10, 8),
        )
    closed = raise_problem(drc, project_b, responsible_units=[town_a], category=ProblemCategory.APPROVALS)
    ledger.problem_close(problem=closed, evidence="施工许可证已核发", acting_user=drc)
    return later, overdue, closed


class TestLedgerViews:
    def test_open_overdue_and_closed(self, drc, three_tabs):
        later, overdue, closed = three_tabs
        assert list(ledger.problem_list(drc, "open", today=TODAY)) == [overdue, later]
        assert list(ledger.problem_list(drc, "overdue", today=TODAY)) == [overdue]
        assert list(ledger.problem_list(drc, "closed", today=TODAY)) == [closed]
        assert ledger.ledger_counts(drc, today=TODAY) == {"open": 2, "overdue": 1, "closed": 1}

    def test_filters(self, drc, three_tabs, town_a, town_b):
        later, overdue, closed = three_tabs

        def ids(view, **filters):
            return {p.pk for p in ledger.problem_list(drc, view, LedgerFilters(**filters), today=TODAY)}

        # By unit: the project's unit or a responsible unit.
        assert ids("open", unit=town_a) == {later.pk}
        assert ids("closed", unit=town_a) == {closed.pk}  # responsible, though project_b is town_b's
        assert ids("closed", unit=town_b) == {closed.pk}  # the project's unit
        assert ids("open", unit=town_b) == {overdue.pk}
        assert ids("open", category=ProblemCategory.LAND) == {later.pk}
        assert ids("open", level=SolvingLevel.DISTRICT) == {overdue.pk}
        assert ids("open", year=2026, month=10) == {overdue.pk}
        assert ids("closed", year=2026, month=10) == set()

    def test_filters_from_the_query_string(self, client, drc, three_tabs):
        later, overdue, _closed = three_tabs
        client.force_login(drc)
        url = reverse("early_warnings:ledger")
        body = client.get(url, {"view": "open", "month": "2026-10"}).content.decode()
        assert f'id="problem-{overdue.pk}"' in body and f'id="problem-{later.pk}"' not in body
        body = client.get(url, {"view": "overdue"}).content.decode()
        assert f'id="problem-{overdue.pk}"' in body and f'id="problem-{later.pk}"' not in body
        body = client.get(url, {"category": "land", "level": "nonsense", "month": "bad"}).content.decode()
        assert f'id="problem-{later.pk}"' in body and f'id="problem-{overdue.pk}"' not in body

    def test_another_unit_neither_lists_nor_opens_it(self, client, reporter_a, reporter_b, auditor, three_tabs):
        later, overdue, _closed = three_tabs
        client.force_login(reporter_a)
        body = client.get(reverse("early_warnings:ledger")).content.decode()
        assert f'id="problem-{later.pk}"' in body and f'id="problem-{overdue.pk}"' not in body
        assert client.get(reverse("early_warnings:problem_detail", args=[overdue.pk])).status_code == 404
        for name in ("problem_edit", "problem_add_update", "problem_close"):
            assert client.post(reverse(f"early_warnings:{name}", args=[overdue.pk])).status_code == 404
        with pytest.raises(Http404):
            ledger.get_problem_for_user(reporter_a, overdue.pk)
        client.force_login(auditor)
        assert client.get(reverse("early_warnings:problem_detail", args=[overdue.pk])).status_code == 200

    def test_a_unit_assigned_to_another_units_problem_sees_it(self, client, drc, reporter_b, project_a, town_b):
        problem = raise_problem(drc, project_a, responsible_units=[town_b], deadline=D(2026, 12, 1))
        assert list(ledger.problem_list(reporter_b, "open", today=TODAY)) == [problem]
        client.force_login(reporter_b)
        body = client.get(reverse("early_warnings:problem_detail", args=[problem.pk])).content.decode()
        assert 'id="progress-form"' in body
        assert reverse("projects:project_detail", args=[project_a.pk]) not in body  # no rights on the project
        client.post(reverse("early_warnings:problem_add_update", args=[problem.pk]), {"text": "已安排专人对接"})
        assert problem.updates.get().author == reporter_b

    def test_detail_shows_progress_history_and_forms_by_role(self, client, drc, reporter_a, leader, project_a):
        problem = raise_problem(reporter_a, project_a)
        url = reverse("early_warnings:problem_detail", args=[problem.pk])
        client.force_login(reporter_a)
        response = client.post(
            reverse("early_warnings:problem_add_update", args=[problem.pk]), {"text": "已上报用地需求清单"}
        )
        assert response.status_code == 302
        body = client.get(url).content.decode()
        assert "已上报用地需求清单" in body and 'id="progress-form"' in body and 'id="close-section"' not in body
        assert "王芳" in body  # who raised it, in the history
        client.force_login(leader)
        body = client.get(url).content.decode()
        assert 'id="progress-form"' not in body and 'id="close-section"' not in body
        assert (
            client.post(reverse("early_warnings:problem_add_update", args=[problem.pk]), {"text": "x"}).status_code
            == 403
        )
        client.force_login(drc)
        body = client.get(url).content.decode()
        assert 'id="progress-form"' in body and 'id="close-section"' in body

    def test_close_through_the_page(self, client, drc, reporter_a, project_a):
        problem = raise_problem(reporter_a, project_a)
        close_url = reverse("early_warnings:problem_close", args=[problem.pk])
        client.force_login(reporter_a)
        assert client.post(close_url, {"evidence": "已解决"}).status_code == 403
        client.force_login(drc)
        client.post(close_url, {"evidence": ""})
        problem.refresh_from_db()
        assert problem.status == Problem.Status.OPEN
        client.post(close_url, {"evidence": "用地指标已下达"})
        problem.refresh_from_db()
        assert problem.status == Problem.Status.CLOSED
        body = client.get(reverse("early_warnings:problem_detail", args=[problem.pk])).content.decode()
        assert "用地指标已下达" in body and 'id="close-section"' not in body and 'id="progress-form"' not in body
        response = client.get(reverse("early_warnings:problem_edit", args=[problem.pk]))
        assert response.status_code == 302  # read-only: back to the problem

    def test_create_and_edit_pages(self, client, drc, reporter_a, project_a, project_b, town_a, town_b):
        client.force_login(reporter_a)
        url = reverse("early_warnings:problem_create")
        body = client.get(url).content.decode()
        assert project_a.name in body and project_b.name not in body and 'name="deadline"' not in body
        response = client.post(
            url, {"project": project_b.pk, "category": "land", "description": "别人的项目", "level": "drc"}
        )
        assert response.status_code == 200 and not Problem.objects.exists()
        response = client.post(
            url, {"project": project_a.pk, "category": "land", "description": "土地征收进度滞后", "level": "district"}
        )
        problem = Problem.objects.get()
        assert response.url == reverse("early_warnings:problem_detail", args=[problem.pk])
        assert problem.for_district_agenda and problem.raised_by == reporter_a
        edit_url = reverse("early_warnings:problem_edit", args=[problem.pk])
        assert client.get(edit_url).status_code == 403

        client.force_login(drc)
        response = client.post(
            edit_url,
            {
                "category": "demolition",
                "description": "土地征收进度滞后",
                "level": "drc",
                "responsible_units": [town_a.pk, town_b.pk],
                "deadline": "2026-12-15",
            },
        )
        assert response.status_code == 302
        problem.refresh_from_db()
        assert problem.deadline == D(2026, 12, 15) and not problem.for_district_agenda
        assert set(problem.responsible_units.all()) == {town_a, town_b}
        body = client.get(reverse("early_warnings:problem_detail", args=[problem.pk])).content.decode()
        assert "刘洋" in body and "上秦镇" in body  # the change, by whom, with the new unit

    def test_list_query_count_does_not_grow(self, client, drc, town_a, django_assert_max_num_queries):
        def add(count):
            for _ in range(count):
                project = ProjectFactory(responsible_unit=town_a)
                problem = raise_problem(drc, project, deadline=D(2026, 11, 30))
                ledger.problem_add_update(problem=problem, text="推进中", acting_user=drc)

        add(2)
        client.force_login(drc)
        url = reverse("early_warnings:ledger")
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        add(10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            body = client.get(url).content.decode()
        assert body.count('id="problem-') == 12


class TestDeadlineReminders:
    def test_each_responsible_unit_is_reminded_before_and_after(
        self, drc, reporter_a, reporter_b, project_a, town_a, town_b
    ):
        problem = raise_problem(drc, project_a, responsible_units=[town_a, town_b], deadline=D(2026, 11, 25))
        raise_problem(drc, project_a, deadline=D(2026, 11, 25), description="已销号的问题")
        ledger.problem_close(
            problem=Problem.objects.get(description="已销号的问题"), evidence="已解决", acting_user=drc
        )
        raise_problem(drc, project_a, description="没有期限的问题")

        assert item_deadline_reminders(D(2026, 11, 18)) == 0  # 5 working days ahead
        assert item_deadline_reminders(D(2026, 11, 20)) == 2  # 3 working days ahead: one per unit
        assert item_deadline_reminders(D(2026, 11, 23)) == 0  # already reminded
        assert item_deadline_reminders(D(2026, 11, 26)) == 2  # overdue
        assert item_deadline_reminders(D(2026, 11, 27)) == 0
        notices = Notice.objects.order_by("id")
        assert [n.kind for n in notices] == ["ledger_problem_due_soon"] * 2 + ["ledger_problem_overdue"] * 2
        assert {n.unit for n in notices} == {town_a, town_b}
        assert notices[0].link == reverse("early_warnings:problem_detail", args=[problem.pk])
        assert "工作台账问题" in notices[0].title
        assert NoticeRecipient.objects.filter(user=reporter_a).count() == 2
        assert NoticeRecipient.objects.filter(user=reporter_b).count() == 2

        # Once closed, nothing more.
        ledger.problem_close(problem=problem, evidence="已协调解决", acting_user=drc)
        assert item_deadline_reminders(D(2026, 11, 30)) == 0


class TestClosedIsReadOnlyEverywhere:
    def test_the_admin_cannot_change_a_problem_open_or_closed(self, client, administrator, drc, project_a):
        """Closing needs evidence and records who closed it: only problem_close does that, never the admin."""
        problem = ledger.problem_create(
            project=project_a, category="land", description="用地指标未落实", level="drc", acting_user=drc
        )
        client.force_login(administrator)
        url = f"/admin/early_warnings/problem/{problem.pk}/change/"
        assert client.get(url).status_code == 200  # viewable
        response = client.post(url, {"description": "改写", "status": "closed"})
        assert response.status_code == 403
        ledger.problem_close(problem=problem, evidence="已调剂用地指标20亩", acting_user=drc)
        response = client.post(url, {"description": "改写"})
        assert response.status_code == 403
        problem.refresh_from_db()
        assert problem.description == "用地指标未落实"

    def test_drc_is_offered_the_annual_list_not_the_whole_inventory(self, client, drc, listed_a, town_b):
        from tests.factories import ProjectFactory

        ProjectFactory(name="未列入清单的项目", responsible_unit=town_b)
        client.force_login(drc)
        body = client.get("/warnings/ledger/new/").content.decode()
        assert listed_a.name in body and "未列入清单的项目" not in body
        preset = client.get(f"/warnings/ledger/new/?project={listed_a.pk}").content.decode()
        assert f'type="hidden" name="project" value="{listed_a.pk}"' in preset
