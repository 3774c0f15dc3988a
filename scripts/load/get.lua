-- wrk script: GETs with the headers given as header:Name=Value after "--", and counts answers by status.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for _, arg in ipairs(args) do
    local name, value = arg:match("^header:([^=]+)=(.*)$")
    if name then
      wrk.headers[name] = value
    end
  end
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  io.write("statuses:")
  for status, n in pairs(total) do
    io.write(" ", status, "=", n)
  end
  io.write("\n")
  for _, p in ipairs({50, 99}) do
    io.write(string.format("latency p%s: %.1f ms\n", p, latency:percentile(p) / 1000))
  end
end
