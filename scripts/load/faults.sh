#!/usr/bin/env bash
# Faults, run by hand (root: it mounts a tmpfs and runs a private PostgreSQL as user postgres):
#   webhook-down      a job's webhook receiver is down, then comes up during the retries; another never does
#   full-disk         the blob store is a 1 MiB tmpfs: uploads fill it, then deleting jobs frees it
#   postgres-restart  a private PostgreSQL cluster (never the machine's shared one) stops for 15 s while jobs run
#   two-nodes         two processes on one database and one blob directory run 20 jobs; the one running a job with a
#                     checkpoint is killed with -9 and restarted: every job must finish once, the killed one from its
#                     checkpoint, and no blob may be left that no row names (TwoNodeFaultTests is the shortened version)
# One service process runs the first three, on the private PostgreSQL and the tmpfs; two-nodes runs two of its own on
# another database of that cluster and an ordinary directory. Outcomes go to docs/reliability.md.
# Usage: scripts/load/faults.sh [webhook-down|full-disk|postgres-restart|two-nodes ...] (all by default)
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
    for pid in "${NODE_PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
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
one_service() { # the service the first three scenarios share, started by the first of them
    [ -n "${SERVICE_PID:-}" ] && return
    start_service --spring.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/pastiche" --spring.datasource.username=postgres \
        --spring.datasource.password= --pastiche.storage.root="$WORK/blobs" \
        --pastiche.webhooks.allow-private=true --pastiche.webhooks.secret=faults-secret --pastiche.webhooks.retry-delays=2s,4s,8s \
        --spring.datasource.hikari.connection-timeout=3000
}

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
    one_service
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
    one_service
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
    one_service
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

# --- two nodes ---------------------------------------------------------------------------------------
NODE_PIDS=()
NODES_DB=nodes
NODES_BLOBS="$WORK/nodes-blobs"

start_node() { # name port → starts a node in the background; NODE_PIDS[port] is its pid
    (cd "$WORK" && OMP_NUM_THREADS=${NODE_THREADS:-1} exec java -Dai.djl.offline=true -Xmx1g -jar "$JAR" --server.port="$2" --pastiche.weights.source=random \
        --pastiche.lpips.source=file --spring.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/$NODES_DB" \
        --spring.datasource.username=postgres --spring.datasource.password= --pastiche.storage.root="$NODES_BLOBS" \
        --pastiche.jobs.checkpoint-interval="${CHECKPOINT_INTERVAL:-5s}" --pastiche.jobs.max-queued=100 \
        --jobrunr.background-job-server.name="$1" --jobrunr.background-job-server.poll-interval-in-seconds=5 \
        --jobrunr.background-job-server.server-timeout-poll-interval-multiplicand=4 >> "$WORK/$1.log" 2>&1) &
    NODE_PIDS[$2]=$!
}
await_node() { # port
    for _ in $(seq 1 240); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/actuator/health/readiness")" = 200 ] && return 0
        sleep 1
    done
    echo "node on port $1 did not become ready" >&2
    return 1
}
sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$NODES_DB" -tAc "$1"; }

two_nodes() {
    local jobs=${NODE_JOBS:-20} iterations=${NODE_ITERATIONS:-60} size=${NODE_SIZE:-64}
    echo "== two nodes, one database and one blob directory: $jobs jobs of $iterations Adam iterations at $size px, checkpoints every ${CHECKPOINT_INTERVAL:-5s}"
    $PG/createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres "$NODES_DB"
    mkdir -p "$NODES_BLOBS"
    local a=$((PORT + 1)) b=$((PORT + 2)) started=$SECONDS
    start_node node-a $a; start_node node-b $b
    await_node $a; await_node $b
    echo "both nodes ready after $((SECONDS - started)) s"
    local ids=() port out
    for i in $(seq 1 "$jobs"); do
        port=$(( i % 2 ? a : b ))
        out=$(curl -s -w ' %{http_code}' -F "content=@$WORK/images/noise$((i % 16)).png;type=image/png" \
            -F "style=@$WORK/images/style64.png;type=image/png" \
            -F "options={\"size\": $size, \"iterations\": $iterations, \"optimizer\": \"adam\", \"previewEvery\": 10, \"seed\": $i};type=application/json" \
            "http://127.0.0.1:$port/v1/style-transfers")
        [ "${out##* }" = 202 ] || { echo "submission $i: HTTP $out"; return 1; }
        ids+=("$(echo "$out" | job_id)")
    done
    echo "$jobs jobs submitted, alternately to both nodes"
    # the victim: a running job with a checkpoint, before two thirds of its iterations, and the node that runs it
    local victim="" node="" at=""
    for _ in $(seq 1 600); do
        read -r victim at < <(sql "SELECT id, (progress::json->>'iteration') FROM style_transfer_job WHERE status = 'RUNNING'
            AND checkpoint_blob IS NOT NULL AND (progress::json->>'iteration')::int <= $((iterations * 2 / 3)) ORDER BY started_at LIMIT 1" | tr '|' ' ') || true
        [ -n "$victim" ] && break
        sleep 0.5
    done
    [ -n "$victim" ] || { echo "no running job wrote a checkpoint"; return 1; }
    node=$(sql "SELECT jobasjson FROM jobrunr_jobs WHERE id = '$victim'" | python3 -c '
import json, sys
print([s["serverName"] for s in json.load(sys.stdin)["jobHistory"] if s["state"] == "PROCESSING"][-1])')
    port=$([ "$node" = node-a ] && echo $a || echo $b)
    local done_before
    done_before=$(sql "SELECT COUNT(*) FROM style_transfer_job WHERE status = 'SUCCEEDED'")
    kill -9 "${NODE_PIDS[$port]}"; wait "${NODE_PIDS[$port]}" 2>/dev/null || true
    local killed=$SECONDS
    echo "killed $node with -9 while it ran job $victim ($done_before jobs done by then)"
    local at_kill
    at_kill=$(sql "SELECT progress::json->>'iteration' FROM style_transfer_job WHERE id = '$victim'")
    echo "  the job's row after the kill: $(sql "SELECT status FROM style_transfer_job WHERE id = '$victim'"), iteration $at_kill of $iterations"
    start_node "$node" "$port"; await_node "$port"
    echo "$node restarted, ready $((SECONDS - killed)) s after the kill"
    for _ in $(seq 1 1800); do
        [ "$(sql "SELECT COUNT(*) FROM style_transfer_job WHERE status IN ('QUEUED', 'RUNNING')")" = 0 ] && break
        sleep 1
    done
    echo "every job finished $((SECONDS - killed)) s after the kill, $((SECONDS - started)) s after the start"
    sql "SELECT row_to_json(t) FROM (SELECT j.id, j.status, j.result, j.recipe, j.checkpoint_blob, j.content_blob, j.style_blobs,
        j.mask_blobs, j.preview_blob, j.result_blob, r.jobasjson FROM style_transfer_job j LEFT JOIN jobrunr_jobs r ON r.id = j.id::text) t" \
        > "$WORK/nodes-rows.json"
    python3 - "$NODES_BLOBS" "$victim" "$node" "$iterations" "$WORK/nodes-rows.json" "$at_kill" <<'PY'
import collections, json, os, sys
root, victim, victim_node, iterations, at_kill = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[6])
rows = [json.loads(line) for line in open(sys.argv[5]) if line.strip()]
named, problems, by_node, statuses = set(), [], collections.Counter(), collections.Counter()
for row in rows:
    statuses[row["status"]] += 1
    history = json.loads(row["jobasjson"])["jobHistory"] if row["jobasjson"] else []
    states = [s["state"] for s in history]
    servers = [s["serverName"] for s in history if s["state"] == "PROCESSING"]
    failures = [s.get("message") for s in history if s["state"] == "FAILED"]
    result = json.loads(row["result"]) if row["result"] else {}
    resumed = json.loads(row["recipe"] or "{}").get("resumed")
    by_node[servers[-1] if servers else "none"] += 1
    if states.count("SUCCEEDED") != 1 or states[-1] != "SUCCEEDED":
        problems.append(f"job {row['id']}: JobRunr states {states}")
    if result.get("evaluations") != iterations:
        problems.append(f"job {row['id']}: {result.get('evaluations')} evaluations, not {iterations}")
    if row["checkpoint_blob"]:
        problems.append(f"job {row['id']}: a checkpoint left on a finished job")
    if row["id"] == victim:
        print(f"killed job: processed by {servers}, failures {failures}, recipe.resumed {json.dumps(resumed)}")
        if resumed:
            kept = resumed["fromIteration"]
            print(f"  work kept: {kept} of the {at_kill} iterations done at the kill ({100 * kept / max(at_kill, 1):.0f} %), {at_kill - kept} redone")
        if not resumed or failures != ["Orphaned job"] or servers[0] != victim_node:
            problems.append(f"killed job {victim} did not resume from a checkpoint: {resumed}, {failures}, {servers}")
    elif resumed or failures or len(servers) != 1:
        problems.append(f"job {row['id']} was not run exactly once: {servers}, {failures}, resumed {resumed}")
    for column in ("content_blob", "style_blobs", "mask_blobs", "preview_blob", "result_blob", "checkpoint_blob"):
        named.update(k for k in (row[column] or "").split(",") if len(k) == 64)
stored, partial = set(), []
for folder, _, files in os.walk(root):
    for name in files:
        if name.endswith(".part"):
            partial.append(name)
        else:
            stored.add(name)
print(f"jobs: {dict(statuses)}; finished by node: {dict(by_node)}")
print(f"blobs: {len(stored)} stored, {len(named)} named by rows; orphaned {len(stored - named)}, missing {len(named - stored)}, half-written {len(partial)}")
problems += [f"orphaned blob {k}" for k in stored - named] + [f"missing blob {k}" for k in named - stored] + [f"half-written {p}" for p in partial]
print("\n".join(problems) if problems else "every job finished exactly once; nothing lost, nothing orphaned")
sys.exit(1 if problems else 0)
PY
    for p in $a $b; do kill "${NODE_PIDS[$p]}" 2>/dev/null || true; done
    for p in $a $b; do wait "${NODE_PIDS[$p]}" 2>/dev/null || true; done
    NODE_PIDS=()
}

for scenario in ${@:-webhook-down full-disk postgres-restart two-nodes}; do
    "${scenario//-/_}"
done
echo "logs: $WORK (service.log, node-a.log, node-b.log)"
