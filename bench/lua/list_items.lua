-- GET a random page of the item list: /api/v1/items?limit=<limit>&offset=<limit x 0..pages-1>, limit and pages given
-- after "--".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
   limit = tonumber(args[1])
   pages = tonumber(args[2])
   math.randomseed(os.time() + (thread_id or 0))
end

function setup(thread)
   thread_count = (thread_count or 0) + 1
   thread:set("thread_id", thread_count)
end

function request()
   local offset = limit * math.random(0, pages - 1)
   return wrk.format("GET", "/api/v1/items?limit=" .. limit .. "&offset=" .. offset)
end
