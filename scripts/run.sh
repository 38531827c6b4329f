#!/usr/bin/env bash
# `make run`: the example stack on this machine. Finds or starts Postgres and the app's database
# (scripts/database.sh, shared with `make migrate` and `make sync`), then runs the app (built with the `dev` feature). When neither
# CLERK_SECRET_KEY nor CLERK_JWT_KEY is set (in the environment, .env or the app's config file), it sets
# APP_DEV_MODE=1 and runs `app-dev`: the app against the in-process offline Clerk, printing a
# ready-to-paste curl with a fresh token. Otherwise it runs `app`, which never runs dev mode. The
# app itself never starts dev mode unless asked.
set -euo pipefail
cd "$(dirname "$0")/.."

# The database `make migrate` and `make sync` use too (scripts/database.sh).
DATABASE_URL=$(bash scripts/database.sh)
export DATABASE_URL
export PORT="${PORT:-8080}"
# The official @clerk/clerk-js and @clerk/ui (pinned in crates/clerk-testkit/clerk-npm.txt), which
# dev mode's offline Clerk serves at /npm/@clerk/…: packed once into target/clerk-npm.
CLERK_TESTKIT_NPM_DIR=$(bash scripts/clerk-js.sh)
export CLERK_TESTKIT_NPM_DIR

config_file="${APP_CONFIG_FILE:-app.toml}"
keys_in_file() {
  { [ -f "$config_file" ] && grep -qiE '^[[:space:]]*clerk_(secret|jwt)_key[[:space:]]*=' "$config_file"; } ||
    # The app reads .env too (the environment wins over it).
    { [ -f .env ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?CLERK_(SECRET|JWT)_KEY[[:space:]]*=' .env; }
}
if [ -z "${CLERK_SECRET_KEY:-}" ] && [ -z "${CLERK_JWT_KEY:-}" ] && ! keys_in_file; then
  echo "run: no CLERK_SECRET_KEY or CLERK_JWT_KEY: dev mode (APP_DEV_MODE=1, the offline Clerk emulator)" >&2
  export APP_DEV_MODE=1
  bin=app-dev
fi
# Start-up logs without repeats: actix-server announces each of its three servers (the app, its
# admin listener, the emulator) and Postgres notices "already exists, skipping" on every restart;
# the app's own `listening` line says it all. APP_LOG (environment or config file) wins.
if [ -z "${APP_LOG:-}" ] && ! { [ -f "$config_file" ] && grep -qiE '^[[:space:]]*app_log[[:space:]]*=' "$config_file"; }; then
  export APP_LOG="info,actix_server=warn,sqlx::postgres::notice=warn"
fi
exec cargo run --quiet -p app --features dev --bin "${bin:-app}" -- serve
