#!/usr/bin/env bash
# Records real answers of a running service as the OpenAPI document's success examples
# (src/main/resources/openapi/examples/<operationId>.json, which OpenApiContract attaches). Run from
# the project root after `./mvnw -q -DskipTests package`; it starts the jar on random weights in a
# folder of its own, on port 18999, and stops it. Then regenerate docs/openapi.json:
#   ./mvnw test-compile surefire:test -Dtest=OpenApiDocumentTests -Dopenapi.update=true
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=src/main/resources/openapi/examples
PORT=18999
BASE=http://127.0.0.1:$PORT
JAR=$(ls -S target/*.jar | grep -v -- '-plain' | head -1)
RUN=$(mktemp -d)
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$RUN"' EXIT
(cd "$RUN" && exec java -Dai.djl.offline=true -jar "$OLDPWD/$JAR" --server.port=$PORT --pastiche.weights.source=random \
    --pastiche.lpips.source=file >"$RUN/log" 2>&1) &
PID=$!
for _ in $(seq 1 180); do curl -fs $BASE/actuator/health/readiness >/dev/null && break; sleep 1; done

# two small pictures, deterministic
/usr/bin/python3 - "$RUN" <<'PY'
import struct, sys, zlib
def png(path, w, h, f):
    raw = b"".join(b"\0" + bytes(v for x in range(w) for v in f(x, y)) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png(sys.argv[1] + "/a.png", 64, 64, lambda x, y: (x * 4, y * 4, 128))
png(sys.argv[1] + "/b.png", 64, 64, lambda x, y: ((x * 8) % 256, 255 - y * 4, (x * y) % 256))
png(sys.argv[1] + "/stripes.png", 64, 64, lambda x, y: (0, 0, 0) if (x // 4) % 2 else (230, 230, 230))
png(sys.argv[1] + "/dots.png", 64, 64, lambda x, y: (0, 0, 0) if (x % 8 < 3 and y % 8 < 3) else (230, 230, 230))
PY
A=$RUN/a.png; B=$RUN/b.png
# null fields are left out: the schemas do not yet say which fields may be null (Redocly checks each example against them)
save() { /usr/bin/python3 -c '
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if x is not None}
    return [strip(x) for x in v] if isinstance(v, list) else v
json.dump(strip(json.load(sys.stdin)), open(sys.argv[1], "w"), indent=2, ensure_ascii=False); open(sys.argv[1], "a").write("\n")' "$OUT/$1.json"; }
field() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
wait_for() { # path, python condition on d
  for _ in $(seq 1 300); do
    curl -fs "$BASE$1" >"$RUN/poll.json" && /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$RUN/poll.json" "$2" && return 0
    sleep 1
  done
  echo "gave up waiting on $1" >&2; return 1
}

curl -fs $BASE/v1/models | save listModels
curl -fs "$BASE/v1/models/vgg11?height=32&width=32&stackChannels=64" | save getModelArchitecture
curl -fs -F reference=@$A -F candidate=@$B $BASE/v1/perceptual-distance | save perceptualDistance
curl -fs -F image=@$A -F image=@$B -F metrics=content,style $BASE/v1/perceptual-distance-matrix | save perceptualDistanceMatrix
curl -fs -F image=@$A -F top=3 $BASE/v1/classifications | save classifyImage

OPTIONS='{"size": 64, "iterations": 5, "optimizer": "adam", "seed": 7}'
curl -fs -F content=@$A -F style=@$B -F "options=$OPTIONS;type=application/json" $BASE/v1/style-transfers | tee "$RUN/job.json" | save createStyleTransfer
JOB=$(field 'd["id"]' <"$RUN/job.json")
wait_for /v1/style-transfers/$JOB 'd["status"] == "succeeded"'
save getStyleTransfer <"$RUN/poll.json"
curl -fs "$BASE/v1/style-transfers?limit=1" | save listStyleTransfers
curl -fs -X POST $BASE/v1/style-transfers/$JOB/cancel | save cancelStyleTransfer

curl -fs -F content=@$A -F content=@$B -F style=@$B -F mode=grid -F "options=$OPTIONS;type=application/json" $BASE/v1/style-transfer-batches \
    | tee "$RUN/batch.json" | save createStyleTransferBatch
BATCH=$(field 'd["id"]' <"$RUN/batch.json")
wait_for /v1/style-transfer-batches/$BATCH 'd["counts"].get("succeeded", 0) == len(d["jobs"])'
save getStyleTransferBatch <"$RUN/poll.json"

ARGS=()
for i in 1 2 3 4 5; do ARGS+=(-F image=@$RUN/stripes.png -F label=stripes -F image=@$RUN/dots.png -F label=dots); done
curl -fs "${ARGS[@]}" -F 'options={"epochs": 10, "seed": 3, "heldOutFraction": 0.2};type=application/json' $BASE/v1/classifiers \
    | tee "$RUN/classifier.json" | save createClassifier
CLASSIFIER=$(field 'd["id"]' <"$RUN/classifier.json")
wait_for /v1/classifiers/$CLASSIFIER 'd["status"] == "succeeded"'
save getClassifier <"$RUN/poll.json"
curl -fs -F image=@$RUN/stripes.png $BASE/v1/classifiers/$CLASSIFIER/predictions | save predictWithClassifier
ls -l $OUT
