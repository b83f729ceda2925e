# One command to run the app, one to test it. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ganzhou
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint system-deps browser-deps venv services messages bench clean backup restore

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

# ensure_venv.sh first: a broken .venv (no python, no pip) is removed and made again, and then
# .installed, gone with it, installs the requirements.
venv:
	@PYTHON=$(PYTHON) bash scripts/ensure_venv.sh $(VENV)
	@$(MAKE) --no-print-directory $(VENV)/.installed

system-deps:
	@bash scripts/system_deps.sh

browser-deps:
	@bash scripts/system_deps.sh --with-browser

# `make run` is the app as users see it (DEBUG off: the app's own 404/403 pages), on plain http with demo
# data and a key for this checkout only: random, made once into .run-secret-key (not in git), so that
# sessions survive a restart. `DEBUG=1 make run` is developer mode.
RUN_SECRET_KEY = $(shell test -s .run-secret-key || python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > .run-secret-key; cat .run-secret-key)
run: export DEBUG ?= 0
run: export ENABLE_DEMO ?= 1
run: export SECRET_KEY ?= $(RUN_SECRET_KEY)
run: export SESSION_COOKIE_SECURE ?= 0
run: export CSRF_COOKIE_SECURE ?= 0
run: export SECURE_SSL_REDIRECT ?= 0
run: export SECURE_HSTS_SECONDS ?= 0
# On PostgreSQL, as in production: the dashboard, the completeness grid and the change log read with SQL that
# SQLite does not speak. A local server is installed and started when none answers (scripts/ensure_services.sh).
run: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ganzhou_run
run: system-deps venv
	@DATABASE_URL=$(DATABASE_URL) REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} bash scripts/ensure_services.sh
	@$(PY) -c "import os, psycopg; from urllib.parse import urlsplit; u = urlsplit(os.environ['DATABASE_URL']); \
	  c = psycopg.connect(os.environ['DATABASE_URL'].rsplit('/', 1)[0] + '/postgres', autocommit=True); \
	  n = u.path.lstrip('/'); \
	  c.execute('SELECT 1 FROM pg_database WHERE datname = %s', [n]).fetchone() or c.execute(f'CREATE DATABASE \"{n}\"')"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py bootstrap_demo
	$(PY) manage.py runserver 127.0.0.1:8000

services:
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} bash scripts/ensure_services.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

test: browser-deps venv services lint
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

messages: venv
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# Backups of the PostgreSQL database at DATABASE_URL (README: Backup and restore).
backup: system-deps
	@bash scripts/backup.sh

restore: system-deps
	@bash scripts/restore.sh
# The province-scale benchmark (bench/): seeds or reuses the 50,000-project database ganzhou_bench, measures the
# pages, exports, jobs and a load run, prints the table and writes bench/results.md. Not part of `make test`.
# BENCH_DATABASE_URL picks another database; BENCH_ARGS passes options (`make bench BENCH_ARGS=--help`).
# Tasks go to a real Celery worker on BENCH_CELERY_BROKER_URL, as in production (empty: run them eagerly).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ganzhou_bench
BENCH_CELERY_BROKER_URL ?= redis://127.0.0.1:6379/14
bench: venv
	@DATABASE_URL=$(BENCH_DATABASE_URL) bash scripts/ensure_services.sh
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_CELERY_BROKER_URL=$(BENCH_CELERY_BROKER_URL) $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
