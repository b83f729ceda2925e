import pytest
from decimal import Decimal
from projects.selectors import projects_for_user

def test_smoke(reporter_a, reporter_b, project_a, project_b, drc, auditor, django_assert_max_num_queries):
    assert list(projects_for_user(reporter_a)) == [project_a]
    assert list(projects_for_user(reporter_b, "change")) == [project_b]
    assert set(projects_for_user(drc)) == {project_a, project_b}
    assert set(projects_for_user(auditor)) == {project_a, project_b}
    assert list(projects_for_user(auditor, "change")) == []
