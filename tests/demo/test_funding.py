"""seed_demo's pre-project fee grants: this year's pool and grants at every step, written as the demo accounts."""

from io import StringIO

import pytest
from django.core.management import call_command

from funding import selectors
from funding.models import FeeGrant, GrantStatus


@pytest.fixture
def seeded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", projects=300, months=2, today="2026-11-21", stdout=StringIO())


def test_the_demo_has_a_pool_and_grants_at_every_step(seeded):
    statuses = set(FeeGrant.objects.values_list("status", flat=True))
    assert {GrantStatus.APPROVED, GrantStatus.FINANCE_REVIEW, GrantStatus.DRC_REVIEW, GrantStatus.RETURNED} <= statuses
    figures = selectors.figures_of_year(2026)
    assert figures.pool.amount > figures.committed > figures.disbursed > figures.spent > 0
    for grant in FeeGrant.objects.select_related("project", "submitted_by"):
        assert grant.submitted_by.unit_id == grant.project.responsible_unit_id
        assert not selectors.grants_for_user(grant.submitted_by).exclude(unit=grant.submitted_by.unit).exists()
