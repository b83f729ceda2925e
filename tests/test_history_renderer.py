"""The one history renderer (ganzhou_projects.history): every value kind as a person reads it, in fixed queries."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from dispatch.models import ProblemCategory, SolvingLevel
from early_warnings.ledger import problem_create, problem_update
from early_warnings.models import Colour, Problem, ProjectWarning
from ganzhou_projects.audit import delete_with_history, save_with_history, system_actor
from ganzhou_projects.history import HistoryEvent, history_events
from projects.models import Project, Stage
from tests.factories import ProjectFactory, UnitFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def changes_of(event: HistoryEvent) -> dict[str, tuple[str, str]]:
    return {change.label: (change.old, change.new) for change in event.changes}


def project_events(project) -> list[HistoryEvent]:
    return history_events([Project.history.filter(id=project.pk)])


@pytest.fixture
def department(db):
    return UnitFactory(code="gtj", name="市自然资源局甘州分局", unit_type="department")


@pytest.fixture
def changed_project(project_a, drc, leader, department):
    project_a.total_investment = Decimal("1234567.8")
    project_a.stage = Stage.COMPLETED
    project_a.leader = leader
    project_a.competent_department = department
    save_with_history(project_a, drc, reason="季度调整：项目已竣工")
    return project_a


def test_a_change_shows_labels_names_money_and_the_reason(changed_project, drc):
    latest, created = project_events(changed_project)
    assert latest.kind == "~" and latest.kind_label == "修改"
    assert latest.user == drc and latest.actor == "刘洋"
    assert latest.reason == "季度调整：项目已竣工"
    assert latest.model_label == str(Project._meta.verbose_name)
    assert latest.object_label == changed_project.name
    assert latest.when.tzinfo is not None and latest.when.utcoffset() == datetime.timedelta(hours=8)
    assert changes_of(latest) == {
        label(Project, "total_investment"): ("5,000.00", "1,234,567.80"),  # 万元: two decimals, thousands
        label(Project, "stage"): (str(Stage(created_stage(created)).label), str(Stage.COMPLETED.label)),
        label(Project, "leader"): ("—", "陈区长"),  # the related object's name, not its id
        label(Project, "competent_department"): ("—", "市自然资源局甘州分局"),
    }


def created_stage(created: HistoryEvent) -> str:
    stage_label = changes_of(created)[label(Project, "stage")][1]
    return next(value for value, text in Stage.choices if str(text) == stage_label)


def test_a_creation_lists_the_initial_values(changed_project):
    created = project_events(changed_project)[-1]
    assert created.kind == "+" and created.kind_label == "新建"
    values = changes_of(created)
    assert values[label(Project, "name")] == ("", changed_project.name)
    assert values[label(Project, "responsible_unit")] == ("", "梁家墩镇")
    assert values[label(Project, "total_investment")] == ("", "5,000.00")
    assert label(Project, "leader") not in values  # empty at creation: nothing to list
    assert "ID" not in values and "id" not in values


def test_a_deletion_is_shown(drc, town_a):
    project = ProjectFactory(responsible_unit=town_a)
    pk = project.pk
    delete_with_history(project, drc, reason="重复录入")
    deleted = history_events([Project.history.filter(id=pk)])[0]
    assert (deleted.kind, deleted.kind_label, deleted.actor, deleted.reason) == ("-", "删除", "刘洋", "重复录入")
    assert deleted.changes == []


def test_a_system_actor_is_named(project_a):
    project_a.stage = Stage.COMPLETED
    save_with_history(project_a, system_actor("jobs"))
    assert project_events(project_a)[0].actor == "系统：定时任务"


def test_booleans_dates_datetimes_and_json(drc, project_a):
    warning = ProjectWarning.objects.create(
        project=project_a,
        year=2026,
        month=11,
        colour=Colour.RED,
        reasons=[{"text": "11月项目进展未报送"}],
        issued_at=datetime.datetime(2026, 11, 21, 9, 30, tzinfo=SHANGHAI),
        last_year=2026,
        last_month=11,
    )
    warning.manual = True
    warning.escalated_at = datetime.datetime(2026, 12, 22, 1, 5, tzinfo=datetime.UTC)  # 09:05 in Ganzhou
    warning.reasons = [{"text": "11月项目进展未报送"}, {"text": "滞后 41.7%", "colour": "yellow"}]
    save_with_history(warning, drc)
    changed, created = history_events([ProjectWarning.history.filter(id=warning.pk)], hidden={"project"})
    initial = changes_of(created)
    assert initial[label(ProjectWarning, "colour")] == ("", "红色")
    assert initial[label(ProjectWarning, "issued_at")] == ("", "2026年11月21日 09:30")
    assert initial[label(ProjectWarning, "reasons")] == ("", "text：11月项目进展未报送")
    assert label(ProjectWarning, "project") not in initial  # hidden: the screen is about it
    assert changes_of(changed) == {
        label(ProjectWarning, "manual"): ("否", "是"),
        label(ProjectWarning, "escalated_at"): ("—", "2026年12月22日 09:05"),
        label(ProjectWarning, "reasons"): (
            "text：11月项目进展未报送",
            "text：11月项目进展未报送；text：滞后 41.7%，colour：yellow",
        ),
    }


def test_dates_and_the_units_of_one_action_in_one_event(drc, project_a, town_a, town_b):
    problem = problem_create(
        project=project_a,
        category=ProblemCategory.LAND,
        description="用地指标未落实",
        level=SolvingLevel.DRC,
        acting_user=drc,
        today=datetime.date(2026, 11, 3),
    )
    problem_update(
        problem=problem,
        category=ProblemCategory.LAND,
        description="用地指标未落实",
        level=SolvingLevel.DRC,
        responsible_units=[town_b],
        deadline=datetime.date(2026, 12, 31),
        acting_user=drc,
        today=datetime.date(2026, 11, 3),
    )
    changed, created = history_events([Problem.history.filter(id=problem.pk)], hidden={"project"})
    units = label(Problem, "responsible_units")
    # save + units.set() write several history rows; they read as the one action they were.
    assert changes_of(created)[units] == ("", "梁家墩镇")
    assert changes_of(created)[label(Problem, "status")] == ("", "未销号")  # the ledger's word
    assert changes_of(changed) == {
        label(Problem, "deadline"): ("—", "2026年12月31日"),
        units: ("梁家墩镇", "上秦镇"),
    }


def test_events_of_several_models_newest_first(changed_project, drc):
    warning = ProjectWarning(
        project=changed_project,
        year=2026,
        month=11,
        colour=Colour.BLUE,
        issued_at=datetime.datetime(2026, 11, 21, 9, tzinfo=SHANGHAI),
        last_year=2026,
        last_month=11,
    )
    save_with_history(warning, drc)
    events = history_events(
        [Project.history.filter(id=changed_project.pk), ProjectWarning.history.filter(id=warning.pk)]
    )
    assert [event.model_label for event in events] == [
        str(ProjectWarning._meta.verbose_name),
        str(Project._meta.verbose_name),
        str(Project._meta.verbose_name),
    ]
    assert [event.when for event in events] == sorted((event.when for event in events), reverse=True)


def test_queries_do_not_grow_with_the_history(django_assert_max_num_queries, drc, leader, department, town_b):
    def project_with_changes(count: int) -> Project:
        project = ProjectFactory(responsible_unit=UnitFactory())
        for step in range(count):
            project.total_investment += 1
            project.leader = leader if step % 2 else drc
            project.competent_department = department if step % 2 else town_b
            project.responsible_unit = UnitFactory()
            save_with_history(project, drc if step % 2 else leader, reason=f"第{step}次")
        return project

    def problem_with_changes(project, count: int) -> Problem:
        problem = problem_create(
            project=project, category=ProblemCategory.LAND, description="x", level=SolvingLevel.DRC, acting_user=drc
        )
        for step in range(count):
            problem_update(
                problem=problem,
                category=ProblemCategory.LAND,
                description=f"x{step}",
                level=SolvingLevel.DRC,
                responsible_units=[UnitFactory()],
                deadline=None,
                acting_user=drc,
            )
        return problem

    few = project_with_changes(1)
    many = project_with_changes(12)
    few_problem, many_problem = problem_with_changes(few, 1), problem_with_changes(many, 12)

    def render(project, problem):
        return history_events([Project.history.filter(id=project.pk), Problem.history.filter(id=problem.pk)])

    # records ×2, the problem's m2m snapshot, units, users, projects: none per row
    with django_assert_max_num_queries(6):
        assert len(render(few, few_problem)) == 4
    with django_assert_max_num_queries(6):
        events = render(many, many_problem)
    assert len(events) == 26
    assert {event.actor for event in events} == {"刘洋", "陈区长", "系统：未注明操作人"}  # factories name no one
