"""`make bench`: the pages, exports, jobs and load at province scale (50,000 projects), against targets.

The harness (`python -m bench`, see `bench/__main__.py` for its options):

1. makes sure the PostgreSQL database `ganzhou_bench` exists, migrates it, and seeds it with
   `seed_demo --projects 50000 --months 12` unless it already holds that seed (a marker in the
   database's comment says which seed it holds; `--reseed` seeds it again from scratch);
2. collects the static files and starts gunicorn (2 sync workers, DEBUG off, a local SECRET_KEY) on a free
   loopback port;
3. runs every case of every module `bench/cases/<area>.py`, and for each one measures its **floor** (the bare
   SQL it needs, or the bare library work, measured in the same run);
4. prints the table (case, median, p95, target, floor, ratio, pass/fail) and writes it to `bench/results.md`.

Adding cases: see `bench/api.py` — a module `bench/cases/<area>.py` defines `cases(ctx)` yielding
`Page`, `Call` or `Load` objects. Nothing here runs in `make test`; timings are never asserted in tests.
"""
