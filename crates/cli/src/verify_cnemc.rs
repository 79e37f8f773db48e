//! `lantian verify cnemc DIR`: recompute CNEMC's published hourly AQI for every station-hour of
//! a directory of `china_sites_YYYYMMDD.csv[.xz]` files, then assess the configured areas'
//! year from the raw hourly values.
//!
//! Files are decompressed and parsed on all cores (a shared work queue); each worker keeps its
//! own tallies, merged at the end, so the result does not depend on the order files finish.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, ValueEnum};
use jiff::civil::{Date, DateTime};
use lantian_aq::assess::{DailyRecord, Period, assess};
use lantian_aq::time::midnight;
use lantian_aq::{
    Concentration, Config, Exact, HourlyFrame, Pollutant, RealTimeMethod2012, RuleSet,
};
use lantian_cnemc::verify::{MismatchClass, needed_types};
use lantian_cnemc::{DayFile, Options, StationSeries, Verification};

use crate::config::{self, Area};
use crate::import_cnemc::{date_in_name, expand, read_bytes};
use crate::report;

/// Arguments of `lantian verify cnemc`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// Directory of `china_sites_YYYYMMDD.csv` files (plain or `.xz`).
    dir: PathBuf,
    /// Areas to assess (TOML, as config/areas.toml; default: the built-in copy of that file).
    #[arg(long)]
    areas: Option<PathBuf>,
    /// How the HJ 633-2012 hourly AQI is computed.
    #[arg(long, value_enum, default_value_t = Method::Cnemc)]
    method: Method,
    /// Rule set: by the data's date (`auto`) or forced.
    #[arg(long, value_enum, default_value_t = Rules::Auto)]
    rules: Rules,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Read only files whose name contains this (e.g. `201901` for January).
    #[arg(long)]
    only: Option<String>,
    /// Also write every area's and station's daily values and daily AQI to this CSV file.
    #[arg(long, value_name = "PATH")]
    daily_csv: Option<PathBuf>,
    /// Exit with status 1 if any difference is outside the explained classes (hour-wide
    /// glitches, official one below).
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Method {
    /// What CNEMC publishes: the six 1-h values, PM on the 24-h breakpoints.
    Cnemc,
    /// The letter of HJ 633-2012 Table 4: PM from 24-h moving means, O3 8-h included.
    Table4,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Rules {
    Auto,
    Gb2012,
    Gb2026Transitional,
    Gb2026Final,
}

/// One worker's results.
struct Partial {
    verification: Verification,
    series: StationSeries,
}

/// The day files in `dir`, optionally only those whose name contains `only`.
fn list_files(dir: &Path, only: Option<&str>) -> Result<Vec<PathBuf>> {
    let files: Vec<PathBuf> = expand(&[dir.to_string_lossy().into_owned()], "china_sites_")?
        .into_iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            only.is_none_or(|o| name.contains(o))
        })
        .collect();
    if files.is_empty() {
        bail!(
            "no china_sites_*.csv[.xz|.gz] files in {} match",
            dir.display()
        );
    }
    Ok(files)
}

/// The period the files cover: their year if every month of it is present, else the range
/// from the first to the last file's date.
fn period_of(files: &[PathBuf]) -> Option<Period> {
    let mut dates: Vec<Date> = files.iter().filter_map(|p| date_in_name(p)).collect();
    dates.sort();
    let (first, last) = (*dates.first()?, *dates.last()?);
    let year = first.year();
    let all_months = (1..=12).all(|m| dates.iter().any(|d| d.year() == year && d.month() == m));
    Some(if all_months && last.year() == year {
        Period::Year(year)
    } else if first.day() == 1 && last == first.last_of_month() {
        Period::Month(year, first.month())
    } else {
        Period::Range(first, last)
    })
}

pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let areas = config::load_or_default(args.areas.as_deref())?.area;
    let files = list_files(&args.dir, args.only.as_deref())?;
    let period = period_of(&files).context("cannot tell the dates from the file names")?;
    let (first_day, _) = period.bounds().context("bad period")?;
    let mut codes: Vec<String> = areas
        .iter()
        .flat_map(|a| a.stations.iter().cloned())
        .collect();
    codes.sort();
    codes.dedup();

    let config = Config {
        real_time_method_2012: match args.method {
            Method::Cnemc => RealTimeMethod2012::CnemcPublished,
            Method::Table4 => RealTimeMethod2012::Hj633Table4,
        },
        ..Config::default()
    };
    let options = Options {
        config: config.clone(),
        rules: match args.rules {
            Rules::Auto => None,
            Rules::Gb2012 => Some(RuleSet::Gb2012),
            Rules::Gb2026Transitional => Some(RuleSet::Gb2026Transitional),
            Rules::Gb2026Final => Some(RuleSet::Gb2026Final),
        },
    };
    let first_hour = midnight(first_day);
    let days = period.days() as usize;
    let types = needed_types();

    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let next = AtomicUsize::new(0);
    let partials: Vec<Result<Partial>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<Partial> {
                    let mut part = Partial {
                        verification: Verification::default(),
                        series: StationSeries::new(&codes, first_hour, days * 24),
                    };
                    let mut buf = Vec::with_capacity(4 << 20);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        read_bytes(path, &mut buf)?;
                        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
                        let file = DayFile::parse(&buf, types);
                        part.verification.add_file(name, &file, &options);
                        part.series.add_file(&file);
                    }
                    Ok(part)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker thread panicked")))
            })
            .collect()
    });
    let mut verification = Verification::default();
    let mut series = StationSeries::new(&codes, first_hour, days * 24);
    for p in partials {
        let p = p?;
        verification.merge(p.verification);
        series.merge(p.series);
    }
    verification.normalise();
    let read_secs = started.elapsed().as_secs_f64();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "CNEMC hourly AQI recomputed by lantian ({} method; rules {})",
        match args.method {
            Method::Cnemc => "CNEMC-published",
            Method::Table4 => "HJ 633-2012 Table 4",
        },
        options
            .rules
            .map_or("by date".to_owned(), |r| r.to_string())
    );
    out.push_str(&verification.render());
    out.push('\n');
    let mut daily = match &args.daily_csv {
        Some(path) => Some(
            csv::Writer::from_path(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => None,
    };
    out.push_str(&assess_areas(
        &areas,
        &series,
        period,
        &config,
        daily.as_mut(),
    )?);
    if let Some(mut w) = daily {
        w.flush().context("cannot write the daily CSV")?;
    }

    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    let mb = verification.bytes as f64 / 1e6;
    let _ = writeln!(
        std::io::stderr().lock(),
        "read {} files, {:.1} MB of CSV in {:.2} s ({:.0} MB/s on {threads} threads)",
        verification.files,
        mb,
        read_secs,
        mb / read_secs
    );

    let unexplained = verification
        .classes
        .iter()
        .filter(|(c, _)| {
            !matches!(
                c,
                MismatchClass::IncompleteHour
                    | MismatchClass::HourWide
                    | MismatchClass::OfficialOneBelow
            )
        })
        .map(|(_, t)| t.count)
        .sum::<u64>();
    Ok(if args.strict && unexplained > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Daily records, annual assessments and a daily-mean cross-check for every configured area.
fn assess_areas(
    areas: &[Area],
    series: &StationSeries,
    period: Period,
    config: &Config,
    mut daily: Option<&mut csv::Writer<std::fs::File>>,
) -> Result<String> {
    let (first, last) = period.bounds().context("bad period")?;
    if let Some(w) = daily.as_deref_mut() {
        write_daily_header(w)?;
    }
    let span = match period {
        Period::Year(y) => format!("{y} 年"),
        Period::Month(y, m) => format!("{y} 年 {m} 月"),
        Period::Range(..) => format!("{first} 至 {last}"),
    };
    let mut out = String::new();
    let frame_of = |code: &str| -> Option<&HourlyFrame<Concentration>> {
        series
            .codes
            .iter()
            .position(|c| c == code)
            .map(|i| &series.frames[i])
    };
    for area in areas {
        let frames: Vec<&HourlyFrame<Concentration>> =
            area.stations.iter().filter_map(|c| frame_of(c)).collect();
        let data = crate::assess::scope_data(&frames, config);
        let (station_days, area_days) = (data.stations, data.days);
        let a = assess(&area_days, period, config)?;
        if let Some(w) = daily.as_deref_mut() {
            write_daily(w, &area.code, &area_days, config)?;
        }
        let title = format!(
            "{} ({}), {span}, 站点 {}",
            area.name,
            area.code,
            area.stations.join(", ")
        );
        out.push_str(&report::assessment(&title, &a));
        for (code, days) in area.stations.iter().zip(&station_days) {
            let a = assess(days, period, config)?;
            if let Some(w) = daily.as_deref_mut() {
                write_daily(w, code, days, config)?;
            }
            let title = format!("  站点 {code}");
            for line in report::assessment(&title, &a).lines() {
                let _ = writeln!(out, "  {line}");
            }
            if let Some(i) = series.codes.iter().position(|c| c == code) {
                let _ = writeln!(
                    out,
                    "    {}",
                    cross_check(days, &series.published_pm25_24h[i])
                );
            }
        }
        out.push('\n');
    }
    Ok(out)
}

const DAILY_POLLUTANTS: [Pollutant; 5] = [
    Pollutant::Pm25,
    Pollutant::Pm10,
    Pollutant::So2,
    Pollutant::No2,
    Pollutant::Co,
];

fn write_daily_header(w: &mut csv::Writer<std::fs::File>) -> Result<()> {
    let mut header = vec!["scope".to_owned(), "date".to_owned()];
    for p in DAILY_POLLUTANTS {
        header.push(format!("{}_24h", p.code()));
        header.push(format!("{}_24h_n", p.code()));
    }
    header.extend(
        [
            "O3_8h_max",
            "O3_8h_windows",
            "O3_1h_max",
            "AQI",
            "category",
            "primary",
            "missing",
        ]
        .map(str::to_owned),
    );
    w.write_record(&header)
        .context("cannot write the daily CSV")
}

/// One row per day: daily values rounded for publication (empty when invalid), their
/// coverage (`_n`: valid hours for a station, valid stations for an area; `O3_8h_windows`:
/// valid 8-h means), and the daily AQI.
fn write_daily(
    w: &mut csv::Writer<std::fs::File>,
    scope: &str,
    days: &[DailyRecord],
    config: &Config,
) -> Result<()> {
    let shown = |s: lantian_aq::Stat, p: Pollutant| {
        s.valid_value()
            .map(|v| v.round_gbt8170(p.reporting_decimals()).to_string())
            .unwrap_or_default()
    };
    for d in days {
        let report = d.aqi(config)?;
        let mut row = vec![scope.to_owned(), d.date.to_string()];
        for p in DAILY_POLLUTANTS {
            row.push(shown(d.mean_24h[p], p));
            row.push(d.mean_24h[p].count.to_string());
        }
        row.push(shown(d.o3_mda8, Pollutant::O3));
        row.push(d.o3_mda8.count.to_string());
        row.push(shown(d.o3_max_1h, Pollutant::O3));
        row.push(
            report
                .aqi
                .map_or_else(|| "NA".to_owned(), |v| v.to_string()),
        );
        row.push(
            report
                .level()
                .map(|l| l.category_zh())
                .unwrap_or("")
                .to_owned(),
        );
        let primary: Vec<String> = report.primary().iter().map(|i| i.to_string()).collect();
        row.push(primary.join(" "));
        let missing: Vec<&str> = report.missing.iter().map(|p| p.code()).collect();
        row.push(missing.join(" "));
        w.write_record(&row).context("cannot write the daily CSV")?;
    }
    Ok(())
}

/// Our PM2.5 daily means (days with all 24 hours) against CNEMC's published 24-h moving mean
/// at the day's last hour (label 0 of the next day = the natural day's mean).
fn cross_check(days: &[DailyRecord], published: &[(DateTime, Concentration)]) -> String {
    let mut compared = 0;
    let mut equal = 0;
    for d in days {
        let stat = d.mean_24h[Pollutant::Pm25];
        if stat.count != 24 {
            continue;
        }
        let Some(ours) = stat.value else { continue };
        let last_hour = d.date.at(23, 0, 0, 0);
        let Ok(i) = published.binary_search_by(|(t, _)| t.cmp(&last_hour)) else {
            continue;
        };
        compared += 1;
        let official = published[i].1.exact();
        // CNEMC publishes integers; a day counts as equal when our mean rounded either half to
        // even (GB/T 8170) or half up gives CNEMC's value.
        let even = Exact::from_decimal(ours.round_gbt8170(0));
        let up = Exact::from_integer(ours.add(&Exact::from_ratio_parts(1, 2)).floor_integer());
        if official == even || official == up {
            equal += 1;
        }
    }
    format!(
        "PM2.5 日均值与 CNEMC 发布的 PM2.5_24h（24时）核对: {equal}/{compared} 天一致（仅 24 小时齐全的日子）"
    )
}
