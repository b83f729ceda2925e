"""The export registry: kinds registered by their apps, run by kind through the real task path."""

import ast
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dispatch.exports import OFFICIAL_TABLES, may_export_official_tables, official_tables_export_start
from dispatch.models import SHANGHAI
from dispatch.services import period_get_or_create, report_get_or_create
from exports import registry
from exports.models import ExportJob
from exports.registry import ExportKind, JobPage
from exports.services import export_job_run, export_start
from projects import access
from projects.exports import INVENTORY, inventory_export_start
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.projects.test_excel import HEADERS as PLANNING_HEADERS

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def kinds(monkeypatch):
    """A registry of its own for the test: what it registers is gone afterwards."""
    monkeypatch.setattr(registry, "_kinds", dict(registry._kinds))
    return registry


def dummy(key="dummy", build=None, may_start=None, describe=None) -> ExportKind:
    def write(params, *, user, progress):
        progress(50, "写入中")
        job = ExportJob.objects.get(user=user, kind=key)
        seen.append((job.status, job.progress, job.message))
        return f"示例-{params['n']}.txt", f"{user.username}:{params['n']}".encode()

    seen: list = []
    kind = ExportKind(
        key=key,
        label="示例导出",
        build=build or write,
        may_start=may_start or (lambda user, params: access.may_see_all_units(user)),
        describe=describe,
    )
    return kind, seen


def download(client, job) -> bytes:
    response = client.get(reverse("exports:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- the registry ---------------------------------------------------------------------------------


def test_the_apps_register_their_kinds_at_start():
    assert registry.get(OFFICIAL_TABLES).key == "official_tables"
    assert registry.get(INVENTORY).key == "inventory"
    assert registry.get("nonsense") is None


def test_a_kind_registered_twice_is_refused(kinds):
    kind, _seen = dummy()
    kinds.register(kind)
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        kinds.register(dummy()[0])
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        kinds.register(registry.get(OFFICIAL_TABLES))
    assert kinds.get("dummy") is kind


def test_a_key_longer_than_the_column_is_refused(kinds):
    with pytest.raises(ImproperlyConfigured, match="30 characters"):
        kinds.register(dummy(key="k" * 31)[0])


# --- running a kind -------------------------------------------------------------------------------


def test_a_registered_builder_runs_through_the_task_and_its_file_is_downloaded(
    kinds, client, drc, django_capture_on_commit_callbacks
):
    kind, seen = dummy(describe=lambda params: JobPage(heading=f"第{params['n']}号", note="示例说明"))
    kinds.register(kind)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = export_start(kind="dummy", user=drc, params={"n": 7})
        assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED  # nothing runs before the commit
    assert len(callbacks) == 1

    job.refresh_from_db()
    assert seen == [(ExportJob.Status.RUNNING, 50, "写入中")]  # the builder's progress reached the job
    assert (job.status, job.progress, job.message) == (ExportJob.Status.DONE, 100, "")
    assert job.file.name.endswith("示例-7.txt") and job.finished_at is not None
    client.force_login(drc)
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "示例导出 · 第7号" in page and "示例说明" in page and "已完成" in page
    assert download(client, job) == b"drc:7"
    assert not export_job_run(job.pk)  # a second run finds nothing to claim


def test_a_builder_may_return_an_open_file_which_is_closed_after_saving(kinds, drc):
    handle = io.BytesIO(b"PK-content")
    kinds.register(dummy(build=lambda params, *, user, progress: ("a.bin", handle))[0])
    job = ExportJob.objects.create(user=drc, kind="dummy", params={})

    assert export_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and handle.closed
    with job.file.open("rb") as stored:
        assert stored.read() == b"PK-content"


def test_an_unknown_kind_fails_the_job_with_a_chinese_message(client, drc):
    job = ExportJob.objects.create(user=drc, kind="retired_kind", params={})

    assert export_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.finished_at is not None
    assert job.message == "该类导出（“retired_kind”）已不可用，请重新发起导出。"
    assert not job.file
    client.force_login(drc)
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "retired_kind" in page and job.message in page and "every 2s" not in page


def test_a_failing_builder_fails_the_job_and_keeps_no_file(kinds, drc):
    def broken(params, *, user, progress):
        raise RuntimeError("disk full")

    kinds.register(dummy(build=broken)[0])
    job = ExportJob.objects.create(user=drc, kind="dummy", params={})

    assert export_job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == (ExportJob.Status.FAILED, "导出失败，请重试；如再次失败，请联系系统管理员。")
    assert not job.file


def test_who_may_start_a_kind_is_its_may_start(kinds, reporter_a, drc):
    kinds.register(dummy()[0])
    with pytest.raises(PermissionDenied):
        export_start(kind="dummy", user=reporter_a, params={"n": 1})
    assert not ExportJob.objects.exists()
    with pytest.raises(LookupError):
        export_start(kind="nonsense", user=drc, params={})


def test_official_tables_may_be_started_for_a_unit_one_sees(reporter_a, leader, town_a, town_b):
    assert may_export_official_tables(reporter_a, {"unit": town_a.pk})
    assert not may_export_official_tables(reporter_a, {"unit": town_b.pk})
    assert not may_export_official_tables(reporter_a, {"unit": None})  # the district is for those who see it all
    assert may_export_official_tables(leader, {"unit": None})
    assert may_export_official_tables(leader, {"unit": town_b.pk})
    assert not may_export_official_tables(leader, {"unit": 999999})


# --- the registered kinds still write the same files ---------------------------------------------


@time_machine.travel(datetime.datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_official_tables_job_round_trip(client, drc, reporter_a, project_a, town_a, django_capture_on_commit_callbacks):
    put_on_annual_list(project_a, drc)
    plan(project_a, drc)
    listed_a = project_a
    period = period_get_or_create(year=2026, month=11)
    fill(report_get_or_create(period=period, project=listed_a, acting_user=reporter_a), reporter_a)
    with django_capture_on_commit_callbacks(execute=True):
        job = official_tables_export_start(user=reporter_a, period=period, unit=town_a)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    client.force_login(reporter_a)

    archive = zipfile.ZipFile(io.BytesIO(download(client, job)))

    assert job.file.name.endswith("2026-11_重点项目月报三表_梁家墩镇.zip")
    ws = load_workbook(io.BytesIO(archive.read("2026-11_在建项目进展情况表_梁家墩镇.xlsx"))).active
    assert ws["A1"].value == "甘州区2026年在建项目进展情况表"
    assert ws["A2"].value == "填报单位：梁家墩镇　　报告期：2026年11月"
    assert [ws.cell(row=3, column=c).value for c in (1, 2, 8, 9, 19)] == [
        "序号",
        "项目名称",
        "本月完成投资",
        "累计完成投资",
        "责任单位",
    ]
    row = [cell.value for cell in ws[5]]
    assert row[:2] == [1, listed_a.name]
    assert Decimal(str(row[6])) == listed_a.total_investment and Decimal(str(row[7])) == Decimal("100")
    assert row[18] == "梁家墩镇"
    assert ws.cell(row=5, column=11).value.endswith("（未报送）")  # a draft is not yet sent


def test_inventory_job_round_trip(client, reporter_a, project_a, project_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = inventory_export_start(user=reporter_a, query="", year=2026)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    client.force_login(reporter_a)
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "项目库导出（前期项目谋划表）" in page

    ws = load_workbook(io.BytesIO(download(client, job))).active

    assert job.file.name.endswith(f"前期项目谋划表-{timezone.localdate():%Y%m%d}.xlsx")
    assert ws["A1"].value == "甘州区2026年前期项目谋划表"
    assert [ws.cell(row=3, column=c).value for c in range(1, len(PLANNING_HEADERS) + 1)] == PLANNING_HEADERS
    rows = [row for row in ws.iter_rows(min_row=5, values_only=True) if row[1]]
    assert len(rows) == 1  # 上秦镇's project is not the reporter's to see
    assert rows[0][:2] == (1, project_a.name)
    assert rows[0][PLANNING_HEADERS.index("责任单位")] == "梁家墩镇"
    assert Decimal(str(rows[0][PLANNING_HEADERS.index("总投资")])) == project_a.total_investment


# --- layering ------------------------------------------------------------------------------------

LAYERS = ["exports", "projects", "notifications", "dispatch", "early_warnings"]


def imported_apps(path: Path) -> set[str]:
    """Every top-level package a module imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_exports_imports_no_app_of_the_project():
    for path in (ROOT / "exports").rglob("*.py"):
        assert not imported_apps(path) & {*LAYERS[1:], "funding"}, path


def test_projects_reaches_no_app_to_its_right():
    # projects/demo.py seeds every app's demo data and is the one module allowed to.
    paths = [path for path in (ROOT / "projects").rglob("*.py") if path.name != "demo.py"]
    assert paths
    for path in paths:
        assert not imported_apps(path) & set(LAYERS[2:]), path
