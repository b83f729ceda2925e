"""The global change log as an Excel file, streamed: a background export job of the export registry.

The workbook is written in openpyxl's write-only mode, a keyset page of the log at a time, so a
range of a million rows never sits in memory; one row per field change (who, when, record kind,
record, action, reason, field, old value, new value). Every cell goes through
``ganzhou_projects.xlsx`` (formula-like text is stored as text).
"""

import tempfile

from django.utils import timezone
from django.utils.translation import gettext_lazy

from exports.registry import Built, ExportKind, JobPage, Progress
from ganzhou_projects.xlsx import HEADER_FONT, write_only_row
from projects import access

from .forms import filters_from_params
from .selectors import iter_log, log_count

AUDIT_LOG = "audit_log"
HEADERS = ["时间", "操作人", "记录类型", "记录", "操作", "原因", "字段", "原值", "新值"]


def build_audit_log(params: dict, *, user, progress: Progress) -> Built:
    from openpyxl import Workbook

    filters = filters_from_params(params)
    total = max(log_count(filters), 1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("变更记录")
    write_only_row(sheet, ["甘州区重点项目变更记录"], font=HEADER_FONT)
    write_only_row(sheet, HEADERS, font=HEADER_FONT)
    done = 0
    for page in iter_log(filters):
        for event in page.events:
            head = [
                event.when.strftime("%Y-%m-%d %H:%M:%S"),
                event.actor,
                event.model_label,
                event.object_label,
                event.kind_label,
                event.reason,
            ]
            if not event.changes:
                write_only_row(sheet, [*head, "", "", ""])
            for change in event.changes:
                write_only_row(sheet, [*head, change.label, change.old, change.new])
        done += len(page.events)
        progress(min(99, done * 100 // total), f"{done} / {total}")
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the export runner closes it)
    workbook.save(handle)
    handle.seek(0)
    return f"变更记录_{timezone.localdate():%Y%m%d}.xlsx", handle


def describe(params: dict) -> JobPage:
    from django.urls import reverse

    parts = [params.get("date_from") or "", params.get("date_to") or ""]
    note = "时间范围：" + "至".join(p or "不限" for p in parts) if any(parts) else "全部时间"
    return JobPage(note=note, back_url=reverse("auditlog:log"), back_label="← 返回变更记录")


AUDIT_LOG_EXPORT = ExportKind(
    key=AUDIT_LOG,
    label=gettext_lazy("Change log"),
    build=build_audit_log,
    may_start=lambda user, params: access.may_read_history(user),
    describe=describe,
)
