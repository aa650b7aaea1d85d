-- wrk script for bench/platform_load.py: replays pre-generated, pre-signed requests.
-- The file named by WRK_BODIES holds one request per line: "<bearer token>\t<path>\t<JSON body>".
-- Each wrk thread takes every n-th line (n = thread count), so no request is sent twice; a thread
-- that runs out stops. done() prints one JSON line with the latency percentiles (microseconds).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = counter
  local path = os.getenv("WRK_BODIES")
  local n = tonumber(os.getenv("WRK_THREADS") or "1")
  lines = {}
  local i = 0
  for line in io.lines(path) do
    if i % n == tid then
      table.insert(lines, line)
    end
    i = i + 1
  end
  pos = 0
  statuses = {}
end

function request()
  pos = pos + 1
  local line = lines[pos]
  if line == nil then
    wrk.thread:stop()
    line = lines[#lines]
  end
  local tab1 = string.find(line, "\t", 1, true)
  local tab2 = string.find(line, "\t", tab1 + 1, true)
  local token = string.sub(line, 1, tab1 - 1)
  local path = string.sub(line, tab1 + 1, tab2 - 1)
  local body = string.sub(line, tab2 + 1)
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                   ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 200 and string.find(body, '"reason":"ok"', 1, true) then
    statuses["ok"] = (statuses["ok"] or 0) + 1
  end
end

function done(summary, latency, requests)
  local codes = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do
      codes[k] = (codes[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(codes) do
    table.insert(parts, string.format('"%s":%d', k, v))
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,' ..
    '"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean, table.concat(parts, ",")))
end
