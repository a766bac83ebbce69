-- PUT /api/tasks/{id}: a partial update (title and priority) of a random
-- seeded task of the user.
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
local bodies = {
  '{"title":"renamed by wrk","priority":"low"}',
  '{"title":"renamed again","priority":"high","description":null}',
}
function init() common.seed(thread_seed) end
function request()
  local user = common.next_user()
  local headers = common.auth(user)
  headers["Content-Type"] = "application/json"
  local id = math.random(user.first, user.last)
  return wrk.format("PUT", "/api/tasks/" .. id, headers, bodies[id % 2 + 1])
end
done = common.report(common.label("update"))
