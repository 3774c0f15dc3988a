-- wrk script: GETs with the headers given as header:Name=Value after "--", and counts answers by status.
local report = dofile("scripts/load/report.lua")
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
  report.print(threads, summary, latency)
end
