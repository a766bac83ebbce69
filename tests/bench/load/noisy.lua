-- The noisy-neighbour scenario (scripts/bench --noisy): one token, requests
-- cycling through a list of paths. NOISY_TOKEN is the bearer token,
-- NOISY_PATHS the paths separated by '|'; BENCH_LABEL names the line.
local common = dofile((os.getenv("BENCH_LOAD_DIR") or "tests/bench/load") .. "/common.lua")
local token = assert(os.getenv("NOISY_TOKEN"), "NOISY_TOKEN is not set")
local paths = {}
for path in string.gmatch(assert(os.getenv("NOISY_PATHS"), "NOISY_PATHS is not set"), "[^|]+") do
  paths[#paths + 1] = path
end
assert(#paths > 0, "NOISY_PATHS holds no path")
local next_path = 1
setup = common.setup
function init() next_path = (thread_seed or 1) % #paths + 1 end
function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
done = common.report(common.label("noisy"))
