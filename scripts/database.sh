#!/usr/bin/env bash
# Prints the DATABASE_URL that `make run`, `make migrate` and `make sync` share: $DATABASE_URL if
# set, else the database clerk_actix_dev on the Postgres that scripts/postgres.sh finds or starts
# (created if missing). Messages go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${DATABASE_URL:-}" ]; then
  bash scripts/postgres.sh
  exit 0
fi
admin_url=$(bash scripts/postgres.sh)
db=clerk_actix_dev
if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
fi
echo "${admin_url%/*}/$db"
