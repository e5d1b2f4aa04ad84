#!/usr/bin/env bash
# A private PostgreSQL cluster for the store tests.
#
#   scripts/postgres.sh start   # prints the URL: postgresql://postgres@127.0.0.1:PORT/linkwatch
#   scripts/postgres.sh stop
#   scripts/postgres.sh url     # the URL of the running cluster
#
# Installs Debian's `postgresql` (apt-get) only when no initdb is found.
# The cluster lives in $LINKWATCH_PG_DIR (default ./.pg), owned by the
# `postgres` user when run as root, listening on 127.0.0.1 at a free port.
set -euo pipefail

PGDIR="${LINKWATCH_PG_DIR:-$(pwd)/.pg}"
DBNAME="${LINKWATCH_PG_DB:-linkwatch}"

find_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$initdb" ]; then
    echo "installing postgresql with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)
  fi
  dirname "$initdb"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    # run as postgres, from a directory it can read
    (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

start() {
  local bin port
  bin=$(find_bin)
  mkdir -p "$PGDIR"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$PGDIR" --shell /bin/bash postgres
    chown postgres "$PGDIR"
    chmod 700 "$PGDIR"
  fi
  if [ -f "$PGDIR/port" ] && as_owner "$bin/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    port=$(cat "$PGDIR/port")
  else
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    port=$(free_port)
    as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
      -o "-p $port -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    echo "$port" > "$PGDIR/port"
  fi
  if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" | grep -q 1; then
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DBNAME"
  fi
  echo "postgresql://postgres@127.0.0.1:$port/$DBNAME"
}

stop() {
  local bin
  bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1)")
  if [ -d "$PGDIR/data" ]; then
    as_owner "$bin/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -f "$PGDIR/port"
}

url() {
  [ -f "$PGDIR/port" ] || { echo "not running" >&2; exit 1; }
  echo "postgresql://postgres@127.0.0.1:$(cat "$PGDIR/port")/$DBNAME"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
