"""The project search's trigram indexes: present after migrating, used for Chinese substrings, same results."""

from django.db import connection
from django.urls import reverse

from projects.models import Project
from tests.factories import ProjectFactory

INDEXES = {"project_name_trgm", "project_owner_name_trgm", "project_location_trgm", "project_national_code_trgm"}


def test_the_migration_creates_the_extension_and_the_indexes(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [Project._meta.db_table])
        found = dict(cursor.fetchall())
    assert set(found) >= INDEXES
    assert "gin" in found["project_name_trgm"] and "upper" in found["project_name_trgm"]


def test_chinese_substring_search_uses_the_index(db, town_a):
    ProjectFactory.create_batch(3, responsible_unit=town_a)
    ProjectFactory(name="梁家墩镇设施农业产业园建设项目", responsible_unit=town_a)
    query = Project.objects.filter(name__icontains="农业产业园")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show what it can use
        plan = query.explain()
    assert "project_name_trgm" in plan, plan
    assert [p.name for p in query] == ["梁家墩镇设施农业产业园建设项目"]


def test_list_search_finds_substrings_of_each_searched_field(client, drc, town_a):
    ProjectFactory(name="上秦镇肉牛养殖基地建设项目", responsible_unit=town_a)
    ProjectFactory(name="光伏发电项目", owner_name="甘州区能源投资有限公司", responsible_unit=town_a)
    ProjectFactory(name="物流园项目", location="甘州区党寨镇", national_code="2026-620702-54-01-000123")
    ProjectFactory(name="Solar Park", responsible_unit=town_a)
    client.force_login(drc)

    def names(q):
        page = client.get(reverse("projects:project_list"), {"q": q}).context["page"]
        return {p.name for p in page.object_list}

    assert names("肉牛") == {"上秦镇肉牛养殖基地建设项目"}  # two characters: fewer than a trigram, still found
    assert names("养殖基地") == {"上秦镇肉牛养殖基地建设项目"}
    assert names("能源投资") == {"光伏发电项目"}
    assert names("党寨") == {"物流园项目"}
    assert names("54-01-000") == {"物流园项目"}
    assert names("solar") == names("SOLAR") == {"Solar Park"}
