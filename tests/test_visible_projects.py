"""access.visible_projects_q: no semi-join for those who see every project, the unit's projects for its staff."""

from early_warnings.models import ProjectWarning
from projects import access
from projects.models import Project
from tests.factories import ProjectFactory


def test_who_sees_every_project_gets_no_filter_and_the_others_their_units(
    db, drc, leader, auditor, reporter_a, town_a, town_b
):
    own, other = ProjectFactory(responsible_unit=town_a), ProjectFactory(responsible_unit=town_b)
    for user in (drc, leader, auditor):
        assert access.sees_every_project(user)
        assert access.visible_projects_q(user) == access.Q()
    assert not access.sees_every_project(auditor, "change")  # auditors read everything and change nothing
    assert not Project.objects.filter(access.visible_projects_q(auditor, "pk", "change")).exists()
    assert not access.sees_every_project(reporter_a)
    assert list(Project.objects.filter(access.visible_projects_q(reporter_a, "pk"))) == [own]
    assert "IN (SELECT" in str(ProjectWarning.objects.filter(access.visible_projects_q(reporter_a)).query)
    assert other not in Project.objects.filter(access.visible_projects_q(reporter_a, "pk", "change"))
