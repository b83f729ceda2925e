import datetime
from dataclasses import asdict
from io import StringIO

import pytest
from django.core.management import call_command

from dispatch.models import SHANGHAI, ReportedProblem, ReportingPeriod, ReportStatus, SolvingLevel
from early_warnings import services
from early_warnings.ledger import problem_history
from early_warnings.models import (
    COLOUR_RANK,
    Problem,
    ProblemUpdate,
    ProjectWarning,
    WarningRun,
    WarningSettings,
)
from projects.models import User

TODAY = datetime.date(2026, 11, 21)
SEED = {"projects": 80, "months": 4, "today": TODAY.isoformat()}
RUN_MONTHS = [(2026, 9), (2026, 10), (2026, 11)]  # the last three periods past their deadline (October's moved)


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options):
    call_command("seed_demo", **SEED, **options, stdout=StringIO())


@pytest.fixture
def seeded(db, fast_hasher):
    seed()


def day_after_deadline(year, month):
    period = ReportingPeriod.objects.get(year=year, month=month)
    return period.deadline.astimezone(SHANGHAI).date() + datetime.timedelta(days=1)


def test_every_problem_of_a_sent_report_is_in_the_ledger_as_problem_from_reported_makes_it(seeded):
    sent = ReportedProblem.objects.exclude(report__status=ReportStatus.DRAFT).select_related(
        "report__period", "report__project"
    )
    assert sent.exists()
    assert Problem.objects.count() == sent.count()
    for reported in sent:
        problem = Problem.objects.get(source=reported)
        report, project = reported.report, reported.report.project
        level = reported.level or SolvingLevel.DRC
        assert (problem.project_id, problem.category, problem.description) == (
            project.pk,
            reported.category,
            reported.description,
        )
        assert problem.level == level
        assert problem.raised_by_id == report.submitted_by_id
        assert (problem.raised_year, problem.raised_month) == (report.period.year, report.period.month)
        assert problem.for_district_agenda == (level == SolvingLevel.DISTRICT)
        units = {project.responsible_unit_id}
        if level == SolvingLevel.DEPARTMENT and project.competent_department_id:
            units.add(project.competent_department_id)
        assert set(problem.responsible_units.values_list("pk", flat=True)) == units
        assert problem.created_at == report.first_submitted_at
        raised_day = report.first_submitted_at.astimezone(SHANGHAI).date()
        assert 30 <= (problem.deadline - raised_day).days <= 60
    # Drafts' problems are not in the ledger.
    assert not Problem.objects.filter(source__report__status=ReportStatus.DRAFT).exists()


def test_old_problems_are_mostly_closed_with_evidence_some_are_open_and_overdue(seeded):
    drc = User.objects.get(username="drc")
    closed = Problem.objects.filter(status=Problem.Status.CLOSED)
    assert closed.exists()
    now = datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=SHANGHAI)
    for problem in closed:
        assert problem.closed_by == drc
        assert "销号" in problem.closure_evidence
        assert problem.created_at < problem.closed_at < now
    # Past their deadline: all closed but a few (12 %, at least one), which are open and overdue.
    due = Problem.objects.filter(deadline__lt=TODAY)
    overdue = due.filter(status=Problem.Status.OPEN).count()
    assert overdue == max(1, round(due.count() * 0.12))
    assert due.filter(status=Problem.Status.CLOSED).count() > overdue
    assert Problem.objects.filter(status=Problem.Status.OPEN, closed_at__isnull=False).count() == 0

    for update in ProblemUpdate.objects.select_related("problem", "author"):
        problem = update.problem
        units = set(problem.responsible_units.values_list("pk", flat=True))
        assert update.author == drc or update.author.unit_id in units
        assert update.text
        assert problem.created_at < update.created_at < (problem.closed_at or now)
    counts = {problem.updates.count() for problem in Problem.objects.all()}
    assert counts <= {0, 1, 2}


def test_warnings_follow_the_monthly_runs(seeded):
    assert [(r.year, r.month) for r in WarningRun.objects.order_by("year", "month")] == RUN_MONTHS
    settings = WarningSettings.current()
    for run in WarningRun.objects.all():
        assert run.as_of == day_after_deadline(run.year, run.month)
        assert run.settings_used["lag_red"] == str(settings.lag_red)
        assert run.created_at == datetime.datetime.combine(run.as_of, datetime.time(8, 40), tzinfo=SHANGHAI)
    september, october, november = (WarningRun.objects.get(year=y, month=m) for y, m in RUN_MONTHS)
    assert september.warnings_created and not september.warnings_continued
    assert october.warnings_continued and november.warnings_continued

    automatic = ProjectWarning.objects.filter(manual=False)
    assert automatic.count() == sum(r.warnings_created for r in WarningRun.objects.all())
    for warning in automatic:
        assert (warning.year, warning.month) in RUN_MONTHS
        issued = datetime.datetime.combine(day_after_deadline(warning.year, warning.month), datetime.time(8, 40))
        assert warning.issued_at == issued.replace(tzinfo=SHANGHAI)
        assert warning.issued_by is None
        assert (warning.year, warning.month) <= (warning.last_year, warning.last_month)
        # one colour per warning: the highest of its reasons (the settings do not raise open warnings)
        assert warning.colour == services.highest(r["colour"] for r in warning.reasons)

    # The latest run: every project with reasons has its warning confirmed with exactly those reasons.
    period = ReportingPeriod.objects.get(year=2026, month=11)
    reasons = services.evaluate(period, day_after_deadline(2026, 11), settings)
    latest = ProjectWarning.objects.filter(manual=False, last_year=2026, last_month=11)
    assert set(latest.values_list("project_id", flat=True)) == set(reasons)
    for warning in latest:
        expected = [asdict(r) for r in reasons[warning.project_id]]
        assert warning.reasons[-len(expected) :] == expected
        assert warning.status != ProjectWarning.Status.RESOLVED


def test_colours_statuses_and_one_open_warning_per_project(seeded):
    assert set(ProjectWarning.objects.values_list("colour", flat=True)) == {"red", "yellow", "blue"}
    for warning in ProjectWarning.objects.all():
        assert COLOUR_RANK[warning.colour] == max(COLOUR_RANK[r["colour"]] for r in warning.reasons)
    open_per_project = {}
    for project_id in ProjectWarning.objects.exclude(status=ProjectWarning.Status.RESOLVED).values_list(
        "project_id", flat=True
    ):
        open_per_project[project_id] = open_per_project.get(project_id, 0) + 1
    assert max(open_per_project.values()) == 1

    oldest = ProjectWarning.objects.filter(year=2026, month=9, manual=False)
    statuses = {status: oldest.filter(status=status).count() for status in ProjectWarning.Status.values}
    assert statuses[ProjectWarning.Status.RESOLVED] and statuses[ProjectWarning.Status.RECTIFYING]
    assert 0.2 <= statuses[ProjectWarning.Status.RESOLVED] / oldest.count() <= 0.6

    drc = User.objects.get(username="drc")
    for warning in ProjectWarning.objects.filter(status=ProjectWarning.Status.RESOLVED):
        assert warning.resolved_by == drc and warning.resolution
        assert warning.issued_at < warning.resolved_at < warning.issued_at + datetime.timedelta(days=30)
    for warning in ProjectWarning.objects.exclude(measures="").select_related("project__responsible_unit"):
        assert warning.measures_by.unit_id == warning.project.responsible_unit_id
        assert warning.issued_at < warning.measures_at
    assert not ProjectWarning.objects.filter(status=ProjectWarning.Status.RECTIFYING, measures="").exists()


def test_escalation_and_manual_warnings(seeded):
    escalated = ProjectWarning.objects.filter(escalated_at__isnull=False)
    assert escalated.exists()
    for warning in escalated:
        assert warning.status != ProjectWarning.Status.RESOLVED
        due = services.escalation_due(warning)
        assert due <= TODAY
        assert warning.escalated_at == datetime.datetime.combine(due, datetime.time(9), tzinfo=SHANGHAI)
    for warning in ProjectWarning.objects.filter(escalated_at__isnull=True):
        assert warning.status == ProjectWarning.Status.RESOLVED or services.escalation_due(warning) > TODAY
    assert set(escalated.values_list("year", "month")) == {(2026, 9)}

    manual = ProjectWarning.objects.filter(manual=True)
    assert manual.count() >= 2
    drc = User.objects.get(username="drc")
    for warning in manual:
        assert warning.issued_by == drc
        assert [r["rule"] for r in warning.reasons] == ["manual"]
        assert ProjectWarning.objects.filter(project_id=warning.project_id).count() == 1
        local = warning.issued_at.astimezone(SHANGHAI)
        assert (warning.year, warning.month) == (local.year, local.month)


def test_history_rows_have_their_user_and_the_units(seeded):
    for model in (Problem, ProblemUpdate, ProjectWarning):
        history = model.history.all()
        assert history.exists()
        assert not history.filter(history_user__isnull=True).exists(), model
        assert history.filter(history_type="+").count() == model.objects.count()
    assert not WarningSettings.history.filter(history_user__isnull=True).exists()
    # Every problem history row holds its units, as simple-history's m2m_fields writes them.
    m2m = Problem.history.model.responsible_units.model.objects
    through = Problem.responsible_units.through.objects
    for record in Problem.history.all()[:50]:
        assert set(m2m.filter(history_id=record.history_id).values_list("unit_id", flat=True)) == set(
            through.filter(problem_id=record.id).values_list("unit_id", flat=True)
        )
    # A closed problem's history: raised by the reporter, deadline by DRC, closed by DRC.
    problem = Problem.objects.filter(status=Problem.Status.CLOSED).first()
    entries = problem_history(problem)
    assert [e.user.username for e in reversed(entries)] == [problem.raised_by.username, "drc", "drc"]
    deadline_label = str(Problem._meta.get_field("deadline").verbose_name)
    assert [c.label for c in entries[1].changes] == [deadline_label]
    # A warning's timeline: issued by the run, then continued/measures/resolution/escalation in order.
    for warning in ProjectWarning.objects.exclude(status=ProjectWarning.Status.ISSUED)[:20]:
        records = list(warning.history.order_by("history_date", "history_id"))
        assert records[0].history_type == "+" and records[-1].status == warning.status
        assert [r.history_date for r in records] == sorted(r.history_date for r in records)

