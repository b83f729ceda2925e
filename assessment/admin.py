from django.contrib import admin

from ganzhou_projects.admin_base import ReadOnlyAdmin

from .models import Adjustment, Assessment, ScoringScheme

# Every write of the assessment goes through its services (DRC's pages): a reason on record, published
# tables frozen. The admin only looks things up.


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(ReadOnlyAdmin):
    list_display = ["effective_from", "weight_timeliness", "weight_investment", "weight_start"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["year", "quarter", "group", "published_at", "published_by"]
    list_filter = ["year", "group"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["year", "unit", "points", "created_by", "created_at"]
    list_filter = ["year"]
