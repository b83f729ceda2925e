"""The export registry: every kind of background export, registered by the app that owns it.

An app describes its export once as an `ExportKind` and registers it in its
AppConfig.ready, one line:

    register(OFFICIAL_TABLES_EXPORT)

The job runner (exports.services.export_job_run) looks the builder up by the
job's kind, so adding a kind touches nothing here. This module imports no app of
the project: projects, dispatch and funding all sit above it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ImproperlyConfigured

# progress(percent 0–100, a short message shown beside the bar)
Progress = Callable[[int, str], None]
# (file name the user downloads, the content: bytes or a binary file open for reading)
Built = tuple[str, bytes | IO[bytes]]


@dataclass(frozen=True)
class JobPage:
    """What the job page shows about a kind's parameters, besides the label and the progress bar."""

    heading: str = ""  # after the label in the heading, e.g. "2026年11月"
    note: str = ""  # a line under the heading, e.g. "全区的报表。"
    back_url: str = ""
    back_label: str = ""


@dataclass(frozen=True)
class ExportKind:
    """One kind of export.

    `build(params, user=…, progress=…)` writes the file of a job from its JSON
    parameters for the job's owner and returns `(file name, bytes or file)`;
    it may call `progress` as it goes. `may_start(user, params)` answers who may
    ask for it — an access-policy function of projects/access.py, or a thin
    wrapper around one. `describe(params)` fills the job page (optional).
    """

    key: str
    label: Any  # a lazy translation: resolved in the user's language when shown
    build: Callable[..., Built]
    may_start: Callable[[Any, dict], bool]
    describe: Callable[[dict], JobPage] | None = None


_kinds: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    """Add a kind; a key registered twice is a programming error (two apps would fight over its jobs)."""
    if kind.key in _kinds:
        raise ImproperlyConfigured(f"The export kind {kind.key!r} is already registered.")
    if len(kind.key) > 30:
        raise ImproperlyConfigured(f"The export kind {kind.key!r} is longer than ExportJob.kind (30 characters).")
    _kinds[kind.key] = kind
    return kind


def get(key: str) -> ExportKind | None:
    """The registered kind, or None when no app registers `key`."""
    return _kinds.get(key)
