-- GET a random page of the item list: <path>?limit=<limit>&offset=<limit x 0..pages-1>, limit, pages and the list's
-- path (the JSON list, /api/v1/items, unless a third argument names another, such as the pages' /items) given after
-- "--".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
   limit = tonumber(args[1])
   pages = tonumber(args[2])
   path = args[3] or "/api/v1/items"
   seed_random()
end

function request()
   local offset = limit * math.random(0, pages - 1)
   return wrk.format("GET", path .. "?limit=" .. limit .. "&offset=" .. offset)
end
