-- POST /api/tasks: one insert per request, spread over the users.
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
local body = '{"title":"bench task","description":"made by wrk","priority":"low","tags":"bench,load"}'
function init() common.seed(thread_seed) end
function request()
  local headers = common.auth(common.next_user())
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/tasks", headers, body)
end
done = common.report(common.label("create"))
