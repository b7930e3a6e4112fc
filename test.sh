#!/usr/bin/env bash
# Runs every test of Handoff on a fresh machine that has only the .NET SDK.
# Installs what the tests need (PostgreSQL from Debian's packages) when it is missing, starts a private
# PostgreSQL server on loopback for the run, and stops and removes it afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

log() { printf '[test.sh] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to install packages: $*"; exit 1; fi
}

# --- PostgreSQL ---------------------------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  log "installing PostgreSQL from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(pg_bin)"

PG_DIR="$(mktemp -d /tmp/handoff-pg.XXXXXX)"
PG_PORT="${HANDOFF_TEST_PG_PORT:-$(( 40000 + RANDOM % 20000 ))}"
run_pg() {
  # initdb and postgres refuse to run as root: use the postgres account then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; fi

stop_pg() {
  run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_pg EXIT

log "starting PostgreSQL ($("$PG_BIN/postgres" --version | awk '{print $3}')) on 127.0.0.1:$PG_PORT"
run_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
export HANDOFF_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"

# --- Tests ----------------------------------------------------------------------------------------
log "building"
dotnet build Handoff.slnx -c Release -nologo -v quiet
log "running tests (each integration test runs on SQLite and on PostgreSQL)"
set +e
dotnet test Handoff.slnx -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$PG_DIR/test.log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line for CI: "N passed, N failed".
passed=$( (grep -Eo '^ +Passed: +[0-9]+' "$PG_DIR/test.log" || true) | awk '{s+=$2} END {print s+0}')
failed=$( (grep -Eo '^ +Failed: +[0-9]+' "$PG_DIR/test.log" || true) | awk '{s+=$2} END {print s+0}')
sqlite=$(grep -Ec '^\s+Passed .*_Sqlite\.' "$PG_DIR/test.log" || true)
postgres=$(grep -Ec '^\s+Passed .*_Postgres\.' "$PG_DIR/test.log" || true)
log "integration tests passed on SQLite: $sqlite, on PostgreSQL: $postgres"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  log "no test ran"; status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
