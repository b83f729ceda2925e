"""Chain every history row written so far and install the chain trigger on every history table.

Later history tables (new apps, new models) are chained by the post_migrate receiver (auditlog.apps).
"""

from django.db import migrations

from auditlog.chain import install_from_migration


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0001_initial"),
        ("projects", "0007_project_search_trigram"),
        ("dispatch", "0007_over_plan_label"),
        ("early_warnings", "0003_warning_settings_row"),
        ("notifications", "0002_history_reason_text"),
    ]

    operations = [migrations.RunPython(install_from_migration, migrations.RunPython.noop)]
