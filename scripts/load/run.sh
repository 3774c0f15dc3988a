#!/usr/bin/env bash
# Load on loopback with wrk (Debian: apt-get install wrk); numbers go to docs/reliability.md.
#   1. scoring: POST /v1/perceptual-distance (two 224×224 PNGs) at concurrency 16 for 60 s
#   2. a flood of job submissions at concurrency 16 for 30 s against pastiche.jobs.max-queued=20:
#      every answer must be 202 or 503 queue-full, and every accepted job must then succeed
#   3. the per-key rate limit at its defaults (600/min, bursts of 120): 200 or 429, never anything else
# Usage: scripts/load/run.sh [scoring|flood|rate-limit|scoring-memory ...] (the first three by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=${JAR:-$PWD/target/pastiche-0.1.0-SNAPSHOT.jar}
[ -f "$JAR" ] || ./mvnw -B -ntp -q package -DskipTests
WORK=$(mktemp -d /tmp/pastiche-load.XXXXXX)
. scripts/load/service.sh
trap stop_service EXIT
java scripts/load/MakeImages.java "$WORK/images"
KEY=load-key
AUTH="Authorization: Bearer $KEY"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK"

scoring() {
    echo "== scoring, concurrency 16, 60 s"
    start_service --pastiche.security.api-keys=$KEY --pastiche.security.rate-limit.enabled=false
    echo "memory before: $(service_memory)"
    # warm-up: JIT and the first allocations of the model's buffers
    wrk -t2 -c4 -d10s -s scripts/load/multipart.lua "$BASE/v1/perceptual-distance" -- \
        "header:Authorization=Bearer $KEY" reference="$WORK/images/a224.png" candidate="$WORK/images/b224.png" > /dev/null
    wrk -t2 -c16 -d60s --timeout 60s --latency -s scripts/load/multipart.lua "$BASE/v1/perceptual-distance" -- \
        "header:Authorization=Bearer $KEY" reference="$WORK/images/a224.png" candidate="$WORK/images/b224.png"
    echo "memory after: $(service_memory)"
    stop_service
}

flood() {
    echo "== job submissions, concurrency 16, 30 s, max-queued 20"
    start_service --pastiche.security.api-keys=$KEY --pastiche.security.rate-limit.enabled=false --pastiche.jobs.max-queued=20
    wrk -t2 -c16 -d30s --timeout 30s --latency -s scripts/load/multipart.lua "$BASE/v1/style-transfers" -- \
        "header:Authorization=Bearer $KEY" content="$WORK/images/content64.png" style="$WORK/images/style64.png" \
        'options:json={"size": 48, "iterations": 2, "optimizer": "adam"}'
    echo "memory after the flood: $(service_memory)"
    echo "jobs right after: $(job_counts "$AUTH")"
    for _ in $(seq 1 120); do
        counts=$(job_counts "$AUTH")
        case "$counts" in *queued*|*running*) sleep 5 ;; *) break ;; esac
    done
    echo "jobs once drained: $(job_counts "$AUTH")"
    echo "memory once drained: $(service_memory)"
    stop_service
}

# does scoring's memory level off? three rounds at concurrency 16, resident memory after each
scoring_memory() {
    echo "== scoring memory, 3 × 40 s at concurrency 16${MALLOC_ARENA_MAX:+, MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX}"
    start_service --pastiche.security.api-keys=$KEY --pastiche.security.rate-limit.enabled=false
    echo "  start: $(service_memory)"
    for round in 1 2 3; do
        wrk -t2 -c16 -d40s --timeout 60s -s scripts/load/multipart.lua "$BASE/v1/perceptual-distance" -- \
            "header:Authorization=Bearer $KEY" reference="$WORK/images/a224.png" candidate="$WORK/images/b224.png" \
            | grep -E '^statuses|p99:' | tr '\n' ' '
        echo "  round $round: $(service_memory)"
    done
    stop_service
}

rate_limit() {
    echo "== rate limit at its defaults, one key, concurrency 4, 20 s"
    start_service --pastiche.security.api-keys=$KEY
    wrk -t1 -c4 -d20s -s scripts/load/get.lua "$BASE/v1/models" -- "header:Authorization=Bearer $KEY"
    # the bucket refills while wrk stops: spend what it has, then show a refusal
    local answer=""
    for _ in $(seq 1 200); do
        answer=$(curl -s -D - -H "$AUTH" "$BASE/v1/models" | tr -d '\r')
        echo "$answer" | head -n 1 | grep -q ' 429' && break
    done
    echo "a refused answer: $(echo "$answer" | grep -ioE '^(HTTP/[0-9.]+ [0-9]+|retry-after: [0-9]+|ratelimit-remaining: [0-9]+|content-type: [^;]+)|problems/rate-limited' | tr '\n' ' ')"
    stop_service
}

for scenario in "${@:-scoring flood rate-limit}"; do
    for s in $scenario; do
        "${s//-/_}"
    done
done
