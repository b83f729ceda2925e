"""Demo data for development and trying the system out: `seed_demo` and `bootstrap_demo`.

A dev-only app: installed only when settings.ENABLE_DEMO is on (by default with DEBUG), so production
has neither the commands nor the code, and no production module imports it (tests/test_layout.py).

Modules import in one direction: data → common → bulk → inventory → reports, ledger → seed.
"""
