#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 server for tests and benchmarks.
#   pg-server.sh start DATA_DIR PORT   -> initdb (as postgres), start, print the postgres:// URL
#   pg-server.sh stop DATA_DIR         -> stop the server that owns DATA_DIR (never by process name)
# initdb refuses to run as root, so the cluster belongs to the postgres user.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg-server.sh start DATA_DIR PORT | stop DATA_DIR}
dir=$(realpath -m "${2:?data folder required}")

# From /, because the postgres user may not be allowed into the caller's folder (a 0700 temporary copy).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

case "$cmd" in
  start)
    port=${3:?port required}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_postgres "$PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # Sized for 16 concurrent writers on a 2-core machine; fsync off because the data is throwaway.
    as_postgres "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB" \
      start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/postmaster.pid" ]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
