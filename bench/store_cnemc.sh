#!/usr/bin/env bash
# Whole-process store benchmarks on the real 2019 national year:
#   import into SQLite and into PostgreSQL (first time, and again: nothing new),
#   the annual assessment of every station from the store, and one area's assessment.
# Writes bench/out/store_cnemc.md and prints it.
#
#   bash bench/store_cnemc.sh            # PG URL from LANTIAN_TEST_PG (skipped if unset)
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA_ROOT=${LANTIAN_DATA:-$REPO/../shared/data}
SITES=$(cd "$DATA_ROOT/cnemc/china_sites_2019" && pwd)
OUT=$BENCH/out
mkdir -p "$OUT"
LANTIAN=$REPO/target/release/lantian
(cd "$REPO" && cargo build --release -p lantian >/dev/null 2>&1)
DB=$(mktemp -d)/lantian.db
rows=()

# time_it NAME CMD…: wall seconds, CPU seconds, peak RSS MB, and the command's exit code.
time_it() {
    local name=$1; shift
    local t
    t=$(mktemp)
    set +e
    /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
    local rc=$?
    set -e
    read -r wall user sys rss < <(tail -n 1 "$t")
    rows+=("| $name | $wall | $(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u + s}') | $((rss / 1024)) | $rc |")
}

"$LANTIAN" --db "$DB" import stations "$DATA_ROOT/stations/match1.csv" >/dev/null
"$LANTIAN" --db "$DB" import areas >/dev/null
cat "$SITES"/*.xz >/dev/null
time_it sqlite_import_year "$LANTIAN" --db "$DB" import cnemc --quiet --register-unknown "$SITES"
time_it sqlite_import_again "$LANTIAN" --db "$DB" import cnemc --quiet "$SITES"
time_it sqlite_assess_all_stations "$LANTIAN" --db "$DB" assess --all-stations --year 2019
time_it sqlite_assess_haimen "$LANTIAN" --db "$DB" assess --area haimen --year 2019
values=$(awk '/concentration values in the files:/{print $NF}' "$OUT/sqlite_import_year.out")
aqi=$(awk '/CNEMC reference AQI values:/{print $5}' "$OUT/sqlite_import_year.out")
size=$(du -m "$DB" | cut -f1)

if [[ -n ${LANTIAN_TEST_PG:-} ]]; then
    PGDB=lantian_bench_$$
    psql "$LANTIAN_TEST_PG" -q -c "CREATE DATABASE $PGDB"
    PG=${LANTIAN_TEST_PG%/*}/$PGDB
    "$LANTIAN" --db "$PG" import stations "$DATA_ROOT/stations/match1.csv" >/dev/null
    "$LANTIAN" --db "$PG" import areas >/dev/null
    time_it postgres_import_year "$LANTIAN" --db "$PG" import cnemc --quiet --register-unknown "$SITES"
    time_it postgres_import_again "$LANTIAN" --db "$PG" import cnemc --quiet "$SITES"
    time_it postgres_assess_all_stations "$LANTIAN" --db "$PG" assess --all-stations --year 2019
    time_it postgres_assess_haimen "$LANTIAN" --db "$PG" assess --area haimen --year 2019
    psql "$LANTIAN_TEST_PG" -q -c "DROP DATABASE $PGDB WITH (FORCE)"
fi
rm -rf "$(dirname "$DB")"

{
    echo "# Store benchmarks, 2019 national year ($(date -Is))"
    echo
    echo "Values imported: $values concentration values + $aqi CNEMC reference AQI values; SQLite file: $size MB."
    echo "Exit code 1 on the imports is expected: the 2019 archive has two truncated lines."
    echo
    echo "| run | wall s | CPU s | peak RSS MB | exit |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} >"$OUT/store_cnemc.md"
cat "$OUT/store_cnemc.md"
