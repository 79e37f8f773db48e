#!/usr/bin/env bash
# Whole-process comparison: a day's (or several days') global FIRMS files attributed to the
# configured polygons (Jiangsu's 13 cities as the district layer, Nantong's 7 districts as the
# town layer, both DataV GCJ-02 converted to WGS-84; near-border search within 5 km) by
# `lantian import fires` (which also merges the kept detections into incidents and stores them
# in a fresh SQLite store) and by a shapely 2 script doing the attribution alone
# (bench/fire_shapely.py). Both print the same counts line; the script checks they agree.
#
#   bash bench/compare_fire.sh
#
# Environment knobs:
#   LANTIAN_DATA  the shared/data dir (default: <repo>/../shared/data)
#   FILES         the FIRMS files (default: the six global MODIS files)
#   REPS          repetitions (default 5; median reported)
#   SKIP_BUILD=1  use the existing target/release/lantian
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA=$(cd "${LANTIAN_DATA:-$REPO/../shared/data}" && pwd)
OUT=$BENCH/out/fire
REPS=${REPS:-5}
mkdir -p "$OUT"
if [ -z "${FILES:-}" ]; then
  FILES=$(ls "$DATA"/firms/MODIS_C6*_Global_*.csv.gz | tr '\n' ' ')
fi

VENV=$BENCH/.venv-fire
STAMP=$VENV/.installed-$(sha256sum "$BENCH/requirements-fire.txt" | cut -c1-12)
if [ ! -e "$STAMP" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$BENCH/requirements-fire.txt"
  touch "$STAMP"
fi
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p lantian --manifest-path "$REPO/Cargo.toml"
LANTIAN=$REPO/target/release/lantian

BASE=$OUT/base.db
rm -f "$BASE"*
"$LANTIAN" --db "$BASE" import boundary "$DATA/boundaries/320000_full.json" --name district --crs gcj02 >/dev/null
"$LANTIAN" --db "$BASE" import boundary "$DATA/boundaries/320600_full.json" --name towns --crs gcj02 >/dev/null

# Runs a command, appending "wall cpu" (seconds) to $1 and its stdout to $2.
timed() {
  local times=$1 out=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$OUT/cpu" "$@" >"$out" 2>"$OUT/stderr"
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(awk '{print $1 + $2}' "$OUT/cpu")" >>"$times"
}
rm -f "$OUT"/lantian.times "$OUT"/peer.times
for _ in $(seq "$REPS"); do
  rm -f "$OUT/run.db"*
  cp "$BASE" "$OUT/run.db"
  # shellcheck disable=SC2086
  timed "$OUT/lantian.times" "$OUT/lantian.out" "$LANTIAN" --db "$OUT/run.db" import fires --near-km 5 $FILES
  # shellcheck disable=SC2086
  timed "$OUT/peer.times" "$OUT/peer.out" "$VENV/bin/python" "$BENCH/fire_shapely.py" \
    "$DATA/boundaries/320000_full.json" "$DATA/boundaries/320600_full.json" 5 $FILES
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
lw=$(cut -d' ' -f1 "$OUT/lantian.times" | median); lc=$(cut -d' ' -f2 "$OUT/lantian.times" | median)
pw=$(cut -d' ' -f1 "$OUT/peer.times" | median); pc=$(cut -d' ' -f2 "$OUT/peer.times" | median)
lcounts=$(grep -o '^[0-9]* detections: .* elsewhere' "$OUT/lantian.out")
pcounts=$(grep -o '^[0-9]* detections: .* elsewhere' "$OUT/peer.out")
agree=yes; [ "$lcounts" = "$pcounts" ] || agree=NO
{
  echo "| tool | wall s (median of $REPS) | CPU s | wall ratio to lantian |"
  echo "|---|---:|---:|---:|"
  printf '| lantian import fires (parse, attribute, merge, store) | %.2f | %.2f | 1.0 |\n' "$lw" "$lc"
  printf '| shapely 2.2 STRtree (parse, attribute) | %.2f | %.2f | %.1f |\n' "$pw" "$pc" "$(echo "scale=3; $pw / $lw" | bc)"
  echo
  echo "lantian: $lcounts"
  echo "peer:    $pcounts"
  echo "counts agree: $agree"
} | tee "$OUT/compare_fire.md"
[ "$agree" = yes ]
