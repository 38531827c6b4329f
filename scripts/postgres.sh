#!/usr/bin/env bash
# Finds or starts a PostgreSQL and prints a DATABASE_URL for it on stdout (messages go to stderr).
# Order: $DATABASE_URL if set; a server on 127.0.0.1:5432 (starting the machine's cluster if it is
# installed but down); `docker compose up -d postgres`; a throwaway cluster from the local
# PostgreSQL binaries. Fails loudly, with instructions, when none can be had.
set -euo pipefail

say() { echo "postgres: $*" >&2; }
answers() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -d "$1" 2>/dev/null; }

if [ -n "${DATABASE_URL:-}" ]; then
  if answers "$DATABASE_URL"; then echo "$DATABASE_URL"; exit 0; fi
  say "DATABASE_URL is set but does not answer: ${DATABASE_URL%%@*}@…"
  exit 1
fi

local_url="postgres://postgres@127.0.0.1:5432/postgres"
if answers "$local_url"; then echo "$local_url"; exit 0; fi

if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  say "starting the local cluster ($version main)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>&1 || true
  for _ in $(seq 1 60); do
    if answers "$local_url"; then echo "$local_url"; exit 0; fi
    sleep 0.5
  done
fi

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  say "starting Postgres with docker compose"
  docker compose up -d --wait postgres >&2
  # docker-compose.yml publishes Postgres on the loopback's POSTGRES_HOST_PORT (not 5432).
  url="postgres://postgres:postgres@127.0.0.1:${POSTGRES_HOST_PORT:-55432}/postgres"
  for _ in $(seq 1 60); do
    if answers "$url"; then echo "$url"; exit 0; fi
    sleep 0.5
  done
fi

initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$initdb" ] || initdb=$(command -v initdb || true)
if [ -n "$initdb" ]; then
  bindir=$(dirname "$initdb")
  dir="${TMPDIR:-/tmp}/clerk-actix-pgdata"
  port=54329
  url="postgres://postgres@127.0.0.1:$port/postgres"
  if answers "$url"; then echo "$url"; exit 0; fi
  say "starting a throwaway cluster in $dir on port $port"
  as_pg=()
  if [ "$(id -u)" = "0" ]; then
    # initdb refuses to run as root: run the cluster as the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    as_pg=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    "${as_pg[@]}" "$bindir/initdb" -D "$dir" -U postgres --auth=trust >&2
  fi
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -l "$dir/server.log" -w start >&2
  if answers "$url"; then echo "$url"; exit 0; fi
fi

cat >&2 <<MSG
postgres: no PostgreSQL could be found or started.
  - set DATABASE_URL to a server you can use, or
  - run one on 127.0.0.1:5432 with trust auth for the user postgres, or
  - install Docker (docker compose up -d postgres), or
  - install the PostgreSQL server binaries (apt-get install postgresql).
MSG
exit 1
