#!/usr/bin/env bash
# Makes sure a PostgreSQL answers for the tests, or fails loudly with instructions.
# Order: $DATABASE_URL if set; else 127.0.0.1:5432 (starting the local cluster if it is down).
set -euo pipefail

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

answers() { pg_isready -q -d "$url" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "ensure-postgres: pg_isready not found; install PostgreSQL client tools (apt-get install postgresql-client)" >&2
  exit 1
fi

if answers; then exit 0; fi

if [ -z "${DATABASE_URL:-}" ] && [ -d /etc/postgresql ]; then
  echo "ensure-postgres: PostgreSQL is not answering on 127.0.0.1:5432; starting the local cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 60); do
    if answers; then exit 0; fi
    sleep 0.5
  done
fi

cat >&2 <<MSG
ensure-postgres: no PostgreSQL answers at $url.
The database tests need one. Either
  - set DATABASE_URL to a server you can use, or
  - start a local one on 127.0.0.1:5432 (trust auth for user postgres), or
  - run: docker compose up -d postgres
MSG
exit 1
