#!/usr/bin/env bash
# Shared by load.sh and soak.sh (sourced): a fresh database, the offline Clerk (release build) on
# the load generator's core, a long-lived session token, and start_app/stop_app for the release app
# pinned to its own core. Expects OUT, EMU_PORT, APP_PORT, APP_CORE, WRK_CORE and say().
admin_url=$(bash scripts/postgres.sh)
db=clerk_actix_load
psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
DATABASE_URL="${admin_url%/*}/$db"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_http() {
  for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  say "timed out waiting for $1"; return 1
}

# Any HTTP answer (a 401 included) means the server is up.
wait_port() {
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  say "timed out waiting for $1"; return 1
}

# The offline Clerk (fixed TEST-ONLY instance), on the wrk core so it does not steal the app's.
taskset -c "$WRK_CORE" target/release/clerk-testkit serve --port "$EMU_PORT" --users 1 --fixed \
  > "$OUT/emulator.env" 2>"$OUT/emulator.log" &
pids+=($!)
wait_http "http://127.0.0.1:$EMU_PORT/.well-known/jwks.json"
# shellcheck disable=SC1090
set -a; . <(grep '^CLERK_' "$OUT/emulator.env"); set +a
api="http://127.0.0.1:$EMU_PORT"
auth=(-H "Authorization: Bearer $CLERK_SECRET_KEY" -H "Content-Type: application/json")
user_id=$(curl -fsS "${auth[@]}" "$api/v1/users?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
session_id=$(curl -fsS "${auth[@]}" -d "{\"user_id\":\"$user_id\"}" "$api/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
TOKEN=$(curl -fsS "${auth[@]}" -d '{"expires_in_seconds":3600}' "$api/v1/sessions/$session_id/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jwt"])')
PEM=crates/clerk-core/tests/fixtures/test_signing_key.public.pem

app_pid=""
start_app() {
  # $@: extra environment assignments
  env DATABASE_URL="$DATABASE_URL" PORT="$APP_PORT" APP_ADMIN_PORT="$((APP_PORT + 1))" APP_WORKERS=1 APP_LOG=warn APP_RECONCILE_INTERVAL_SECS=0 \
    CLERK_SECRET_KEY="$CLERK_SECRET_KEY" CLERK_PUBLISHABLE_KEY="$CLERK_PUBLISHABLE_KEY" CLERK_API_URL="$api" \
    CLERK_API_RATE_LIMIT=90 "$@" \
    taskset -c "$APP_CORE" target/release/app serve >"$OUT/app.log" 2>&1 &
  app_pid=$!
  pids+=("$app_pid")
  wait_http "http://127.0.0.1:$APP_PORT/healthz"
}
stop_app() { kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

