-- wrk script of the heavy-read benchmark: replays the request paths listed in the file named by the
-- first script argument (one per line, a Zipf sample of post ids) in order and cycling, each wrk
-- thread from the start over all of its connections; when the run ends, prints one line of JSON
-- with the counts and the latency percentiles (microseconds).
-- wrk counts a response with a status above 399 as `errors.status` ("Non-2xx or 3xx responses").

local requests = {}
local position = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for path in file:lines() do
    requests[#requests + 1] = wrk.format("GET", path)
  end
  file:close()
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"p50Micros":%d,"p99Micros":%d,"maxMicros":%d,' ..
      '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
