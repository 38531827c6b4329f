#!/usr/bin/env bash
# `make run`: the example stack on this machine. Finds or starts Postgres (scripts/postgres.sh),
# creates the app's database, then runs the app (built with the `dev` feature). When neither
# CLERK_SECRET_KEY nor CLERK_JWT_KEY is set (in the environment or the app's config file), it sets
# APP_DEV_MODE=1: the app runs against the in-process offline Clerk and prints a ready-to-paste curl
# with a fresh token. The app itself never starts dev mode unless asked.
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

config_file="${APP_CONFIG_FILE:-app.toml}"
keys_in_file() {
  [ -f "$config_file" ] && grep -qiE '^[[:space:]]*clerk_(secret|jwt)_key[[:space:]]*=' "$config_file"
}
if [ -z "${CLERK_SECRET_KEY:-}" ] && [ -z "${CLERK_JWT_KEY:-}" ] && ! keys_in_file; then
  echo "run: no CLERK_SECRET_KEY or CLERK_JWT_KEY: dev mode (APP_DEV_MODE=1, the offline Clerk emulator)" >&2
  export APP_DEV_MODE=1
fi
exec cargo run --quiet -p app --features dev -- serve
