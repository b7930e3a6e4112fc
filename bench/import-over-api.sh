#!/usr/bin/env bash
# Times one CSV import through the API: uploads FILE, polls the job until it is Completed or Failed (every second, with
# curl only, so that the poller takes no CPU from the server), and prints the job, the wall time from upload to end,
# and, given the server's PID, its CPU time over the import and its peak resident memory (VmHWM: the process's peak
# since it started, so start a fresh host for each figure). A sample file: `handoff import-sample --rows 1000000 --out s1m.csv`.
# Imports are idempotent by the file's SHA-256: a server that has imported FILE answers with that job, so use a fresh
# data directory (the script stops if the job it gets back has ended already).
# usage: bench/import-over-api.sh URL IMPORT_KEY FILE [SERVER_PID]
set -euo pipefail
U=$1; K=$2; F=$3; P=${4:-}
auth=(-H "Authorization: Bearer $K")
cpu() { [ -n "$P" ] && awk '{print $14 + $15}' "/proc/$P/stat" || echo 0; }
t0=$(date +%s.%N); c0=$(cpu)
read -r id status < <(curl -sSf "${auth[@]}" -F "file=@$F" "$U/api/imports" | python3 -c 'import sys,json; j=json.load(sys.stdin); print(j["id"], j["status"])')
case "$status" in Completed|Failed) echo "the server had imported this file already (job $id, $status): start it on a fresh data directory" >&2; exit 1;; esac
while true; do
  j=$(curl -sSf "${auth[@]}" "$U/api/imports/$id")
  case "$j" in *'"status":"Completed"'*|*'"status":"Failed"'*) break;; esac
  sleep 1
done
t1=$(date +%s.%N); c1=$(cpu)
echo "$j" | python3 -c 'import sys,json; j=json.load(sys.stdin); print({k: j.get(k) for k in ("status","totalRows","imported","merged","duplicates","rejected","junk","error")})'
echo "upload to end: $(echo "$t1 - $t0" | bc) s"
if [ -n "$P" ]; then
  echo "server CPU: $(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l | cut -c1-6) s; peak resident: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$P/status")"
fi
