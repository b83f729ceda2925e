from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Problem, ProblemUpdate

# --- Problem ledger ---


class ProblemUpdateInline(admin.TabularInline):
    model = ProblemUpdate
    extra = 0
    fields = ["created_at", "author", "text"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["author"]


@admin.register(Problem)
class ProblemAdmin(SimpleHistoryAdmin):
    list_display = [
        "project",
        "category",
        "level",
        "deadline",
        "status",
        "for_district_agenda",
        "raised_year",
        "raised_month",
    ]
    list_filter = ["status", "category", "level", "for_district_agenda"]
    search_fields = ["description", "project__name"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "raised_by", "closed_by", "source"]
    filter_horizontal = ["responsible_units"]

    def has_change_permission(self, request, obj=None):
        # A closed (销号) problem is on record as it was closed: read-only here as in the app.
        if obj is not None and obj.status == Problem.Status.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    inlines = [ProblemUpdateInline]


@admin.register(ProblemUpdate)
class ProblemUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["problem", "author", "created_at"]
    search_fields = ["text"]
    list_select_related = ["problem__project", "author"]
    raw_id_fields = ["problem", "author"]
