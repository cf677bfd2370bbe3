-- Shared by every bench script: number each wrk thread (thread_id, from 1), seed a thread's random numbers, and print
-- one parseable line with the figures wrk measured.
function setup(thread)
   thread_count = (thread_count or 0) + 1
   thread:set("thread_id", thread_count)
end

function seed_random()
   math.randomseed(os.time() + (thread_id or 0))
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
