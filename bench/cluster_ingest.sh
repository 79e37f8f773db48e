#!/usr/bin/env bash
# Ingest throughput with 1, 2 and 3 `lantian serve` nodes on one PostgreSQL, on this machine:
# the same simulated fleet (air micro-stations, real-time frames with Flag=5, each device
# waiting for its 9014 before the next frame) spread over the nodes' HJ 212 ports. Every node,
# the simulator and PostgreSQL share this machine's cores, so the numbers show what a second
# and third node cost or bring here, not what three machines would do.
#
#   CLUSTER_DB=postgres://postgres@127.0.0.1:5432/lantian_bench bench/cluster_ingest.sh [DEVICES] [INTERVAL_MS] [SECONDS]
#
# Defaults: 6000 devices, one frame each per 200 ms (30,000 frames/s offered), 30 s per run.
# The database is emptied (schema public dropped) before each run. Writes
# bench/out/cluster_ingest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${1:-6000}
INTERVAL=${2:-200}
SECONDS_RUN=${3:-30}
DB=${CLUSTER_DB:-postgres://postgres@127.0.0.1:5432/lantian_bench}
OUT=bench/out
mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || true
cargo build --release -q -p lantian
BIN=target/release/lantian
ADMIN=${DB%/*}/postgres
psql "$ADMIN" -qtc "SELECT 1 FROM pg_database WHERE datname = '${DB##*/}'" | grep -q 1 \
  || psql "$ADMIN" -qc "CREATE DATABASE ${DB##*/}"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
{
  echo "| nodes | devices | offered frames/s | answered frames/s | answer p50 | answer p99 | stored |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT/cluster_ingest.md"
for N in 1 2 3; do
  psql "$DB" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' 2>/dev/null
  $BIN --db "$DB" simulate --register-only --prefix LOAD --cems 0 --vocs 0 --dust 0 --fume 0 --air "$DEVICES" >/dev/null
  PIDS=()
  ADDRS=()
  for k in $(seq 1 "$N"); do
    $BIN --db "$DB" serve --hj212 127.0.0.1:$((19300 + k)) --http 127.0.0.1:$((18300 + k)) \
      --node "bench$k" --tick 10 --hj212-proxy 127.0.0.1 >"$OUT/cluster_node$k.out" 2>"$OUT/cluster_node$k.err" &
    PIDS+=($!)
    ADDRS+=("127.0.0.1:$((19300 + k))")
  done
  sleep 2
  $BIN simulate --addr "$(IFS=,; echo "${ADDRS[*]}")" --prefix LOAD --cems 0 --vocs 0 --dust 0 --fume 0 \
    --air "$DEVICES" --interval-ms "$INTERVAL" --duration "$SECONDS_RUN" --ramp 10 \
    --exceed-prob 0 --maintenance-prob 0 --dropout-prob 0 --json >"$OUT/cluster_sim$N.json"
  kill -TERM "${PIDS[@]}"
  wait "${PIDS[@]}" || true
  STORED=$(psql "$DB" -Atc 'SELECT count(*) FROM frames')
  python3 - "$OUT/cluster_sim$N.json" "$N" "$DEVICES" "$INTERVAL" "$STORED" <<'PY' | tee -a "$OUT/cluster_ingest.md"
import json, sys
a = json.load(open(sys.argv[1]))
n, devices, interval, stored = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"| {n} | {devices} | {devices * 1000 // interval} | {a['throughput_fps']:.0f} | "
      f"{a['latency_ms']['p50']:.1f} ms | {a['latency_ms']['p99']:.1f} ms | {stored} |")
PY
done
trap - EXIT
