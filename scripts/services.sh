#!/usr/bin/env bash
# Make sure the local PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, for `make test`.
# Starts whichever is down (installing it with apt first if it is not installed at all), then waits
# at most SERVICES_WAIT_SECONDS (default 30) for both; exits non-zero with a clear message otherwise.
# Also creates the database `boligadmin` if it is missing (pytest-django itself uses test_boligadmin).
set -euo pipefail

# The addresses are fixed by the project (Makefile's test defaults); the overrides exist for testing this script.
PG_HOST="${SERVICES_PG_HOST:-127.0.0.1}"
PG_PORT="${SERVICES_PG_PORT:-5432}"
REDIS_HOST="${SERVICES_REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${SERVICES_REDIS_PORT:-6379}"
WAIT_SECONDS="${SERVICES_WAIT_SECONDS:-30}"
DB_NAME=boligadmin

log() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
fi

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "$* not installed and apt-get is not available"
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "$* not installed: not root and no sudo; install by hand"
    fi
    log "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq </dev/null
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

# A plain TCP probe with whatever Python is around, for machines without the client tools.
PY="$(command -v python3 || true)"
tcp_open() {
    [ -n "$PY" ] || return 1
    "$PY" - "$1" "$2" <<'EOF' >/dev/null 2>&1
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
EOF
}

pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
    else
        tcp_open "$PG_HOST" "$PG_PORT"
    fi
}

redis_up() {
    if command -v redis-cli >/dev/null 2>&1; then
        [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
    else
        [ -n "$PY" ] || return 1
        "$PY" - "$REDIS_HOST" "$REDIS_PORT" <<'EOF' >/dev/null 2>&1
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
    fi
}

pg_versions() { ls /etc/postgresql 2>/dev/null | sort -V; }

# Allow password-less TCP logins from 127.0.0.1 on a cluster we installed ourselves (the prepared
# machines already run with trust auth; a stock Debian install would demand a password).
pg_trust_localhost() {
    local hba="/etc/postgresql/$1/main/pg_hba.conf"
    [ -f "$hba" ] || return 0
    if ! grep -qE '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
        log "pg_hba.conf: allowing trust logins from 127.0.0.1 (fresh local install)"
        "${SUDO[@]}" sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
}

start_pg() {
    local installed_now=0
    if [ -z "$(pg_versions)" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt_install postgresql
        installed_now=1
    fi
    local version
    version="$(pg_versions | tail -n1)"
    [ -n "$version" ] || die "PostgreSQL is installed but /etc/postgresql has no cluster"
    [ "$installed_now" -eq 0 ] || pg_trust_localhost "$version"
    log "starting PostgreSQL $version (cluster main)"
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 \
        || "${SUDO[@]}" pg_ctlcluster "$version" main start \
        || true   # "already running" is fine; the wait below decides
    [ "$installed_now" -eq 0 ] || "${SUDO[@]}" pg_ctlcluster "$version" main reload >/dev/null 2>&1 || true
}

start_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        apt_install redis-server
    fi
    log "starting Redis on $REDIS_HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
        --dir /tmp >/dev/null
}

wait_for() {
    local name="$1" probe="$2" deadline=$((SECONDS + WAIT_SECONDS))
    until "$probe"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "$name did not answer within ${WAIT_SECONDS} s"
        fi
        sleep 1
    done
    log "$name: up"
}

if pg_up; then log "PostgreSQL: already up"; else start_pg; fi
if redis_up; then log "Redis: already up"; else start_redis; fi

wait_for "PostgreSQL ($PG_HOST:$PG_PORT)" pg_up
wait_for "Redis ($REDIS_HOST:$REDIS_PORT)" redis_up

# The development database for `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boligadmin`.
if command -v psql >/dev/null 2>&1; then
    if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>/dev/null | grep -q 1; then
        if psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE $DB_NAME" >/dev/null 2>&1; then
            log "created database $DB_NAME"
        else
            log "note: could not create database $DB_NAME (the tests create their own test_$DB_NAME)"
        fi
    fi
fi
