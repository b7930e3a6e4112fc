#!/usr/bin/env bash
# Times one rescore through the API: copies the active scoring model with every engagement rule's points moved by one,
# activates the copy, and polls the rescore job until it is Completed (every 0.5 s, with curl only, so that the
# poller takes no CPU from the server). Prints the job and the wall time from activation to Completed.
# usage: bench/rescore-over-api.sh URL ADMIN_KEY [LABEL]
set -euo pipefail
U=$1; K=$2; LABEL=${3:-bench}
auth=(-H "Authorization: Bearer $K")
active=$(curl -sf "${auth[@]}" "$U/api/scoring/models" | python3 -c 'import sys,json; print([m for m in json.load(sys.stdin) if m["status"]=="Active"][0]["id"])')
doc=$(curl -sf "${auth[@]}" "$U/api/scoring/models/$active" | LABEL=$LABEL python3 -c '
import sys, json, os
d = json.load(sys.stdin)["document"]; d["name"] = "rescore over API " + os.environ["LABEL"]
for r in d.get("engagementRules") or []: r["points"] += 1 if r["points"] > 0 else -1
print(json.dumps(d))')
new=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d "$doc" "$U/api/scoring/models" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
t0=$(date +%s.%N)
job=$(curl -sf -X POST "${auth[@]}" "$U/api/scoring/models/$new/activate" | python3 -c 'import sys,json; print(json.load(sys.stdin)["rescoreUrl"])')
while true; do
  j=$(curl -sf "${auth[@]}" "$U$job")
  case "$j" in *'"status":"Completed"'*|*'"status":"Failed"'*) break;; esac
  sleep 0.5
done
t1=$(date +%s.%N)
echo "$j"
echo "activation to end: $(echo "$t1 - $t0" | bc) s"
