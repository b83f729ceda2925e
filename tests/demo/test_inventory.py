import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.http import HttpRequest

from demo.common import DEFAULT_PROJECTS
from demo.data import SEASON
from demo.inventory import generate_list_entries, generate_projects, generate_year_plans, spread_over_months
from projects import access, roles
from projects.access import projects_for_user
from projects.models import (
    MONTH_FIELDS,
    RESERVE_STAGES,
    ListAdjustment,
    ListEntry,
    ListKind,
    Project,
    ProjectYearPlan,
    Stage,
    Unit,
    UnitType,
    User,
)

TODAY = datetime.date(2026, 11, 21)
STREET_NAMES = ["东街街道", "南街街道", "西街街道", "北街街道", "火车站街道"]
TOWN_NAMES = [
    "梁家墩镇",
    "上秦镇",
    "大满镇",
    "沙井镇",
    "乌江镇",
    "甘浚镇",
    "新墩镇",
    "党寨镇",
    "碱滩镇",
    "三闸镇",
    "小满镇",
    "明永镇",
    "长安镇",
    "龙渠乡",
    "安阳乡",
    "花寨乡",
    "靖安乡",
    "平山湖蒙古族乡",
]
DEPARTMENT_NAMES = [
    "区发展改革局",
    "区统计局",
    "区财政局",
    "区人社局",
    "市自然资源局甘州分局",
    "市生态环境局甘州分局",
    "区工信局",
    "区住建局",
    "区农业农村局",
    "区水务局",
    "区交通运输局",
    "区文体广电和旅游局",
    "区教育局",
    "区卫健局",
    "区商务局",
]


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db, fast_hasher):
    call_command("seed_demo", projects=60, months=6, today=TODAY.isoformat(), stdout=StringIO())


def test_units_of_ganzhou_exist_with_their_types(seeded):
    types = dict(Unit.objects.values_list("name", "unit_type"))
    assert all(types[name] == UnitType.STREET for name in STREET_NAMES)
    assert all(types[name] == UnitType.TOWN for name in TOWN_NAMES)
    assert all(types[name] == UnitType.DEPARTMENT for name in DEPARTMENT_NAMES)
    unit = Unit.objects.get(name="梁家墩镇")
    assert unit.code == "liangjiadun"
    assert unit.contact_email == "liangjiadun@ganzhou.example"
    assert unit.head_email == "liangjiadun-head@ganzhou.example"
    assert unit.contact_name and unit.contact_phone and unit.head_name
    # streets, then towns, then departments
    orders = list(Unit.objects.values_list("unit_type", flat=True))
    assert orders == sorted(orders, key=[UnitType.STREET, UnitType.TOWN, UnitType.DEPARTMENT].index)


def test_every_role_has_an_account_that_can_log_in(seeded, client):
    for username, role in [
        ("reporter_liangjiadun", roles.REPORTER),
        ("reporter_shangqin", roles.REPORTER),
        ("drc", roles.DRC),
        ("stats", roles.STATISTICS),
        ("finance", roles.FINANCE),
        ("leader", roles.LEADER),
        ("auditor", roles.AUDITOR),
        ("admin", roles.ADMINISTRATOR),
    ]:
        user = User.objects.get(username=username)
        assert access.has_role(user, role)
        assert client.login(request=HttpRequest(), username=username, password="demo12345"), username
        client.logout()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(username="drc").unit.name == "区发展改革局"
    reporter = User.objects.get(username="reporter_liangjiadun")
    assert reporter.groups.filter(pk=reporter.unit.group_id).exists()
    assert User.objects.filter(groups__name=roles.LEADER).count() >= 3
    assert User.objects.get(username="leader").full_name.startswith("常务副区长")


def test_projects_cover_every_stage_and_the_lists_follow_the_stage(seeded):
    assert Project.objects.count() == 60
    assert set(Project.objects.values_list("stage", flat=True)) == set(Stage.values)

    active_reserve = set(
        ListEntry.objects.filter(kind=ListKind.RESERVE, is_active=True).values_list("project_id", flat=True)
    )
    reserve_projects = set(Project.objects.filter(stage__in=RESERVE_STAGES).values_list("pk", flat=True))
    assert active_reserve == reserve_projects
    assert ListEntry.objects.filter(kind=ListKind.RESERVE, in_comprehensive=True, is_active=True).exists()

    construction = Project.objects.filter(stage__in=[Stage.NEW_START, Stage.UNDER_CONSTRUCTION])
    on_annual = set(
        ListEntry.objects.filter(kind=ListKind.ANNUAL, year=2026, is_active=True).values_list("project_id", flat=True)
    )
    assert set(construction.values_list("pk", flat=True)) <= on_annual
    # every entry has its ADD adjustment; closed entries also their REMOVE with a reason
    assert not ListEntry.objects.annotate(n=Count("adjustments")).filter(n=0).exists()
    for entry in ListEntry.objects.filter(is_active=False):
        assert entry.adjustments.filter(action="remove").exclude(reason="").exists()
    assert ListAdjustment.objects.filter(quarter__isnull=True).count() == 0


def test_year_plans_sum_to_their_targets_and_some_use_policy_funds(seeded):
    plans = list(ProjectYearPlan.objects.select_related("project"))
    assert plans
    for plan in plans:
        assert sum(getattr(plan, f) for f in MONTH_FIELDS) == plan.annual_target
        project = plan.project
        assert 0 < plan.annual_target <= project.total_investment - project.opening_cumulative_investment
        assert plan.planned_start_date.year == plan.year == 2026
    assert ProjectYearPlan.objects.filter(fund_items__isnull=False).exists()


def test_every_project_has_history_with_a_user_within_the_months(seeded):
    history = Project.history.model.objects
    assert not Project.objects.exclude(pk__in=history.values("id")).exists()
    assert not history.filter(history_user__isnull=True).exists()
    first = history.order_by("history_date").first().history_date.date()
    last = history.order_by("history_date").last().history_date.date()
    assert datetime.date(2026, 5, 21) <= first and last < TODAY
    assert history.filter(history_type="~").exists()  # some stage changes
    for model in (ListEntry, ListAdjustment, ProjectYearPlan):
        assert not model.history.model.objects.filter(history_user__isnull=True).exists()
    created = Project.objects.order_by("created_at").values_list("created_at", flat=True)
    assert created[0].date() >= datetime.date(2026, 5, 21)


def test_generators_are_reproducible():
    def generate(seed):
        projects = generate_projects(count=200, today=TODAY, months=12, seed=seed)
        entries = generate_list_entries(projects, today=TODAY, months=12, seed=seed)
        plans = generate_year_plans(projects, entries, today=TODAY, seed=seed)
        return projects, entries, plans

    first, again, other = generate(2026), generate(2026), generate(7)
    assert first == again
    assert [p.name for p in first[0]] != [p.name for p in other[0]]
    projects = first[0]
    codes = [p.national_code for p in projects if p.national_code]
    assert len(codes) == len(set(codes))
    assert all(300 * 0.9 <= p.total_investment <= 360000 for p in projects)


def test_spread_over_months_is_exact():
    for target in ["953.23", "0.05", "1200", "123456.78"]:
        amounts = spread_over_months(Decimal(target), SEASON)
        assert sum(amounts) == Decimal(target)
        assert all(amount >= 0 for amount in amounts)


def test_reporter_sees_only_own_unit_projects(seeded):
    reporter = User.objects.get(username="reporter_liangjiadun")
    visible = projects_for_user(reporter)
    assert visible.exists()
    assert set(visible.values_list("responsible_unit__name", flat=True)) == {"梁家墩镇"}
    assert visible.count() == Project.objects.filter(responsible_unit__code="liangjiadun").count()


def test_second_run_without_reset_refuses_and_changes_nothing(seeded):
    before = (Unit.objects.count(), User.objects.count(), Project.objects.count(), Project.history.count())
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", projects=10, months=6, today=TODAY.isoformat(), stdout=StringIO())
    assert (Unit.objects.count(), User.objects.count(), Project.objects.count(), Project.history.count()) == before


def test_bootstrap_on_a_seeded_database_prints_accounts_and_creates_nothing(seeded):
    def counts():
        return [m.objects.count() for m in (Unit, User, Project, ListEntry, ProjectYearPlan, Project.history.model)]

    before = counts()
    out = StringIO()
    call_command("bootstrap_demo", stdout=out)
    assert counts() == before
    text = out.getvalue()
    for expected in ["reporter_liangjiadun", "drc", "leader", "auditor", "admin", "demo12345", "http://127.0.0.1:8000"]:
        assert expected in text
    assert "发改局审核员" in text


def test_bootstrap_seeds_an_empty_database(db, fast_hasher):
    out = StringIO()
    call_command("bootstrap_demo", stdout=out)
    assert Project.objects.count() == DEFAULT_PROJECTS
    assert "demo12345" in out.getvalue()
