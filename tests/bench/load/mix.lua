-- 80 % reads (list 60 %, search 20 %), 20 % writes (create 10 %, toggle 10 %).
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
local body = '{"title":"mixed task","priority":"high","tags":"mix"}'
function init() common.seed(thread_seed) end
function request()
  local user = common.next_user()
  local headers = common.auth(user)
  local dice = math.random(100)
  if dice <= 60 then
    return wrk.format("GET", "/api/tasks?limit=20", headers)
  elseif dice <= 80 then
    return wrk.format("GET", "/api/tasks?search=report&sort_by=due_date&limit=20", headers)
  elseif dice <= 90 then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/tasks", headers, body)
  end
  return wrk.format("PATCH", "/api/tasks/" .. math.random(user.first, user.last) .. "/complete",
                    headers)
end
done = common.report(common.label("mix"))
