#!/usr/bin/env bash
# Load test of the HJ 212 receiver: `lantian simulate` against `lantian serve` on loopback,
# SQLite store. Holds N device connections, each sending real-time (2011) frames of 11 factors
# with Flag=5 and waiting for each 9014 before the next; reports the answered-frame
# throughput, the answer latency seen by the devices, and the receiver's peak memory.
#
#   bench/load_hj212.sh [DEVICES] [INTERVAL_MS] [SECONDS]
#
# Defaults: 10000 devices, one frame each per 200 ms (50,000 frames/s offered), 60 s.
# Then the same fleet runs against the ack-only peer (crates/server/examples/ack_only.rs: frames,
# parses and answers 9014 at once, stores nothing), which shows the ceiling that loopback TCP
# and this device pattern allow on the machine; the receiver's throughput is reported as a
# ratio of it. LOAD_PEER=0 skips the peer.
# LOAD_DB=postgres://… runs it on PostgreSQL (the schema is dropped and recreated first);
# SERVE_ARGS adds options to `lantian serve` (e.g. "--threads 1").
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${1:-10000}
INTERVAL=${2:-200}
SECONDS_RUN=${3:-60}
OUT=bench/out/load
mkdir -p "$OUT"
rm -f "$OUT"/load.db*
ulimit -n 20000 2>/dev/null || true
cargo build --release -q -p lantian -p lantian-server --example ack_only
BIN=target/release/lantian
DB=${LOAD_DB:-$OUT/load.db}
case "$DB" in
  postgres*) psql "$DB" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' ;;
esac
$BIN --db "$DB" simulate --register-only --prefix LOAD --cems 0 --vocs 0 --dust 0 --fume 0 --air "$DEVICES" >/dev/null
# All simulated devices connect from loopback: exempt it from the per-address limits.
$BIN --db "$DB" serve --hj212 127.0.0.1:19212 --http 127.0.0.1:18080 --tick 3600 --hj212-proxy 127.0.0.1 ${SERVE_ARGS:-} \
    >"$OUT/serve.out" 2>"$OUT/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 1
$BIN simulate --addr 127.0.0.1:19212 --prefix LOAD --cems 0 --vocs 0 --dust 0 --fume 0 \
    --air "$DEVICES" --interval-ms "$INTERVAL" --duration "$SECONDS_RUN" --ramp 10 \
    --exceed-prob 0 --maintenance-prob 0 --dropout-prob 0 --json | tee "$OUT/simulate.json"
HWM=$(grep VmHWM /proc/$SERVER/status | awk '{print $2}')
curl -s 127.0.0.1:18080/metrics >"$OUT/metrics.txt" || true
kill -TERM $SERVER
wait $SERVER || true
trap - EXIT
STORED=$($BIN --db "$DB" verify frames | tail -1)
echo "receiver peak RSS: $((HWM / 1024)) MiB"
echo "store: $STORED"
[ -f "$DB" ] && echo "SQLite file: $(du -sh "$DB" | cut -f1)"
grep -E '^lantian_ingest_batch_frames_(sum|count)|^lantian_ingest_queue_full_total|^lantian_hj212_throttled_total' "$OUT/metrics.txt" || true

if [ "${LOAD_PEER:-1}" != 0 ]; then
    target/release/examples/ack_only 127.0.0.1:19213 &
    PEER=$!
    trap 'kill $PEER 2>/dev/null || true' EXIT
    sleep 1
    $BIN simulate --addr 127.0.0.1:19213 --prefix LOAD --cems 0 --vocs 0 --dust 0 --fume 0 \
        --air "$DEVICES" --interval-ms "$INTERVAL" --duration "$SECONDS_RUN" --ramp 10 \
        --exceed-prob 0 --maintenance-prob 0 --dropout-prob 0 --json | tee "$OUT/peer.json"
    kill $PEER
    trap - EXIT
    python3 - "$OUT/simulate.json" "$OUT/peer.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(f"receiver {a['throughput_fps']:.0f} frames/s (p99 {a['latency_ms']['p99']:.0f} ms); "
      f"ack-only peer {b['throughput_fps']:.0f} frames/s (p99 {b['latency_ms']['p99']:.0f} ms); "
      f"ratio {a['throughput_fps'] / b['throughput_fps']:.2f}")
PY
fi
