"""NarrowPaginator and GroupedPaginator give the same pages in the same order as Django's Paginator."""

from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.db.models import Sum

from ganzhou_projects.pagination import GroupedPaginator, NarrowPaginator
from projects.models import Project
from tests.factories import ProjectFactory, UnitFactory


def test_the_same_pages_in_the_same_order(db, town_a, town_b):
    for i in range(7):
        ProjectFactory(responsible_unit=town_a if i % 2 else town_b, name=f"项目{i % 3}")
    projects = Project.objects.select_related("responsible_unit").order_by("responsible_unit__sort_order", "name", "id")
    for number in (1, 2, 3, 99):
        narrow = NarrowPaginator(projects, 3, orphans=1).get_page(number)
        plain = Paginator(projects, 3, orphans=1).get_page(number)
        assert [p.pk for p in narrow.object_list] == [p.pk for p in plain.object_list]
        assert (narrow.number, narrow.paginator.num_pages) == (plain.number, plain.paginator.num_pages)
    assert len(NarrowPaginator(projects, 3, orphans=1).get_page(2).object_list) == 4  # the orphan joins the last page


def test_totals_read_with_the_ids_give_the_same_pages_count_and_totals(db, town_a, town_b):
    for i in range(7):
        ProjectFactory(responsible_unit=town_a if i % 2 else town_b, name=f"项目{i % 3}", total_investment=100 + i)
    projects = Project.objects.select_related("responsible_unit")
    projects = projects.order_by("responsible_unit__sort_order", "-name", "id")
    for number in (1, 2, 3, 99, 0, -1, "x", None):
        windowed = NarrowPaginator(projects, 3, orphans=1, totals={"total": Sum("total_investment")}).get_page(number)
        plain = Paginator(projects, 3, orphans=1).get_page(number)
        assert [p.pk for p in windowed.object_list] == [p.pk for p in plain.object_list], number
        assert (windowed.number, windowed.paginator.num_pages) == (plain.number, plain.paginator.num_pages)
        assert windowed.totals == {"count": 7, "total": Decimal(sum(100 + i for i in range(7)))}


def test_totals_of_a_page_are_one_query_and_of_nothing_are_none(db, town_a, django_assert_num_queries):
    for i in range(4):
        ProjectFactory(responsible_unit=town_a, name=f"项目{i}")
    projects = Project.objects.order_by("name", "id")
    with django_assert_num_queries(2):  # the ids with the count and totals, then the page's rows
        page = NarrowPaginator(projects, 3, totals={"total": Sum("total_investment")}).get_page(2)
    assert [p.name for p in page.object_list] == ["项目3"]
    assert page.totals["count"] == 4
    with django_assert_num_queries(1):
        empty = NarrowPaginator(projects.filter(name="无"), 3, totals={"total": Sum("total_investment")}).get_page(1)
    assert list(empty.object_list) == []
    assert empty.totals == {"count": 0, "total": None}
    assert empty.paginator.num_pages == 1


def test_a_given_count_saves_the_count_query(db, town_a, django_assert_num_queries):
    for i in range(4):
        ProjectFactory(responsible_unit=town_a, name=f"项目{i}")
    with django_assert_num_queries(2):  # the page's ids, then its rows
        page = NarrowPaginator(Project.objects.order_by("name", "id"), 3, count=4).get_page(2)
    assert [p.name for p in page.object_list] == ["项目3"]


def test_grouped_pages_are_the_same_pages_in_the_same_order(db, django_assert_num_queries):
    """Groups of 0 to 5 rows, ties in the leading key (two units with one sort order), orphans, the ends."""
    units = [UnitFactory(sort_order=order) for order in (3, 1, 2, 2, 5)]
    for i, unit in enumerate(units):
        for j in range(i + 1 if i != 4 else 0):
            ProjectFactory(responsible_unit=unit, name=f"项目{(i * 7 + j) % 4}")
    projects = Project.objects.select_related("responsible_unit").order_by("responsible_unit__sort_order", "name", "id")
    for per_page, orphans in ((1, 0), (2, 0), (3, 1), (4, 0), (50, 0)):
        for number in (1, 2, 3, 4, 5, 6, 99, 0, -1, "x", None):
            grouped = GroupedPaginator(projects, per_page, orphans=orphans).get_page(number)
            plain = Paginator(projects, per_page, orphans=orphans).get_page(number)
            assert [p.pk for p in grouped.object_list] == [p.pk for p in plain.object_list], (per_page, number)
            assert (grouped.number, grouped.paginator.num_pages, grouped.paginator.count) == (
                plain.number,
                plain.paginator.num_pages,
                plain.paginator.count,
            )
    with django_assert_num_queries(3):  # the groups (and count), the page's ids, its rows
        GroupedPaginator(projects, 2).get_page(2)
    empty = GroupedPaginator(projects.filter(name="无"), 2).get_page(1)
    assert (list(empty.object_list), empty.paginator.count, empty.paginator.num_pages) == ([], 0, 1)
    with pytest.raises(ValueError):
        GroupedPaginator(projects.order_by("-responsible_unit__sort_order"), 2)
