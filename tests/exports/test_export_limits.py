"""Export jobs (issue 15): only roles that need an export start one, one unfinished job per user and kind,
and old export files are removed by a scheduled task."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dispatch.exports import official_tables_export_start
from dispatch.services import period_get_or_create
from exports.models import ExportJob
from exports.services import ExportAlreadyRunning, export_files_remove_old
from projects import access
from projects.exports import INVENTORY, inventory_export_start

RUNNING_MESSAGE = "仍在生成中，请等待其完成后再发起新的导出"


@pytest.fixture
def period(db):
    return period_get_or_create(year=2026, month=11)


def test_auditors_start_no_export_jobs_and_the_roles_that_need_them_do(
    auditor, drc, leader, statistician, finance, administrator, reporter_a
):
    assert not access.may_start_export_jobs(auditor)
    for user in (drc, leader, statistician, finance, administrator, reporter_a):
        assert access.may_start_export_jobs(user), user


def test_the_auditor_cannot_start_the_districts_tables(client, auditor, period):
    with pytest.raises(PermissionDenied):
        official_tables_export_start(user=auditor, period=period, unit=None)
    with pytest.raises(PermissionDenied):
        inventory_export_start(user=auditor, query="", year=2026)

    client.force_login(auditor)
    url = reverse("dispatch:official_tables", args=[2026, 11])
    page = client.get(url)
    assert page.status_code == 200 and "全区" in page.content.decode()
    assert "生成全区三张报表" not in page.content.decode()  # no button to start one
    assert client.post(url).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_large_inventory_export_tells_the_auditor_to_narrow_the_filters(client, auditor, project_a, settings):
    settings.INLINE_EXPORT_MAX_ROWS = 0  # every export is "large"
    client.force_login(auditor)

    response = client.get(reverse("projects:export_inventory"), follow=True)

    assert "您的角色不能发起后台导出" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_one_unfinished_job_per_user_and_kind(drc, leader, period):
    first = official_tables_export_start(user=drc, period=period, unit=None)

    with pytest.raises(ExportAlreadyRunning) as refused:
        official_tables_export_start(user=drc, period=period, unit=None)
    assert RUNNING_MESSAGE in refused.value.messages[0] and "月度报表" in refused.value.messages[0]
    assert refused.value.job == first
    # Another kind, and another user, are not held up.
    inventory_export_start(user=drc, query="", year=2026)
    official_tables_export_start(user=leader, period=period, unit=None)

    ExportJob.objects.filter(pk=first.pk).update(status=ExportJob.Status.DONE)
    official_tables_export_start(user=drc, period=period, unit=None)
    assert ExportJob.objects.filter(user=drc, kind=first.kind).count() == 2


def test_the_database_keeps_one_unfinished_job_per_user_and_kind_under_concurrency(drc):
    ExportJob.objects.create(user=drc, kind=INVENTORY, status=ExportJob.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExportJob.objects.create(user=drc, kind=INVENTORY, status=ExportJob.Status.QUEUED)


def test_a_second_concurrent_start_gets_the_message_not_an_error(drc, period):
    """Two requests that both found no running job: the unique index refuses the second's insert."""
    official_tables_export_start(user=drc, period=period, unit=None)
    unfinished = ExportJob.objects.filter(user=drc)
    with mock.patch("exports.services.ExportJob.objects.filter") as filter_:
        filter_.return_value.filter.return_value.first.side_effect = [None, unfinished.first()]
        with pytest.raises(ExportAlreadyRunning):
            official_tables_export_start(user=drc, period=period, unit=None)
    assert unfinished.count() == 1


def test_a_job_that_lost_its_worker_does_not_block_its_user(drc, period):
    lost = official_tables_export_start(user=drc, period=period, unit=None)
    ExportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    again = official_tables_export_start(user=drc, period=period, unit=None)

    lost.refresh_from_db()
    assert lost.status == ExportJob.Status.FAILED and "重新发起" in lost.message
    assert again.status == ExportJob.Status.QUEUED


def test_starting_twice_from_the_page_shows_the_running_job_with_a_message(client, drc, period):
    client.force_login(drc)
    url = reverse("dispatch:official_tables", args=[2026, 11])
    assert "生成全区三张报表" in client.get(url).content.decode()
    first = client.post(url)
    job = ExportJob.objects.get()
    assert first["Location"] == reverse("exports:job", args=[job.pk])

    second = client.post(url, follow=True)

    assert second.redirect_chain[-1][0] == reverse("exports:job", args=[job.pk])
    assert RUNNING_MESSAGE in second.content.decode()
    assert ExportJob.objects.count() == 1


def make_job(user, *, age_days: float, status=ExportJob.Status.DONE, content=b"data") -> ExportJob:
    job = ExportJob.objects.create(user=user, kind=INVENTORY, status=status)
    if content is not None:
        job.file.save("old.xlsx", ContentFile(content))
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=age_days))
    return job


def test_export_files_older_than_the_set_age_are_removed(drc, leader, settings):
    settings.EXPORT_FILES_MAX_AGE_DAYS = 7
    old = make_job(drc, age_days=8)
    old_failed = make_job(leader, age_days=30, status=ExportJob.Status.FAILED, content=None)
    recent = make_job(leader, age_days=6)
    old_running = make_job(drc, age_days=9, status=ExportJob.Status.RUNNING, content=None)
    old_path, recent_path = old.file.path, recent.file.path

    assert export_files_remove_old() == 2

    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk, old_running.pk}
    assert not ExportJob.objects.filter(pk=old_failed.pk).exists()
    import os

    assert not os.path.exists(old_path) and os.path.exists(recent_path)

    settings.EXPORT_FILES_MAX_AGE_DAYS = 3
    assert export_files_remove_old() == 1
    assert not os.path.exists(recent_path)


def test_the_removal_runs_daily_from_celery_beat(drc):
    from exports.tasks import remove_old_export_files
    from ganzhou_projects.celery import schedule_jobs

    sender = mock.Mock()
    schedule_jobs(sender)
    scheduled = {call.kwargs["name"]: call.args for call in sender.add_periodic_task.call_args_list}
    assert "remove old export files" in scheduled
    sender.signature.assert_any_call("exports.tasks.remove_old_export_files")

    make_job(drc, age_days=400)
    assert remove_old_export_files() == 1
    assert not ExportJob.objects.exists()
