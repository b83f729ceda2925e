from django.db import migrations

# The list's text search is `icontains` on four columns. A trigram index (0007) serves a term of three characters
# or more; a two-character Chinese term (改造, 道路) has no trigram and scanned the table. This index holds each
# project's character bigrams of the four columns (upper-cased, as `icontains` compares): a term is in one of them
# only if every bigram of the term is among the project's, so `projects.selectors.project_list` narrows its
# search with that test (an index lookup) and keeps `icontains` for the exact answer. An expression index:
# PostgreSQL computes it on every write, so no write path can leave it behind. pg_bigm would do the same but is
# not part of stock PostgreSQL.
FUNCTION = """
CREATE OR REPLACE FUNCTION projects_search_grams(VARIADIC parts text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(u.text, i, 2)), '{}')
    FROM unnest(parts) AS p(part)
    CROSS JOIN LATERAL (SELECT upper(p.part) AS text) u
    CROSS JOIN LATERAL generate_series(1, length(u.text) - 1) AS i
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS project_search_bigrams ON projects_project "
    "USING gin (projects_search_grams(name, owner_name, location, national_code))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (`make run` without DATABASE_URL) scans; it holds a demo, not a province
    schema_editor.execute(FUNCTION)
    schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS project_search_bigrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS projects_search_grams(VARIADIC text[])")


class Migration(migrations.Migration):
    """A bigram index for the project search's two-character terms (issue 14)."""

    dependencies = [
        ("projects", "0008_user_groups_history"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
