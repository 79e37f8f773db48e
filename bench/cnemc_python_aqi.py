#!/usr/bin/env python3
"""Recompute CNEMC's hourly AQI with the `python-aqi` package (0.6.1, module `aqi`), one
`aqi.to_aqi(..., algo=aqi.ALGO_MEP)` call per station-hour, and count agreement with the
official `AQI` rows.

Mapping of the file's six 1-hour values to python-aqi's MEP pollutant constants (this is what
CNEMC publishes: the 1-hour PM values on the 24-hour PM breakpoints, the other four on their
1-hour breakpoints):

    PM2.5 -> POLLUTANT_PM25      PM10 -> POLLUTANT_PM10
    SO2   -> POLLUTANT_SO2_1H    NO2  -> POLLUTANT_NO2_1H
    O3    -> POLLUTANT_O3_1H     CO   -> POLLUTANT_CO_1H  (mg/m3)

Concentrations are passed as the strings found in the file, as the API asks ("passed as a
string so decimal.Decimal doesn't act up"). python-aqi's MEP algorithm is known to differ from
HJ 633-2012 / CNEMC: it truncates each concentration to an integer (CO 0.8 mg/m3 -> 0), uses
gapped breakpoints ((0,35),(36,75),... with IAQI (0,50),(51,100),...), rounds the IAQI half
to even instead of up, and raises (IndexError/TypeError) for a value above the top breakpoint
(e.g. SO2 1-h > 800, PM10 > 600). A raised call counts as "no result", i.e. a difference.

Reading: `lzma` + `csv`, one file at a time; a row with fewer fields than the header (the cut
files 20190220 and 20190424) is skipped; a repeated station column (`3207A`) is read once.

Usage: cnemc_python_aqi.py [DIR] (--month MM | --files N | --only SUBSTR)
The last line printed is a JSON object with counts, seconds and station-hours.
"""

import argparse
import collections
import csv
import io
import json
import lzma
import os
import sys
import time
from pathlib import Path

import aqi
from aqi.constants import (
    POLLUTANT_CO_1H,
    POLLUTANT_NO2_1H,
    POLLUTANT_O3_1H,
    POLLUTANT_PM10,
    POLLUTANT_PM25,
    POLLUTANT_SO2_1H,
)

SIX = {
    "PM2.5": POLLUTANT_PM25,
    "PM10": POLLUTANT_PM10,
    "SO2": POLLUTANT_SO2_1H,
    "NO2": POLLUTANT_NO2_1H,
    "O3": POLLUTANT_O3_1H,
    "CO": POLLUTANT_CO_1H,
}


def default_dir() -> Path:
    data = os.environ.get("LANTIAN_DATA")
    if data:
        base = Path(data)
    else:
        base = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return base / "cnemc" / "china_sites_2019"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=None)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--month", help="only this month, e.g. 01")
    g.add_argument("--files", type=int, help="only the first N files")
    g.add_argument("--only", help="only files whose name contains this")
    args = ap.parse_args()

    started = time.perf_counter()
    d = args.dir or default_dir()
    files = sorted(d.glob("china_sites_*.csv.xz"))
    if args.month:
        files = [p for p in files if p.name[16:18] == args.month.zfill(2)]
    elif args.only:
        files = [p for p in files if args.only in p.name]
    elif args.files is not None:
        files = files[: args.files]
    if not files:
        print(f"no matching china_sites_*.csv.xz in {d}", file=sys.stderr)
        return 2

    nbytes = compared = matched = not_recomputable = station_hours = skipped_rows = 0
    errors: collections.Counter = collections.Counter()
    deltas: collections.Counter = collections.Counter()  # python-aqi minus official
    for path in files:
        with lzma.open(path) as f:
            raw = f.read()
        nbytes += len(raw)
        reader = csv.reader(io.StringIO(raw.decode("ascii")))
        header = next(reader)
        first = {}  # station -> first column index
        for i, code in enumerate(header[3:], start=3):
            first.setdefault(code, i)
        cols = list(first.values())
        hours: dict = collections.defaultdict(dict)  # (date, hour) -> type -> row
        for row in reader:
            if len(row) != len(header):
                skipped_rows += 1
                continue
            hours[(row[0], row[1])][row[2]] = row
        for rows in hours.values():
            official_row = rows.get("AQI")
            if official_row is None:
                continue
            present = [(SIX[t], r) for t, r in rows.items() if t in SIX]
            for j in cols:
                official = official_row[j]
                if not official:
                    continue
                station_hours += 1
                ccs = [(p, r[j]) for p, r in present if r[j]]
                if not ccs:
                    not_recomputable += 1
                    continue
                compared += 1
                try:
                    value = aqi.to_aqi(ccs, algo=aqi.ALGO_MEP)
                except Exception as e:  # noqa: BLE001 - python-aqi raises several kinds
                    errors[type(e).__name__] += 1
                    continue
                delta = int(value) - int(official)
                if delta == 0:
                    matched += 1
                else:
                    deltas[delta] += 1

    seconds = time.perf_counter() - started
    result = {
        "tool": "python-aqi",
        "version": aqi.__version__,
        "dir": str(d),
        "selection": (
            f"month {args.month}" if args.month
            else f"only {args.only}" if args.only
            else f"first {args.files} files" if args.files is not None
            else "all files"
        ),
        "files": len(files),
        "first_file": files[0].name,
        "last_file": files[-1].name,
        "bytes": nbytes,
        "station_hours_with_official": station_hours,
        "compared": compared,
        "matched": matched,
        "different": compared - matched,
        "agreement": matched / compared if compared else None,
        "not_recomputable": not_recomputable,
        "errors": dict(errors),
        "short_rows_skipped": skipped_rows,
        "most_common_deltas": {str(k): v for k, v in deltas.most_common(8)},
        "seconds": round(seconds, 3),
        "us_per_compared_station_hour": round(seconds / max(compared, 1) * 1e6, 3),
    }
    print(
        f"python-aqi: {len(files)} files, {compared} station-hours compared, {matched} equal "
        f"({100 * matched / max(compared, 1):.2f} %), {sum(errors.values())} raised",
        file=sys.stderr,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
