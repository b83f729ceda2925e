from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ganzhou_projects.admin_base import ReadOnlyAdmin, ReadOnlyLogAdmin

from .models import CalendarDay, EmailDelivery, HolidayYear, JobRun, Notice


@admin.register(HolidayYear)
class HolidayYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "source", "note"]


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Notices are a record of what was sent: never edited."""

    list_display = ["title", "kind", "object_key", "period_key", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "body"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyLogAdmin):
    list_display = ["address", "status", "attempts", "sent_at", "notice"]
    list_filter = ["status"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyLogAdmin):
    list_display = ["job", "as_of", "started_at", "finished_at", "notices_created"]
    list_filter = ["job"]
