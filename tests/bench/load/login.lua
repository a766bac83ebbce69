-- Login storm: POST /auth/login with the right password for seeded users;
-- every request costs one bcrypt verification.
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
setup = common.setup
function init() common.seed(thread_seed) end
function request()
  local user = common.next_user()
  local body = '{"email":"' .. user.email .. '","password":"' .. common.password .. '"}'
  return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" }, body)
end
done = common.report("login_storm")
