#!/usr/bin/env bash
# Whole-process comparison: Jiangsu's cities (the station list's cities, county-level ones
# included) ranked by the 2019 composite index from the raw CNEMC hourly files.
#   lantian: `import cnemc --stations <Jiangsu's 111>` into a fresh SQLite store, then
#            `rank --province 江苏 --year 2019` (HJ 663 from the stored hours);
#   peer:    bench/rank_pandas.py, written from the standards with pandas (reads the files and
#            computes the index; stores nothing).
# Both print each city's index; the script checks they agree city by city.
#
#   bash bench/compare_rank.sh
#
# Environment knobs:
#   LANTIAN_DATA  the shared/data dir (default: <repo>/../shared/data)
#   REPS          repetitions (default 3; median reported)
#   SKIP_BUILD=1  use the existing target/release/lantian
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA=$(cd "${LANTIAN_DATA:-$REPO/../shared/data}" && pwd)
OUT=$BENCH/out/rank
REPS=${REPS:-3}
mkdir -p "$OUT"

VENV=$BENCH/.venv
STAMP=$VENV/.installed-$(sha256sum "$BENCH/requirements-cnemc.txt" | cut -c1-12)
if [ ! -e "$STAMP" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$BENCH/requirements-cnemc.txt"
  touch "$STAMP"
fi
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p lantian --manifest-path "$REPO/Cargo.toml"
LANTIAN=$REPO/target/release/lantian
LIST=$DATA/stations/match1.csv
YEAR=$DATA/cnemc/china_sites_2019
STATIONS=$(awk -F, '$3=="江苏"{sub(/^X/,"",$1); print $1}' "$LIST" | paste -sd,)

# Runs a command, appending "wall cpu" (seconds) to $1 and its stdout to $2.
timed() {
  local times=$1 out=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$OUT/cpu" "$@" >"$out" 2>"$OUT/stderr" || true
  t1=$(date +%s.%N)
  # /usr/bin/time puts "Command exited with non-zero status" first when the command fails.
  echo "$(echo "$t1 - $t0" | bc) $(tail -1 "$OUT/cpu" | awk '{print $1 + $2}')" >>"$times"
}
rm -f "$OUT"/*.times
for _ in $(seq "$REPS"); do
  rm -f "$OUT/run.db"*
  "$LANTIAN" --db "$OUT/run.db" import stations "$LIST" >/dev/null
  # The source has two short rows (named, left out): the import exits 1 and stores the rest.
  timed "$OUT/import.times" "$OUT/import.out" "$LANTIAN" --db "$OUT/run.db" import cnemc --quiet --stations "$STATIONS" "$YEAR"
  timed "$OUT/rank.times" "$OUT/rank.json" "$LANTIAN" --db "$OUT/run.db" rank --province 江苏 --year 2019 --json
  # The county-level units are ranked in a table of their own (issue #28); the peer ranks the
  # station list's names as they stand, so both tables are compared with it.
  "$LANTIAN" --db "$OUT/run.db" rank --province 江苏 --counties --year 2019 --json >"$OUT/counties.json"
  timed "$OUT/peer.times" "$OUT/peer.out" "$VENV/bin/python" "$BENCH/rank_pandas.py" "$LIST" 江苏 "$YEAR"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { cut -d' ' -f"$2" "$OUT/$1.times" | median; }
iw=$(col import 1); ic=$(col import 2); rw=$(col rank 1); rc=$(col rank 2); pw=$(col peer 1); pc=$(col peer 2)
lw=$(echo "$iw + $rw" | bc); lc=$(echo "$ic + $rc" | bc)
python3 - "$OUT/rank.json" "$OUT/counties.json" <<'PY' >"$OUT/lantian.out"
import json, sys
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        f = r["figures"]
        if f["composite"] is not None:
            # The key is the station list's name (海门), as the peer names its places.
            print(f"{f['key']}\t{f['composite']}")
PY
n=$(wc -l <"$OUT/peer.out")
same=$(join -t $'\t' <(sort "$OUT/lantian.out") <(sort "$OUT/peer.out") | awk -F'\t' '$2 == $3' | wc -l)
{
  echo "| tool | wall s (median of $REPS) | CPU s | wall ratio to lantian |"
  echo "|---|---:|---:|---:|"
  printf '| lantian import cnemc (111 stations, the year) + rank | %.2f | %.2f | 1.0 |\n' "$lw" "$lc"
  printf '| of which rank --province 江苏 --year 2019 (13 cities) | %.2f | %.2f | — |\n' "$rw" "$rc"
  printf '| pandas 3.1 (read the files, compute, rank) | %.2f | %.2f | %.1f |\n' "$pw" "$pc" "$(echo "scale=3; $pw / $lw" | bc)"
  echo
  echo "composite index equal for $same of $n cities"
} | tee "$OUT/compare_rank.md"
[ "$same" = "$n" ] && [ "$n" -gt 0 ]
