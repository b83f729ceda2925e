"""`python -m bench` (what `make bench` runs). Options: `python -m bench --help`.

make bench                                   # seed once (or reuse), measure everything
make bench BENCH_ARGS="--area pages"         # only bench/cases/pages.py
make bench BENCH_ARGS="--only queue"         # cases whose name contains "queue"
make bench BENCH_ARGS="--reseed"             # seed the database again from scratch
make bench BENCH_ARGS="--requests 50 --no-load"
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import runpy
import secrets
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ganzhou_bench"


def production_gunicorn() -> dict:
    """deploy/gunicorn.conf.py, what production runs: the bench serves with the same workers and threads."""
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--projects", type=int, default=50000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reseed", action="store_true", help="seed again from scratch even if the seed is there")
    parser.add_argument("--area", action="append", help="only these bench/cases/<area>.py modules (repeatable)")
    parser.add_argument("--only", action="append", help="only cases whose name contains this (repeatable)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (after warm-up)")
    gunicorn = production_gunicorn()
    parser.add_argument("--workers", type=int, default=gunicorn["workers"], help="gunicorn workers (production's)")
    parser.add_argument(
        "--threads", type=int, default=gunicorn["threads"], help="gunicorn threads per worker (production's)"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--load-users", type=int, default=50)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument(
        "--celery-broker",
        default=os.environ.get("BENCH_CELERY_BROKER_URL", ""),
        help="a Redis URL of your own (e.g. redis://127.0.0.1:6379/12): tasks go to a real Celery worker the "
        "bench starts, as in production, instead of running eagerly inside the web request",
    )
    return parser.parse_args(argv)


def environment(args) -> dict[str, str]:
    """What the harness and gunicorn run with: the bench database, DEBUG off, a local key, no Redis (the
    cache is per process and Celery runs eagerly, as `make run`) — unless `--celery-broker` gives Celery a
    broker, when tasks go to the bench's worker (bench/server.py) and the cache stays per process."""
    broker = {"CELERY_BROKER_URL": args.celery_broker, "CELERY_TASK_ALWAYS_EAGER": "0"} if args.celery_broker else {}
    return {
        **broker,
        "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "ENABLE_DEMO": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),  # gunicorn refuses a weak key with DEBUG off (startup.py)
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain http on loopback, as `make run`
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


def log(message: str) -> None:
    print(message, flush=True)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv=None) -> int:
    args = parse(argv)
    env = environment(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from . import cases as case_modules
    from .api import Context, Load, Page
    from .database import ensure_seeded
    from .load import LoadEnv
    from .measure import Harness, table
    from .server import Server, Worker

    started = time.monotonic()
    today = ensure_seeded(
        args.database_url, projects=args.projects, months=args.months, seed=args.seed, reseed=args.reseed, log=log
    )
    call_command("collectstatic", interactive=False, verbosity=0)
    ctx = Context(today=today, options=args)
    found = case_modules.collect(ctx, only_areas=args.area)
    if args.only:
        found = [(area, case) for area, case in found if any(o in case.name for o in args.only)]
    if args.no_load:
        found = [(area, case) for area, case in found if not isinstance(case, Load)]
    log(f"{len(found)} cases from {', '.join(sorted({area for area, _ in found})) or 'no area'}")

    rows = []
    worker = Worker(env, log_path=ROOT / "bench" / "celery.log") if args.celery_broker else nullcontext()
    with (
        worker,
        Server(env, workers=args.workers, threads=args.threads, log_path=ROOT / "bench" / "gunicorn.log") as server,
    ):
        harness = Harness(base_url=server.base_url, database_url=args.database_url, requests=args.requests, log=log)
        load_env = LoadEnv(
            base_url=server.base_url,
            ctx=ctx,
            pages=[case for _, case in found if isinstance(case, Page) and case.in_load],
            users=args.load_users,
            seconds=args.load_seconds,
        )
        for area, case in found:
            log(f"[{area}]")
            rows.append(harness.run(case, load_env))

    text = table(rows)
    load1, load5, _ = os.getloadavg()
    header = (
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC at commit {git_commit()} on "
        f"{os.cpu_count()} cores ({platform.machine()}), load average {load1:.1f}/{load5:.1f} at the end; "
        f"database seeded with `seed_demo --projects {args.projects} --months {args.months}` for {today}; "
        f"gunicorn {args.workers} workers × {args.threads} threads, DEBUG off; "
        f"{'a Celery worker (' + args.celery_broker + ')' if args.celery_broker else 'Celery eager'}; "
        f"{args.requests} timed requests "
        f"per page after warm-up; the whole run took {time.monotonic() - started:.0f} s."
    )
    Path(args.output).write_text(
        "# Benchmark results (`make bench`)\n\n" + header + "\n\n" + text + "\n\n"
        "Floor: the case's bare work in the same run (for a page, its own SELECTs replayed on a psycopg "
        "connection, rows fetched; for an export, openpyxl writing the same rows alone). Ratio: median ÷ "
        "floor median. A case passes when its p95 is within the target and the ratio within its limit.\n",
        encoding="utf-8",
    )
    log("")
    log(text)
    log(f"\nwritten to {args.output}")
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
