"""History tables refuse UPDATE, DELETE and TRUNCATE on PostgreSQL (see ganzhou_projects.history_guard).

Depends on the latest migration of every app with history models, so every history table exists.
Reversing leaves the triggers in place: history stays append-only.
"""

from django.db import migrations

from ganzhou_projects.history_guard import install_from_migration


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_history_reason_text"),
        ("dispatch", "0004_history_reason_text"),
        ("early_warnings", "0002_history_reason_text"),
        ("notifications", "0002_history_reason_text"),
    ]

    operations = [migrations.RunPython(install_from_migration, migrations.RunPython.noop)]
