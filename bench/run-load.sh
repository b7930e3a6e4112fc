#!/usr/bin/env bash
# Handoff capture under load: POST /api/leads over loopback, on SQLite and on PostgreSQL.
#
#   bash bench/run-load.sh        # about 5 minutes; run as root (it starts PostgreSQL as user postgres)
#
# Builds Release, starts a private throwaway PostgreSQL cluster (initdb in a temp dir, its own port), then
# for each provider starts Handoff.Web on a fresh database and runs, with bench/Handoff.Bench:
#   warm-up  WARMUP_LEADS leads, closed loop                       (not reported)
#   closed   LEADS leads, CONCURRENCY workers, closed loop         (throughput)
#   rate     RATE leads/s for RATE_SECONDS, open loop              (latency at a steady rate: p99 budget), after
#            1,000 unmeasured leads and a pause of SETTLE_SECONDS: the closed loop at full speed leaves the JIT
#            a backlog of methods to optimize, which otherwise held answers up in the rate run's first seconds
#            (its CPU columns average over the warm-up and the pause too; its latencies are the measured run's)
#   wrk      wrk -t2 -cWRK_CONNS for WRK_SECONDS (bench/lead.lua)  (the load generator of the ceiling tool,
#            so that Handoff/ceiling compares like with like)
# and prints one table. Everything binds to 127.0.0.1; every run is bounded in count and time; everything
# started here is stopped on exit (trap), and the databases are deleted (logs stay in the work folder).
#
# Knobs (environment): LEADS (20000), CONCURRENCY (32), WARMUP_LEADS (5000), RATE (500), RATE_SECONDS (20), SETTLE_SECONDS (15),
#   WRK_SECONDS (20), WRK_CONNS (64), PORT (5180), PG_PORT (55432), PROVIDERS ("sqlite postgres"),
#   APP_LOG_LEVEL (unset: the shipped appsettings.json; e.g. Warning to silence every category),
#   PG_CONN_EXTRA (appended to the PostgreSQL connection string, e.g. "Max Auto Prepare=20").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LEADS=${LEADS:-20000}
CONCURRENCY=${CONCURRENCY:-32}
WARMUP_LEADS=${WARMUP_LEADS:-5000}
RATE=${RATE:-500}
RATE_SECONDS=${RATE_SECONDS:-20}
SETTLE_SECONDS=${SETTLE_SECONDS:-15}
WRK_SECONDS=${WRK_SECONDS:-20}
WRK_CONNS=${WRK_CONNS:-64}
PORT=${PORT:-5180}
PG_PORT=${PG_PORT:-55432}
PROVIDERS=${PROVIDERS:-"sqlite postgres"}
APP_LOG_LEVEL=${APP_LOG_LEVEL:-}
PG_CONN_EXTRA=${PG_CONN_EXTRA:-}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
MAX_SECONDS=300   # hard limit of any one load run

WORK="$(mktemp -d /tmp/handoff-bench.XXXXXX)"
chmod 755 "$WORK"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
WEB_BIN="$ROOT/src/Handoff.Web/bin/Release/net10.0"
BENCH="$ROOT/bench/Handoff.Bench/bin/Release/net10.0/Handoff.Bench.dll"
KEY="hk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PG_PASS="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CLK_TCK=$(getconf CLK_TCK)
T0=$(date +%s)

log() { printf '[%4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }

# ------------------------------------------------------------------ cleanup
APP_PID=""
PG_DATA=""
stop_app() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=""
}
cleanup() {
  stop_app
  if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK/pg" "$WORK/sqlite" "$WORK/sock"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in "$PORT" "$PG_PORT"; do
  if ss -Hltn "sport = :$p" | grep -q .; then
    echo "port $p is in use; set PORT=... or PG_PORT=..." >&2
    exit 1
  fi
done

# ------------------------------------------------------------------ build
log "building Release (Handoff.Web, Handoff.Bench)"
for project in src/Handoff.Web bench/Handoff.Bench; do
  dotnet build -c Release -nologo -v q -clp:ErrorsOnly "$ROOT/$project" >"$LOGS/build.log" 2>&1 \
    || { cat "$LOGS/build.log"; exit 1; }
done

# ------------------------------------------------------------------ PostgreSQL (private cluster)
pg_psql() { PGPASSWORD="$PG_PASS" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U handoff -qAt -v ON_ERROR_STOP=1 "$@"; }
start_pg() {
  PG_DATA="$WORK/pg"
  mkdir -p "$PG_DATA" "$WORK/sock"
  printf '%s\n' "$PG_PASS" >"$WORK/pg.pw"
  touch "$LOGS/postgres.log"
  chown postgres:postgres "$PG_DATA" "$WORK/sock" "$WORK/pg.pw" "$LOGS/postgres.log"
  chmod 700 "$PG_DATA"
  log "initdb + start a private PostgreSQL on 127.0.0.1:$PG_PORT"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" --username=handoff --pwfile="$WORK/pg.pw" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1
  rm -f "$WORK/pg.pw"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $WORK/sock -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  pg_psql -d postgres -c "CREATE DATABASE handoff"
  PG_SETTINGS=$(pg_psql -d handoff -F= -c "select name, setting from pg_settings where name in
    ('synchronous_commit','fsync','shared_buffers','max_connections','wal_sync_method') order by name" | paste -sd' ')
}
pg_postmaster() { head -1 "$PG_DATA/postmaster.pid"; }

# ------------------------------------------------------------------ CPU accounting (jiffies)
proc_cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_cpu() {
  [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]] || { echo 0; return; }
  local pm t=0 p
  pm=$(pg_postmaster)
  for p in "$pm" $(pgrep -P "$pm" || true); do t=$((t + $(proc_cpu "$p"))); done
  echo "$t"
}
cores() { awk -v j="$1" -v s="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (s > 0 ? j / hz / s : 0) }'; }

# ------------------------------------------------------------------ one measured run
ROWS=()
measure() { # provider label command...
  local provider=$1 label=$2; shift 2
  local f="$LOGS/$provider-${label//[^a-z0-9=]/_}"
  [[ "$provider" == postgres ]] && pg_psql -d handoff -c "CHECKPOINT"
  local srv1 pg1 t1 srv2 pg2 t2 out
  srv1=$(proc_cpu "$APP_PID"); pg1=$(pg_cpu); t1=$(date +%s.%N)
  local TIMEFORMAT='%U %S'
  { time "$@" >"$f.txt" 2>&1; } 2>"$f.time" || true
  t2=$(date +%s.%N); srv2=$(proc_cpu "$APP_PID"); pg2=$(pg_cpu)
  grep -v '^RESULT\|^WRK_RESULT' "$f.txt" >&2 || true
  out=$(grep -h '^RESULT\|^WRK_RESULT' "$f.txt" | tail -1)
  [[ -n "$out" ]] || { echo "no result from $label:" >&2; cat "$f.txt" >&2; exit 1; }
  kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $out"; }
  local secs client
  secs=$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')
  client=$(awk '{ printf "%d", ($1 + $2) * '"$CLK_TCK"' }' "$f.time")
  ROWS+=("$(printf '%-9s %-16s %9.0f %8.2f %8.2f %8.2f %8.2f %7s   %5s %5s %6s' \
    "$provider" "$label" "$(kv rps)" "$(kv p50_ms)" "$(kv p90_ms)" "$(kv p99_ms)" "$(kv max_ms)" "$(kv errors)" \
    "$(cores $((srv2 - srv1)) "$secs")" "$(cores $((pg2 - pg1)) "$secs")" "$(cores "$client" "$secs")")")
}

run_provider() {
  local provider=$1 url="http://127.0.0.1:$PORT"
  local env=(Handoff__DataDirectory="$WORK/sqlite" Handoff__BootstrapApiKey="$KEY" Handoff__SeedDemo=false
    ASPNETCORE_ENVIRONMENT=Production)
  rm -rf "$WORK/sqlite"
  if [[ "$provider" == postgres ]]; then
    pg_psql -d postgres -c "DROP DATABASE IF EXISTS handoff" -c "CREATE DATABASE handoff"
    env+=(Handoff__Database__Provider=Postgres
      "ConnectionStrings__Handoff=Host=127.0.0.1;Port=$PG_PORT;Database=handoff;Username=handoff;Password=$PG_PASS${PG_CONN_EXTRA:+;$PG_CONN_EXTRA}")
  fi
  [[ -n "$APP_LOG_LEVEL" ]] && env+=(Logging__LogLevel__Default="$APP_LOG_LEVEL"
    Logging__LogLevel__Microsoft.AspNetCore="$APP_LOG_LEVEL" Logging__LogLevel__Microsoft.EntityFrameworkCore="$APP_LOG_LEVEL")

  log "$provider: starting Handoff.Web on $url"
  # From its own folder, as deployed: the content root is the working directory, and only there does the
  # shipped appsettings.json (log levels) apply.
  (cd "$WEB_BIN" && exec env "${env[@]}" dotnet Handoff.Web.dll --urls "$url") >"$LOGS/$provider-app.log" 2>&1 &
  APP_PID=$!
  local i
  for i in $(seq 600); do
    curl -sf -o /dev/null "$url/health" && break
    kill -0 "$APP_PID" 2>/dev/null || { cat "$LOGS/$provider-app.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -sf -o /dev/null "$url/health" || { echo "Handoff.Web did not become healthy" >&2; exit 1; }

  local load=(dotnet "$BENCH" load --provider "$provider" --url "$url" --key "$KEY" --max-seconds "$MAX_SECONDS")
  log "$provider: warm-up, $WARMUP_LEADS leads"
  "${load[@]}" --leads "$WARMUP_LEADS" --concurrency "$CONCURRENCY" --label warmup >"$LOGS/$provider-warmup.txt" 2>&1 \
    || { cat "$LOGS/$provider-warmup.txt" >&2; exit 1; }
  log "$provider: closed loop, $LEADS leads, concurrency $CONCURRENCY"
  measure "$provider" "closed c=$CONCURRENCY" "${load[@]}" --leads "$LEADS" --concurrency "$CONCURRENCY" --label closed
  log "$provider: open loop, $RATE leads/s for $RATE_SECONDS s"
  measure "$provider" "rate $RATE/s" "${load[@]}" --leads $((RATE * RATE_SECONDS)) --concurrency "$CONCURRENCY" \
    --rate "$RATE" --warmup 1000 --settle-seconds "$SETTLE_SECONDS" --label rate
  if command -v wrk >/dev/null; then
    log "$provider: wrk -t2 -c$WRK_CONNS -d${WRK_SECONDS}s"
    measure "$provider" "wrk c=$WRK_CONNS" wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECONDS}s" --timeout 10s \
      -s "$ROOT/bench/lead.lua" "$url" -- "$KEY" "w$(date +%s)"
  fi
  log "$provider: leads in the database: $(count_leads "$provider")"
  stop_app
}

count_leads() {
  if [[ "$1" == postgres ]]; then
    pg_psql -d handoff -c "select count(*) from leads"
  else
    echo "(see $LOGS)"
  fi
}

# ------------------------------------------------------------------ run
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
[[ " $PROVIDERS " == *" postgres "* ]] && start_pg
for provider in $PROVIDERS; do run_provider "$provider"; done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo
  echo "== Handoff capture, POST /api/leads, $(nproc) cores, $(date -u +%FT%TZ)"
  echo "   client, server and PostgreSQL share the same cores; cpu columns = cores used during the run."
  echo
  printf '%-9s %-16s %9s %8s %8s %8s %8s %7s   %5s %5s %6s\n' \
    provider run "leads/s" "p50 ms" "p90 ms" "p99 ms" "max ms" non-201 srv pg client
  for r in "${ROWS[@]}"; do echo "$r"; done
  echo
  echo "PostgreSQL: ${PG_SETTINGS:-not run}${PG_CONN_EXTRA:+; connection string + $PG_CONN_EXTRA}; app log level: ${APP_LOG_LEVEL:-as shipped (appsettings.json)}"
  echo "load average before: $LOAD_BEFORE   after: $LOAD_AFTER   total time: $(($(date +%s) - T0)) s   logs: $LOGS"
} | tee "$WORK/summary.txt"
