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
use lantian_aq::assess::{
    Assessment, DailyRecord, Judged, Period, area_daily_records, assess, year_on_year,
};
use lantian_aq::series::area_hourly;
use lantian_aq::target::{Comparison, MeanBudget, ShareBudget, good_day_budget, mean_budget};
use lantian_aq::{
    Concentration, Config, Exact, HourlyFrame, HourlyInputs, Pollutant, RuleSet, daily_records,
    hourly_aqi,
};
use lantian_store::Store;
use serde::Serialize;

use crate::{out, report, xlsx};

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
    Daily,
    Hourly,
}

/// The whole report (also the JSON output).
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) scope: Scope,
    pub(crate) period: PeriodOut,
    pub(crate) rules: String,
    pub(crate) pollutants: Vec<PollutantRow>,
    pub(crate) aqi_days: AqiDaysOut,
    pub(crate) primary_days: Vec<(String, u32)>,
    pub(crate) composite_index: Option<String>,
    pub(crate) composite_index_valid: bool,
    pub(crate) composite_parts: Vec<(String, String)>,
    pub(crate) attains: Option<bool>,
    pub(crate) year_on_year: Option<YearOnYearOut>,
    pub(crate) targets: TargetsOut,
    pub(crate) daily: Vec<DailyRow>,
    pub(crate) hourly: Vec<HourlyRow>,
    #[serde(skip)]
    pub(crate) assessment: Assessment,
}

#[derive(Debug, Serialize)]
pub(crate) struct Scope {
    pub(crate) kind: &'static str,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) stations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PeriodOut {
    pub(crate) kind: &'static str,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) days: u32,
}

#[derive(Debug, Serialize)]
pub(crate) struct PollutantRow {
    pub(crate) pollutant: String,
    pub(crate) unit: String,
    pub(crate) mean: Option<String>,
    pub(crate) mean_days: Option<u32>,
    pub(crate) mean_valid: Option<bool>,
    pub(crate) mean_limit: Option<String>,
    pub(crate) percentile_rank: u32,
    pub(crate) percentile: Option<String>,
    pub(crate) percentile_days: u32,
    pub(crate) percentile_valid: bool,
    pub(crate) daily_limit: Option<String>,
    pub(crate) exceedance: Option<String>,
    pub(crate) days_over_limit: u32,
    pub(crate) valid_days: u32,
    pub(crate) compliance_rate_percent: Option<String>,
    pub(crate) attains: Option<bool>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AqiDaysOut {
    pub(crate) excellent: u32,
    pub(crate) good: u32,
    pub(crate) lightly: u32,
    pub(crate) moderately: u32,
    pub(crate) heavily: u32,
    pub(crate) severely: u32,
    pub(crate) valid: u32,
    pub(crate) missing: u32,
    pub(crate) good_days: u32,
    pub(crate) good_share_percent: Option<String>,
    pub(crate) heavy_or_worse_days: u32,
}

#[derive(Debug, Serialize)]
pub(crate) struct YearOnYearOut {
    pub(crate) previous_from: String,
    pub(crate) previous_to: String,
    pub(crate) changes_percent: Vec<(String, Option<String>)>,
    pub(crate) composite_change_percent: Option<String>,
    pub(crate) good_share_change_points: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TargetsOut {
    pub(crate) pm25_target: String,
    pub(crate) pm25_mean_so_far: Option<String>,
    pub(crate) pm25_days_so_far: u32,
    pub(crate) days_remaining: u32,
    /// "reachable", "unreachable" or "final".
    pub(crate) pm25_status: &'static str,
    pub(crate) pm25_max_remaining_mean: Option<String>,
    pub(crate) pm25_final_met: Option<bool>,
    pub(crate) good_target_percent: String,
    pub(crate) good_days_so_far: u32,
    pub(crate) valid_days_so_far: u32,
    pub(crate) good_status: &'static str,
    pub(crate) non_good_days_affordable: Option<u32>,
    pub(crate) good_final_met: Option<bool>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DailyRow {
    pub(crate) date: String,
    pub(crate) aqi: Option<u16>,
    pub(crate) category: Option<&'static str>,
    pub(crate) primary: String,
    pub(crate) pm25: Option<String>,
    pub(crate) pm10: Option<String>,
    pub(crate) so2: Option<String>,
    pub(crate) no2: Option<String>,
    pub(crate) co: Option<String>,
    pub(crate) o3_8h: Option<String>,
    pub(crate) o3_1h_max: Option<String>,
    pub(crate) rules: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct HourlyRow {
    /// The hour's start, Beijing time.
    pub(crate) start: String,
    /// The hour as CNEMC labels it (its end): `YYYY-MM-DD HH时`.
    pub(crate) label: String,
    pub(crate) aqi: Option<u16>,
    pub(crate) category: Option<&'static str>,
    pub(crate) primary: String,
    pub(crate) values: Vec<Option<String>>,
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

/// An area's (or a station's) hourly data and daily records.
pub(crate) struct ScopeData {
    /// Each station's daily records, in the order of the frames.
    pub(crate) stations: Vec<Vec<DailyRecord>>,
    /// The scope's daily records.
    pub(crate) days: Vec<DailyRecord>,
    pub(crate) hourly: Option<HourlyFrame<Exact>>,
}

/// Daily records of an area from its stations' hourly frames (HJ 663: the mean of the
/// stations' concentrations first, then the indices).
pub(crate) fn scope_data(frames: &[&HourlyFrame<Concentration>], config: &Config) -> ScopeData {
    let station_days: Vec<Vec<DailyRecord>> =
        frames.iter().map(|f| daily_records(f, config)).collect();
    let hourly = area_hourly(frames, config);
    let days = area_daily_records(&station_days, hourly.as_ref(), config);
    ScopeData {
        stations: station_days,
        days,
        hourly,
    }
}

fn dec(v: Option<Exact>, decimals: u32) -> Option<String> {
    v.map(|e| e.round_gbt8170(decimals).to_string())
}

fn judged_parts(j: &Judged) -> (Option<String>, u32, bool, Option<String>) {
    (
        j.reported.map(|d| d.to_string()),
        j.stat.count,
        j.stat.valid,
        j.limit.map(|l| l.to_string()),
    )
}

/// Builds the report for a scope and period.
pub(crate) fn build(
    store: &Store,
    scope: Scope,
    period: Period,
    pm25_target: Concentration,
    good_target: Concentration,
    config: &Config,
) -> Result<Report> {
    let (from, to) = period.bounds().context("bad period")?;
    // Read from 1 January of the first year: the targets need the year so far.
    let year_start = Date::new(from.year(), 1, 1)?;
    let load = |a: Date, b: Date| -> Result<ScopeData> {
        let frames: Vec<HourlyFrame<Concentration>> = scope
            .stations
            .iter()
            .map(|s| store.reviewed_frame(s, a, b).map(|(f, _)| f))
            .collect::<Result<_, _>>()?;
        let refs: Vec<&HourlyFrame<Concentration>> = frames.iter().collect();
        Ok(scope_data(&refs, config))
    };
    let data = load(year_start, to)?;
    let assessment = assess(&data.days, period, config)?;

    let pollutants = Pollutant::REPORT_ORDER
        .into_iter()
        .map(|p| {
            let pa = &assessment.pollutants[p];
            let mean = pa.mean.as_ref().map(judged_parts);
            let (pv, pd, pvalid, plimit) = judged_parts(&pa.percentile);
            let exceedance = pa
                .mean
                .as_ref()
                .and_then(|m| m.exceedance)
                .or(pa.percentile.exceedance)
                .map(|d| d.to_string());
            PollutantRow {
                pollutant: if p == Pollutant::O3 {
                    "O3_8h".to_owned()
                } else {
                    p.code().to_owned()
                },
                unit: p.unit().symbol().to_owned(),
                mean: mean.as_ref().and_then(|m| m.0.clone()),
                mean_days: mean.as_ref().map(|m| m.1),
                mean_valid: mean.as_ref().map(|m| m.2),
                mean_limit: mean.as_ref().and_then(|m| m.3.clone()),
                percentile_rank: pa.percentile_rank,
                percentile: pv,
                percentile_days: pd,
                percentile_valid: pvalid,
                daily_limit: plimit,
                exceedance,
                days_over_limit: pa.days_over_limit,
                valid_days: pa.valid_days,
                compliance_rate_percent: dec(pa.compliance_rate, 1),
                attains: pa.attains,
            }
        })
        .collect();

    let d = assessment.aqi_days;
    let aqi_days = AqiDaysOut {
        excellent: d.by_level[0],
        good: d.by_level[1],
        lightly: d.by_level[2],
        moderately: d.by_level[3],
        heavily: d.by_level[4],
        severely: d.by_level[5],
        valid: d.valid,
        missing: d.missing,
        good_days: d.good(),
        good_share_percent: dec(d.good_share_percent(), 1),
        heavy_or_worse_days: d.heavy_or_worse(),
    };

    // Year on year: the same period a year earlier, when the store has data for it.
    let year_on_year = {
        let prev = |d: Date| d.checked_sub(jiff::Span::new().years(1)).ok();
        match (prev(from), prev(to)) {
            (Some(pf), Some(pt)) => {
                let prev_data = load(pf, pt)?;
                let has_data = prev_data
                    .days
                    .iter()
                    .any(|r| r.mean_24h[Pollutant::Pm25].count > 0);
                if has_data {
                    let prev_period = match period {
                        Period::Year(y) => Period::Year(y - 1),
                        Period::Month(y, m) => Period::Month(y - 1, m),
                        Period::Range(..) => Period::Range(pf, pt),
                    };
                    let pa = assess(&prev_data.days, prev_period, config)?;
                    let yoy = year_on_year(&assessment, &pa);
                    Some(YearOnYearOut {
                        previous_from: pf.to_string(),
                        previous_to: pt.to_string(),
                        changes_percent: Pollutant::ALL
                            .iter()
                            .map(|p| {
                                (
                                    p.code().to_owned(),
                                    yoy.pollutants[*p].and_then(|c| dec(c.percent, 1)),
                                )
                            })
                            .collect(),
                        composite_change_percent: yoy.composite.and_then(|c| dec(c.percent, 1)),
                        good_share_change_points: dec(yoy.good_share_points, 1),
                    })
                } else {
                    None
                }
            }
            _ => None,
        }
    };

    // Targets: the calendar year of the period's end, so far.
    let year_end = Date::new(to.year(), 12, 31)?;
    let so_far: Vec<&DailyRecord> = data
        .days
        .iter()
        .filter(|r| r.date >= Date::new(to.year(), 1, 1).unwrap_or(year_start) && r.date <= to)
        .collect();
    let pm25_so_far: Vec<Exact> = so_far
        .iter()
        .filter_map(|r| r.mean_24h[Pollutant::Pm25].valid_value())
        .collect();
    let remaining = year_end.since(to).map(|s| s.get_days() as u32).unwrap_or(0);
    let cmp = Comparison::Rounded(0);
    let mb = mean_budget(&pm25_so_far, remaining, pm25_target.exact(), cmp);
    let (mut good, mut valid) = (0u32, 0u32);
    for r in &so_far {
        if let Some(level) = r.aqi(config)?.level() {
            valid += 1;
            good += u32::from(level.is_good());
        }
    }
    let sb = good_day_budget(
        good,
        valid,
        remaining,
        good_target.exact(),
        Comparison::Rounded(1),
    );
    let targets = TargetsOut {
        pm25_target: pm25_target.to_string(),
        pm25_mean_so_far: dec(Exact::mean(&pm25_so_far), 1),
        pm25_days_so_far: pm25_so_far.len() as u32,
        days_remaining: remaining,
        pm25_status: match mb {
            MeanBudget::Reachable { .. } => "reachable",
            MeanBudget::Unreachable { .. } => "unreachable",
            MeanBudget::Final { .. } => "final",
        },
        pm25_max_remaining_mean: match mb {
            MeanBudget::Reachable { max_mean, .. } => dec(Some(max_mean), 1),
            _ => None,
        },
        pm25_final_met: match mb {
            MeanBudget::Final { met, .. } => Some(met),
            _ => None,
        },
        good_target_percent: good_target.to_string(),
        good_days_so_far: good,
        valid_days_so_far: valid,
        good_status: match sb {
            ShareBudget::Reachable { .. } => "reachable",
            ShareBudget::Unreachable { .. } => "unreachable",
            ShareBudget::Final { .. } => "final",
        },
        non_good_days_affordable: match sb {
            ShareBudget::Reachable {
                non_good_days_affordable,
                ..
            } => Some(non_good_days_affordable),
            _ => None,
        },
        good_final_met: match sb {
            ShareBudget::Final { met, .. } => Some(met),
            _ => None,
        },
    };

    let daily = data
        .days
        .iter()
        .filter(|r| r.date >= from && r.date <= to)
        .map(|r| {
            let report = r.aqi(config)?;
            let v = |p: Pollutant| dec(r.mean_24h[p].valid_value(), p.reporting_decimals());
            Ok(DailyRow {
                date: r.date.to_string(),
                aqi: report.aqi,
                category: report.level().map(|l| l.category_zh()),
                primary: report
                    .primary()
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                pm25: v(Pollutant::Pm25),
                pm10: v(Pollutant::Pm10),
                so2: v(Pollutant::So2),
                no2: v(Pollutant::No2),
                co: v(Pollutant::Co),
                o3_8h: dec(r.o3_mda8.valid_value(), 0),
                o3_1h_max: dec(r.o3_max_1h.valid_value(), 0),
                rules: RuleSet::for_date(r.date).aqi_standard().name(),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut hourly = Vec::new();
    if let Some(h) = &data.hourly {
        for i in 0..h.len() {
            let Some(start) = h
                .first_hour
                .checked_add(jiff::Span::new().hours(i as i64))
                .ok()
            else {
                continue;
            };
            if start.date() < from || start.date() > to {
                continue;
            }
            let mut inputs = HourlyInputs::default();
            for p in Pollutant::ALL {
                inputs.hour[p] = h.columns[p][i].and_then(|e| e.to_concentration());
            }
            if Pollutant::ALL.iter().all(|p| inputs.hour[*p].is_none()) {
                continue;
            }
            let r = hourly_aqi(&inputs, RuleSet::for_date(start.date()), config)?;
            let end = start
                .checked_add(jiff::Span::new().hours(1))
                .unwrap_or(start);
            hourly.push(HourlyRow {
                start: start.strftime("%Y-%m-%d %H:%M").to_string(),
                label: format!("{} {}时", end.date(), end.hour()),
                aqi: r.aqi,
                category: r.level().map(|l| l.category_zh()),
                primary: r
                    .primary()
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                values: Pollutant::ALL
                    .iter()
                    .map(|p| {
                        inputs.hour[*p]
                            .map(|c| c.exact().round_gbt8170(p.reporting_decimals()).to_string())
                    })
                    .collect(),
            });
        }
    }

    let ci = &assessment.composite;
    Ok(Report {
        period: PeriodOut {
            kind: match period {
                Period::Year(_) => "year",
                Period::Month(..) => "month",
                Period::Range(..) => "range",
            },
            from: from.to_string(),
            to: to.to_string(),
            days: period.days(),
        },
        rules: assessment.rules.to_string(),
        pollutants,
        aqi_days,
        primary_days: assessment
            .primary_days
            .iter()
            .map(|(i, n)| (i.to_string(), *n))
            .collect(),
        composite_index: ci.reported.map(|d| d.to_string()),
        composite_index_valid: ci.valid,
        composite_parts: Pollutant::ALL
            .iter()
            .filter_map(|p| {
                ci.parts[*p].map(|v| (p.code().to_owned(), v.round_gbt8170(3).to_string()))
            })
            .collect(),
        attains: assessment.attains,
        year_on_year,
        targets,
        daily,
        hourly,
        scope,
        assessment,
    })
}

pub(crate) fn run(store: &Store, args: &Args) -> Result<ExitCode> {
    let period = args.period()?;
    if args.all_stations {
        return run_all(store, args, period);
    }
    let scope = match (&args.area, &args.station) {
        (Some(key), _) => {
            let area = store
                .area(key)?
                .with_context(|| format!("no area {key:?} in the store (lantian import areas)"))?;
            Scope {
                kind: "area",
                code: area.code.clone(),
                name: area.name.clone(),
                stations: area
                    .assessed_stations()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            }
        }
        (None, Some(code)) => {
            let station = store
                .stations()?
                .into_iter()
                .find(|s| s.code == *code)
                .with_context(|| format!("no station {code:?} in the store"))?;
            Scope {
                kind: "station",
                code: station.code.clone(),
                name: station.name.clone().unwrap_or_else(|| station.code.clone()),
                stations: vec![station.code],
            }
        }
        (None, None) => bail!("give --area or --station"),
    };
    let report = build(
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
        Format::Csv => emit(args, &render_csv(&report, args.table)?)?,
        Format::Xlsx => {
            let path = args
                .out
                .as_ref()
                .context("--format xlsx needs --out FILE.xlsx")?;
            xlsx::write(&report, path)?;
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

/// Chinese headers of each table.
pub(crate) fn headers(table: Table) -> Vec<&'static str> {
    match table {
        Table::Summary => vec!["项目", "数值"],
        Table::Pollutants => vec![
            "污染物",
            "单位",
            "均值",
            "均值有效天数",
            "均值有效",
            "均值标准限值",
            "百分位",
            "百分位数",
            "百分位有效天数",
            "百分位有效",
            "日标准限值",
            "超标倍数",
            "超标天数",
            "有效天数",
            "达标率(%)",
            "达标",
        ],
        Table::Daily => vec![
            "日期",
            "AQI",
            "类别",
            "首要污染物",
            "PM2.5",
            "PM10",
            "SO2",
            "NO2",
            "CO",
            "O3_8h",
            "O3_1h最大",
            "标准",
        ],
        Table::Hourly => vec![
            "开始时间",
            "时段（结束）",
            "AQI",
            "类别",
            "首要污染物",
            "SO2",
            "NO2",
            "PM10",
            "CO",
            "O3",
            "PM2.5",
        ],
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "是".to_owned(),
        Some(false) => "否".to_owned(),
        None => String::new(),
    }
}

/// The rows of a table, as text cells.
pub(crate) fn rows(r: &Report, table: Table) -> Vec<Vec<String>> {
    match table {
        Table::Summary => {
            let d = &r.aqi_days;
            let t = &r.targets;
            let mut rows = vec![
                vec![
                    "范围".to_owned(),
                    format!("{} ({})", r.scope.name, r.scope.code),
                ],
                vec!["站点".to_owned(), r.scope.stations.join(", ")],
                vec![
                    "时段".to_owned(),
                    format!("{} 至 {}", r.period.from, r.period.to),
                ],
                vec!["评价标准".to_owned(), r.rules.clone()],
                vec!["有效天数".to_owned(), d.valid.to_string()],
                vec!["缺测天数".to_owned(), d.missing.to_string()],
                vec!["优".to_owned(), d.excellent.to_string()],
                vec!["良".to_owned(), d.good.to_string()],
                vec!["轻度污染".to_owned(), d.lightly.to_string()],
                vec!["中度污染".to_owned(), d.moderately.to_string()],
                vec!["重度污染".to_owned(), d.heavily.to_string()],
                vec!["严重污染".to_owned(), d.severely.to_string()],
                vec!["优良天数比例(%)".to_owned(), opt(&d.good_share_percent)],
                vec!["综合指数".to_owned(), opt(&r.composite_index)],
                vec![
                    "综合指数数据充足".to_owned(),
                    yes_no(Some(r.composite_index_valid)),
                ],
                vec!["六项污染物达标".to_owned(), yes_no(r.attains)],
                vec!["PM2.5目标(µg/m³)".to_owned(), t.pm25_target.clone()],
                vec!["PM2.5年初至今均值".to_owned(), opt(&t.pm25_mean_so_far)],
                vec!["余下天数".to_owned(), t.days_remaining.to_string()],
                vec![
                    "余下天数PM2.5均值上限".to_owned(),
                    opt(&t.pm25_max_remaining_mean),
                ],
                vec![
                    "优良天数比例目标(%)".to_owned(),
                    t.good_target_percent.clone(),
                ],
                vec![
                    "余下可承受非优良天数".to_owned(),
                    opt(&t.non_good_days_affordable),
                ],
            ];
            for (i, n) in &r.primary_days {
                rows.push(vec![format!("首要污染物天数 {i}"), n.to_string()]);
            }
            rows
        }
        Table::Pollutants => r
            .pollutants
            .iter()
            .map(|p| {
                vec![
                    p.pollutant.clone(),
                    p.unit.clone(),
                    opt(&p.mean),
                    opt(&p.mean_days),
                    yes_no(p.mean_valid),
                    opt(&p.mean_limit),
                    format!("P{}", p.percentile_rank),
                    opt(&p.percentile),
                    p.percentile_days.to_string(),
                    yes_no(Some(p.percentile_valid)),
                    opt(&p.daily_limit),
                    opt(&p.exceedance),
                    p.days_over_limit.to_string(),
                    p.valid_days.to_string(),
                    opt(&p.compliance_rate_percent),
                    yes_no(p.attains),
                ]
            })
            .collect(),
        Table::Daily => r
            .daily
            .iter()
            .map(|d| {
                vec![
                    d.date.clone(),
                    opt(&d.aqi),
                    opt(&d.category),
                    d.primary.clone(),
                    opt(&d.pm25),
                    opt(&d.pm10),
                    opt(&d.so2),
                    opt(&d.no2),
                    opt(&d.co),
                    opt(&d.o3_8h),
                    opt(&d.o3_1h_max),
                    d.rules.to_owned(),
                ]
            })
            .collect(),
        Table::Hourly => r
            .hourly
            .iter()
            .map(|h| {
                let mut row = vec![
                    h.start.clone(),
                    h.label.clone(),
                    opt(&h.aqi),
                    opt(&h.category),
                    h.primary.clone(),
                ];
                row.extend(h.values.iter().map(opt));
                row
            })
            .collect(),
    }
}

fn render_csv(r: &Report, table: Table) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers(table))?;
    for row in rows(r, table) {
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}
