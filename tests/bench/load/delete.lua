-- DELETE /api/tasks/{id}: each seeded task at most once. wrk's threads take
-- disjoint users (by position), and each walks its users' task ids in
-- order, so no two requests delete the same task; when every task is gone
-- the answers become 404s (errors): seed enough tasks for the duration.
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
local mine = {}
local position = 1
function init()
  common.seed(thread_seed)
  local threads = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
  for i, user in ipairs(common.users) do
    if (i - 1) % threads == (thread_seed - 1) % threads then
      mine[#mine + 1] = { user = user, next = user.first }
    end
  end
end
function request()
  for _ = 1, #mine do
    local entry = mine[position]
    position = position % #mine + 1
    if entry.next <= entry.user.last then
      local id = entry.next
      entry.next = entry.next + 1
      return wrk.format("DELETE", "/api/tasks/" .. id, common.auth(entry.user))
    end
  end
  return wrk.format("DELETE", "/api/tasks/0", common.auth(mine[1].user))
end
done = common.report(common.label("delete"))
