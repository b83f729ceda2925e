#!/usr/bin/env bash
# `make backup`: the whole PostgreSQL database at DATABASE_URL as one pg_dump custom-format file
# (every table, the history tables and the audit hash chain with them, the triggers, the indexes).
#   make backup                      → backups/ganzhou-YYYYmmdd-HHMMSS.dump
#   make backup FILE=/path/x.dump    → that file
# Media files (report photos) are not in the database: copy MEDIA_ROOT beside the dump.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up (postgres://user:pass@host:port/name)}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "make backup needs a PostgreSQL DATABASE_URL" >&2; exit 1;; esac
file="${FILE:-backups/ganzhou-$(date +%Y%m%d-%H%M%S).dump}"
mkdir -p "$(dirname "$file")"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$file.partial"
mv "$file.partial" "$file"   # a dump that failed half-way never looks like a backup
echo "$file"
