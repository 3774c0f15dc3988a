#!/usr/bin/env bash
# Faults, run by hand (root: it mounts a tmpfs and runs a private PostgreSQL as user postgres):
#   webhook-down      a job's webhook receiver is down, then comes up during the retries; another never does
#   full-disk         the blob store is a 1 MiB tmpfs: uploads fill it, then deleting jobs frees it
#   postgres-restart  a private PostgreSQL cluster (never the machine's shared one) stops for 15 s while jobs run
# One service process runs all three, on the private PostgreSQL and the tmpfs. Outcomes go to docs/reliability.md.
# Usage: scripts/load/faults.sh [webhook-down|full-disk|postgres-restart ...] (all by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=${JAR:-$PWD/target/pastiche-0.1.0-SNAPSHOT.jar}
[ -f "$JAR" ] || ./mvnw -B -ntp -q package -DskipTests
WORK=$(mktemp -d /tmp/pastiche-faults.XXXXXX)
chmod 755 "$WORK"
. scripts/load/service.sh
PG_PORT=${PG_PORT:-55432}
HOOK_PORT=${HOOK_PORT:-18099}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG="runuser -u postgres -- $PG_BIN"

cleanup() {
    stop_service
    [ -n "${HOOK_PID:-}" ] && kill "$HOOK_PID" 2>/dev/null || true
    $PG/pg_ctl -D "$WORK/pg" -m immediate stop > /dev/null 2>&1 || true
    umount "$WORK/blobs" 2>/dev/null || true
}
trap cleanup EXIT

java scripts/load/MakeImages.java "$WORK/images"
mkdir -p "$WORK/pg" "$WORK/blobs" && chown postgres "$WORK/pg"
$PG/initdb -D "$WORK/pg" -A trust -U postgres > "$WORK/initdb.log"
$PG/pg_ctl -D "$WORK/pg" -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1" -l "$WORK/pg/server.log" -w start > /dev/null
$PG/createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres pastiche
mount -t tmpfs -o size=1m tmpfs "$WORK/blobs"
start_service --spring.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/pastiche" --spring.datasource.username=postgres \
    --spring.datasource.password= --pastiche.storage.root="$WORK/blobs" \
    --pastiche.webhooks.allow-private=true --pastiche.webhooks.retry-delays=2s,4s,8s \
    --spring.datasource.hikari.connection-timeout=3000

submit() { # content image, options JSON → the response's status and body on one line
    curl -s -w ' %{http_code}' -F "content=@$1;type=image/png" -F "style=@$WORK/images/style64.png;type=image/png" \
        -F "options=$2;type=application/json" "$BASE/v1/style-transfers"
}
job_id() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read().rsplit(" ", 1)[0])["id"])'; }
status_of() { curl -s "$BASE/v1/style-transfers/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
await_finished() {
    for _ in $(seq 1 180); do
        s=$(status_of "$1" 2>/dev/null || echo unreachable)
        case "$s" in succeeded|failed|cancelled) echo "$s"; return ;; esac
        sleep 1
    done
    echo "still $s"
}

receiver() { # a webhook receiver on HOOK_PORT that logs what arrives
    python3 - "$HOOK_PORT" >> "$WORK/hook.log" 2>&1 <<'PY' &
import http.server, sys, time
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        print(time.strftime("%H:%M:%S"), "received", self.headers["webhook-id"], body.decode()[:80], flush=True)
        self.send_response(204); self.end_headers()
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
    HOOK_PID=$!
}

webhook_down() {
    echo "== webhook receiver down, up after 5 s"
    id=$(submit "$WORK/images/content64.png" '{"size": 48, "iterations": 2, "webhook": {"url": "http://127.0.0.1:'"$HOOK_PORT"'/hook"}}' | job_id)
    echo "job $id: $(await_finished "$id")"
    sleep 5 && receiver
    sleep 12
    echo "receiver log: $(cat "$WORK/hook.log")"
    grep -E "Webhook msg_$id" "$WORK/service.log" | sed -E 's/^.*(Webhook .*)$/  service: \1/'
    kill "$HOOK_PID"; HOOK_PID=
    echo "== webhook receiver never up"
    id=$(submit "$WORK/images/content64.png" '{"size": 48, "iterations": 3, "webhook": {"url": "http://127.0.0.1:'"$HOOK_PORT"'/hook"}}' | job_id)
    echo "job $id: $(await_finished "$id")"
    sleep 16
    grep -E "Webhook msg_$id" "$WORK/service.log" | sed -E 's/^.*(Webhook .*)$/  service: \1/'
}

full_disk() {
    echo "== blob store on a full 1 MiB tmpfs"
    ids=()
    for i in $(seq 0 15); do
        out=$(submit "$WORK/images/noise$i.png" '{"size": 32, "iterations": 1}')
        code=${out##* }
        echo "submission $i: HTTP $code $(echo "${out% *}" | head -c 160)"
        [ "$code" = 202 ] && ids+=("$(echo "$out" | job_id)")
        df -k "$WORK/blobs" | awk 'NR == 2 {print "  tmpfs used " $3 " KiB of " $2}'
        [ "$code" != 202 ] && break
    done
    ls "$WORK/blobs/incoming" 2>/dev/null | sed 's/^/  left in incoming: /'
    sleep 8
    for id in "${ids[@]}"; do echo "  job $id: $(await_finished "$id")"; done
    echo "deleting the accepted jobs"
    for id in "${ids[@]}"; do curl -s -o /dev/null -w '  DELETE %{http_code}\n' -X DELETE "$BASE/v1/style-transfers/$id"; done
    df -k "$WORK/blobs" | awk 'NR == 2 {print "  tmpfs used " $3 " KiB of " $2}'
    out=$(submit "$WORK/images/noise15.png" '{"size": 32, "iterations": 1}')
    echo "after deleting: HTTP ${out##* }"
    [ "${out##* }" = 202 ] && echo "  job: $(await_finished "$(echo "$out" | job_id)")"
}

postgres_restart() {
    echo "== PostgreSQL stopped for 15 s while jobs run"
    ids=()
    for i in 1 2 3 4; do
        ids+=("$(submit "$WORK/images/content64.png" '{"size": 64, "iterations": 150, "optimizer": "adam", "seed": '"$i"'}' | job_id)")
    done
    for _ in $(seq 1 60); do [ "$(status_of "${ids[0]}")" = running ] && break; sleep 1; done
    echo "first job $(status_of "${ids[0]}"); stopping PostgreSQL"
    $PG/pg_ctl -D "$WORK/pg" -m fast stop > /dev/null
    for _ in 1 2 3; do
        echo "  during: GET job $(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/style-transfers/${ids[1]}"), submit $(submit "$WORK/images/content64.png" '{"size": 48}' | awk '{print $NF}'), readiness $(curl -s -o /dev/null -w '%{http_code}' "$BASE/actuator/health/readiness"), liveness $(curl -s -o /dev/null -w '%{http_code}' "$BASE/actuator/health/liveness")"
        sleep 4
    done
    $PG/pg_ctl -D "$WORK/pg" -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1" -l "$WORK/pg/server.log" -w start > /dev/null
    echo "PostgreSQL back; readiness $(sleep 3; curl -s -o /dev/null -w '%{http_code}' "$BASE/actuator/health/readiness")"
    for id in "${ids[@]}"; do echo "  job $id: $(await_finished "$id")"; done
    echo "  errors logged: $(grep -c ' ERROR ' "$WORK/service.log" || true)"
}

for scenario in ${@:-webhook-down full-disk postgres-restart}; do
    "${scenario//-/_}"
done
echo "service log: $WORK/service.log"
