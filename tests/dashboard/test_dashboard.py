"""The dashboard pages: every figure links to the records behind it and their totals are the figure; a unit
sees its own projects only; 投屏, 我的项目, DRC's targets; the query count does not grow with projects."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dispatch.models import StartTarget
from ganzhou_projects.numbers import money, percent

from .conftest import NOW, listed, report

FIGURE = re.compile(r'<a href="([^"]+)" data-figure="([^"]+)">([^<]*)</a>')
TOTAL = re.compile(r'data-total="([a-z_]+)">([^<]*)<')


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def figures(client, url) -> dict[str, tuple[str, str]]:
    body = client.get(url).content.decode()
    return {name: (html.unescape(href), value.strip()) for href, name, value in FIGURE.findall(body)}


def totals(client, url) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    found = dict(TOTAL.findall(body))
    found["warning_rows"] = str(len(re.findall(r'<tr id="warning-\d+"', body)))
    found["problem_rows"] = str(len(re.findall(r'<tr id="problem-\d+"', body)))
    return found


def check_figure(client, name, href, value):
    t = totals(client, href)
    if name in ("investment-rate",) or name.startswith(("unit-rate-", "sector-rate-")):
        assert value == t["rate"], (name, value, t)
    elif name in ("annual-plan",) or name.startswith(("unit-plan-", "sector-plan-")):
        assert value == t["annual_plan"], (name, value, t)
    elif name in ("completed",) or name.startswith(("unit-completed-", "sector-completed-")):
        assert value == t["completed"], (name, value, t)
    elif name == "plan-to-date":
        assert value == t["plan_to_date"], (name, value, t)
    elif name in ("start-rate",) or name.startswith("unit-start-"):
        assert t["start"].endswith(f"（{value}）"), (name, value, t)
    elif (
        name in ("start-due", "start-started", "start-not-started")
        or name.startswith(("unit-on-time-", "unit-late-", "unit-unsent-"))
        or (name.startswith("reporting-") and name != "reporting-rate")
    ):
        assert value == t["count"], (name, value, t)
    elif name == "reporting-rate":
        assert t["reported"].endswith(f"（{value}）"), (name, value, t)
    elif name in ("approval-rate",) or name.startswith("unit-approval-"):
        assert t["procedures"].endswith(f"（{value}）"), (name, value, t)
    elif name == "approval-required":
        assert t["procedures"].split("/")[1].startswith(value), (name, value, t)
    elif name == "approval-done":
        assert t["procedures"].startswith(f"{value}/"), (name, value, t)
    elif name.startswith("warnings-"):
        assert value == t["warning_rows"], (name, value, t)
    elif name.startswith("problems-"):
        assert value == t["problem_rows"], (name, value, t)
    else:
        raise AssertionError(f"no check for figure {name}")


def test_every_figure_links_to_the_records_that_make_it(client, world, drc):
    client.force_login(drc)
    found = figures(client, reverse("dashboard:dashboard") + "?period=2026-03")
    # The hand-computed March figures (tests/dashboard/test_indicators.py) are what the page shows.
    assert found["investment-rate"][1] == percent(Decimal("13.3"))
    assert found["annual-plan"][1] == money(Decimal("2100"))
    assert found["completed"][1] == money(Decimal("280"))
    assert found["start-rate"][1] == percent(Decimal("50"))
    assert (found["start-due"][1], found["start-started"][1], found["start-not-started"][1]) == ("2", "1", "1")
    assert found["approval-rate"][1] == percent(Decimal("60"))
    assert (found["reporting-on-time"][1], found["reporting-late"][1], found["reporting-missing"][1]) == ("2", "0", "1")
    assert (found["warnings-red"][1], found["warnings-blue"][1], found["warnings-escalated"][1]) == ("1", "1", "1")
    assert (found["problems-open"][1], found["problems-overdue"][1]) == ("2", "1")
    assert found[f"unit-rate-{world['a'].pk}"][1] == percent(Decimal("15.0"))  # 270 / 1800
    assert found["sector-completed-water"][1] == money(Decimal("10"))
    assert len(found) > 30
    for name, (href, value) in found.items():
        check_figure(client, name, href, value)


def test_the_unit_rate_lists_the_units_projects_and_their_totals(client, world, drc):
    client.force_login(drc)
    href, value = figures(client, reverse("dashboard:dashboard") + "?period=2026-03")[f"unit-rate-{world['a'].pk}"]
    body = client.get(href).content.decode()
    assert world["p1"].name in body and world["p2"].name in body
    assert world["p4"].name not in body and world["p3"].name not in body
    t = dict(TOTAL.findall(body))
    assert (t["annual_plan"], t["completed"], t["rate"]) == (money(Decimal("1800")), money(Decimal("270")), value)


def test_the_left_project_is_listed_in_january_only(client, world, drc):
    client.force_login(drc)
    january = client.get(reverse("dashboard:projects") + "?year=2026&month=1").content.decode()
    march = client.get(reverse("dashboard:projects") + "?year=2026&month=3").content.decode()
    assert world["p3"].name in january and world["p3"].name not in march
    assert world["p4"].name in march and world["p4"].name not in january


def test_a_unit_sees_its_own_projects_only(client, world, reporter_a):
    client.force_login(reporter_a)
    page = reverse("dashboard:dashboard") + "?period=2026-03"
    body = client.get(page).content.decode()
    assert "梁家墩镇重点项目驾驶舱" in body
    assert world["p4"].name not in body and "上秦镇" not in body
    found = figures(client, page)
    assert found["annual-plan"][1] == money(Decimal("1800"))
    assert found["completed"][1] == money(Decimal("270"))
    assert found["warnings-open"][1] == "2"
    assert found["problems-open"][1] == "1"  # P1's; P4's belongs to 上秦镇
    for name, (href, value) in found.items():
        check_figure(client, name, href, value)
    other = reverse("dashboard:projects") + f"?year=2026&month=3&unit={world['b'].pk}"
    assert client.get(other).status_code == 404
    assert client.get(reverse("dashboard:targets")).status_code == 403
    assert client.get(reverse("dashboard:my_projects")).status_code == 403


def test_screen_shows_the_same_figures(client, world, drc):
    client.force_login(drc)
    dashboard = figures(client, reverse("dashboard:dashboard") + "?period=2026-03")
    response = client.get(reverse("dashboard:screen") + "?period=2026-03")
    assert b'class="screen"' in response.content and b"data-fullscreen" in response.content
    screen = figures(client, reverse("dashboard:screen") + "?period=2026-03")
    assert screen == dashboard


def test_charts_read_their_data_from_json_without_inline_script(client, world, drc):
    client.force_login(drc)
    body = client.get(reverse("dashboard:dashboard") + "?period=2026-03").content.decode()
    assert '<script id="dashboard-data" type="application/json">' in body
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)
    for attributes, content in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "application/json" in attributes or not content.strip()
    assert "vendor/echarts/echarts.min.js" in body and "js/dashboard.js" in body
    assert " style=" not in body and "onclick" not in body


def test_previous_year_is_beside_this_one_where_it_exists(client, world, drc):
    client.force_login(drc)
    assert 'id="compare"' not in client.get(reverse("dashboard:dashboard") + "?period=2026-03").content.decode()
    project = world["p1"]
    from dispatch import services as dispatch_services
    from projects import services as project_services
    from projects.models import ListKind
    from tests.factories import month_plan

    project_services.list_add(
        project=project,
        kind=ListKind.ANNUAL,
        year=2025,
        reason="2025年计划",
        acting_user=drc,
        today=datetime.date(2025, 1, 1),
    )
    project_services.year_plan_save(
        project=project,
        year=2025,
        annual_target=Decimal("1200"),
        monthly=month_plan(Decimal("1200")),
        planned_start_date=datetime.date(2025, 3, 1),
        fund_items=[],
        acting_user=drc,
    )
    from dispatch.models import MonthlyReport
    from ganzhou_projects.audit import save_with_history

    period = dispatch_services.period_get_or_create(year=2025, month=3, acting_user=drc)
    save_with_history(
        MonthlyReport(
            period=period,
            project=project,
            unit=project.responsible_unit,
            status="accepted",
            investment_this_month=Decimal("120"),
            timeliness="on_time",
        ),
        drc,
    )
    body = client.get(reverse("dashboard:dashboard") + "?period=2026-03").content.decode()
    assert 'id="compare"' in body and "2025年3月：投资完成率 10.0%" in body


def test_leaders_my_projects(client, world, leader):
    client.force_login(leader)
    page = reverse("dashboard:my_projects") + "?period=2026-03"
    body = client.get(page).content.decode()
    assert world["p1"].name in body and world["p2"].name not in body
    found = figures(client, page)
    assert found["annual-plan"][1] == money(Decimal("1200"))
    assert found["warnings-red"][1] == "1" and found["problems-open"][1] == "1"
    for name, (href, value) in found.items():
        check_figure(client, name, href, value)


def test_drc_sets_the_start_targets(client, world, drc, leader):
    client.force_login(leader)
    assert client.get(reverse("dashboard:targets")).status_code == 403
    client.force_login(drc)
    body = client.get(reverse("dashboard:targets") + "?year=2026").content.decode()
    assert "默认目标" in body and "60.0%" in body
    response = client.post(
        reverse("dashboard:targets"),
        {"year": "2026", "due_date": "2026-03-31", "percent": "８０", "reason": "区政府要求"},
    )
    assert response.status_code == 302
    assert StartTarget.objects.filter(year=2026).count() == 3
    found = figures(client, reverse("dashboard:dashboard") + "?period=2026-03")
    assert found["start-rate"][1] == percent(Decimal("50"))
    assert "3月31日前 80.0%" in client.get(reverse("dashboard:dashboard") + "?period=2026-03").content.decode()
    target = StartTarget.objects.get(due_date=datetime.date(2026, 3, 31))
    response = client.post(reverse("dashboard:target_delete", args=[target.pk]), {"reason": "恢复原目标"})
    assert response.status_code == 302 and not StartTarget.objects.filter(pk=target.pk).exists()
    history = client.get(reverse("dashboard:targets") + "?year=2026").content.decode()
    assert "区政府要求" in history and "恢复原目标" in history


@pytest.mark.parametrize("extra", [0, 15])
def test_dashboard_query_count_does_not_grow_with_projects(
    client, world, drc, town_a, extra, django_assert_max_num_queries
):
    for n in range(extra):
        project = listed(f"附加项目{n}", town_a, "energy", "120", datetime.date(2026, 2, 1), drc)
        report(project, 3, "5", drc, start_status="started", proc_land="done")
    client.force_login(drc)
    client.get(reverse("dashboard:dashboard"))  # warm the session and the permission caches
    with django_assert_max_num_queries(50) as captured:
        assert client.get(reverse("dashboard:dashboard") + "?period=2026-03").status_code == 200
    count = len(captured.captured_queries)
    if extra == 0:
        test_dashboard_query_count_does_not_grow_with_projects.baseline = count
    else:
        assert count == test_dashboard_query_count_does_not_grow_with_projects.baseline


def test_a_new_report_shows_at_once_despite_the_cache(client, world, drc):
    client.force_login(drc)
    page = reverse("dashboard:dashboard") + "?period=2026-03"
    assert figures(client, page)["completed"][1] == money(Decimal("280"))
    report(world["p2"], 2, "20", drc)  # P2's missing February arrives
    assert figures(client, page)["completed"][1] == money(Decimal("300"))
    march = world["p1"].reports.get(period__month=3)
    march.status = "submitted"
    march.timeliness = "late"
    from ganzhou_projects.audit import save_with_history

    save_with_history(march, drc)  # P1's March draft is sent
    found = figures(client, page)
    assert found["completed"][1] == money(Decimal("380"))
    assert found["reporting-late"][1] == "1"
