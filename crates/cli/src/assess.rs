//! `lantian assess`: the assessment of a station or an area over a period, from the store.
//!
//! Builds one report — hourly and daily AQI, the HJ 663 statistics with coverage, attainment,
//! category days and good-day share, composite index, year on year when the previous year is
//! stored, and the PM2.5 and good-day targets with the remaining budget — and writes it as a
//! terminal table, JSON, CSV or an Excel workbook.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, ValueEnum};
use jiff::civil::Date;
use lantian_aq::assess::{Period, assess};
use lantian_aq::{Concentration, Config, Exact, Pollutant, daily_records};
pub(crate) use lantian_report::{Report, Scope, scope_data};
use lantian_store::Store;
use serde::Serialize;

use lantian_report::{dec, opt, yes_no};

use crate::{out, report};

/// Arguments of `lantian assess`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// An area: its code, name or alias (e.g. `haimen`).
    #[arg(long, conflicts_with_all = ["station", "all_stations"], required_unless_present_any = ["station", "all_stations"])]
    area: Option<String>,
    /// Every registered station with data in the period: one row each, ranked by composite
    /// index (综合指数, ascending).
    #[arg(long, conflicts_with = "station")]
    all_stations: bool,
    /// Worker threads for --all-stations (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// A station code (e.g. `2008A`).
    #[arg(long)]
    station: Option<String>,
    /// A calendar year.
    #[arg(long, group = "period")]
    year: Option<i16>,
    /// A month, `YYYY-MM`.
    #[arg(long, group = "period")]
    month: Option<String>,
    /// A day, `YYYY-MM-DD`.
    #[arg(long, group = "period")]
    day: Option<Date>,
    /// Year to date: 1 January to this day.
    #[arg(long, group = "period", value_name = "DATE")]
    ytd: Option<Date>,
    /// First day of a range (with --to).
    #[arg(long, requires = "to", group = "period")]
    from: Option<Date>,
    /// Last day of a range.
    #[arg(long, requires = "from")]
    to: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Which table for `--format csv`.
    #[arg(long, value_enum, default_value_t = Table::Pollutants)]
    table: Table,
    /// Write to this file instead of stdout (required for xlsx).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Annual PM2.5 target, µg/m³ (the plan: 27).
    #[arg(long, default_value = "27")]
    pm25_target: Concentration,
    /// Good-day share target, percent.
    #[arg(long, default_value = "80")]
    good_target: Concentration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Xlsx,
}

/// Tables of a report, for CSV output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Table {
    Summary,
    Pollutants,
    Monthly,
    Daily,
    Hourly,
    Diurnal,
    Weekday,
}

impl From<Table> for lantian_report::Table {
    fn from(t: Table) -> Self {
        match t {
            Table::Summary => lantian_report::Table::Summary,
            Table::Pollutants => lantian_report::Table::Pollutants,
            Table::Daily => lantian_report::Table::Daily,
            Table::Hourly => lantian_report::Table::Hourly,
            Table::Monthly => lantian_report::Table::Monthly,
            Table::Diurnal => lantian_report::Table::Diurnal,
            Table::Weekday => lantian_report::Table::Weekday,
        }
    }
}

impl Args {
    fn period(&self) -> Result<Period> {
        Ok(if let Some(y) = self.year {
            Period::Year(y)
        } else if let Some(m) = &self.month {
            let d: Date = format!("{m}-01")
                .parse()
                .with_context(|| format!("--month {m}: use YYYY-MM"))?;
            Period::Month(d.year(), d.month())
        } else if let Some(d) = self.day {
            Period::Range(d, d)
        } else if let Some(d) = self.ytd {
            Period::Range(Date::new(d.year(), 1, 1)?, d)
        } else if let (Some(a), Some(b)) = (self.from, self.to) {
            if b < a {
                bail!("--to {b} is before --from {a}");
            }
            Period::Range(a, b)
        } else {
            bail!("give a period: --year, --month, --day, --ytd or --from/--to");
        })
    }
}

pub(crate) fn run(store: &Store, args: &Args) -> Result<ExitCode> {
    let period = args.period()?;
    if args.all_stations {
        return run_all(store, args, period);
    }
    let scope = match (&args.area, &args.station) {
        (Some(key), _) => Scope::area(store, key)?,
        (None, Some(code)) => Scope::station(store, code)?,
        (None, None) => bail!("give --area or --station"),
    };
    let report = lantian_report::build(
        store,
        scope,
        period,
        args.pm25_target,
        args.good_target,
        &Config::default(),
    )?;
    match args.format {
        Format::Table => emit(args, &render_table(&report))?,
        Format::Json => emit(args, &(serde_json::to_string_pretty(&report)? + "\n"))?,
        Format::Csv => emit(
            args,
            &lantian_report::tabular(&report, args.table.into()).to_csv_plain(),
        )?,
        Format::Xlsx => {
            let path = args
                .out
                .as_ref()
                .context("--format xlsx needs --out FILE.xlsx")?;
            let bytes = lantian_report::to_xlsx(&report)?;
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out::line(&format!("wrote {}", path.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One station's row of the ranking.
#[derive(Debug, Serialize)]
pub(crate) struct StationRow {
    pub(crate) rank: Option<usize>,
    pub(crate) code: String,
    pub(crate) name: Option<String>,
    pub(crate) city: Option<String>,
    pub(crate) pm25: Option<String>,
    pub(crate) pm10: Option<String>,
    pub(crate) so2: Option<String>,
    pub(crate) no2: Option<String>,
    pub(crate) co_p95: Option<String>,
    pub(crate) o3_p90: Option<String>,
    pub(crate) valid_aqi_days: u32,
    pub(crate) good_share_percent: Option<String>,
    pub(crate) composite_index: Option<String>,
    pub(crate) complete: bool,
    #[serde(skip)]
    sort_key: Option<Exact>,
}

/// Assesses one station over `period` from the store.
fn station_row(
    store: &Store,
    station: &lantian_store::Station,
    period: Period,
    config: &Config,
) -> Result<Option<StationRow>> {
    let (from, to) = period.bounds().context("bad period")?;
    let (frame, _) = store.reviewed_frame(&station.code, from, to)?;
    if Pollutant::ALL
        .iter()
        .all(|p| frame.columns[*p].iter().all(Option::is_none))
    {
        return Ok(None);
    }
    let days = daily_records(&frame, config);
    let a = assess(&days, period, config)?;
    let mean = |p: Pollutant| {
        a.pollutants[p]
            .mean
            .as_ref()
            .and_then(|m| m.reported)
            .map(|d| d.to_string())
    };
    let pct = |p: Pollutant| a.pollutants[p].percentile.reported.map(|d| d.to_string());
    let complete = Pollutant::ALL.iter().all(|p| {
        let pa = &a.pollutants[*p];
        pa.percentile.stat.valid && pa.mean.as_ref().is_none_or(|m| m.stat.valid)
    });
    Ok(Some(StationRow {
        rank: None,
        code: station.code.clone(),
        name: station.name.clone(),
        city: station.city.clone(),
        pm25: mean(Pollutant::Pm25),
        pm10: mean(Pollutant::Pm10),
        so2: mean(Pollutant::So2),
        no2: mean(Pollutant::No2),
        co_p95: pct(Pollutant::Co),
        o3_p90: pct(Pollutant::O3),
        valid_aqi_days: a.aqi_days.valid,
        good_share_percent: dec(a.aqi_days.good_share_percent(), 1),
        composite_index: a.composite.reported.map(|d| d.to_string()),
        complete,
        sort_key: a.composite.reported.map(Exact::from_decimal),
    }))
}

/// `--all-stations`: every station, in parallel, ranked by composite index.
fn run_all(store: &Store, args: &Args, period: Period) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let config = Config::default();
    let stations = store.stations()?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut rows: Vec<StationRow> = std::thread::scope(|scope| -> Result<Vec<StationRow>> {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<StationRow>> {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(s) = stations.get(i) else { break };
                        if let Some(row) = station_row(store, s, period, &config)? {
                            out.push(row);
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        let mut all = Vec::new();
        for w in workers {
            all.extend(
                w.join()
                    .map_err(|_| anyhow::anyhow!("a worker thread panicked"))??,
            );
        }
        Ok(all)
    })?;
    // Ranked by composite index, ascending; equal values share a rank (并列); stations
    // without an index come last, by code.
    rows.sort_by(|a, b| match (a.sort_key, b.sort_key) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.code.cmp(&b.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    let mut rank = 0;
    let mut prev: Option<Exact> = None;
    for (i, r) in rows.iter_mut().enumerate() {
        if let Some(k) = r.sort_key {
            if prev != Some(k) {
                rank = i + 1;
                prev = Some(k);
            }
            r.rank = Some(rank);
        }
    }
    let headers = [
        "排名",
        "站点",
        "名称",
        "城市",
        "PM2.5",
        "PM10",
        "SO2",
        "NO2",
        "CO-P95",
        "O3-8h-P90",
        "有效天数",
        "优良天数比例(%)",
        "综合指数",
        "数据充足",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                opt(&r.rank),
                r.code.clone(),
                opt(&r.name),
                opt(&r.city),
                opt(&r.pm25),
                opt(&r.pm10),
                opt(&r.so2),
                opt(&r.no2),
                opt(&r.co_p95),
                opt(&r.o3_p90),
                r.valid_aqi_days.to_string(),
                opt(&r.good_share_percent),
                opt(&r.composite_index),
                yes_no(Some(r.complete)),
            ]
        })
        .collect();
    match args.format {
        Format::Json => emit(args, &(serde_json::to_string_pretty(&rows)? + "\n"))?,
        Format::Csv | Format::Table => {
            let mut w = csv::WriterBuilder::new()
                .delimiter(if args.format == Format::Csv {
                    b','
                } else {
                    b'\t'
                })
                .from_writer(Vec::new());
            w.write_record(headers)?;
            for c in &cells {
                w.write_record(c)?;
            }
            let text = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
            emit(args, &text)?;
        }
        Format::Xlsx => bail!("--all-stations writes table, csv or json"),
    }
    out::warn(&format!(
        "assessed {} stations with data of {} registered in {:.2} s on {threads} threads",
        rows.len(),
        stations.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(ExitCode::SUCCESS)
}

fn emit(args: &Args, text: &str) -> Result<()> {
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => out::text(text),
    }
}

/// The terminal rendering (zh-CN).
pub(crate) fn render_table(r: &Report) -> String {
    let title = format!(
        "{} {} ({}), {} 至 {}（{} 天）, 站点 {}",
        if r.scope.kind == "area" {
            "区域"
        } else {
            "站点"
        },
        r.scope.name,
        r.scope.code,
        r.period.from,
        r.period.to,
        r.period.days,
        r.scope.stations.join(", ")
    );
    let mut o = report::assessment(&title, &r.assessment);
    let t = &r.targets;
    let budget = match t.pm25_status {
        "reachable" => format!(
            "余下 {} 天 PM2.5 均值须低于 {} µg/m³",
            t.days_remaining,
            t.pm25_max_remaining_mean.as_deref().unwrap_or("—")
        ),
        "unreachable" => "已无法达成".to_owned(),
        _ => format!(
            "全年已结束，{}",
            if t.pm25_final_met == Some(true) {
                "达成"
            } else {
                "未达成"
            }
        ),
    };
    o.push_str(&format!(
        "  PM2.5 目标 {} µg/m³: 年初至今均值 {} µg/m³（{} 天）；{}\n",
        t.pm25_target,
        t.pm25_mean_so_far.as_deref().unwrap_or("—"),
        t.pm25_days_so_far,
        budget
    ));
    let good = match t.good_status {
        "reachable" => format!(
            "余下 {} 天中至多可有 {} 天非优良",
            t.days_remaining,
            t.non_good_days_affordable.unwrap_or(0)
        ),
        "unreachable" => "已无法达成".to_owned(),
        _ => format!(
            "全年已结束，{}",
            if t.good_final_met == Some(true) {
                "达成"
            } else {
                "未达成"
            }
        ),
    };
    o.push_str(&format!(
        "  优良天数比例目标 {} %: 年初至今 {}/{} 天；{}\n",
        t.good_target_percent, t.good_days_so_far, t.valid_days_so_far, good
    ));
    match &r.year_on_year {
        Some(y) => {
            let parts: Vec<String> = y
                .changes_percent
                .iter()
                .map(|(p, c)| {
                    format!(
                        "{p} {}",
                        c.as_deref().map_or("—".to_owned(), |c| format!("{c} %"))
                    )
                })
                .collect();
            o.push_str(&format!(
                "  同比（{} 至 {}）: {}; 综合指数 {}; 优良天数比例 {} 个百分点\n",
                y.previous_from,
                y.previous_to,
                parts.join(", "),
                y.composite_change_percent
                    .as_deref()
                    .map_or("—".to_owned(), |c| format!("{c} %")),
                y.good_share_change_points.as_deref().unwrap_or("—")
            ));
        }
        None => o.push_str("  同比: 无上年同期数据\n"),
    }
    o
}
