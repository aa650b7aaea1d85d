#!/usr/bin/env bash
# PostgreSQL servers on 127.0.0.1 for the platform's tests and benchmarks.
#   scripts/postgres.sh start   the tests' throw-away server (fsync=off: fast, loses data on a crash)
#   scripts/postgres.sh stop
#   scripts/postgres.sh url
#   scripts/postgres.sh bench-start | bench-stop | bench-url
#                               the benchmarks' durable server, on its own port and data directory:
#                               fsync=on, synchronous_commit=on, full_page_writes=on (Debian's
#                               defaults), as a store chain runs it. Benchmarks never use the other.
# The URLs are also written to .venv/postgres.url and .venv/postgres-bench.url.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-start}
case "$MODE" in
  bench-*)
    PORT=${O2O_PG_BENCH_PORT:-54339}
    DATA=${O2O_PG_BENCH_DIR:-${TMPDIR:-/tmp}/o2o-kiosk-pg-durable-$PORT}
    URLFILE=.venv/postgres-bench.url
    # Durability as shipped; only the connection limit is raised (several workers' pools).
    SETTINGS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=300"
    MODE=${MODE#bench-} ;;
  *)
    PORT=${O2O_PG_PORT:-54329}
    DATA=${O2O_PG_DIR:-${TMPDIR:-/tmp}/o2o-kiosk-pg-$PORT}
    URLFILE=.venv/postgres.url
    SETTINGS="-c fsync=off -c max_connections=200" ;;
esac
URL="postgresql+psycopg://o2o@127.0.0.1:$PORT/o2o"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries not found (Debian: apt-get install -y postgresql)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$MODE" in
  start)
    if [ ! -s "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$DATA"
      as_pg "$bindir/initdb" -D "$DATA" -U o2o --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 $SETTINGS" start >/dev/null
    fi
    as_pg "$bindir/psql" -h 127.0.0.1 -p "$PORT" -U o2o -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='o2o'" | grep -q 1 || \
      as_pg "$bindir/createdb" -h 127.0.0.1 -p "$PORT" -U o2o o2o
    mkdir -p .venv && echo "$URL" > "$URLFILE"
    echo "$URL" ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true ;;
  url)
    echo "$URL" ;;
esac
