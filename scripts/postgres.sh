#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 for the platform's tests and benchmarks.
#   scripts/postgres.sh start   start it (creates the cluster the first time); prints its URL
#   scripts/postgres.sh stop
#   scripts/postgres.sh url
# The URL is also written to .venv/postgres.url, where the tests look for it.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${O2O_PG_PORT:-54329}
DATA=${O2O_PG_DIR:-${TMPDIR:-/tmp}/o2o-kiosk-pg-$PORT}
URL="postgresql+psycopg://o2o@127.0.0.1:$PORT/o2o"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries not found (Debian: apt-get install -y postgresql)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ ! -s "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$DATA"
      as_pg "$bindir/initdb" -D "$DATA" -U o2o --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    fi
    as_pg "$bindir/psql" -h 127.0.0.1 -p "$PORT" -U o2o -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='o2o'" | grep -q 1 || \
      as_pg "$bindir/createdb" -h 127.0.0.1 -p "$PORT" -U o2o o2o
    mkdir -p .venv && echo "$URL" > .venv/postgres.url
    echo "$URL" ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true ;;
  url)
    echo "$URL" ;;
esac
