-- GET a random page of the item list: /api/v1/items?limit=<limit>&offset=<limit x 0..pages-1>, limit and pages given
-- after "--".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
   limit = tonumber(args[1])
   pages = tonumber(args[2])
   seed_random()
end

function request()
   local offset = limit * math.random(0, pages - 1)
   return wrk.format("GET", "/api/v1/items?limit=" .. limit .. "&offset=" .. offset)
end
