#!/usr/bin/env bash
# `make run`: the example stack on this machine. Finds or starts Postgres (scripts/postgres.sh),
# creates the app's database, then runs the app. Without CLERK_SECRET_KEY the app runs in dev mode
# against the in-process offline Clerk and prints a ready-to-paste curl with a fresh token.
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=$(bash scripts/postgres.sh)
if [ -z "${DATABASE_URL:-}" ]; then
  db=clerk_actix_dev
  if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
  fi
  export DATABASE_URL="${admin_url%/*}/$db"
fi
export PORT="${PORT:-8080}"
exec cargo run --quiet -p app -- serve
