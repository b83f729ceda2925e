from django.contrib import admin

from ganzhou_projects.admin_base import ReadOnlyAdmin, ReadOnlyInline

from .models import Problem, ProblemUpdate

# --- Problem ledger ---


class ProblemUpdateInline(ReadOnlyInline):
    model = ProblemUpdate
    fields = ["created_at", "author", "text"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["author"]


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    """Ledger problems change in the app: closing (销号) needs evidence and records who closed it."""

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

    inlines = [ProblemUpdateInline]


@admin.register(ProblemUpdate)
class ProblemUpdateAdmin(ReadOnlyAdmin):
    list_display = ["problem", "author", "created_at"]
    search_fields = ["text"]
    list_select_related = ["problem__project", "author"]
    raw_id_fields = ["problem", "author"]
