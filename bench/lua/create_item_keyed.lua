-- POST a new item, as create_item.lua does, with an Idempotency-Key no other request of the whole run uses.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local created = 0

function init(args)
   prefix = args[1]
end

function request()
   created = created + 1
   local body = string.format('{"name": "%s-%d-%d", "quantity": 1}', prefix, thread_id, created)
   local key = string.format("%s-%d-%d", prefix, thread_id, created)
   local headers = {["Content-Type"] = "application/json", ["Idempotency-Key"] = key}
   return wrk.format("POST", "/api/v1/items", headers, body)
end
