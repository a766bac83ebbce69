-- Authenticated task list, first page of 20 (the "list" scenario).
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
function init() common.seed(thread_seed) end
function request()
  return wrk.format("GET", "/api/tasks?limit=20", common.auth(common.next_user()))
end
done = common.report(common.label("list"))
