"""The project pickers of the warning issue form and the ledger problem form: a search endpoint of the
projects the form accepts (at most 20, the user's own only), and the plain <select> it enhances."""

import pytest
from django.urls import reverse

from early_warnings.models import Problem, ProjectWarning
from projects.models import ListKind
from projects.services import list_add
from tests.factories import ProjectFactory

WARNING_SEARCH = "early_warnings:warning_project_search"
PROBLEM_SEARCH = "early_warnings:problem_project_search"


def search(client, name, q):
    response = client.get(reverse(name), {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def names(results):
    return [result["text"].split(" · ", 1)[1] for result in results]


@pytest.fixture
def inventory(town_a, town_b, drc):
    """Two units' projects, one of them on the annual list, one with a national code."""
    a1 = ProjectFactory(
        name="梁家墩镇冷链物流园建设项目", responsible_unit=town_a, national_code="2026-620702-54-01-000123"
    )
    a2 = ProjectFactory(name="梁家墩镇污水管网改造项目", responsible_unit=town_a)
    b1 = ProjectFactory(name="上秦镇冷链仓储中心项目", responsible_unit=town_b)
    list_add(project=a2, kind=ListKind.ANNUAL, year=2026, reason="年度重点项目", acting_user=drc)
    return {"a1": a1, "a2": a2, "b1": b1}


def test_drc_finds_projects_by_name_code_unit_or_number(client, drc, inventory):
    client.force_login(drc)

    assert sorted(names(search(client, WARNING_SEARCH, "冷链"))) == sorted(
        ["梁家墩镇冷链物流园建设项目", "上秦镇冷链仓储中心项目"]
    )
    by_code = search(client, WARNING_SEARCH, "000123")
    assert [r["value"] for r in by_code] == [inventory["a1"].pk]
    assert by_code[0]["code"] == "2026-620702-54-01-000123"
    assert by_code[0]["text"] == "梁家墩镇 · 梁家墩镇冷链物流园建设项目"
    # Words narrow each other; an annual-list project comes first.
    assert names(search(client, WARNING_SEARCH, "梁家墩镇 项目")) == [
        "梁家墩镇污水管网改造项目",
        "梁家墩镇冷链物流园建设项目",
    ]
    assert names(search(client, WARNING_SEARCH, "上秦")) == ["上秦镇冷链仓储中心项目"]
    by_number = [r["value"] for r in search(client, WARNING_SEARCH, str(inventory["b1"].pk))]
    assert by_number[0] == inventory["b1"].pk  # then any whose code holds the digits
    assert search(client, WARNING_SEARCH, "   ") == []
    assert search(client, PROBLEM_SEARCH, "冷链") != []


def test_a_unit_reporter_finds_only_its_own_units_projects(client, reporter_a, inventory):
    client.force_login(reporter_a)

    assert names(search(client, PROBLEM_SEARCH, "冷链")) == ["梁家墩镇冷链物流园建设项目"]
    assert search(client, PROBLEM_SEARCH, "上秦") == []
    assert inventory["b1"].pk not in [r["value"] for r in search(client, PROBLEM_SEARCH, str(inventory["b1"].pk))]
    # Issuing warnings is DRC's: its search is refused.
    assert client.get(reverse(WARNING_SEARCH), {"q": "冷链"}).status_code == 403


def test_users_who_may_raise_nothing_find_nothing(client, auditor, leader, inventory):
    for user in (auditor, leader):
        client.force_login(user)
        assert search(client, PROBLEM_SEARCH, "冷链") == []


def test_anonymous_users_are_sent_to_login(client, inventory):
    for name in (WARNING_SEARCH, PROBLEM_SEARCH):
        response = client.get(reverse(name), {"q": "冷链"})
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_at_most_twenty_results_in_a_fixed_number_of_queries(client, drc, town_a, django_assert_max_num_queries):
    ProjectFactory.create_batch(30, responsible_unit=town_a)
    client.force_login(drc)
    client.get(reverse(WARNING_SEARCH), {"q": "测试"})  # the session and role caches

    with django_assert_max_num_queries(6):
        results = search(client, WARNING_SEARCH, "测试项目")

    assert len(results) == 20


def test_the_plain_select_stays_and_the_server_checks_the_choice(client, drc, reporter_a, inventory):
    client.force_login(drc)
    body = client.get(reverse("early_warnings:warning_issue")).content.decode()
    assert 'class="project-picker"' in body
    assert f'data-search-url="{reverse(WARNING_SEARCH)}"' in body
    assert "vendor/tom-select/tom-select.complete.min.js" in body and "js/project_picker.js" in body
    assert "梁家墩镇污水管网改造项目" in body  # the annual list, offered without JavaScript

    # Found by search, not in the drop-down: still accepted (the form accepts every project DRC sees).
    response = client.post(
        reverse("early_warnings:warning_issue"),
        {"project": inventory["b1"].pk, "colour": "yellow", "reason": "投资进度滞后计划30%"},
    )
    assert response.status_code == 302
    assert ProjectWarning.objects.filter(project=inventory["b1"]).exists()
    # The national code travels with the offered options, so the widget finds them by code too.
    assert 'data-data="{&quot;code&quot;: &quot;&quot;}"' in body

    # A project found by search stays chosen when the form comes back with an error.
    response = client.post(reverse("early_warnings:warning_issue"), {"project": inventory["a1"].pk, "reason": ""})
    assert response.status_code == 200
    assert f'<option value="{inventory["a1"].pk}" selected data-data=' in response.content.decode()

    client.force_login(reporter_a)
    body = client.get(reverse("early_warnings:problem_create")).content.decode()
    assert f'data-search-url="{reverse(PROBLEM_SEARCH)}"' in body
    assert "梁家墩镇冷链物流园建设项目</option>" in body and "上秦镇冷链仓储中心项目</option>" not in body
    # Another unit's project, typed into the request by hand, is refused.
    response = client.post(
        reverse("early_warnings:problem_create"),
        {"project": inventory["b1"].pk, "category": "land", "description": "别人的项目", "level": "drc"},
    )
    assert response.status_code == 200 and not Problem.objects.exists()
    assert "project" in response.context["form"].errors
