#!/usr/bin/env python3
"""Recompute CNEMC's published hourly AQI for a year of `china_sites_YYYYMMDD.csv.xz` files with
pandas/numpy, the way an analyst would, and count agreement with the official `AQI` rows.

The computation (what CNEMC publishes, see shared/data/cnemc/README.md):

* IAQI of each of the six 1-hour values with HJ 633-2012 Table 1: SO2, NO2, CO, O3 on their
  1-hour breakpoints, PM10 and PM2.5 (1-hour values) on the 24-hour breakpoints;
* linear interpolation, rounded UP (ceil); above the top breakpoint IAQI 500 (SO2 1-h: 200);
* AQI = max of the available IAQIs.

A station-hour is *compared* when the official AQI is present and at least one of the six
concentrations is. Floats: `ceil` of an interpolated value that should be an exact integer
can land just above it (e.g. SO2 3 -> 50/150*3 = 1.0000000000000002 -> 2), so we subtract a
tiny epsilon before ceil. The same run also counts how many station-hours a plain `np.ceil`
would get wrong (`naive_ceil_*` in the output) - that costs two more numpy reductions per file.

Reading: one file at a time, `lzma` + `pd.read_csv`. Robustness: a file whose last line is cut
short (no final newline: 20190220, 20190424) loses that partial row; the second copy of a
repeated station column (`3207A` from June, which pandas renames `3207A.1`) is dropped.

Usage: cnemc_pandas.py [DIR] [--only SUBSTR] [--jobs N]
DIR defaults to $LANTIAN_DATA/cnemc/china_sites_2019, else <repo>/../shared/data/cnemc/...
The last line printed is a JSON object with the counts and timings.
"""

import argparse
import io
import json
import lzma
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# HJ 633-2012 Table 1. IAQI steps 0, 50, 100, 150, 200, 300, 400, 500.
IAQI_STEPS = np.array([0, 50, 100, 150, 200, 300, 400, 500], dtype=float)
BREAKPOINTS = {
    "SO2": np.array([0, 150, 500, 650, 800], dtype=float),  # 1-h; > 800 -> IAQI 200
    "NO2": np.array([0, 100, 200, 700, 1200, 2340, 3090, 3840], dtype=float),  # 1-h
    "CO": np.array([0, 5, 10, 35, 60, 90, 120, 150], dtype=float),  # 1-h, mg/m3
    "O3": np.array([0, 160, 200, 300, 400, 800, 1000, 1200], dtype=float),  # 1-h
    "PM10": np.array([0, 50, 150, 250, 350, 420, 500, 600], dtype=float),  # 24-h column
    "PM2.5": np.array([0, 35, 75, 115, 150, 250, 350, 500], dtype=float),  # 24-h column
}
POLLUTANTS = list(BREAKPOINTS)
EPS = 1e-9  # far below the smallest true fractional IAQI (~1e-4 with 0.1 mg/m3 CO steps)


def default_dir() -> Path:
    data = os.environ.get("LANTIAN_DATA")
    if data:
        base = Path(data)
    else:
        base = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return base / "cnemc" / "china_sites_2019"


def interpolated_iaqi(conc: np.ndarray, pollutant: str) -> np.ndarray:
    """Unrounded IAQI; NaN stays NaN; above the top breakpoint np.interp clamps to the top
    step (500, or 200 for SO2 1-h, which is what CNEMC publishes)."""
    bp = BREAKPOINTS[pollutant]
    return np.interp(conc, bp, IAQI_STEPS[: len(bp)])


def read_day(path: Path) -> tuple[pd.DataFrame, int, int, int]:
    """One day file as a frame indexed by (type, date, hour), one column per station."""
    raw = lzma.open(path).read() if path.suffix == ".xz" else path.read_bytes()
    nbytes = len(raw)
    truncated = 0
    header_fields = raw.count(b",", 0, raw.index(b"\n")) + 1
    body = raw.rstrip(b"\r\n")
    last = body.rfind(b"\n") + 1
    if body.count(b",", last) + 1 < header_fields:  # file cut short mid-row: drop that row
        raw = raw[:last]
        truncated = 1
    df = pd.read_csv(io.BytesIO(raw), index_col=["type", "date", "hour"]).sort_index()
    # pandas renames a repeated header name 'X' to 'X.1'; station codes never contain '.'.
    dup = df.columns.str.contains(".", regex=False)
    if dup.any():
        df = df.loc[:, ~dup]
    return df, nbytes, truncated, int(dup.sum())


def process_file(path: Path) -> dict:
    t0 = time.perf_counter()
    df, nbytes, truncated, dup_cols = read_day(path)
    t1 = time.perf_counter()

    official = df.loc["AQI"]
    hours = official.index  # (date, hour)
    iaqis = np.stack(
        [
            interpolated_iaqi(
                df.loc[p].reindex(hours).to_numpy(dtype=float), p
            )
            for p in POLLUTANTS
        ]
    )  # (6, hours, stations)
    iaqi_int = np.ceil(iaqis - EPS)
    iaqi_naive = np.ceil(iaqis)
    ours = np.fmax.reduce(iaqi_int, axis=0)  # fmax: ignores NaN
    ours_naive = np.fmax.reduce(iaqi_naive, axis=0)

    off = official.to_numpy(dtype=float)
    has_official = ~np.isnan(off)
    has_conc = ~np.isnan(ours)
    compared = has_official & has_conc
    t2 = time.perf_counter()
    return {
        "files": 1,
        "bytes": nbytes,
        "station_columns": off.shape[1],
        "hours": off.shape[0],
        "compared": int(compared.sum()),
        "matched": int((compared & (ours == off)).sum()),
        "naive_ceil_matched": int((compared & (ours_naive == off)).sum()),
        "naive_ceil_iaqi_differences": int(
            ((iaqi_naive != iaqi_int) & ~np.isnan(iaqis)).sum()
        ),
        "not_recomputable": int((has_official & ~has_conc).sum()),
        "truncated_rows_skipped": truncated,
        "duplicate_columns_dropped": dup_cols,
        "read_s": t1 - t0,
        "compute_s": t2 - t1,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=None)
    ap.add_argument("--only", help="only files whose name contains this (e.g. 201901)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    args = ap.parse_args()

    started = time.perf_counter()
    d = args.dir or default_dir()
    files = sorted(
        p
        for p in d.glob("china_sites_*.csv*")
        if p.name.endswith((".csv", ".csv.xz"))
        if args.only is None or args.only in p.name
    )
    if not files:
        print(f"no china_sites_*.csv[.xz] in {d}", file=sys.stderr)
        return 2

    if args.jobs > 1:
        from multiprocessing import Pool

        with Pool(args.jobs) as pool:
            parts = list(pool.imap_unordered(process_file, files, chunksize=4))
    else:
        parts = [process_file(p) for p in files]

    total: dict = {}
    for part in parts:
        for k, v in part.items():
            total[k] = total.get(k, 0) + v
    compared, matched = total["compared"], total["matched"]
    result = {
        "tool": "pandas",
        "jobs": args.jobs,
        "dir": str(d),
        "files": total["files"],
        "bytes": total["bytes"],
        "hours": total["hours"],
        "compared": compared,
        "matched": matched,
        "different": compared - matched,
        "agreement": matched / compared if compared else None,
        "naive_ceil_matched": total["naive_ceil_matched"],
        "naive_ceil_extra_differences": matched - total["naive_ceil_matched"],
        "naive_ceil_iaqi_differences": total["naive_ceil_iaqi_differences"],
        "not_recomputable": total["not_recomputable"],
        "truncated_rows_skipped": total["truncated_rows_skipped"],
        "duplicate_columns_dropped": total["duplicate_columns_dropped"],
        # Summed over files (over workers with --jobs > 1).
        "read_s": round(total["read_s"], 3),
        "compute_s": round(total["compute_s"], 3),
        "seconds": round(time.perf_counter() - started, 3),
        "versions": {"python": sys.version.split()[0], "pandas": pd.__version__,
                     "numpy": np.__version__},
    }
    print(
        f"pandas: {result['files']} files, {compared} station-hours compared, "
        f"{matched} equal ({100 * matched / max(compared, 1):.4f} %), "
        f"plain np.ceil would give {total['naive_ceil_matched']} equal",
        file=sys.stderr,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
