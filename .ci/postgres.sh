#!/usr/bin/env bash
# A throwaway PostgreSQL server for the monitor's store tests.
#
#   .ci/postgres.sh          install PostgreSQL (Debian package) if missing, start a
#                            fresh cluster on 127.0.0.1, print its URL on stdout
#   .ci/postgres.sh --stop   stop that cluster and delete its data
#
# Use: export KASA_DOCTOR_TEST_PG_URL="$(.ci/postgres.sh)"; trap '.ci/postgres.sh --stop' EXIT
#
# The cluster lives in $KASA_DOCTOR_PG_DIR (default /tmp/kasa-doctor-pg), trusts local
# connections (it only listens on 127.0.0.1 and a private unix socket) and holds no
# data worth keeping. Everything but the URL goes to stderr.
set -euo pipefail

DIR="${KASA_DOCTOR_PG_DIR:-/tmp/kasa-doctor-pg}"
PORT="${KASA_DOCTOR_PG_PORT:-55432}"
DB=kasa_doctor_test

log() { echo "postgres.sh: $*" >&2; }

pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$found" && -x "$found/initdb" ]]; then
        echo "$found"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [[ "${1:-}" == "--stop" ]]; then
    BIN="$(pg_bin)"
    if [[ -n "$BIN" && -f "$DIR/data/postmaster.pid" ]]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >&2 || true
    fi
    rm -rf "$DIR"
    exit 0
fi

BIN="$(pg_bin)"
if [[ -z "$BIN" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        log "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
        exit 1
    fi
    log "installing PostgreSQL (Debian package) …"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN="$(pg_bin)"
fi

# A cluster left running from an earlier run is stopped and replaced: tests want a fresh one.
if [[ -f "$DIR/data/postmaster.pid" ]]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >&2 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR/socket"
if [[ "$(id -u)" == 0 ]]; then
    chown -R postgres:postgres "$DIR"
fi
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>&1 \
    || as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 >&2
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR/socket -c fsync=off" start >&2
as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $DIR)"
echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
