-- Shared by the wrk scripts here: the seeded users' tokens and tasks, and a
-- done() that prints one JSON line scripts/bench reads.
--
-- The users file (BENCH_USERS, written by scripts/bench) has one user a line:
--   <access token> <first task id> <last task id> <email>
-- in random order. The task ids are 0 0 in the file `scripts/bench --sweep`
-- writes (tokens for up to 100,000 users, signed without logging in): that
-- file serves list.lua, search.lua and login.lua only.
-- Each wrk thread walks the list from its own offset, so the load is spread
-- over every user rather than hammering one row.
local common = {}

common.users = {}
local path = os.getenv("BENCH_USERS") or "build/bench/users.txt"
local file = assert(io.open(path, "r"), "cannot open " .. path)
for line in file:lines() do
  local token, first, last, email = line:match("^(%S+) (%d+) (%d+) (%S+)$")
  if token then
    common.users[#common.users + 1] = {
      token = token, first = tonumber(first), last = tonumber(last), email = email }
  end
end
file:close()
assert(#common.users > 0, "no users in " .. path)

common.password = os.getenv("BENCH_PASSWORD") or "bench password"

local next_index = 1
-- Called from setup() with a per-thread seed so threads start apart.
function common.seed(n)
  next_index = (n * 7919) % #common.users + 1
  math.randomseed(n * 104729 + os.time())
end

function common.next_user()
  local user = common.users[next_index]
  next_index = next_index % #common.users + 1
  return user
end

function common.auth(user)
  return { ["Authorization"] = "Bearer " .. user.token }
end

local threads = {}
function common.setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_seed", #threads)
end

-- The scenario's name: BENCH_LABEL when set and not empty.
function common.label(default)
  local label = os.getenv("BENCH_LABEL")
  if label == nil or label == "" then return default end
  return label
end

-- One JSON line, marked so the runner can pick it out of wrk's own output.
-- "ok" counts answers below 400 (wrk's "status" errors are those >= 400).
function common.report(label)
  return function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    local bad = e.connect + e.read + e.write + e.timeout
    io.write(string.format(
      'BENCH_JSON {"scenario":"%s","requests":%d,"seconds":%.3f,"rps":%.1f,' ..
      '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
      '"non_2xx":%d,"socket_errors":%d,"ok":%d}\n',
      label, summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, e.status, bad, summary.requests - e.status - bad))
  end
end

return common
