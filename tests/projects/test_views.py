import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from projects import services
from projects.models import ListKind, Project, ProjectYearPlan, ReserveLevel, Sector, Stage
from tests.factories import ProjectFactory, month_plan

D = Decimal


def project_form_data(project=None, **overrides):
    data = {
        "name": "梁家墩镇高标准农田建设项目",
        "sector": "agriculture",
        "industry_chain": "",
        "content_scale": "建设高标准农田1.2万亩",
        "start_year": 2026,
        "end_year": 2027,
        "location": "甘州区梁家墩镇",
        "total_investment": "2400.00",
        "owner_name": "甘州区农业农村局",
        "owner_contact": "马军",
        "owner_phone": "13909360000",
        "commissioner": "",
        "stage": "under_construction",
        "signing_status": "",
        "procedure_progress": "",
        "demolition_progress": "",
        "existing_problems": "",
        "national_code": "",
    }
    data.update(overrides)
    return data


class TestProjectList:
    def test_reporter_sees_only_own_unit_with_totals(self, client, reporter_a, project_a, project_b):
        client.force_login(reporter_a)
        response = client.get(reverse("projects:project_list"))
        body = response.content.decode()
        assert project_a.name in body
        assert project_b.name not in body
        assert "共 1 个项目" in body
        assert "5,000.00" in body

    @time_machine.travel("2026-11-18 10:00 +0800", tick=False)
    def test_totals_of_the_whole_list_a_units_list_and_a_search(self, client, drc, reporter_a, town_a, town_b):
        projects = [
            ProjectFactory(name=f"{place}道路改造项目", responsible_unit=unit, total_investment=D(amount))
            for place, unit, amount in (("梁家墩", town_a, "1000"), ("上秦", town_b, "2000"), ("梁家墩", town_a, "400"))
        ]
        ProjectFactory(name="梁家墩镇污水管网项目", responsible_unit=town_a, total_investment=D("50"))
        year = 2026  # the list's year when none is asked for: this year
        for project, target in zip(projects[:2], ("300", "700"), strict=True):  # the third has no plan this year
            services.year_plan_save(
                project=project,
                year=year,
                annual_target=D(target),
                monthly=month_plan(D(target)),
                planned_start_date=datetime.date(2026, 4, 1),
                fund_items=[],
                acting_user=drc,
            )
        url = reverse("projects:project_list")

        def totals(user, **params):
            client.force_login(user)
            response = client.get(url, params)
            t = response.context["totals"]
            return t["count"], t["total_investment"], t["annual_target"], response.context["page"].paginator.count

        assert totals(drc) == (4, D("3450"), D("1000"), 4)  # the whole inventory
        assert totals(drc, year=year) == (4, D("3450"), D("1000"), 4)
        assert totals(reporter_a) == (3, D("1450"), D("300"), 3)
        assert totals(drc, q="改造") == (3, D("3400"), D("1000"), 3)
        assert totals(reporter_a, q="改造") == (2, D("1400"), D("300"), 2)
        assert totals(drc, q="无此项目") == (0, D("0"), D("0"), 0)

    def test_filters(self, client, drc, town_a, town_b, leader):
        ProjectFactory(name="光伏发电项目", responsible_unit=town_a, sector=Sector.ENERGY, stage=Stage.NEW_START)
        ProjectFactory(name="物流园项目", responsible_unit=town_b, sector=Sector.SERVICES, leader=leader)
        reserve = ProjectFactory(name="文旅康养综合体", responsible_unit=town_b, stage=Stage.PLANNING)
        services.list_add(project=reserve, kind=ListKind.RESERVE, year=None, reason="储备", acting_user=drc)
        client.force_login(drc)
        url = reverse("projects:project_list")

        def names(**params):
            return {p.name for p in client.get(url, params).context["page"].object_list}

        assert names(unit=town_a.pk) == {"光伏发电项目"}
        assert names(sector="services") == {"物流园项目"}
        assert names(stage="planning") == {"文旅康养综合体"}
        assert names(list="reserve") == {"文旅康养综合体"}
        assert names(leader=leader.pk) == {"物流园项目"}
        assert names(q="物流") == {"物流园项目"}
        assert names(year=2030) == set()
        assert names(unit="garbage", sector="nonsense") == {"光伏发电项目", "物流园项目", "文旅康养综合体"}

    def test_leader_my_projects(self, client, leader, town_a):
        ProjectFactory(name="挂项项目", responsible_unit=town_a, leader=leader)
        ProjectFactory(name="其他项目", responsible_unit=town_a)
        client.force_login(leader)
        response = client.get(reverse("projects:project_list"), {"mine": "1"})
        assert [p.name for p in response.context["page"].object_list] == ["挂项项目"]
        assert "我的项目" in response.content.decode()

    def test_query_count_does_not_grow_with_rows(self, client, drc, town_a, django_assert_max_num_queries):
        client.force_login(drc)
        url = reverse("projects:project_list")
        ProjectFactory.create_batch(3, responsible_unit=town_a)
        with django_assert_max_num_queries(20) as few:
            client.get(url)
        ProjectFactory.create_batch(40, responsible_unit=town_a)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(url)
        assert len(response.context["page"].object_list) == 43

    def test_pagination(self, client, drc, town_a):
        ProjectFactory.create_batch(55, responsible_unit=town_a)
        client.force_login(drc)
        response = client.get(reverse("projects:project_list"), {"page": 2})
        assert len(response.context["page"].object_list) == 5
        assert "第 2 / 2 页" in response.content.decode()


class TestProjectForms:
    def test_reporter_creates_a_project_for_own_unit(self, client, reporter_a, town_a):
        client.force_login(reporter_a)
        response = client.post(reverse("projects:project_create"), project_form_data())
        project = Project.objects.get()
        assert response.status_code == 302
        assert project.responsible_unit == town_a
        assert project.history.get().history_user == reporter_a

    def test_reporter_cannot_pick_another_unit(self, client, reporter_a, town_b):
        client.force_login(reporter_a)
        client.post(reverse("projects:project_create"), project_form_data(responsible_unit=town_b.pk))
        assert Project.objects.get().responsible_unit == reporter_a.unit  # the field is fixed to the own unit

    def test_errors_are_chinese_and_input_is_kept(self, client, drc, town_a):
        client.force_login(drc)
        data = project_form_data(
            responsible_unit=town_a.pk, total_investment="-5", end_year=2020, name="保留我输入的名称"
        )
        response = client.post(reverse("projects:project_create"), data)
        body = response.content.decode()
        assert response.status_code == 200
        assert "保留我输入的名称" in body
        assert "结束年份不能早于开始年份" in body
        assert "确保该值大于或等于0" in body
        assert not Project.objects.exists()

    def test_edit_shows_in_history(self, client, reporter_a, project_a):
        client.force_login(reporter_a)
        data = project_form_data(name=project_a.name, total_investment="6200.00", change_reason="概算调整")
        response = client.post(reverse("projects:project_edit", args=[project_a.pk]), data)
        assert response.status_code == 302
        history = client.get(reverse("projects:project_history", args=[project_a.pk]))
        body = history.content.decode()
        assert "6,200.00" in body and "5,000.00" in body  # 万元, two decimals and thousands separators
        assert reporter_a.full_name in body
        assert "总投资" in body and "概算调整" in body

    def test_year_plan_form_enforces_the_sum(self, client, reporter_a, project_a):
        client.force_login(reporter_a)
        url = reverse("projects:year_plan_edit", args=[project_a.pk, 2026])
        data = {
            "planned_start_date": "2026-03-01",
            "annual_target": "1200",
            "funds-TOTAL_FORMS": "1",
            "funds-INITIAL_FORMS": "0",
            "funds-0-fund_type": "central_budget",
            "funds-0-amount": "300",
            "funds-0-performance_targets": "年底前完成主体工程",
        }
        months = {f"plan_{m:02d}": "100" for m in range(1, 13)}
        bad = client.post(url, {**data, **months, "plan_12": "99"})
        assert bad.status_code == 200
        assert "必须相等" in bad.content.decode()
        assert not ProjectYearPlan.objects.exists()
        good = client.post(url, {**data, **months})
        assert good.status_code == 302
        plan = ProjectYearPlan.objects.get()
        assert plan.annual_target == D("1200")
        assert plan.fund_items.get().amount == D("300")
        detail = client.get(reverse("projects:project_detail", args=[project_a.pk])).content.decode()
        assert "中央预算内资金" in detail and "年底前完成主体工程" in detail

    def test_year_outside_the_project_years_is_404(self, client, reporter_a, project_a):
        client.force_login(reporter_a)
        assert client.get(reverse("projects:year_plan_edit", args=[project_a.pk, 2035])).status_code == 404


class TestLists:
    def test_drc_adds_and_removes_with_reason(self, client, drc, project_a):
        client.force_login(drc)
        client.post(
            reverse("projects:list_add", args=[project_a.pk]),
            {"kind": "annual", "year": 2026, "quarter": 2, "reason": "二季度调入"},
        )
        entry = project_a.list_entries.get()
        assert entry.is_active and entry.year == 2026
        response = client.post(reverse("projects:list_remove", args=[entry.pk]), {"reason": ""})
        assert response.status_code == 200
        assert "这个字段是必填项" in response.content.decode()
        client.post(reverse("projects:list_remove", args=[entry.pk]), {"reason": "前期工作迟缓，调出", "quarter": 3})
        entry.refresh_from_db()
        assert not entry.is_active
        log = client.get(reverse("projects:adjustments")).content.decode()
        assert "二季度调入" in log and "前期工作迟缓，调出" in log

    def test_adding_a_construction_project_to_reserve_shows_why_not(self, client, drc, project_a):
        client.force_login(drc)
        response = client.post(
            reverse("projects:list_add", args=[project_a.pk]), {"kind": "reserve", "reason": "储备"}, follow=True
        )
        assert "储备库只储备" in response.content.decode()
        assert not project_a.list_entries.exists()

    def test_reserve_views_show_totals_against_levels(self, client, drc, town_a, town_b):
        ReserveLevel.objects.filter(view=ReserveLevel.View.TOWNSHIP).update(minimum_total=D("100000"))
        ReserveLevel.objects.filter(view=ReserveLevel.View.COMPREHENSIVE).update(minimum_total=D("1000"))
        big = ProjectFactory(responsible_unit=town_a, stage=Stage.PLANNING, total_investment=D("150000"))
        small = ProjectFactory(responsible_unit=town_b, stage=Stage.CONCEPT, total_investment=D("800"))
        for project in (big, small):
            services.list_add(project=project, kind=ListKind.RESERVE, year=None, reason="储备", acting_user=drc)
        client.force_login(drc)
        township = client.get(reverse("projects:reserve"), {"view": "township"})
        groups = {g.label: g for g in township.context["groups"]}
        assert groups["梁家墩镇"].meets_level and not groups["上秦镇"].meets_level
        assert groups["上秦镇"].gap == D("99200")
        assert "差 99,200.00" in township.content.decode()
        entry = small.list_entries.get()
        client.post(reverse("projects:reserve_comprehensive", args=[entry.pk]), {"in_comprehensive": "1"})
        comprehensive = client.get(reverse("projects:reserve")).context["groups"][0]
        assert comprehensive.count == 1 and comprehensive.total == D("800") and not comprehensive.meets_level

    def test_annual_list(self, client, drc, reporter_a, project_a, project_b):
        for p in (project_a, project_b):
            services.list_add(project=p, kind=ListKind.ANNUAL, year=2026, reason="年度计划", acting_user=drc)
            services.year_plan_save(
                project=p,
                year=2026,
                annual_target=D("1200"),
                monthly=month_plan(D("1200")),
                planned_start_date=datetime.date(2026, 4, 1),
                fund_items=[],
                acting_user=drc,
            )
        client.force_login(reporter_a)
        response = client.get(reverse("projects:annual_list"), {"year": 2026})
        body = response.content.decode()
        assert project_a.name in body and project_b.name not in body
        assert response.context["totals"]["annual_target"] == D("1200")


@pytest.mark.parametrize("name", ["projects:project_list", "projects:reserve", "projects:annual_list"])
def test_pages_are_chinese(client, drc, name):
    client.force_login(drc)
    body = client.get(reverse(name)).content.decode()
    assert "退出" in body and "项目" in body


def test_choosing_for_the_comprehensive_reserve_never_redirects_off_site(client, drc, town_a):
    project = ProjectFactory(responsible_unit=town_a, stage=Stage.PLANNING)
    entry = services.list_add(project=project, kind=ListKind.RESERVE, year=None, reason="储备", acting_user=drc)
    client.force_login(drc)
    url = reverse("projects:reserve_comprehensive", args=[entry.pk])
    response = client.post(url, {"in_comprehensive": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("projects:reserve")
    response = client.post(url, {"in_comprehensive": "0", "next": "/projects/lists/reserve/?view=sector"})
    assert response["Location"] == "/projects/lists/reserve/?view=sector"
