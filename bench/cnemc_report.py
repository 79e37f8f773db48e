#!/usr/bin/env python3
"""Turns the raw outputs of `compare_cnemc.sh` (bench/out/raw) into the markdown report on
stdout. Standard library only."""

import json
import re
import statistics
import sys
from pathlib import Path

RAW = Path(sys.argv[1])


def env() -> dict:
    out = {}
    for line in (RAW / "env").read_text().splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


def read_time(path: Path):
    """(wall, user, sys, maxrss_kb) from a /usr/bin/time -f '%e %U %S %M' file, or None."""
    ok = True
    vals = None
    for line in path.read_text().splitlines():
        if line.strip() == "failed" or line.startswith("Command exited"):
            ok = False
        parts = line.split()
        if len(parts) == 4:
            try:
                vals = tuple(float(x) for x in parts)
            except ValueError:
                pass
    return (vals, ok)


def runs(prefix: str) -> list:
    """All repetitions of one measurement: dicts with wall, cpu, rss, out, err, ok."""
    res = []
    for t in sorted(RAW.glob(f"{prefix}.*.time")):
        stem = t.name[: -len(".time")]
        vals, ok = read_time(t)
        if vals is None:
            continue
        wall, user, sys_, rss = vals
        busy_f = RAW / f"{stem}.busy"
        busy = float(busy_f.read_text()) if busy_f.exists() else None
        # Other processes' CPU during the run, in cores (machine busy minus ours).
        others = max(0.0, (busy - user - sys_) / wall) if busy is not None and wall > 0 else None
        res.append({
            "others": others,
            "name": stem, "wall": wall, "cpu": user + sys_, "user": user, "sys": sys_,
            "rss_mb": rss / 1024, "ok": ok,
            "out": (RAW / f"{stem}.out").read_text(errors="replace"),
            "err": (RAW / f"{stem}.err").read_text(errors="replace"),
        })
    return res


def median_run(rs: list):
    if not rs:
        return None
    rs = sorted(rs, key=lambda r: r["wall"])
    return rs[(len(rs) - 1) // 2]


def last_json(text: str):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    return None


def lantian_counts(r) -> dict:
    out, err = r["out"], r["err"]
    m1 = re.search(r"station-hours compared:\s+(\d+)", out)
    m2 = re.search(r"equal to CNEMC's AQI:\s+(\d+)", out)
    m3 = re.search(r"read (\d+) files, ([\d.]+) MB of CSV", err)
    return {
        "compared": int(m1.group(1)) if m1 else None,
        "matched": int(m2.group(1)) if m2 else None,
        "files": int(m3.group(1)) if m3 else None,
        "mb": float(m3.group(2)) if m3 else None,
    }


def fmt_int(n) -> str:
    return "–" if n is None else f"{n:,}"


def agreement(matched, compared) -> str:
    if not compared:
        return "–"
    return f"{matched:,} / {compared:,} ({100 * matched / compared:.4f} %)"


def main() -> None:
    e = env()
    comp_bytes, uncomp_bytes = (int(x) for x in (RAW / "xz_sizes").read_text().split())
    year_mb = uncomp_bytes / 1e6
    sub_mb = None
    if (RAW / "xz_sizes_subset").exists():
        sub_mb = int((RAW / "xz_sizes_subset").read_text().split()[1]) / 1e6

    lt = median_run(runs("lantian_default"))
    lt_counts = lantian_counts(lt) if lt else {}
    rows = []  # (tool, what, wall, cpu, station-hours, mb, agreement, note)

    def add(tool, what, r, station_hours, mb, agree, base="year"):
        if r is None:
            rows.append((tool, what, None, None, None, None, "not run / failed", None, base))
            return
        rows.append((tool, what, r["wall"], r["cpu"], station_hours, mb, agree, r, base))

    add("lantian", "`lantian verify cnemc DIR` (default threads = 2 cores)", lt,
        lt_counts.get("compared"), year_mb,
        agreement(lt_counts.get("matched"), lt_counts.get("compared")))
    lt1 = median_run(runs("lantian_t1"))
    c1 = lantian_counts(lt1) if lt1 else {}
    add("lantian", "`... --threads 1`", lt1, c1.get("compared"), year_mb,
        agreement(c1.get("matched"), c1.get("compared")))

    pandas_year = None
    for prefix, what in [("pandas_1proc", "`cnemc_pandas.py DIR` (1 process)"),
                         ("pandas_2proc", "`cnemc_pandas.py DIR --jobs 2` (2 processes)")]:
        r = median_run(runs(prefix))
        j = last_json(r["out"]) if r else None
        if j and prefix == "pandas_1proc":
            pandas_year = j
        add("pandas " + (j["versions"]["pandas"] if j else "?"), what, r,
            j and j["compared"], year_mb, agreement(j and j["matched"], j and j["compared"]))

    # Phase 2: the same files uncompressed; ratios against lantian on the same plain files.
    plt = median_run(runs("plain_lantian_default"))
    if plt:
        pc = lantian_counts(plt)
        add("lantian", "**plain CSV** (same files, uncompressed): `verify cnemc` (2 threads)", plt,
            pc.get("compared"), year_mb, agreement(pc.get("matched"), pc.get("compared")), "plain")
        plt1 = median_run(runs("plain_lantian_t1"))
        pc1 = lantian_counts(plt1) if plt1 else {}
        add("lantian", "**plain CSV**: `... --threads 1`", plt1, pc1.get("compared"), year_mb,
            agreement(pc1.get("matched"), pc1.get("compared")), "plain")
        pp = median_run(runs("plain_pandas_1proc"))
        jp = last_json(pp["out"]) if pp else None
        add("pandas " + (jp["versions"]["pandas"] if jp else "?"),
            "**plain CSV**: `cnemc_pandas.py DIR` (1 process)", pp, jp and jp["compared"],
            year_mb, agreement(jp and jp["matched"], jp and jp["compared"]), "plain")

    pa = median_run(runs("python_aqi"))
    pj = last_json(pa["out"]) if pa else None
    pa_note = None
    lts = None
    if pa and pj:
        subset = sub_mb is not None
        mb = sub_mb if subset else year_mb
        only = f" --only {e.get('pyaqi_only')}" if subset else ""
        what = f"`cnemc_python_aqi.py DIR{only}`" \
            f" ({pj['files']} file{'s' if pj['files'] != 1 else ''}, {pj['first_file'][12:20]}–{pj['last_file'][12:20]}; one `aqi.to_aqi` per station-hour)"
        add(f"python-aqi {pj['version']}", what, pa, pj["compared"], mb,
            agreement(pj["matched"], pj["compared"]), "subset" if subset else "year")
        if subset:
            year_sh = (pandas_year or {}).get("compared") or lt_counts.get("compared")
            per = pa["wall"] / pj["compared"]
            per_cpu = pa["cpu"] / pj["compared"]
            est = {"wall": per * year_sh, "cpu": per_cpu * year_sh}
            rows.append((f"python-aqi {pj['version']}",
                         f"**extrapolated** to the year: {per * 1e6:.2f} µs wall per station-hour × "
                         f"{year_sh:,} station-hours", est["wall"], est["cpu"], year_sh, year_mb,
                         "(subset's, above)", est, "year"))
            lts = median_run(runs("lantian_subset"))
            if lts:
                cs = lantian_counts(lts)
                add("lantian", f"`... --only` same subset ({cs.get('files')} files)", lts,
                    cs.get("compared"), sub_mb, agreement(cs.get("matched"), cs.get("compared")),
                    "subset")

    for prefix, what in [("xz_1core", "`xz -dc` all files, 1 process (context: decompression only)"),
                         ("xz_2par", "`xz -dc` all files, 2 in parallel (`xargs -P 2`)")]:
        add("xz", what, median_run(runs(prefix)), None, year_mb, "n/a")

    lw, lc = (lt["wall"], lt["cpu"]) if lt else (None, None)
    lines = []
    p = lines.append
    p("# CNEMC 2019 hourly AQI, whole-year recomputation: lantian vs pandas vs python-aqi")
    p("")
    p(f"Generated by `{e.get('command', 'bash bench/compare_cnemc.sh')}` on {e.get('date')}. "
      f"Script run time: **{e.get('script_seconds')} s** (venv check, build, all runs).")
    p("")
    p(f"Data: {comp_bytes / 1e6:.1f} MB of xz, **{year_mb:.1f} MB of CSV** uncompressed, "
      f"364 daily files (`cnemc/china_sites_2019`). Page cache warmed before the runs. "
      f"Wall and CPU (user+sys, children included) from `/usr/bin/time`; lantian and xz: median "
      f"of {len(runs('lantian_default'))} runs, pandas and python-aqi: "
      f"{len(runs('pandas_1proc'))} run(s). Ratios are this row's seconds ÷ lantian's (default "
      f"threads) seconds.")
    p("")
    p("| tool | what was run | wall s | CPU s | station-hours/s | MB/s CSV | agreement with CNEMC (equal / compared) | wall ÷ lantian | CPU ÷ lantian | others' load, cores |")
    p("|---|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for tool, what, wall, cpu, sh, mb, agree, r, base in rows:
        if wall is None:
            p(f"| {tool} | {what} | – | – | – | – | {agree} | – | – | – |")
            continue
        oth = f"{r['others']:.2f}" if isinstance(r, dict) and r.get("others") is not None else "–"
        shs = f"{sh / wall:,.0f}" if sh else "–"
        mbs = f"{mb / wall:.1f}" if mb else "–"
        if base == "year":
            bw, bc, mark = lw, lc, ""
        elif base == "plain":
            bw, bc = (plt["wall"], plt["cpu"]) if plt else (None, None)
            mark = " (vs lantian, plain CSV)"
        else:
            bw, bc = (lts["wall"], lts["cpu"]) if lts else (None, None)
            mark = " (vs lantian, same subset)"
        rw = f"{wall / bw:.2f}×{mark}" if bw else "–"
        rc = f"{cpu / bc:.2f}×{mark}" if bc else "–"
        p(f"| {tool} | {what} | {wall:.2f} | {cpu:.2f} | {shs} | {mbs} | {agree} | {rw} | {rc} | {oth} |")
    p("")
    if lts and pa:
        p(f"Same subset, measured (no extrapolation): python-aqi {pa['wall']:.2f} s wall vs "
          f"lantian {lts['wall']:.2f} s = **{pa['wall'] / lts['wall']:.1f}×**; CPU "
          f"{pa['cpu']:.2f} s vs {lts['cpu']:.2f} s = {pa['cpu'] / lts['cpu']:.1f}×.")
        p("")

    busy_runs = [r for pre in ("lantian_default", "lantian_t1", "pandas_1proc", "pandas_2proc",
                               "python_aqi", "xz_1core", "xz_2par")
                 for r in runs(pre) if r["others"] is not None and r["others"] > 0.3]
    if busy_runs:
        p(f"**Caution: the machine was shared.** In {len(busy_runs)} run(s) other processes used "
          f"more than 0.3 of the 2 cores (column *others' load*), so 2-thread and 2-process "
          f"numbers there are close to 1-core numbers and wall times are inflated; "
          f"the CPU-seconds ratios are the more robust comparison then; rerun on a quiet machine (or with a larger `WAIT_IDLE`) for clean wall figures.")
        p("")
    p("## Notes computed from this run")
    p("")
    if lt:
        m = re.search(r"differences by class:\n(.*?)\n\n", lt["out"], re.S)
        classes = [ln.strip() for ln in (m.group(1).splitlines() if m else [])
                   if ln.startswith("  ") and not ln.startswith("    ")]
        p(f"* **lantian** compared {fmt_int(lt_counts.get('compared'))} station-hours, "
          f"{fmt_int(lt_counts.get('matched'))} equal. Its differences by class: "
          + "; ".join(re.sub(r"\s{2,}", ": ", c) for c in classes) + ". "
          "lantian's whole process also parses the 11 row types it reads, keeps per-station "
          "series and runs the annual assessment of the configured areas (config/areas.toml).")
    if pandas_year:
        j = pandas_year
        p(f"* **pandas** compared {j['compared']:,}, equal {j['matched']:,}, "
          f"different {j['different']:,}. With a plain `np.ceil` (no epsilon) it would get "
          f"{j['naive_ceil_matched']:,} equal, i.e. **{j['naive_ceil_extra_differences']:,} more "
          f"differences** from float error at exact IAQI integers (IAQIs, any pollutant, that a plain "
          f"ceil would change: {fmt_int(j.get('naive_ceil_iaqi_differences'))}). Truncated last rows skipped: "
          f"{j['truncated_rows_skipped']}; repeated `3207A` columns dropped: "
          f"{j['duplicate_columns_dropped']}; official AQI without any concentration (not "
          f"compared): {j['not_recomputable']:,}. Time inside the script, summed over files: "
          f"read (lzma + read_csv + sort) {j['read_s']:.1f} s, IAQI/AQI {j['compute_s']:.1f} s.")
        if lt_counts.get("compared") is not None:
            dc = j["compared"] - lt_counts["compared"]
            dm = j["matched"] - lt_counts["matched"]
            p(f"  pandas − lantian: compared {dc:+,}, equal {dm:+,}.")
    if pj:
        p(f"* **python-aqi** compared {pj['compared']:,} ({pj['selection']}), equal "
          f"{pj['matched']:,} ({100 * pj['matched'] / max(pj['compared'], 1):.2f} %). Calls that "
          f"raised (value above its top breakpoint, counted as different): "
          f"{json.dumps(pj['errors'])}. Most common (python-aqi − official): "
          f"{json.dumps(pj['most_common_deltas'])}. Its known deviations: concentration "
          f"truncated to an integer, gapped breakpoints (36–75 → 51–100), IAQI rounded half to "
          f"even instead of up, no IAQI above the table. {pj['us_per_compared_station_hour']} µs "
          f"per compared station-hour (whole process).")
    p(f"* Machine: {e.get('host_cpu')}, {e.get('nproc')} cores, {e.get('mem')}; shared with "
      f"other work. Load average before {e.get('load_before')}, after {e.get('load_after')}; "
      f"CPU in use by others just before the runs: {e.get('busy_cores_before')} cores; "
      f"waited for idle: {e.get('idle_waited_s', '?')} s in all. "
      f"{e.get('rustc')}; Python {e.get('python')}. Repo: {e.get('git')}.")
    top = (RAW / "top_before").read_text().split("\n") if (RAW / "top_before").exists() else []
    top = [" ".join(t.split()) for t in top if t.strip()]
    if top:
        p(f"* Busiest processes at the start (%CPU command): {'; '.join(top[:5])}.")
    p("")
    p("## Every run")
    p("")
    p("| run | wall s | user s | sys s | max RSS MB | others' load, cores | exit ok |")
    p("|---|---:|---:|---:|---:|---:|---|")
    for prefix in ["lantian_default", "lantian_t1", "lantian_subset", "plain_lantian_default",
                   "plain_lantian_t1", "plain_pandas_1proc", "pandas_1proc",
                   "pandas_2proc", "python_aqi", "xz_1core", "xz_2par"]:
        for r in runs(prefix):
            p(f"| {r['name']} | {r['wall']:.2f} | {r['user']:.2f} | {r['sys']:.2f} | "
              f"{r['rss_mb']:.0f} | "
              f"{'–' if r['others'] is None else format(r['others'], '.2f')} | "
              f"{'yes' if r['ok'] else 'NO'} |")
    p("")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
