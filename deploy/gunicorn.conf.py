"""gunicorn's settings, one place for production (Dockerfile, docker-compose.yml) and `make bench` (bench/server.py).

Threaded workers (gthread): a sync worker serves one request at a time, so two or three long requests (a unit
submitting hundreds of reports, an export, a packet) left every other user queueing behind them; the load test
of issue 14 (50 users on 2 cores) measured a p95 of tens of seconds with 2 sync workers, a few seconds with
threads, the median falling from about a second to under 200 ms (bench/README.md). Django and the app hold no
per-thread state beyond the database connection, one per thread (3 × 4 = 12 connections, under PostgreSQL's
default 100).

The timeout matches the proxy's proxy_read_timeout (deploy/nginx.conf): gunicorn's default of 30 s killed a
request the proxy was still waiting for. WEB_CONCURRENCY (workers) and GUNICORN_THREADS tune it per host.
"""

import os

bind = "0.0.0.0:8000"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 3))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 120
