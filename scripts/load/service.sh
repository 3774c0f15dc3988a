# Sourced by the load and fault scripts: start and stop the service jar in a work directory.
# Needs WORK (a directory) and JAR; PORT defaults to 18080.
PORT=${PORT:-18080}
BASE="http://127.0.0.1:$PORT"

start_service() {
    (cd "$WORK" && exec java -Dai.djl.offline=true -Xmx1g -jar "$JAR" --server.port="$PORT" --pastiche.weights.source=random "$@" \
        > "$WORK/service.log" 2>&1) &
    SERVICE_PID=$!
    for _ in $(seq 1 240); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/actuator/health/readiness")" = "200" ]; then
            echo "service up (pid $SERVICE_PID)"
            return 0
        fi
        kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 40 "$WORK/service.log"; return 1; }
        sleep 1
    done
    echo "service did not become ready" >&2
    return 1
}

stop_service() {
    [ -n "${SERVICE_PID:-}" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=
}

# the service's resident and peak resident memory, in MiB
service_memory() {
    awk '/VmRSS|VmHWM/ {printf "%s %d MiB  ", $1, $2 / 1024} END {print ""}' "/proc/$SERVICE_PID/status"
}

# jobs of every status, counted by status: pages through the list API
job_counts() {
    python3 - "$BASE" "$@" <<'PY'
import json, sys, urllib.request, collections
base, headers = sys.argv[1], dict(h.split(": ", 1) for h in sys.argv[2:])
counts, cursor = collections.Counter(), None
while True:
    url = base + "/v1/style-transfers?limit=100" + (f"&cursor={cursor}" if cursor else "")
    page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers=headers)))
    counts.update(job["status"] for job in page["items"])
    cursor = page["next"]
    if not cursor:
        break
print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none")
PY
}
