#!/usr/bin/env bash
# `make soak`: a 60-second load at high concurrency against /api/user and /api/me on the release
# app (1 worker, one core), checking zero non-2xx answers and flat memory (peak RSS after warm-up
# and at the end). Not part of CI.
#
#   SOAK_SECONDS=60 CONNECTIONS=128 bash scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS="${SOAK_SECONDS:-60}"
CONNECTIONS="${CONNECTIONS:-128}"
APP_CORE="${APP_CORE:-0}"
WRK_CORE="${WRK_CORE:-1}"
EMU_PORT="${EMU_PORT:-18787}"
APP_PORT="${APP_PORT:-18080}"
OUT="${OUT:-target/soak}"
mkdir -p "$OUT"
say() { echo "soak: $*" >&2; }

command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) >&2
say "building release binaries"
cargo build --release --quiet -p app -p clerk-testkit

# shellcheck source=scripts/stack.sh
. scripts/stack.sh

start_app
rss() { awk '/VmRSS/ {print $2}' "/proc/$app_pid/status"; }
# Warm up, then measure.
taskset -c "$WRK_CORE" wrk -t1 -c8 -d3s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APP_PORT/api/me" >/dev/null
rss_start=$(rss)
half=$((SOAK_SECONDS / 2))
taskset -c "$WRK_CORE" wrk -t1 -c"$((CONNECTIONS / 2))" -d"${SOAK_SECONDS}s" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$APP_PORT/api/user" > "$OUT/api_user.txt" &
w1=$!
taskset -c "$WRK_CORE" wrk -t1 -c"$((CONNECTIONS / 2))" -d"${SOAK_SECONDS}s" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$APP_PORT/api/me" > "$OUT/api_me.txt" &
w2=$!
sleep "$half"
rss_mid=$(rss)
wait "$w1" "$w2"
rss_end=$(rss)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$app_pid/status")
stop_app

fail=0
for f in api_user api_me; do
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$f.txt")
  total=$(awk '/requests in/ {print $1}' "$OUT/$f.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$OUT/$f.txt"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors/ {print $0}' "$OUT/$f.txt")
  echo "/${f/_//}: $total requests, $rps req/s, non-2xx: $non2xx ${errors:+($errors)}"
  [ "$non2xx" = "0" ] || fail=1
done
echo "RSS: $((rss_start / 1024)) MiB after warm-up, $((rss_mid / 1024)) MiB at half time, $((rss_end / 1024)) MiB at the end (peak $((hwm / 1024)) MiB)"
exit $fail
