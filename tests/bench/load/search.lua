-- Filtered list: substring search sorted by due date (no index serves
-- either, so PostgreSQL reads all of the user's tasks).
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
local words = { "report", "milk", "call", "bug", "plan" }
function init() common.seed(thread_seed) end
function request()
  local word = words[math.random(#words)]
  return wrk.format("GET", "/api/tasks?search=" .. word .. "&sort_by=due_date&limit=20",
                    common.auth(common.next_user()))
end
done = common.report(common.label("search"))
