#!/usr/bin/env bash
# `make restore FILE=backups/x.dump`: load a `make backup` file into the database at DATABASE_URL,
# REPLACING what that database holds (its tables are dropped first). The database must exist
# (createdb NAME for a fresh one). One transaction: a restore that fails leaves the database as it was.
# Afterwards `python manage.py verify_audit` checks every history row against the hash chain.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to restore into}"
: "${FILE:?make restore FILE=path/to/backup.dump}"
[ -f "$FILE" ] || { echo "no such backup file: $FILE" >&2; exit 1; }
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$FILE"
echo "restored $FILE"
