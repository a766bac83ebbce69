-- PATCH /api/tasks/{id}/complete (toggle) on a random seeded task of the user.
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
function init() common.seed(thread_seed) end
function request()
  local user = common.next_user()
  local id = math.random(user.first, user.last)
  return wrk.format("PATCH", "/api/tasks/" .. id .. "/complete", common.auth(user))
end
done = common.report(common.label("complete"))
