#!/usr/bin/env bash
# Whole-process comparison: recomputing CNEMC's hourly AQI for all of 2019 (364 xz files,
# ~12 M station-hours) with lantian, with a plain pandas/numpy script and with python-aqi.
# Also times bare `xz -dc` of the same files for context. Writes bench/out/compare_cnemc.md
# and prints its table. See bench/README.md.
#
#   bash bench/compare_cnemc.sh
#
# Environment knobs:
#   LANTIAN_DATA   the shared/data dir (default: <repo>/../shared/data)
#   REPS           repetitions of the short runs, lantian and xz (default 3; median reported)
#   PANDAS_REPS    repetitions of the pandas runs (default 1)
#   PYAQI_ONLY     run python-aqi only on files whose name contains this (e.g. 201901) and
#                  extrapolate its time per station-hour to the year; lantian is then also
#                  run on that subset (default: empty = the whole year)
#   WAIT_IDLE=S    seconds the script may spend in all waiting for the machine to go idle,
#                  before the runs and before each run (default 300; 0: never wait)
#   SKIP_BUILD=1   use the existing target/release/lantian
#   PLAIN=0        skip the second phase on uncompressed copies of the same files (default 1:
#                  the files are decompressed once into bench/out/csv and lantian and pandas
#                  run again on them, to compare parsing + recomputation without xz)
set -euo pipefail

script_started=$(date +%s.%N)
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA_ROOT=${LANTIAN_DATA:-$REPO/../shared/data}
DATA=$(cd "$DATA_ROOT/cnemc/china_sites_2019" && pwd)
OUT=$BENCH/out
RAW=$OUT/raw
VENV=$BENCH/.venv
REQ=$BENCH/requirements-cnemc.txt
REPS=${REPS:-3}
PANDAS_REPS=${PANDAS_REPS:-1}
PYAQI_ONLY=${PYAQI_ONLY:-}
LANTIAN=$REPO/target/release/lantian

log() { printf '[compare_cnemc %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

rm -rf "$RAW"
mkdir -p "$RAW"

# ---- 1. Throwaway venv with the pinned peers (idempotent: a stamp holds the pins' hash). ----
req_hash=$(sha256sum "$REQ" | cut -c1-16)
stamp=$VENV/.installed-$req_hash
if [[ ! -f $stamp ]]; then
    log "creating $VENV and installing $(grep -v '^#' "$REQ" | tr '\n' ' ')"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    touch "$stamp"
else
    log "venv up to date ($VENV)"
fi
PY=$VENV/bin/python
"$PY" -c 'import numpy, pandas, aqi' # fail early, offline

# ---- 2. Build lantian (retry: another engineer may be mid-edit in this checkout). ----
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    for attempt in 1 2 3 4 5; do
        log "cargo build --release -p lantian (attempt $attempt)"
        if (cd "$REPO" && cargo build --release -p lantian) 2>"$RAW/build.err"; then
            break
        fi
        if [[ $attempt == 5 ]]; then
            cat "$RAW/build.err" >&2
            log "build failed 5 times"
            exit 1
        fi
        tail -n 5 "$RAW/build.err" >&2
        sleep 60
    done
fi
[[ -x $LANTIAN ]] || { log "no $LANTIAN"; exit 1; }

# ---- 3. Context: machine, load, data size; warm the page cache. ----
mapfile -t FILES < <(find "$DATA" -maxdepth 1 -name 'china_sites_*.csv.xz' | sort)
log "${#FILES[@]} files in $DATA; warming the page cache"
cat "${FILES[@]}" >/dev/null
xz --robot -l "${FILES[@]}" | awk '$1=="totals"{print $4, $5}' >"$RAW/xz_sizes"
if [[ -n $PYAQI_ONLY ]]; then
    mapfile -t SUBSET < <(printf '%s\n' "${FILES[@]}" | grep -F "china_sites_" | grep -F -- "$PYAQI_ONLY")
    xz --robot -l "${SUBSET[@]}" | awk '$1=="totals"{print $4, $5}' >"$RAW/xz_sizes_subset"
fi
{
    echo "date=$(date -Is)"
    echo "host_cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "nproc=$(nproc)"
    echo "mem=$(free -g | awk '/^Mem:/{print $2}') GiB"
    echo "rustc=$(rustc --version)"
    echo "python=$("$PY" -c 'import sys; print(sys.version.split()[0])')"
    echo "git=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'no commit yet') $(git -C "$REPO" status --porcelain 2>/dev/null | wc -l) changed paths"
    echo "pyaqi_only=$PYAQI_ONLY"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RAW/env"

# Non-idle CPU seconds of the whole machine so far (all processes, from /proc/stat).
HZ=$(getconf CLK_TCK)
machine_busy() { awk -v hz="$HZ" '/^cpu /{printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }

# measure NAME CMD...: /usr/bin/time wall/user/sys/maxrss into $RAW/NAME.time, stdout/stderr
# into $RAW/NAME.out / .err, and the machine's busy CPU seconds during the run (ours plus
# anybody else's) into $RAW/NAME.busy.
measure() {
    local name=$1
    shift
    local shown="$*"
    wait_idle
    log "run $name: ${shown:0:160}$([[ ${#shown} -gt 160 ]] && echo ' ...')"
    local b0
    b0=$(machine_busy)
    if ! /usr/bin/time -f '%e %U %S %M' -o "$RAW/$name.time" "$@" >"$RAW/$name.out" 2>"$RAW/$name.err"; then
        log "$name FAILED (see $RAW/$name.err)"
        echo "failed" >>"$RAW/$name.time"
    fi
    awk -v a="$b0" -v b="$(machine_busy)" 'BEGIN{printf "%.2f\n", b - a}' >"$RAW/$name.busy"
}

# Before the runs and before each run, wait while other processes use more than 0.2 of a
# core: the machine has 2 cores and is shared, and their work skews every number here. The
# waiting is capped for the whole script by WAIT_IDLE seconds (default 300; 0: never wait).
IDLE_BUDGET=${WAIT_IDLE:-300}
IDLE_WAITED=0
wait_idle() {
    local said=0 a b busy
    while ((IDLE_BUDGET > 0)); do
        a=$(machine_busy); sleep 1; b=$(machine_busy)
        busy=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b - a}')
        if awk -v x="$busy" 'BEGIN{exit !(x < 0.2)}'; then return 0; fi
        if ((said == 0)); then
            log "machine busy ($busy cores in use by others); waiting (budget ${IDLE_BUDGET} s)"
            said=1
        fi
        sleep 4
        IDLE_BUDGET=$((IDLE_BUDGET - 5))
        IDLE_WAITED=$((IDLE_WAITED + 5))
    done
    return 0
}
wait_idle
b0=$(machine_busy); sleep 3
echo "busy_cores_before=$(awk -v a="$b0" -v b="$(machine_busy)" 'BEGIN{printf "%.2f", (b - a) / 3}')" >>"$RAW/env"
ps -eo pcpu=,comm= --sort=-pcpu | head -n 6 >"$RAW/top_before"

# ---- 4. Measurements, short ones repeated and interleaved. ----
for r in $(seq 1 "$REPS"); do
    measure "xz_1core.$r" sh -c 'xz -dc "$@" >/dev/null' xz "${FILES[@]}"
    measure "xz_2par.$r" sh -c 'printf "%s\0" "$@" | xargs -0 -P 2 -n 8 xz -dc >/dev/null' xz "${FILES[@]}"
    measure "lantian_default.$r" sh -c 'cd "$1" && exec "$2" verify cnemc "$3"' lt "$REPO" "$LANTIAN" "$DATA"
    measure "lantian_t1.$r" sh -c 'cd "$1" && exec "$2" verify cnemc "$3" --threads 1' lt "$REPO" "$LANTIAN" "$DATA"
    if [[ -n $PYAQI_ONLY ]]; then
        measure "lantian_subset.$r" sh -c 'cd "$1" && exec "$2" verify cnemc "$3" --only "$4"' lt "$REPO" "$LANTIAN" "$DATA" "$PYAQI_ONLY"
    fi
done
for r in $(seq 1 "$PANDAS_REPS"); do
    measure "pandas_1proc.$r" "$PY" "$BENCH/cnemc_pandas.py" "$DATA"
    measure "pandas_2proc.$r" "$PY" "$BENCH/cnemc_pandas.py" "$DATA" --jobs 2
done
# Phase 2: the same files, uncompressed (decompressed once; not timed).
if [[ ${PLAIN:-1} == 1 ]]; then
    PLAIN_DIR=$OUT/csv
    if [[ $(find "$PLAIN_DIR" -maxdepth 1 -name 'china_sites_*.csv' 2>/dev/null | wc -l) != "${#FILES[@]}" ]]; then
        log "decompressing ${#FILES[@]} files into $PLAIN_DIR (once)"
        rm -rf "$PLAIN_DIR"
        mkdir -p "$PLAIN_DIR"
        for f in "${FILES[@]}"; do
            xz -dc "$f" >"$PLAIN_DIR/$(basename "$f" .xz)"
        done
    fi
    cat "$PLAIN_DIR"/*.csv >/dev/null
    for r in $(seq 1 "$REPS"); do
        measure "plain_lantian_default.$r" sh -c 'cd "$1" && exec "$2" verify cnemc "$3"' lt "$REPO" "$LANTIAN" "$PLAIN_DIR"
        measure "plain_lantian_t1.$r" sh -c 'cd "$1" && exec "$2" verify cnemc "$3" --threads 1' lt "$REPO" "$LANTIAN" "$PLAIN_DIR"
    done
    for r in $(seq 1 "$PANDAS_REPS"); do
        measure "plain_pandas_1proc.$r" "$PY" "$BENCH/cnemc_pandas.py" "$PLAIN_DIR"
    done
fi
if [[ -n $PYAQI_ONLY ]]; then
    measure "python_aqi.1" "$PY" "$BENCH/cnemc_python_aqi.py" "$DATA" --only "$PYAQI_ONLY"
else
    measure "python_aqi.1" "$PY" "$BENCH/cnemc_python_aqi.py" "$DATA"
fi

echo "idle_waited_s=$IDLE_WAITED" >>"$RAW/env"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/env"
ps -eo pcpu=,comm= --sort=-pcpu | head -n 6 >"$RAW/top_after"
script_ended=$(date +%s.%N)
echo "script_seconds=$(awk -v a="$script_started" -v b="$script_ended" 'BEGIN{printf "%.1f", b - a}')" >>"$RAW/env"
echo "command=bash bench/compare_cnemc.sh (REPS=$REPS PANDAS_REPS=$PANDAS_REPS PYAQI_ONLY=${PYAQI_ONLY:-<whole year>})" >>"$RAW/env"

# ---- 5. Report. ----
"$PY" "$BENCH/cnemc_report.py" "$RAW" >"$OUT/compare_cnemc.md"
log "wrote $OUT/compare_cnemc.md"
sed -n '/^| tool/,/^$/p' "$OUT/compare_cnemc.md"
