#!/usr/bin/env python3
"""The peer of `compare_rank.sh`: a province's cities ranked by the annual composite index
(环境空气质量综合指数) computed with pandas straight from the CNEMC daily files, written from
the standards (HJ 663-2013, standards.md §3.2), not from lantian's code:

* an hour labelled h on day D is the mean of the hour starting at h − 1 (hour 0 belongs to the
  day before);
* a station's daily mean needs 20 hours; a city's daily mean is the mean of its stations' daily
  means; the city's O3 hourly value is the mean of its stations' hours, and its MDA8 the largest
  of the 17 eight-hour means inside the day (each needs 6 hours), valid with 14 of them or when
  above 160 µg/m³;
* the year: SO2, NO2, PM10, PM2.5 the mean of the daily means (integers), CO the 95th and O3 the
  90th percentile (k = 1 + (n − 1)·p, linear between neighbours; CO one decimal); rounding half
  to even on exact fractions (GB/T 8170);
* Iᵢ = Cᵢ / Sᵢ with S = 60, 40, 70, 35, 4, 160 and Σ rounded to two decimals.

Prints one line per city, `city<TAB>composite`, in ascending order.

    python3 rank_pandas.py STATION_LIST PROVINCE YEAR_DIR
"""

import glob
import os
import sys
from fractions import Fraction

import pandas as pd

STATION_LIST, PROVINCE, YEAR_DIR = sys.argv[1:4]
POLLUTANTS = ["SO2", "NO2", "PM10", "PM2.5", "CO", "O3"]
STANDARD = {"SO2": 60, "NO2": 40, "PM10": 70, "PM2.5": 35, "CO": 4, "O3": 160}
# Integers throughout: CO in 0.1 mg/m³.
SCALE = {p: (10 if p == "CO" else 1) for p in POLLUTANTS}


def round_half_even(x: Fraction, decimals: int) -> Fraction:
    q = x * 10**decimals
    n, r = divmod(q.numerator, q.denominator)
    twice = 2 * r
    if twice > q.denominator or (twice == q.denominator and n % 2 == 1):
        n += 1
    return Fraction(n, 10**decimals)


def percentile(values, p):
    v = sorted(values)
    k = 1 + (len(v) - 1) * Fraction(p, 100)
    s = int(k)
    if s >= len(v):
        return v[-1]
    return v[s - 1] + (v[s] - v[s - 1]) * (k - s)


def main() -> None:
    stations = pd.read_csv(STATION_LIST)
    stations = stations[stations["provinceid"] == PROVINCE]
    city_of = {code.lstrip("X"): city for code, city in zip(stations["id"], stations["cityid"])}
    frames = []
    for f in sorted(glob.glob(os.path.join(YEAR_DIR, "china_sites_*.csv*"))):
        df = pd.read_csv(
            f,
            usecols=lambda c: c in ("date", "hour", "type") or c in city_of,
            on_bad_lines="skip",
        )
        frames.append(df[df["type"].isin(POLLUTANTS)])
    wide = pd.concat(frames, ignore_index=True).copy()
    start = pd.to_datetime(wide["date"].astype(str), format="%Y%m%d") + pd.to_timedelta(
        wide["hour"] - 1, unit="h"
    )
    wide = pd.concat([wide.drop(columns=["date", "hour"]), start.rename("start")], axis=1)
    long = wide.melt(id_vars=["start", "type"], var_name="station", value_name="v").dropna()
    long["v"] = (long["v"] * long["type"].map(SCALE)).round().astype("int64")
    long["city"] = long["station"].map(city_of)
    long["day"] = long["start"].dt.normalize()
    year = long["day"].dt.year.mode()[0]
    long = long[long["day"].dt.year == year]

    # Daily means of every pollutant but O3: stations with 20 hours, then the city's mean.
    daily = (
        long[long["type"] != "O3"]
        .groupby(["city", "type", "station", "day"])["v"]
        .agg(["sum", "count"])
        .reset_index()
    )
    daily = daily[daily["count"] >= 20]
    result = {}
    for (city, pollutant), g in daily.groupby(["city", "type"]):
        days = {}
        for day, s, n in zip(g["day"], g["sum"], g["count"]):
            days.setdefault(day, []).append(Fraction(int(s), int(n)))
        means = [sum(v) / len(v) for v in days.values()]
        if pollutant == "CO":
            c = round_half_even(percentile(means, 95) / 10, 1)
        else:
            c = round_half_even(sum(means) / len(means), 0)
        result.setdefault(city, {})[pollutant] = c

    # O3: the city's hourly means, then MDA8 per day, then the 90th percentile.
    o3 = long[long["type"] == "O3"].groupby(["city", "start"])["v"].agg(["sum", "count"])
    for city, g in o3.groupby(level="city"):
        hourly = {
            t: Fraction(int(s), int(n))
            for (_, t), s, n in zip(g.index, g["sum"], g["count"])
        }
        mda8 = []
        for day in sorted({t.normalize() for t in hourly}):
            hours = [hourly.get(day + pd.Timedelta(hours=h)) for h in range(24)]
            best, windows = None, 0
            for last in range(7, 24):
                vals = [x for x in hours[last - 7 : last + 1] if x is not None]
                if len(vals) >= 6:
                    windows += 1
                    m = sum(vals) / len(vals)
                    best = m if best is None or m > best else best
            if best is not None and (windows >= 14 or best > 160):
                mda8.append(best)
        result.setdefault(city, {})["O3"] = round_half_even(percentile(mda8, 90), 0)

    rows = []
    for city, c in result.items():
        if all(p in c for p in POLLUTANTS):
            total = sum(c[p] / STANDARD[p] for p in POLLUTANTS)
            rows.append((round_half_even(total, 2), city))
    for total, city in sorted(rows):
        print(f"{city}\t{float(total):.2f}")


if __name__ == "__main__":
    main()
