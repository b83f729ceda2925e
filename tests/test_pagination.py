"""NarrowPaginator gives the same pages in the same order as Django's Paginator."""

from django.core.paginator import Paginator

from ganzhou_projects.pagination import NarrowPaginator
from projects.models import Project
from tests.factories import ProjectFactory


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
