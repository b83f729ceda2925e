from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ganzhou_projects.admin_base import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    ListAdjustment,
    ListEntry,
    PolicyFundItem,
    Project,
    ProjectYearPlan,
    ReserveLevel,
    Unit,
    User,
)

admin.site.site_header = _("Ganzhou District key-project coordination · administration")
admin.site.site_title = _("Ganzhou key projects")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "unit_type", "contact_name", "contact_phone", "sort_order"]
    list_filter = ["unit_type"]
    search_fields = ["name", "code"]


@admin.register(User)
class GanzhouUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "unit", "email", "is_active"]
    list_filter = ["groups", "unit__unit_type", "is_active"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["unit"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Unit"), {"fields": ["unit", "full_name", "phone"]}),
    ]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    """Projects change in the app (project_update moves the unit's permissions and the reserve entry)."""

    list_display = ["name", "responsible_unit", "sector", "stage", "total_investment"]
    list_filter = ["stage", "sector", "responsible_unit__unit_type"]
    search_fields = ["name", "owner_name", "national_code"]
    list_select_related = ["responsible_unit"]
    raw_id_fields = ["leader"]


class PolicyFundItemInline(ReadOnlyInline):
    model = PolicyFundItem


@admin.register(ProjectYearPlan)
class ProjectYearPlanAdmin(ReadOnlyAdmin):
    """The three lists change in the app (year_plan_save checks that the months sum to the target)."""

    list_display = ["project", "year", "annual_target", "planned_start_date"]
    list_filter = ["year"]
    raw_id_fields = ["project"]
    inlines = [PolicyFundItemInline]


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    """List moves happen in the app (list_add / list_remove keep the adjustment and its reason)."""

    list_display = ["project", "kind", "year", "is_active", "in_comprehensive", "joined_on", "left_on"]
    list_filter = ["kind", "year", "is_active"]
    raw_id_fields = ["project"]


@admin.register(ListAdjustment)
class ListAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["entry", "action", "quarter", "reason", "acting_user", "created_at"]
    list_filter = ["action", "quarter"]
    raw_id_fields = ["entry"]


@admin.register(ReserveLevel)
class ReserveLevelAdmin(SimpleHistoryAdmin):
    list_display = ["view", "minimum_total"]
