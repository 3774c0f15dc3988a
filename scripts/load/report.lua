-- Shared by the wrk scripts (loaded with dofile from the repository root, where run.sh runs them):
-- the answers every thread counted in its global `statuses`, summed, then latency percentiles and socket errors.
local report = {}

function report.print(threads, summary, latency)
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
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d; non-2xx/3xx %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
end

return report
