-- GET a random seeded item, as read_item.lua does, from one of many clients: an X-Forwarded-For address of 10.0.0.0/8
-- picked at random among the first <callers> (given after "--", after the item count), as a trusted proxy sends it.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
   count = tonumber(args[1])
   callers = tonumber(args[2])
   seed_random()
end

function request()
   local n = math.random(0, callers - 1)
   local address = string.format("10.%d.%d.%d", math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
   return wrk.format("GET", "/api/v1/items/" .. math.random(1, count), {["X-Forwarded-For"] = address})
end
