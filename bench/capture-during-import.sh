#!/usr/bin/env bash
# Captures while an import runs: uploads FILE to a running Handoff (which must not have imported it yet), waits 3 s,
# sends 1,500 leads at 50 a second (open loop) and prints their latency, then waits for the import and prints its time.
# usage: bench/capture-during-import.sh URL ADMIN_KEY FILE   (a sample: `handoff import-sample --rows 300000 --out s300k.csv`)
set -euo pipefail
U=$1; K=$2; F=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=(dotnet run -c Release --project "$here/Handoff.Bench" --)
t0=$(date +%s.%N)
id=$(curl -sSf -H "Authorization: Bearer $K" -F "file=@$F" "$U/api/imports" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
sleep 3
"${bench[@]}" load --provider sqlite --url "$U" --key "$K" --leads 1500 --concurrency 64 --rate 50 --label during-import | grep -E "latency|non-201"
until curl -sSf -H "Authorization: Bearer $K" "$U/api/imports/$id" | grep -q '"status":"\(Completed\|Failed\)"'; do sleep 1; done
echo "import: $(echo "$(date +%s.%N) - $t0" | bc) s from upload to end"
