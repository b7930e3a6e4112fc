#!/usr/bin/env bash
# API edits while an import runs: uploads FILE to a running Handoff (which must not have imported it yet), waits 3 s,
# then sends 20 PATCHes to one lead, one a second, and prints each one's latency; then waits for the import.
# usage: bench/edits-during-import.sh URL ADMIN_KEY FILE   (a sample: `handoff import-sample --rows 300000 --out s300k.csv`)
set -euo pipefail
U=$1; K=$2; F=$3
H="Authorization: Bearer $K"
t0=$(date +%s.%N)
id=$(curl -sSf -H "$H" -F "file=@$F" "$U/api/imports" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
lead=$(curl -sSf -H "$H" -H 'content-type: application/json' -d "{\"email\":\"edit-$(date +%s%N)@example.com\"}" "$U/api/leads" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["lead"]["id"])')
sleep 3
times=$(for i in $(seq 1 20); do
  curl -sS -o /dev/null -w "%{http_code} %{time_total}\n" -X PATCH -H "$H" -H 'content-type: application/json' \
    -d "{\"title\":\"Edit $i\"}" "$U/api/leads/$lead"
  sleep 1
done)
echo "$times" | awk '{ printf "PATCH %s %.0f ms\n", $1, $2 * 1000 }'
echo "$times" | awk '{ print $2 * 1000 }' | sort -n | awk '{ t[NR] = $1 } END { printf "edits: %d, median %.0f ms, max %.0f ms\n", NR, t[int((NR + 1) / 2)], t[NR] }'
until curl -sSf -H "$H" "$U/api/imports/$id" | grep -q '"status":"\(Completed\|Failed\)"'; do sleep 1; done
echo "import: $(echo "$(date +%s.%N) - $t0" | bc) s from upload to end"
