"""Two Finance approvals at once on one pool: the pool is never over-committed (PostgreSQL, two real transactions).

Both grants fit the pool alone, not together. The second approval starts while the first holds the
pool's row lock; once the first commits, the second sees what is left and is refused.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding import selectors, services
from funding.models import FeeGrant, GrantStatus
from tests.concurrency import race

from .conftest import apply, reserve_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_proposed(department, drc, applicant, pool):
    grants = []
    for index in (1, 2):
        project = reserve_project(department, drc, name=f"竞争项目{index}", code=f"R-{index}")
        grant = apply(project, applicant, amount="600", attachments=[])
        grants.append(
            services.grant_drc_review(
                grant=grant, decision="propose", amount=Decimal("600"), opinion="符合", acting_user=drc
            )
        )
    return grants


def test_two_concurrent_approvals_never_over_commit_the_pool(two_proposed, finance_a, finance_b):
    first, second = two_proposed

    def approve(grant, user):
        return lambda: services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("600"), opinion="同意", acting_user=user
        )

    won, lost = race(approve(first, finance_a), approve(second, finance_b))
    assert won.get().status == GrantStatus.APPROVED
    with pytest.raises(ValidationError) as error:
        lost.get()
    assert "资金池余额不足：尚可安排 400.00 万元" in " ".join(error.value.messages)
    assert FeeGrant.objects.get(pk=second.pk).status == GrantStatus.FINANCE_REVIEW
    figures = selectors.figures_of_year(2026)
    assert figures.committed == Decimal("600.00")
    assert figures.remaining == Decimal("400.00")


def test_two_concurrent_approvals_that_fit_both_pass(two_proposed, finance_a, finance_b):
    first, second = two_proposed

    def approve(grant, user, amount):
        return lambda: services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal(amount), opinion="同意", acting_user=user
        )

    won, other = race(approve(first, finance_a, "500"), approve(second, finance_b, "500"))
    won.get()
    other.get()
    assert selectors.figures_of_year(2026).committed == Decimal("1000.00")


def test_two_reviewers_on_one_grant_one_wins(two_proposed, finance_a, finance_b):
    grant = two_proposed[0]
    stale = FeeGrant.objects.get(pk=grant.pk)

    won, lost = race(
        lambda: services.grant_finance_review(
            grant=grant, decision="approve", amount=Decimal("100"), opinion="同意", acting_user=finance_a
        ),
        lambda: services.grant_finance_review(grant=stale, decision="reject", opinion="不同意", acting_user=finance_b),
    )
    won.get()
    with pytest.raises(ValidationError) as error:
        lost.get()
    assert "不在财政局审核环节" in " ".join(error.value.messages)
    assert FeeGrant.objects.get(pk=grant.pk).status == GrantStatus.APPROVED
