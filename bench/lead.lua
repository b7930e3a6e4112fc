-- wrk script: POST /api/leads to Handoff with a unique email per request, the same shape of load as
-- ../shared/tools/ceiling/lead.lua so that Handoff and the bare ceiling are driven alike.
-- usage: wrk -t2 -c64 -d20s -s bench/lead.lua http://127.0.0.1:PORT -- <api key> <run tag>
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

local counter = 0
local tag = "r"

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  tag = args[2] or "r"
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local body = string.format(
    '{"firstName":"Ada","lastName":"Lovelace","email":"ada.%s.%d.%d@analytical-engines.io",' ..
    '"company":"Analytical Engines","title":"CTO","source":"wrk"}',
    tag, tid, counter)
  return wrk.format("POST", "/api/leads", nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "WRK_RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
