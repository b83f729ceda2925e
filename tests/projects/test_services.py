import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects import services
from projects.access import projects_for_user
from projects.models import AdjustmentAction, ListEntry, ListKind, Project, ProjectYearPlan, Stage
from tests.factories import ProjectFactory, month_plan

D = Decimal
TODAY = datetime.date(2026, 11, 21)


def reserve_project(unit, **kwargs):
    return ProjectFactory(responsible_unit=unit, stage=Stage.PREPARATORY, **kwargs)


class TestStageRules:
    def test_reserve_takes_only_pre_construction_stages(self, drc, town_a):
        for stage in (Stage.CONCEPT, Stage.PLANNING, Stage.PRE_PREPARATORY, Stage.PREPARATORY):
            project = ProjectFactory(responsible_unit=town_a, stage=stage)
            entry = services.list_add(
                project=project, kind=ListKind.RESERVE, year=None, reason="谋划储备", acting_user=drc, today=TODAY
            )
            assert entry.is_active
        for stage in (Stage.NEW_START, Stage.UNDER_CONSTRUCTION, Stage.COMPLETED, Stage.IN_OPERATION):
            project = ProjectFactory(responsible_unit=town_a, stage=stage)
            with pytest.raises(ValidationError) as error:
                services.list_add(
                    project=project, kind=ListKind.RESERVE, year=None, reason="谋划储备", acting_user=drc, today=TODAY
                )
            assert "储备库只储备" in " ".join(error.value.messages)
            assert not ListEntry.objects.filter(project=project).exists()

    def test_starting_construction_leaves_reserve_with_the_move_on_record(self, drc, reporter_a, town_a):
        project = reserve_project(town_a)
        entry = services.list_add(
            project=project, kind=ListKind.RESERVE, year=None, reason="谋划储备", acting_user=drc, today=TODAY
        )
        services.project_update(project=project, acting_user=reporter_a, stage=Stage.NEW_START, today=TODAY)
        entry.refresh_from_db()
        assert not entry.is_active
        assert entry.left_on == TODAY
        removal = entry.adjustments.get(action=AdjustmentAction.REMOVE)
        assert "新开工" in removal.reason
        assert removal.acting_user == reporter_a
        assert removal.quarter == 4
        assert entry.history.first().history_user == reporter_a

    def test_moving_between_reserve_stages_keeps_the_entry(self, drc, town_a):
        project = ProjectFactory(responsible_unit=town_a, stage=Stage.CONCEPT)
        entry = services.list_add(
            project=project, kind=ListKind.RESERVE, year=None, reason="谋划储备", acting_user=drc, today=TODAY
        )
        services.project_update(project=project, acting_user=drc, stage=Stage.PREPARATORY)
        entry.refresh_from_db()
        assert entry.is_active

    def test_a_project_is_on_a_list_once(self, drc, project_a):
        services.list_add(project=project_a, kind=ListKind.ANNUAL, year=2026, reason="年度计划", acting_user=drc)
        with pytest.raises(ValidationError):
            services.list_add(project=project_a, kind=ListKind.ANNUAL, year=2026, reason="再次", acting_user=drc)
        services.list_add(project=project_a, kind=ListKind.ANNUAL, year=2027, reason="下年", acting_user=drc)

    def test_adjustment_needs_a_reason_and_keeps_it(self, drc, project_a):
        with pytest.raises(ValidationError):
            services.list_add(project=project_a, kind=ListKind.ANNUAL, year=2026, reason="  ", acting_user=drc)
        entry = services.list_add(
            project=project_a, kind=ListKind.ANNUAL, year=2026, reason="一季度调入", acting_user=drc, quarter=1
        )
        with pytest.raises(ValidationError):
            services.list_remove(entry=entry, reason="", acting_user=drc)
        services.list_remove(entry=entry, reason="业主原因不能如期开工，二季度调出", acting_user=drc, quarter=2)
        reasons = list(entry.adjustments.order_by("id").values_list("action", "quarter", "reason"))
        assert reasons == [
            ("add", 1, "一季度调入"),
            ("remove", 2, "业主原因不能如期开工，二季度调出"),
        ]
        with pytest.raises(ValidationError):
            services.list_remove(entry=entry, reason="again", acting_user=drc)


class TestYearPlan:
    def save(self, project, user, target, monthly, funds=()):
        return services.year_plan_save(
            project=project,
            year=2026,
            annual_target=target,
            monthly=monthly,
            planned_start_date=datetime.date(2026, 3, 1),
            fund_items=list(funds),
            acting_user=user,
        )

    def test_months_must_sum_to_the_annual_target(self, reporter_a, project_a):
        with pytest.raises(ValidationError) as error:
            self.save(project_a, reporter_a, D("1200"), [D("100")] * 11 + [D("99.99")])
        assert "必须相等" in " ".join(error.value.messages)
        assert not ProjectYearPlan.objects.exists()
        plan = self.save(project_a, reporter_a, D("1200"), month_plan(D("1200")))
        assert plan.plan_through(12) == D("1200")
        assert plan.plan_through(3) == D("300")

    def test_the_database_also_refuses_a_wrong_sum(self, project_a):
        plan = ProjectYearPlan(project=project_a, year=2026, annual_target=D("10"), plan_01=D("5"))
        with pytest.raises(IntegrityError), transaction.atomic():
            plan.save()

    def test_negative_amounts_are_refused(self, reporter_a, project_a):
        with pytest.raises(ValidationError):
            self.save(project_a, reporter_a, D("0"), [D("-1"), D("1")] + [D("0")] * 10)

    def test_year_outside_the_construction_period(self, reporter_a, project_a):
        with pytest.raises(ValidationError):
            services.year_plan_save(
                project=project_a,
                year=2030,
                annual_target=D("0"),
                monthly=[D("0")] * 12,
                planned_start_date=None,
                fund_items=[],
                acting_user=reporter_a,
            )

    def test_fund_items_are_replaced_and_validated(self, reporter_a, project_a):
        fund = {"fund_type": "special_bonds", "amount": D("500"), "performance_targets": "年底前主体完工"}
        plan = self.save(project_a, reporter_a, D("1200"), month_plan(D("1200")), [fund])
        assert plan.fund_items.count() == 1
        history_rows = plan.fund_items.first().history.count()
        self.save(project_a, reporter_a, D("1200"), month_plan(D("1200")), [fund])
        assert plan.fund_items.first().history.count() == history_rows  # unchanged: nothing rewritten
        with pytest.raises(ValidationError) as error:
            self.save(project_a, reporter_a, D("1200"), month_plan(D("1200")), [{**fund, "performance_targets": ""}])
        assert "政策性资金第1项" in " ".join(error.value.messages)
        self.save(project_a, reporter_a, D("1200"), month_plan(D("1200")), [])
        assert plan.fund_items.count() == 0


class TestProjectWrites:
    def fields(self, unit, **extra):
        return {
            "name": "甘州区新墩镇污水管网改造项目",
            "sector": "ecology",
            "start_year": 2026,
            "end_year": 2027,
            "total_investment": D("3200.50"),
            "responsible_unit": unit,
            **extra,
        }

    def test_create_grants_the_unit_and_records_the_user(self, reporter_a, reporter_b, town_a):
        project = services.project_create(acting_user=reporter_a, **self.fields(town_a))
        assert project in projects_for_user(reporter_a, "change")
        assert project not in projects_for_user(reporter_b)
        assert project.history.get().history_user == reporter_a

    def test_reporter_cannot_create_for_another_unit(self, reporter_a, town_b):
        with pytest.raises(ValidationError) as error:
            services.project_create(acting_user=reporter_a, **self.fields(town_b))
        assert "responsible_unit" in error.value.message_dict
        assert not Project.objects.exists()

    def test_negative_investment_and_reversed_years(self, drc, town_a):
        with pytest.raises(ValidationError) as error:
            services.project_create(acting_user=drc, **self.fields(town_a, total_investment=D("-1")))
        assert "total_investment" in error.value.message_dict

    def test_moving_a_project_to_another_unit_moves_its_permissions(
        self, drc, reporter_a, reporter_b, project_a, town_b
    ):
        services.project_update(project=project_a, acting_user=drc, responsible_unit=town_b)
        assert project_a not in projects_for_user(reporter_a)
        assert project_a in projects_for_user(reporter_b, "change")

    def test_leader_must_have_the_leader_role(self, drc, project_a, reporter_b, leader):
        with pytest.raises(ValidationError):
            services.project_update(project=project_a, acting_user=drc, leader=reporter_b)
        services.project_update(project=project_a, acting_user=drc, leader=leader)
        assert project_a.leader == leader
