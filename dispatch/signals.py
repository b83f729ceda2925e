from django.dispatch import Signal

# Sent inside the submitting transaction with `report` and `acting_user`: other apps (the problem
# ledger) take over what the report raised without dispatch depending on them.
report_submitted = Signal()
