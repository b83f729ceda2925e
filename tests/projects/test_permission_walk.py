"""Walk every URL of the app as every role: nobody gets another unit's data."""

import io

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects import services
from projects.models import ListKind
from tests.factories import ProjectFactory

# URL names outside the app's own pages.
NOT_APP_PAGES = {"logout", "healthz", "home", "login"}


def app_url_names() -> set[str]:
    names = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns)
    return names - NOT_APP_PAGES


def readable(response) -> str:
    """The text a user gets: the HTML, or every cell of a downloaded workbook."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v)
    return response.content.decode()


@pytest.fixture
def world(town_a, town_b, reporter_a, reporter_b, drc, leader, auditor, statistician, finance, administrator):
    secret = ProjectFactory(name="上秦镇保密测试项目", responsible_unit=town_b, start_year=2026, end_year=2026)
    entry = services.list_add(project=secret, kind=ListKind.ANNUAL, year=2026, reason="年度计划", acting_user=drc)
    own = ProjectFactory(name="梁家墩镇自有项目", responsible_unit=town_a, start_year=2026, end_year=2026)
    own_entry = services.list_add(project=own, kind=ListKind.ANNUAL, year=2026, reason="年度计划", acting_user=drc)
    return {"secret": secret, "entry": entry, "own": own, "own_entry": own_entry}


def urls_for(world, which: str) -> dict[str, str]:
    """Every app URL, pointed at the `which` project ("secret" = another unit's for reporter_a)."""
    project = world[which]
    entry = world["entry" if which == "secret" else "own_entry"]
    kwargs = {
        "projects:project_detail": {"pk": project.pk},
        "projects:project_edit": {"pk": project.pk},
        "projects:project_history": {"pk": project.pk},
        "projects:year_plan_edit": {"pk": project.pk, "year": 2026},
        "projects:list_add": {"pk": project.pk},
        "projects:list_remove": {"entry_pk": entry.pk},
        "projects:reserve_comprehensive": {"entry_pk": entry.pk},
    }
    names = app_url_names()
    missing = {n for n in names if n not in kwargs} - {
        "projects:project_list",
        "projects:project_create",
        "projects:annual_list",
        "projects:reserve",
        "projects:adjustments",
        "projects:export_inventory",
        "projects:import_projects",
    }
    assert not missing, f"new URLs need an entry in the permission walk: {missing}"
    return {name: reverse(name, kwargs=kwargs.get(name)) for name in names}


OBJECT_URLS = {
    "projects:project_detail",
    "projects:project_edit",
    "projects:project_history",
    "projects:year_plan_edit",
    "projects:list_add",
    "projects:list_remove",
    "projects:reserve_comprehensive",
}
DRC_ONLY = {"projects:list_add", "projects:list_remove", "projects:reserve_comprehensive"}
CHANGE_URLS = {"projects:project_edit", "projects:year_plan_edit"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_reporter_of_another_unit_never_sees_the_project(client, world, reporter_a, method):
    client.force_login(reporter_a)
    for name, url in urls_for(world, "secret").items():
        response = getattr(client, method)(url)
        body = readable(response)
        assert "上秦镇保密测试项目" not in body, f"{method} {name} leaked another unit's project"
        if name in OBJECT_URLS:
            assert response.status_code in (403, 404, 405), f"{method} {name} gave {response.status_code}"


def test_every_role_walks_every_url(
    client, world, reporter_a, drc, leader, auditor, statistician, finance, administrator
):
    readers = [leader, auditor, statistician, finance]
    for user in [reporter_a, drc, administrator, *readers]:
        client.force_login(user)
        which = "own" if user is reporter_a else "secret"
        for name, url in urls_for(world, which).items():
            response = client.get(url)
            status = response.status_code
            if name in DRC_ONLY and user not in (drc, administrator):
                assert status in (403, 404, 405), (user.username, name, status)
            elif name in CHANGE_URLS and user in readers:
                assert status == 404, (user.username, name, status)
            elif name == "projects:project_create" and user in readers:
                assert status == 403, (user.username, name, status)
            elif name == "projects:import_projects" and user in readers:
                assert status in (403, 404), (user.username, name, status)
            elif name in {"projects:list_add", "projects:reserve_comprehensive"}:
                assert status == 405, (user.username, name, status)  # POST only
            else:
                assert status == 200, (user.username, name, status)


def test_auditor_changes_nothing(client, world, auditor):
    client.force_login(auditor)
    project = world["secret"]
    response = client.post(reverse("projects:project_edit", args=[project.pk]), {"name": "改名"})
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.name == "上秦镇保密测试项目"


def test_anonymous_users_are_sent_to_login(client, world):
    for name, url in urls_for(world, "secret").items():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], name


def test_admin_is_for_administrators_only(client, drc, administrator):
    client.force_login(drc)
    assert client.get("/admin/").status_code == 404
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200
