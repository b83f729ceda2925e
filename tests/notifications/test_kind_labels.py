"""Every kind of notice the apps send reads in words in the sent log, never as its internal key."""

import re
from pathlib import Path

from django.utils import translation

from notifications.kinds import kind_label

ROOT = Path(__file__).resolve().parents[2]
APPS = ("projects", "dispatch", "early_warnings", "funding", "notifications", "exports", "meetings")
# kind="…" arguments, and the kinds passed to early_warnings' _notify_warning(warning, "…").
SENT_KIND = re.compile(r'(?:kind=|_notify_warning\(\w+, )"([a-z_]+)"(?: if [^\n]*? else "([a-z_]+)")?')


def test_every_kind_sent_has_a_label():
    kinds = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in SENT_KIND.finditer(path.read_text(encoding="utf-8")):
                kinds.update(k for k in match.groups() if k)
    assert {"report_returned", "review_digest", "warning_measures", "warning_issued"} <= kinds
    with translation.override("zh-hans"):
        unlabelled = sorted(kind for kind in kinds if kind_label(kind) == kind)
    assert unlabelled == []
