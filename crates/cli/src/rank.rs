//! `lantian rank`: places ranked from raw hourly values (排名): a province's cities by their
//! national stations, configured areas, the towns' areas or single stations, by the composite
//! index and PM2.5 (ascending) and the good-day share (descending), ties shared (并列), for a
//! year, year to date, month, day or range; with `--year-on-year`, also by the change of the
//! composite index against the same period a year earlier (改善幅度, 恶化 without places that
//! attain Grade II). `--hour` ranks one hour by hourly AQI and PM2.5.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args as ClapArgs;
use jiff::civil::{Date, DateTime};
use lantian_aq::Config;
use lantian_aq::assess::Period;
use lantian_report::Scope;
use lantian_report::ranking::{
    PlaceRow, ProvincePlaces, city_scopes, hour_rankings, rankings, town_scopes,
};
use lantian_store::Store;

use crate::out;

/// Arguments of `lantian rank`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// Rank this province's prefecture-level cities, each on its own urban national stations
    /// (e.g. 江苏; the station list's names are mapped by the ranking units).
    #[arg(long, group = "places")]
    province: Option<String>,
    /// With --province: rank its county-level units (县(市、区)) instead.
    #[arg(long, requires = "province")]
    counties: bool,
    /// Ranking units (the layout of config/ranking/units.toml; default: the shipped ones).
    #[arg(long, requires = "province")]
    units: Option<std::path::PathBuf>,
    /// Rank these configured areas (codes, names or aliases, comma-separated).
    #[arg(long, value_delimiter = ',', group = "places")]
    areas: Vec<String>,
    /// Rank every town (the areas of kind `town`).
    #[arg(long, group = "places")]
    towns: bool,
    /// Rank these stations, each on its own (codes, comma-separated).
    #[arg(long, value_delimiter = ',', group = "places")]
    stations: Vec<String>,
    /// A calendar year.
    #[arg(long, group = "period")]
    year: Option<i16>,
    /// A month, `YYYY-MM`.
    #[arg(long, group = "period")]
    month: Option<String>,
    /// One day.
    #[arg(long, group = "period")]
    day: Option<Date>,
    /// The year to date: 1 January to this day.
    #[arg(long, group = "period")]
    ytd: Option<Date>,
    /// One hour, by its end as CNEMC labels it (`2019-01-20 14` is 13:00–14:00, Beijing time).
    #[arg(long, group = "period")]
    hour: Option<String>,
    /// First day of a range (with --to).
    #[arg(long, requires = "to", group = "period")]
    from: Option<Date>,
    /// Last day of a range.
    #[arg(long, requires = "from")]
    to: Option<Date>,
    /// Also rank by the change against the same period a year earlier.
    #[arg(long)]
    year_on_year: bool,
    /// JSON instead of the table.
    #[arg(long)]
    json: bool,
}

fn period(a: &Args) -> Result<Period> {
    Ok(if let Some(y) = a.year {
        Period::Year(y)
    } else if let Some(m) = &a.month {
        let d: Date = format!("{m}-01")
            .parse()
            .map_err(|_| anyhow::anyhow!("--month {m}: use YYYY-MM"))?;
        Period::Month(d.year(), d.month())
    } else if let Some(d) = a.day {
        Period::Range(d, d)
    } else if let Some(d) = a.ytd {
        Period::Range(Date::new(d.year(), 1, 1)?, d)
    } else if let (Some(f), Some(t)) = (a.from, a.to) {
        if t < f {
            bail!("--to {t} is before --from {f}");
        }
        Period::Range(f, t)
    } else {
        bail!("give a period: --year, --ytd, --month, --day, --hour or --from/--to");
    })
}

fn cell<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| v.to_string())
}

/// The places to rank; `on` is the period's first day (a county is named as it was then).
fn places(store: &Store, a: &Args, on: Date) -> Result<Vec<Scope>> {
    let places: Vec<Scope> = if let Some(p) = &a.province {
        let text = match &a.units {
            Some(f) => std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
            None => lantian_report::ranking::SHIPPED_UNITS.to_owned(),
        };
        let units = lantian_assessment::units::parse(&text)
            .map_err(|e| anyhow::anyhow!("ranking units: {e}"))?;
        let which = if a.counties {
            ProvincePlaces::Counties
        } else {
            ProvincePlaces::Cities
        };
        city_scopes(store, p.trim(), &units, which, on)?
    } else if a.towns {
        town_scopes(store)?
    } else if !a.stations.is_empty() {
        a.stations
            .iter()
            .map(|k| Scope::station(store, k))
            .collect::<Result<_, _>>()?
    } else {
        a.areas
            .iter()
            .map(|k| Scope::area(store, k))
            .collect::<Result<_, _>>()?
    };
    if places.is_empty() {
        bail!("no places: give --province, --areas, --towns or --stations (and import them first)");
    }
    Ok(places)
}

fn run_hour(store: &Store, a: &Args, text: &str) -> Result<ExitCode> {
    let bad = || anyhow::anyhow!("--hour {text:?}: use YYYY-MM-DD HH (the hour's end, 0–24)");
    let (day, h) = text.trim().split_once([' ', 'T']).ok_or_else(bad)?;
    let day: Date = day.parse().map_err(|_| bad())?;
    let h: i64 = h.trim().trim_end_matches('时').parse().map_err(|_| bad())?;
    if !(0..=24).contains(&h) {
        return Err(bad());
    }
    let end: DateTime = day
        .to_datetime(jiff::civil::Time::midnight())
        .checked_add(jiff::Span::new().hours(h))?;
    let rows = hour_rankings(store, &places(store, a, day)?, end, &Config::default())?;
    if a.json {
        out::line(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    out::line("名次\t地区\tAQI\t首要污染物\tPM2.5\tPM2.5名次\t站点")?;
    for r in rows {
        out::line(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            cell(r.aqi_rank),
            r.name,
            cell(r.aqi),
            if r.primary.is_empty() {
                "—"
            } else {
                &r.primary
            },
            cell(r.pm25),
            cell(r.pm25_rank),
            r.stations.join(" "),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(store: &Store, a: &Args) -> Result<ExitCode> {
    if let Some(h) = &a.hour {
        return run_hour(store, a, h);
    }
    let now = period(a)?;
    let on = now
        .bounds()
        .map(|(first, _)| first)
        .ok_or_else(|| anyhow::anyhow!("the period has no days"))?;
    let places = places(store, a, on)?;
    let rows: Vec<PlaceRow> = rankings(
        store,
        &places,
        now,
        a.year_on_year
            .then(|| lantian_report::ranking::year_before(now))
            .flatten(),
        &Config::default(),
    )?;
    if a.json {
        out::line(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    out::line(
        "名次\t地区\t综合指数\tPM2.5\tPM2.5名次\t优良天数比例\t优良名次\t上年同期综合指数\t变化率\t改善名次\t恶化名次\tPM2.5变化率\tPM2.5降幅名次\t优良比例变化（百分点）\t优良升幅名次\t站点",
    )?;
    for r in rows {
        let f = &r.figures;
        out::line(&format!(
            "{}\t{}\t{}{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            cell(r.composite_rank),
            f.name,
            cell(f.composite),
            if f.composite_valid {
                ""
            } else {
                "（数据不足）"
            },
            cell(f.pm25),
            cell(r.pm25_rank),
            cell(f.good_pct.map(|g| format!("{g}%"))),
            cell(r.good_rank),
            cell(r.composite_before),
            cell(r.change_pct.map(|c| format!("{c}%"))),
            cell(r.improvement_rank),
            cell(r.deterioration_rank),
            cell(r.pm25_change_pct.map(|c| format!("{c}%"))),
            cell(r.pm25_improvement_rank),
            cell(r.good_change_pp),
            cell(r.good_improvement_rank),
            f.stations.join(" "),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
