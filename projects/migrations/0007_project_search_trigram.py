from django.db import migrations

# The list's and the pickers' text search is `icontains`, which PostgreSQL runs as
# UPPER(column) LIKE UPPER('%…%'): a trigram index on that same UPPER() expression serves it,
# Chinese substrings included (pg_trgm splits CJK text into trigrams under a UTF-8 LC_CTYPE
# such as C.UTF-8 or zh_CN.UTF-8; under LC_CTYPE=C it would not).
SEARCHED_COLUMNS = ("name", "owner_name", "location", "national_code")
TABLE = "projects_project"


def index_name(column):
    return f"project_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (`make run` without DATABASE_URL) scans; it holds a demo, not a province
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it without superuser.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {index_name(column)} ON {TABLE} USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    """Trigram indexes for the project search at province scale (tens of thousands of projects)."""

    dependencies = [
        ("projects", "0006_history_append_only"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
