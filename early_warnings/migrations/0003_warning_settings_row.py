"""The single warning-settings row, with the defaults of the model (current() only reads it)."""

from django.conf import settings
from django.db import migrations


def create_settings(apps, schema_editor):
    from early_warnings.apps import ensure_warning_settings

    ensure_warning_settings(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("early_warnings", "0002_history_reason_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
