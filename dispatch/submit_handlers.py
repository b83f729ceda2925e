"""The hand-off of a submitted report to the apps that act on it, without dispatch importing them.

`services.report_submit` (one report) and `services.reports_submit` (a unit's month) call
`run_submit_handlers` inside their transaction, after the reports are saved as submitted: a
handler that fails undoes the submission. Registered today:

- `early_warnings.ledger.take_over_reported_problems`, registered in
  `early_warnings.apps.EarlyWarningsConfig.ready`: the problems the report raises go into the
  problem ledger (seed 000 §1.2), once each, also when a returned report is resubmitted.

A handler is called with keyword arguments `reports` (the submitted reports, hundreds when a unit
sends its month: read what they need in bulk) and `acting_user`, and must be safe to run again for
the same report (a resubmission runs it again).
"""

from collections.abc import Callable

SubmitHandler = Callable[..., None]

SUBMIT_HANDLERS: list[SubmitHandler] = []


def on_report_submitted(handler: SubmitHandler) -> SubmitHandler:
    """Register `handler(*, reports, acting_user)`; registering the same function twice keeps one."""
    if handler not in SUBMIT_HANDLERS:
        SUBMIT_HANDLERS.append(handler)
    return handler


def run_submit_handlers(*, reports, acting_user) -> None:
    for handler in SUBMIT_HANDLERS:
        handler(reports=reports, acting_user=acting_user)
