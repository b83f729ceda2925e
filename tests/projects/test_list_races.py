"""List moves and project edits at the same time: no second entry, no second removal, no edit lost.

Real concurrent transactions (each in its own thread and connection).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.models import AdjustmentAction, ListAdjustment, ListEntry, ListKind, Project, Stage
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = datetime.date(2026, 4, 10)


def add_to_reserve(project, user, reason="季度调整"):
    return lambda: services.list_add(
        project=project, kind=ListKind.RESERVE, year=None, reason=reason, acting_user=user, today=TODAY
    )


@pytest.fixture
def concept(project_a):
    project_a.stage = Stage.CONCEPT
    project_a.save()
    return project_a


def test_two_adds_make_one_active_entry(concept, drc):
    first, second = race(add_to_reserve(concept, drc), add_to_reserve(concept, drc, reason="重复提交"))
    first.get()
    with pytest.raises(ValidationError) as refused:
        second.get()
    assert refused.value.messages == [f"“{concept.name}”已在该清单中。"]
    assert ListEntry.objects.filter(project=concept, is_active=True).count() == 1
    assert ListAdjustment.objects.filter(entry__project=concept).count() == 1


def test_two_removals_of_one_entry_remove_once(concept, drc):
    entry = add_to_reserve(concept, drc)()
    stale = ListEntry.objects.get(pk=entry.pk)
    first, second = race(
        lambda: services.list_remove(entry=entry, reason="不再储备", acting_user=drc, today=TODAY),
        lambda: services.list_remove(entry=stale, reason="重复操作", acting_user=drc, today=TODAY),
    )
    first.get()
    with pytest.raises(ValidationError, match="该项目已调出该清单"):
        second.get()
    removals = ListAdjustment.objects.filter(entry=entry, action=AdjustmentAction.REMOVE)
    assert list(removals.values_list("reason", flat=True)) == ["不再储备"]


def test_a_removed_entry_is_not_put_back_in_the_comprehensive_reserve(concept, drc):
    entry = add_to_reserve(concept, drc)()
    stale = ListEntry.objects.get(pk=entry.pk)
    first, second = race(
        lambda: services.list_remove(entry=entry, reason="不再储备", acting_user=drc, today=TODAY),
        lambda: services.reserve_set_comprehensive(entry=stale, in_comprehensive=True, acting_user=drc),
    )
    first.get()
    with pytest.raises(ValidationError):
        second.get()
    entry.refresh_from_db()
    assert (entry.is_active, entry.in_comprehensive) == (False, False)


def test_two_edits_of_different_fields_both_stay(concept, drc):
    stale = Project.objects.get(pk=concept.pk)
    first, second = race(
        lambda: services.project_update(project=concept, acting_user=drc, owner_phone="0936-8211111"),
        lambda: services.project_update(project=stale, acting_user=drc, location="甘州区梁家墩镇六号村"),
    )
    first.get()
    second.get()
    concept.refresh_from_db()
    assert (concept.owner_phone, concept.location) == ("0936-8211111", "甘州区梁家墩镇六号村")


def test_a_stage_move_and_a_removal_at_once_close_the_entry_once(concept, drc):
    entry = add_to_reserve(concept, drc)()
    stale = ListEntry.objects.get(pk=entry.pk)
    move, remove = race(
        lambda: services.project_update(project=concept, acting_user=drc, stage=Stage.NEW_START, today=TODAY),
        lambda: services.list_remove(entry=stale, reason="不再储备", acting_user=drc, today=TODAY),
    )
    move.get()
    with pytest.raises(ValidationError):
        remove.get()
    assert ListAdjustment.objects.filter(entry=entry, action=AdjustmentAction.REMOVE).count() == 1
