//! `lantian rank`: places ranked from raw hourly values (排名): a province's cities by their
//! national stations, or configured areas, by the composite index and PM2.5 (ascending) and the
//! good-day share (descending), ties shared (并列); with `--year-on-year`, also by the change of
//! the composite index against the same period a year earlier (改善幅度, 恶化 without places
//! that attain Grade II).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args as ClapArgs;
use jiff::civil::Date;
use lantian_aq::Config;
use lantian_aq::assess::Period;
use lantian_report::Scope;
use lantian_report::ranking::{PlaceRow, city_scopes, rankings};
use lantian_store::Store;

use crate::out;

/// Arguments of `lantian rank`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// Rank this province's cities (by the station list's city; e.g. 江苏).
    #[arg(long, required_unless_present = "areas")]
    province: Option<String>,
    /// Rank these configured areas (codes, names or aliases, comma-separated).
    #[arg(long, value_delimiter = ',')]
    areas: Vec<String>,
    /// A calendar year.
    #[arg(long, group = "period")]
    year: Option<i16>,
    /// A month, `YYYY-MM`.
    #[arg(long, group = "period")]
    month: Option<String>,
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
    } else if let (Some(f), Some(t)) = (a.from, a.to) {
        if t < f {
            bail!("--to {t} is before --from {f}");
        }
        Period::Range(f, t)
    } else {
        bail!("give a period: --year, --month or --from/--to");
    })
}

fn cell<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| v.to_string())
}

pub(crate) fn run(store: &Store, a: &Args) -> Result<ExitCode> {
    let now = period(a)?;
    let places: Vec<Scope> = match &a.province {
        Some(p) => city_scopes(store, p)?,
        None => a
            .areas
            .iter()
            .map(|k| Scope::area(store, k))
            .collect::<Result<_, _>>()?,
    };
    if places.is_empty() {
        bail!("no places: no station of that province, or no area given");
    }
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
        "名次\t地区\t综合指数\tPM2.5\tPM2.5名次\t优良天数比例\t优良名次\t上年同期综合指数\t变化率\t改善名次\t恶化名次\t站点",
    )?;
    for r in rows {
        let f = &r.figures;
        out::line(&format!(
            "{}\t{}\t{}{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
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
            f.stations.join(" "),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
