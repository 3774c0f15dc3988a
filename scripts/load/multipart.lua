-- wrk script: POSTs one multipart/form-data body, built once from files, and counts answers by status.
-- Arguments after "--": field=path for a file part, field:json=TEXT for a JSON part, field:=TEXT for a field,
-- and header:Name=Value for a request header. Example:
--   wrk -t2 -c16 -d60s -s multipart.lua http://localhost:8080/v1/perceptual-distance -- reference=a.png candidate=b.png
local boundary = "pastiche-load-boundary"
local report = dofile("scripts/load/report.lua")
local threads = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local parts = {}
  wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  for _, arg in ipairs(args) do
    local name, value = arg:match("^header:([^=]+)=(.*)$")
    if name then
      wrk.headers[name] = value
    else
      local field, kind, rest = arg:match("^([^:=]+)(:?%a*)=(.*)$")
      if kind == ":json" then
        table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. field
          .. "\"\r\nContent-Type: application/json\r\n\r\n" .. rest .. "\r\n")
      elseif kind == ":" then
        table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. field .. "\"\r\n\r\n" .. rest .. "\r\n")
      else
        table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. field .. "\"; filename=\""
          .. field .. ".png\"\r\nContent-Type: image/png\r\n\r\n" .. read(rest) .. "\r\n")
      end
    end
  end
  wrk.method = "POST"
  wrk.body = table.concat(parts) .. "--" .. boundary .. "--\r\n"
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 or status == 429 then
    retry_after = headers["Retry-After"] or headers["retry-after"] or retry_after
  end
end

function done(summary, latency, requests)
  report.print(threads, summary, latency)
end
