//! `lantian review add|list`: review marks (审核标记) on stored hourly values. A mark never
//! changes the stored value; assessments read the values with the marks applied.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use jiff::civil::{Date, DateTime};
use lantian_aq::{Concentration, Pollutant};
use lantian_store::{Quantity, ReviewAction, ReviewMark, Store};

use crate::out;

/// `lantian review …`.
#[derive(Debug, Subcommand)]
pub(crate) enum Review {
    /// Record a review mark on one station-hour of one pollutant.
    Add(AddArgs),
    /// List the review marks of a station.
    List(ListArgs),
}

/// Arguments of `lantian review add`.
#[derive(Debug, ClapArgs)]
pub(crate) struct AddArgs {
    /// Station code.
    #[arg(long)]
    station: String,
    /// Pollutant (PM2.5, PM10, SO2, NO2, CO, O3).
    #[arg(long)]
    pollutant: String,
    /// The hour by its start, Beijing time (`2019-07-01T09:00`).
    #[arg(long, conflicts_with = "label", required_unless_present = "label")]
    start: Option<DateTime>,
    /// The hour as CNEMC labels it, by its end (`2019-07-01 10`: 09:00–10:00; hour 0 is the
    /// previous day's last hour).
    #[arg(long)]
    label: Option<String>,
    /// The value is invalid and must not enter statistics.
    #[arg(long, group = "action")]
    invalidate: bool,
    /// The value is confirmed valid.
    #[arg(long, group = "action")]
    confirm: bool,
    /// Read the value as this one instead (the stored value stays).
    #[arg(long, group = "action")]
    correct: Option<Concentration>,
    /// Who reviewed.
    #[arg(long)]
    reviewer: String,
    /// Why.
    #[arg(long)]
    reason: String,
}

/// Arguments of `lantian review list`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ListArgs {
    /// Station code.
    #[arg(long)]
    station: String,
    /// First day (default: 1970-01-01).
    #[arg(long)]
    from: Option<Date>,
    /// Last day (default: 2100-12-31).
    #[arg(long)]
    to: Option<Date>,
}

fn hour_start(args: &AddArgs) -> Result<DateTime> {
    if let Some(s) = args.start {
        if s.minute() != 0 || s.second() != 0 {
            bail!("--start {s}: an hour starts on the hour");
        }
        return Ok(s);
    }
    let label = args.label.as_deref().context("give --start or --label")?;
    let (day, hour) = label
        .trim()
        .split_once(' ')
        .with_context(|| format!("--label {label:?}: use `YYYY-MM-DD HH`"))?;
    let day: Date = day
        .parse()
        .with_context(|| format!("--label {label:?}: bad date"))?;
    let hour: u8 = hour
        .trim_end_matches('时')
        .parse()
        .with_context(|| format!("--label {label:?}: bad hour"))?;
    lantian_aq::time::hour_from_cnemc_label(day, hour)
        .with_context(|| format!("--label {label:?}: the hour is 0–23"))
}

pub(crate) fn run(store: &Store, review: &Review) -> Result<ExitCode> {
    match review {
        Review::Add(args) => {
            let pollutant = Pollutant::from_code(&args.pollutant)
                .with_context(|| format!("unknown pollutant {:?}", args.pollutant))?;
            let start = hour_start(args)?;
            let action = match (args.invalidate, args.confirm, args.correct) {
                (true, _, _) => ReviewAction::Invalidate,
                (_, true, _) => ReviewAction::Confirm,
                (_, _, Some(v)) => ReviewAction::Correct(v),
                _ => bail!("give one of --invalidate, --confirm, --correct VALUE"),
            };
            if args.reason.trim().is_empty() || args.reviewer.trim().is_empty() {
                bail!("a review mark needs --reviewer and --reason");
            }
            let quantity = Quantity::Pollutant(pollutant);
            let day = start.date();
            let stored = store
                .read_days(&args.station, quantity, day, day)?
                .first()
                .and_then(|(_, v)| v.values[start.hour() as usize]);
            let id = store.add_review_mark(&ReviewMark {
                station: args.station.clone(),
                quantity,
                day,
                hour: start.hour() as u8,
                action,
                reviewer: args.reviewer.clone(),
                at: jiff::Timestamp::now().as_second(),
                reason: args.reason.clone(),
            })?;
            out::line(&format!(
                "review mark {id}: {} {} hour starting {start} (stored value: {}): {action}",
                args.station,
                pollutant,
                stored.map_or_else(|| "none".to_owned(), |v| v.to_string())
            ))?;
        }
        Review::List(args) => {
            let from = args.from.unwrap_or(jiff::civil::date(1970, 1, 1));
            let to = args.to.unwrap_or(jiff::civil::date(2100, 12, 31));
            for p in Pollutant::ALL {
                for m in store.review_marks(&args.station, Quantity::Pollutant(p), from, to)? {
                    let at = jiff::Timestamp::from_second(m.at)
                        .map(|t| {
                            t.to_zoned(lantian_aq::rules::beijing())
                                .strftime("%Y-%m-%d %H:%M")
                                .to_string()
                        })
                        .unwrap_or_default();
                    out::line(&format!(
                        "{} {} {} {:02}:00  {}  by {} at {}: {}",
                        m.station, p, m.day, m.hour, m.action, m.reviewer, at, m.reason
                    ))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
