#!/usr/bin/env bash
# Console and API under load, on the whole 2019 national year (SQLite): every console page and
# its data requests with 50 concurrent clients (wrk, loopback, 10 s each), and the first page
# load (HTML plus its assets, cold session) with curl. Writes bench/out/console_load.md.
#
#   bash bench/console_load.sh            # needs wrk (Debian package) and built web assets
#   CONSOLE_DB=postgres://postgres@127.0.0.1:5432/lantian_console bash bench/console_load.sh
#       the same on PostgreSQL: the SQLite store is built first (if missing) and moved with
#       `lantian migrate-store` (timed) into that database when it holds nothing yet;
#       writes bench/out/console_load_postgres.md.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA_ROOT=${LANTIAN_DATA:-$REPO/../shared/data}
OUT=$BENCH/out
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
(cd "$REPO" && { [ -d web/node_modules ] || npm --prefix web ci --no-audit --no-fund; } \
  && npm --prefix web run build >/dev/null && cargo build --release --locked -p lantian >/dev/null 2>&1)
LANTIAN=$REPO/target/release/lantian
SQLITE_DB=$OUT/console.db
DB=${CONSOLE_DB:-$SQLITE_DB}
REPORT=$OUT/console_load.md
if [ ! -f "$SQLITE_DB" ]; then
  DB_PG=$DB
  DB=$SQLITE_DB
  $LANTIAN --db "$DB" import stations "$DATA_ROOT/stations/match1.csv" >/dev/null
  $LANTIAN --db "$DB" import areas >/dev/null
  $LANTIAN --db "$DB" import cnemc --quiet "$DATA_ROOT/cnemc/china_sites_2019" >/dev/null || true
  $LANTIAN --db "$DB" import boundary "$DATA_ROOT/boundaries/320684.json" --crs gcj02 >/dev/null
  $LANTIAN --db "$DB" simulate --register-only >/dev/null
  DB=$DB_PG
fi
case "$DB" in
  postgres*)
    REPORT=$OUT/console_load_postgres.md
    ADMIN=${DB%/*}/postgres
    psql "$ADMIN" -qtc "SELECT 1 FROM pg_database WHERE datname = '${DB##*/}'" | grep -q 1 \
      || psql "$ADMIN" -qc "CREATE DATABASE ${DB##*/}"
    if [ "$(psql "$DB" -Atc "SELECT to_regclass('public.hourly') IS NOT NULL")" != t ] \
       || [ "$(psql "$DB" -Atc "SELECT count(*) FROM stations")" = 0 ]; then
      start=$(date +%s.%N)
      $LANTIAN migrate-store --from "$SQLITE_DB" --to "$DB" | tail -1
      echo "migrate-store: $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"
    fi
    ;;
esac
$LANTIAN --db "$DB" plan load "$REPO/config/plans/haimen.toml" >/dev/null
echo "bench-password" | $LANTIAN --db "$DB" user add bench --role office --password-stdin >/dev/null
PORT=18990
$LANTIAN --db "$DB" serve --hj212 127.0.0.1:19990 --http 127.0.0.1:$PORT --console-date 2019-12-31 \
  >"$OUT/console_serve.out" 2>"$OUT/console_serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -XPOST "127.0.0.1:$PORT/api/v1/session" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# First page load: the overview's HTML and its two assets, one after another, fresh connection.
first=$(python3 - "$PORT" "$TOKEN" <<'PY'
import sys, time, urllib.request
port, token = sys.argv[1], sys.argv[2]
t = time.perf_counter()
for path in ["/", "/assets/console.js", "/assets/console.css"]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"lantian_session={token}"})
    urllib.request.urlopen(req).read()
print(f"{(time.perf_counter() - t) * 1000:.0f}")
PY
)

URLS=(
  "/"
  "/air"
  "/air?scope=station:2008A&year=2019"
  "/monitoring"
  "/monitoring/SIMC000001"
  "/alarms?open=true"
  "/map"
  "/plan"
  "/plan/tasks/15"
  "/plan/indicators"
  "/plan/scorecards"
  "/api/v1/stations?city=%E5%8D%97%E9%80%9A%E5%B8%82"
  "/api/v1/stations/2008A/measurements?from=2019-12-25&to=2019-12-31"
  "/api/v1/stations/2008A/aqi/daily?from=2019-01-01&to=2019-12-31"
  "/api/v1/stations/2008A/aqi/hourly?from=2019-12-01&to=2019-12-31"
  "/api/v1/assessment?area=haimen&year=2019"
  "/api/v1/assessment?area=haimen&year=2019&hourly=true"
  "/api/v1/areas/haimen/aqi/daily?from=2019-01-01&to=2019-12-31"
  "/api/v1/areas/haimen/aqi/hourly?from=2019-12-01&to=2019-12-31"
  "/api/v1/targets"
  "/api/v1/plan/tasks"
  "/api/v1/plan/indicators"
  "/api/v1/devices"
  "/api/v1/alarms?open=true"
)
{
  echo "| request (50 concurrent clients, 10 s) | requests/s | p50 | p99 |"
  echo "|---|---:|---:|---:|"
  for u in "${URLS[@]}"; do
    r=$(wrk -t2 -c50 -d10s --latency -H "Cookie: lantian_session=$TOKEN" "http://127.0.0.1:$PORT$u" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$r")
    p50=$(awk '$1=="50%" {print $2}' <<<"$r")
    p99=$(awk '$1=="99%" {print $2}' <<<"$r")
    non2xx=$(awk '/Non-2xx/ {print " ("$4" non-2xx)"}' <<<"$r")
    echo "| \`$u\` | $rps$non2xx | $p50 | $p99 |"
  done
  echo
  echo "First page load (overview HTML + console.js + console.css, sequential): ${first} ms"
} | tee "$REPORT"
