-- GET a random seeded item: /api/v1/items/<1..count>, count given after "--".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
   count = tonumber(args[1])
   seed_random()
end

function request()
   return wrk.format("GET", "/api/v1/items/" .. math.random(1, count))
end
