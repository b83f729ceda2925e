"""Admin pages of records that have rules are read-only: their writes go through the services.

The admin stays useful to administrators for looking things up (and each record's history);
changing a project, a list entry, a ledger problem or a log happens in the app's own screens,
whose services check the rules and record the acting user and reason.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """A record with history: viewable with its history, not editable."""


class ReadOnlyLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """An operational log without history (deliveries, job runs)."""


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
