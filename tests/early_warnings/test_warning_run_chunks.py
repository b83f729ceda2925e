"""The monthly warning run goes by chunks: one transaction each, the same queries whatever the chunk's size,
and a run stopped half-way is resumed by the next call (issue 14: the run at 50,000 projects)."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dispatch import services as dispatch_services
from dispatch.models import SHANGHAI
from early_warnings import services
from early_warnings.models import Colour, ProjectWarning, WarningRun
from notifications.models import Notice, NoticeRecipient
from tests.dispatch.conftest import plan, put_on_annual_list
from tests.factories import ProjectFactory

AS_OF = datetime.date(2026, 11, 21)
OCTOBER = datetime.datetime(2026, 10, 25, 10, tzinfo=SHANGHAI)


def period(month=11):
    return dispatch_services.period_get_or_create(year=2026, month=month)


@pytest.fixture
def district(town_a, town_b, drc, reporter_a):
    """Projects that all deserve a warning in November (nothing reported); every other one already has an
    open warning from October, so each chunk both issues new warnings and continues open ones."""
    created = []

    def add(count):
        for _ in range(count):
            project = ProjectFactory(responsible_unit=town_a if len(created) % 2 == 0 else town_b)
            put_on_annual_list(project, drc)
            plan(project, drc)
            if len(created) % 2:
                services.warning_issue(
                    project=project, colour=Colour.BLUE, reason="征地拆迁进度滞后", acting_user=drc, now=OCTOBER
                )
            created.append(project)
        return created

    return add


def queries_of_run(chunk_size) -> int:
    """The queries of November's run, rolled back afterwards so that it can be run again."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            run = services.warnings_run(period=period(), as_of=AS_OF, chunk_size=chunk_size)
        assert run.finished_at is not None
        transaction.set_rollback(True)
    return len(captured)


def test_a_chunk_takes_the_same_queries_whatever_its_size(db, district):
    period()  # the period row exists before counting
    district(4)
    one_chunk_of_4 = queries_of_run(chunk_size=100)
    district(8)
    assert queries_of_run(chunk_size=100) == one_chunk_of_4  # one chunk of 12


def test_each_chunk_adds_the_same_queries(db, district):
    period()
    district(12)
    one, two, three = (queries_of_run(chunk_size=size) for size in (12, 6, 4))
    assert two - one == three - two > 0


@pytest.mark.django_db(transaction=True)
def test_a_run_stopped_half_way_keeps_its_chunks_and_resumes(district, monkeypatch):
    projects = district(10)
    november = period()
    evaluate = services.evaluate
    calls = []

    def failing_on_the_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the worker was killed")
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(services, "evaluate", failing_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        services.warnings_run(period=november, as_of=AS_OF, chunk_size=4)
    assert not connection.in_atomic_block  # the run held no transaction around its chunks

    run = WarningRun.objects.get(year=2026, month=11)
    done = sorted(p.pk for p in projects)[:8]
    assert run.finished_at is None and run.last_project_id == done[-1]  # two chunks committed
    assert set(ProjectWarning.objects.filter(year=2026, month=11).values_list("project_id", flat=True)) <= set(done)
    assert run.warnings_created == ProjectWarning.objects.filter(year=2026, month=11).count() == 4
    assert run.warnings_continued == 4

    monkeypatch.setattr(services, "evaluate", evaluate)
    resumed = services.warnings_run(period=november, as_of=AS_OF, chunk_size=4)
    assert resumed.pk == run.pk and resumed.finished_at is not None
    assert (resumed.warnings_created, resumed.warnings_continued) == (5, 5)
    open_warnings = ProjectWarning.objects.exclude(status=ProjectWarning.Status.RESOLVED)
    assert sorted(open_warnings.values_list("project_id", flat=True)) == sorted(p.pk for p in projects)
    continued = list(open_warnings.filter(month=10))
    assert len(continued) == 5
    for warning in continued:  # continued once: November's reasons were added once
        rules = [r["rule"] for r in warning.reasons if r["month"] == "11月"]
        assert rules and len(rules) == len(set(rules))
    issued = Notice.objects.filter(kind="warning_issued", period_key="2026-11")
    assert issued.count() == 5 and len(set(issued.values_list("object_key", flat=True))) == 5
    assert NoticeRecipient.objects.filter(notice__in=issued).exists()  # the units' users are told
    assert services.warnings_run(period=november, as_of=AS_OF) is None  # finished: never run again
    assert ProjectWarning.objects.filter(year=2026, month=11).count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_job_commits_chunk_by_chunk(district, monkeypatch):
    """run_job wraps a job in one transaction unless it says otherwise: the monthly run's chunks are each the
    outermost transaction (no savepoint of an enclosing one), and so is each escalation."""
    from notifications.jobs import load_jobs, run_job

    district(5)
    period()
    evaluate = services.evaluate
    depths = []

    def spy(*args, **kwargs):
        depths.append((connection.in_atomic_block, len(connection.savepoint_ids)))
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(services, "evaluate", spy)
    monkeypatch.setattr(services, "RUN_CHUNK_SIZE", 2)
    monkeypatch.setattr(services.warnings_run, "__kwdefaults__", {"chunk_size": 2})
    run_job("warnings_monthly_run", AS_OF)
    assert depths and all(depth == (True, 0) for depth in depths)
    assert len(depths) >= 3  # five projects, two a chunk
    assert WarningRun.objects.get(year=2026, month=11).finished_at is not None
    assert not load_jobs()["warnings_escalation"].atomic


def test_a_continued_warning_is_saved_whole_and_its_history_row_matches(db, district, drc):
    """The continued warnings are written by one UPDATE per row sent together: every changed field lands
    (the reasons as JSON, the reopened status and cleared resolution of this month's resolved warning), and
    the history row written beside it holds the same values, by system:jobs."""
    projects = district(4)  # the 2nd and 4th have an open October warning
    reopened = services.warning_issue(
        project=projects[0], colour=Colour.BLUE, reason="现场检查发现问题", acting_user=drc,
        now=datetime.datetime(2026, 11, 10, 10, tzinfo=SHANGHAI),
    )  # fmt: skip
    services.warning_resolve(warning=reopened, resolution="已整改", acting_user=drc)
    run = services.warnings_run(period=period(), as_of=AS_OF)
    assert run.warnings_continued == 3  # two October warnings and November's resolved one, reopened

    continued = ProjectWarning.objects.filter(project__in=[projects[0], projects[1], projects[3]])
    attnames = [ProjectWarning._meta.get_field(name).attname for name in services._CHANGED_FIELDS]
    for warning in continued:
        record = warning.history.order_by("history_id").last()
        assert (record.history_type, record.history_user.username) == ("~", "system:jobs")
        assert [getattr(record, name) for name in attnames] == [getattr(warning, name) for name in attnames]
        assert (warning.last_year, warning.last_month) == (2026, 11)
        assert any(r["month"] == "11月" and r["rule"] == "report_missing" for r in warning.reasons)
    reopened.refresh_from_db()
    assert (reopened.status, reopened.resolved_at, reopened.resolved_by) == (ProjectWarning.Status.ISSUED, None, None)
    assert reopened.reasons[0]["text"] == "现场检查发现问题"
