-- GET the URL given to wrk.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
