#!/usr/bin/env bash
# `make load`: release builds, the app on one core (1 worker) against real Postgres and the offline
# Clerk, wrk on the other core; one table of req/s, p50, p99 and the ratios, plus the app's peak RSS.
#
#   DURATION=10s CONNECTIONS=32 ROUNDS=1 bash scripts/load.sh
#
# ROUNDS repeats the app's cache-on scenarios in turn and reports each one's median round.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-1}"
CONNECTIONS="${CONNECTIONS:-32}"
APP_CORE="${APP_CORE:-0}"
WRK_CORE="${WRK_CORE:-1}"
EMU_PORT="${EMU_PORT:-18787}"
APP_PORT="${APP_PORT:-18080}"
BARE_PORT="${BARE_PORT:-18090}"
NODE_PORT="${NODE_PORT:-18091}"
OUT="${OUT:-target/load}"
mkdir -p "$OUT"

say() { echo "load: $*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk (Debian package)"
  (apt-get update -qq && apt-get install -y -qq wrk) >&2 || { say "could not install wrk"; exit 1; }
fi
command -v node >/dev/null 2>&1 || { say "node is needed for the @clerk/express reference"; exit 1; }

say "building release binaries"
cargo build --release --quiet -p app -p clerk-testkit -p bench-bare
(cd bench/node && npm ci --silent --no-audit --no-fund >/dev/null)

# shellcheck source=scripts/stack.sh
. scripts/stack.sh

# An organization of 10 (the seeded user as its admin, 9 members) and a session that starts in it:
# its token carries the `o` claim `/api/org` needs.
org_id=$(curl -fsS "${auth[@]}" -d "{\"name\":\"Load Org\",\"slug\":\"load-org\",\"created_by\":\"$user_id\"}" "$api/v1/organizations" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 9); do
  member=$(curl -fsS "${auth[@]}" -d "{\"email_address\":[\"member$i@example.com\"],\"first_name\":\"Member\",\"last_name\":\"$i\"}" "$api/v1/users" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -fsS "${auth[@]}" -d "{\"user_id\":\"$member\",\"role\":\"org:member\"}" "$api/v1/organizations/$org_id/memberships" >/dev/null
done
org_session=$(curl -fsS "${auth[@]}" -d "{\"user_id\":\"$user_id\"}" "$api/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ORG_TOKEN=$(curl -fsS "${auth[@]}" -d '{"expires_in_seconds":3600}' "$api/v1/sessions/$org_session/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jwt"])')

results=()
run() {
  # run <label> <url> [token]
  local label=$1 url=$2 token=${3:-}
  local args=(-t1 -c"$CONNECTIONS" -d"$DURATION" --latency)
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  # Warm up (caches, connections, JWKS) before measuring.
  taskset -c "$WRK_CORE" wrk -t1 -c4 -d1s ${token:+-H "Authorization: Bearer $token"} "$url" >/dev/null
  local out
  out=$(taskset -c "$WRK_CORE" wrk "${args[@]}" "$url")
  echo "$out" > "$OUT/$label.txt"
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  results+=("$label|$rps|$p50|$p99|${non2xx:-0}")
  say "$label: $rps req/s (p50 $p50, p99 $p99, non-2xx ${non2xx:-0})"
}

# Machine tokens (issue 14): an opaque API key, and a JWT-format M2M token of a machine.
API_KEY=$(curl -fsS "${auth[@]}" -d "{\"name\":\"load-key\",\"subject\":\"$user_id\"}" "$api/api_keys" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
machine_key=$(curl -fsS "${auth[@]}" -d '{"name":"load-machine"}' "$api/v1/machines" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret_key"])')
M2M_JWT=$(curl -fsS -H "Authorization: Bearer $machine_key" -H "Content-Type: application/json" \
  -d '{"token_format":"jwt","seconds_until_expiration":3600}' "$api/m2m_tokens" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# The bare handlers (bench/bare), on the app's core too; idle while the app is measured.
taskset -c "$APP_CORE" target/release/bench-bare "$BARE_PORT" "$PEM" >"$OUT/bare.log" 2>&1 &
bare_pid=$!; pids+=("$bare_pid")
wait_port "http://127.0.0.1:$BARE_PORT/api/data"

# 1. The app with every cache on, ROUNDS times in turn (the table shows each scenario's median
#    round, so a noisy neighbour slowing one round does not skew a ratio), each round beside the
#    framework's ceiling: a plain Actix route answering the same "ok" with no middleware.
start_app
for _ in $(seq 1 "$ROUNDS"); do
  run bare_plain "http://127.0.0.1:$BARE_PORT/plain"
  run healthz "http://127.0.0.1:$APP_PORT/healthz"
  # A signed-out static answer through Clerk's middleware (the probes skip it since issue 25):
  # the base of what authentication and the user lookups add.
  run favicon "http://127.0.0.1:$APP_PORT/favicon.ico"
  run api_data "http://127.0.0.1:$APP_PORT/api/data" "$TOKEN"
  run api_me "http://127.0.0.1:$APP_PORT/api/me" "$TOKEN"
  run api_org "http://127.0.0.1:$APP_PORT/api/org" "$ORG_TOKEN"
  run api_machine_api_key "http://127.0.0.1:$APP_PORT/api/machine" "$API_KEY"
  run api_machine_m2m_jwt "http://127.0.0.1:$APP_PORT/api/machine" "$M2M_JWT"
done
rss_on=$(peak_rss_kib "$app_pid")
stop_app

# 2. Token cache off: every request pays the full verification.
start_app CLERK_TOKEN_CACHE_CAPACITY=0 APP_USER_CACHE_MEMORY_CAPACITY=0
run api_data_no_token_cache "http://127.0.0.1:$APP_PORT/api/data" "$TOKEN"
run api_me_postgres_only "http://127.0.0.1:$APP_PORT/api/me" "$TOKEN"
rss_off=$(peak_rss_kib "$app_pid")
stop_app

# 3. The bare handlers: jsonwebtoken, and the pre-parsed aws-lc-rs signature check alone.
run bare_jsonwebtoken "http://127.0.0.1:$BARE_PORT/api/data" "$TOKEN"
run bare_rsa "http://127.0.0.1:$BARE_PORT/bare_rsa" "$TOKEN"
kill "$bare_pid" 2>/dev/null || true

# 4. Clerk's official @clerk/express, networkless.
(cd bench/node && PORT="$NODE_PORT" CLERK_JWT_KEY="$(cat "../../$PEM")" CLERK_PUBLISHABLE_KEY="$CLERK_PUBLISHABLE_KEY" \
  CLERK_SECRET_KEY="$CLERK_SECRET_KEY" CLERK_API_URL="$api" exec taskset -c "$APP_CORE" node server.mjs >"../../$OUT/node.log" 2>&1) &
node_pid=$!; pids+=("$node_pid")
wait_port "http://127.0.0.1:$NODE_PORT/api/data"
run clerk_express "http://127.0.0.1:$NODE_PORT/api/data" "$TOKEN"
run clerk_express_any_api_key "http://127.0.0.1:$NODE_PORT/api/machine" "$API_KEY"
run clerk_express_any_m2m_jwt "http://127.0.0.1:$NODE_PORT/api/machine" "$M2M_JWT"

# The table.
python3 - "$rss_on" "$rss_off" "${results[@]}" <<'PY'
import sys
rss_on, rss_off = int(sys.argv[1]), int(sys.argv[2])
runs = {}
for row in sys.argv[3:]:
    label, rps, p50, p99, non2xx = row.split("|")
    runs.setdefault(label, []).append((float(rps or 0), p50, p99, non2xx))
# Each scenario's median round (by req/s); one round: that round.
rows = {label: sorted(rounds)[len(rounds) // 2] for label, rounds in runs.items()}
rounds = max(len(r) for r in runs.values())
if rounds > 1:
    print()
    print(f"median of {rounds} rounds for: " + ", ".join(l for l, r in runs.items() if len(r) > 1))
    for label, r in runs.items():
        if len(r) > 1:
            print(f"  {label}: " + ", ".join(f"{x[0]:,.0f}" for x in r))
print()
print(f"| scenario | req/s | p50 | p99 | non-2xx |")
print(f"|---|---:|---:|---:|---:|")
for label, (rps, p50, p99, non2xx) in rows.items():
    print(f"| {label} | {rps:,.0f} | {p50} | {p99} | {non2xx} |")
def ratio(a, b):
    return rows[a][0] / rows[b][0] if rows.get(a) and rows.get(b) and rows[b][0] else float("nan")
print()
print("| ratio | value | target |")
print("|---|---:|---:|")
print(f"| healthz / bare plain route (the app's own per-request stack) | {ratio('healthz','bare_plain'):.2f} | >= 0.80 |")
print(f"| api_data (token reused) / bare plain route | {ratio('api_data','bare_plain'):.2f} | >= 0.60 |")
print(f"| api_data / favicon (signed-out answer through Clerk's middleware) | {ratio('api_data','favicon'):.2f} | >= 0.70 |")
print(f"| api_data (no token cache) / bare jsonwebtoken | {ratio('api_data_no_token_cache','bare_jsonwebtoken'):.2f} | >= 0.90 |")
print(f"| api_me (in-process tier) / favicon | {ratio('api_me','favicon'):.2f} | >= 0.60 |")
print(f"| api_me (Postgres only) / favicon | {ratio('api_me_postgres_only','favicon'):.2f} | report |")
print(f"| api_org (in-process tier, 10 members) / favicon | {ratio('api_org','favicon'):.2f} | >= 0.60 |")
print(f"| api_data / @clerk/express | {ratio('api_data','clerk_express'):.1f} | >= 20 |")
print(f"| api_machine (opaque API key, cache on) / favicon | {ratio('api_machine_api_key','favicon'):.2f} | >= 0.70 |")
print(f"| api_machine (M2M JWT) / api_data (session token) | {ratio('api_machine_m2m_jwt','api_data'):.2f} | >= 0.90 |")
print(f"| api_machine (opaque API key) / @clerk/express any | {ratio('api_machine_api_key','clerk_express_any_api_key'):.1f} | report |")
print(f"| api_machine (M2M JWT) / @clerk/express any | {ratio('api_machine_m2m_jwt','clerk_express_any_m2m_jwt'):.1f} | report |")
def per_request_us(label):
    return 1e6 / rows[label][0] if rows.get(label) and rows[label][0] else float("nan")
gap = per_request_us('api_data_no_token_cache') - per_request_us('bare_rsa')
print(f"| 1/rps(api_data, no token cache) - 1/rps(bare_rsa) | {gap:.1f} µs | <= 5 µs (median of 3 runs) |")
print()
print(f"app peak RSS: {rss_on/1024:.1f} MiB (all caches on), {rss_off/1024:.1f} MiB (caches off); target <= 64 MiB")
PY
