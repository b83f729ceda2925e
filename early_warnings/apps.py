from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def ensure_warning_settings(apps) -> None:
    """Create the single warning-settings row with the model's defaults, once, on record under system:migration.

    Called by migration 0003 (with the migration's models, which record no history: the
    history row is written here) and after every migrate or flush (a flush empties the table
    and the rules cannot run without it), like the role groups and reserve levels.
    """
    from ganzhou_projects.audit import save_with_history, system_actor

    model = apps.get_model("early_warnings", "WarningSettings")
    if model.objects.exists():
        return
    actor = system_actor("migration", apps=apps)
    reason = gettext("The default warning settings, set up with the system.")
    row = model()
    if hasattr(model, "history"):  # the live models: simple-history writes the history row
        save_with_history(row, actor, reason=reason)
        return
    row.save()
    history = apps.get_model("early_warnings", "HistoricalWarningSettings")
    values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    history.objects.create(
        **values, history_date=timezone.now(), history_type="+", history_user=actor, history_change_reason=reason
    )


def _ensure_warning_settings(sender, **kwargs):
    ensure_warning_settings(kwargs.get("apps") or global_apps)


class EarlyWarningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "early_warnings"
    verbose_name = _("Problem ledger and warnings")

    def ready(self):
        from dispatch.project_flags import register_project_flags
        from dispatch.submit_handlers import on_report_submitted
        from projects.history_sources import register_history_source

        from .ledger import take_over_reported_problems
        from .selectors import open_warning_flags, project_warning_histories

        # Problems raised in a submitted monthly report land in the ledger (seed 000 §1.2).
        post_migrate.connect(_ensure_warning_settings, sender=self)
        on_report_submitted(take_over_reported_problems)
        # Open warnings show on dispatch's monthly overview.
        register_project_flags(open_warning_flags)
        register_history_source(project_warning_histories)  # and their history on the project's 变更记录 tab
