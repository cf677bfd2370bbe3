-- GET a random seeded item: /api/v1/items/<1..count>, count given after "--".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
   count = tonumber(args[1])
   math.randomseed(os.time() + (thread_id or 0))
end

function setup(thread)
   thread_count = (thread_count or 0) + 1
   thread:set("thread_id", thread_count)
end

function request()
   return wrk.format("GET", "/api/v1/items/" .. math.random(1, count))
end
