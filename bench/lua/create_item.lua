-- POST a new item with a name no other request of the whole run uses: prefix (after "--"), thread, counter.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local created = 0

function init(args)
   prefix = args[1]
end

function request()
   created = created + 1
   local body = string.format('{"name": "%s-%d-%d", "quantity": 1}', prefix, thread_id, created)
   return wrk.format("POST", "/api/v1/items", {["Content-Type"] = "application/json"}, body)
end
