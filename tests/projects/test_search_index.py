"""The project search's trigram and bigram indexes: present after migrating, used for Chinese substrings, same
results."""

from django.db import connection
from django.urls import reverse

from projects.models import Project
from projects.selectors import ProjectFilters, project_list
from tests.factories import ProjectFactory

INDEXES = {"project_name_trgm", "project_owner_name_trgm", "project_location_trgm", "project_national_code_trgm"}


def index_plan(query) -> str:
    """The plan of the query's search alone (no ordering, no joins) when the table may only be read through a
    bitmap of an index: with a handful of rows the planner would rather scan, or walk another index in order
    (which one depends on the table's statistics of the moment), so it is made to show what it can use."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        return query.order_by().values("pk").explain()


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
    plan = index_plan(query)
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


def test_a_two_character_term_uses_the_bigram_index(db, drc, town_a):
    ProjectFactory.create_batch(3, responsible_unit=town_a)
    ProjectFactory(name="梁家墩镇道路改造项目", responsible_unit=town_a)
    query = project_list(drc, ProjectFilters(text="改造"))
    plan = index_plan(query)
    assert "project_search_bigrams" in plan, plan
    assert [p.name for p in query] == ["梁家墩镇道路改造项目"]


def test_the_bigram_narrowing_keeps_what_icontains_finds_through_every_write_path(db, drc, town_a):
    """The index is an expression of the row: a create, a save, a bulk insert and a queryset update all show."""
    one = ProjectFactory(name="道路改造工程", location="甘州区党寨镇", responsible_unit=town_a)
    Project.objects.bulk_create([ProjectFactory.build(name="Solar Park二期", responsible_unit=town_a)])
    two = ProjectFactory(name="其他", owner_name="改道有限公司", responsible_unit=town_a)

    def same_as_icontains():
        for text in [
            "改造",
            "道路",
            "改道",
            "道路改造",
            "改道路",
            "ar",
            "sOLAR",
            "党寨",
            "甘州区党寨镇",
            "20",
            "改",
            "x",
        ]:
            found = set(project_list(drc, ProjectFilters(text=text)).values_list("pk", flat=True))
            fields = ("name", "owner_name", "location", "national_code")
            plain = Project.objects.none()
            for field in fields:
                plain = plain | Project.objects.filter(**{f"{field}__icontains": text})
            assert found == set(plain.values_list("pk", flat=True)), text

    same_as_icontains()
    one.name = "水利工程"
    one.save()
    Project.objects.filter(pk=two.pk).update(national_code="2026-620702-54-01-000999", owner_name="")
    same_as_icontains()
    assert set(project_list(drc, ProjectFilters(text="99")).values_list("pk", flat=True)) == {two.pk}
