//! Fire points (秸秆焚烧火点): `lantian import fires` reads FIRMS or generic CSV files
//! (plain or `.gz`), attributes them to the district and town layers, merges them into
//! incidents and dispatches each new one to its town; `lantian fire` lists and shows incidents,
//! takes the steps of their work orders (派发, 核查, 退回, 办结) and prints or exports the
//! statistics by town, month and source.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use jiff::civil::Date;
use lantian_fire::MergeRule;
use lantian_fire::orders::{Finding, OrderAction, Verification};
use lantian_report::fire::{self as report, FireFile, ImportOptions};
use lantian_store::{FireFilter, FireIncidentRecord, FireStep, Store};

use crate::out;
use crate::user::cli_actor;

/// Arguments of `lantian import fires`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ImportArgs {
    /// FIRMS CSV files (MODIS or VIIRS, standard or NRT) or generic CSV files
    /// (`lon,lat,time,source,confidence`), plain or `.gz`.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Keep detections outside the district within this distance of its border (km).
    #[arg(long, default_value_t = 5.0)]
    near_km: f64,
    /// Detections at most this far apart are the same fire (km).
    #[arg(long, default_value_t = MergeRule::default().distance_km)]
    merge_km: f64,
    /// … and at most this many hours apart.
    #[arg(long, default_value_t = MergeRule::default().window_h)]
    merge_hours: i64,
    /// Leave new incidents undispatched (待派发).
    #[arg(long)]
    no_dispatch: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `lantian fire …`.
#[derive(Debug, Subcommand)]
pub(crate) enum FireCmd {
    /// Incidents, newest first.
    List {
        #[command(flatten)]
        period: Period,
        /// Only those lying in, or dispatched to, this town.
        #[arg(long)]
        town: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// One incident: its detections and its work order's history.
    Show {
        /// Incident id.
        id: i64,
    },
    /// Dispatch (派发) an incident to a town, or re-dispatch one not yet verified.
    Dispatch {
        /// Incident id.
        id: i64,
        /// The town (as its users' scope names it).
        town: String,
    },
    /// Enter the town's verification (核查).
    Verify {
        /// Incident id.
        id: i64,
        /// What was found.
        #[arg(long, value_enum)]
        finding: FindingArg,
        /// Burned area (亩), for a real fire.
        #[arg(long)]
        mu: Option<f64>,
        /// What was done (处置情况).
        #[arg(long)]
        action: String,
        /// Ids of stored photos (attachments).
        #[arg(long = "photo")]
        photos: Vec<i64>,
    },
    /// Send a verification back (退回) with the reason.
    Return {
        /// Incident id.
        id: i64,
        /// Why.
        reason: String,
    },
    /// Accept a verification and close the order (办结).
    Close {
        /// Incident id.
        id: i64,
    },
    /// Statistics by town and month (by source in the workbook): on screen, or as xlsx with
    /// the incidents with `--out`.
    Stats {
        #[command(flatten)]
        period: Period,
        /// Only this town.
        #[arg(long)]
        town: Option<String>,
        /// Write the workbook here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A period of first detections, Beijing dates.
#[derive(Debug, ClapArgs)]
pub(crate) struct Period {
    /// From this day (YYYY-MM-DD, Beijing).
    #[arg(long)]
    from: Option<Date>,
    /// To this day, inclusive.
    #[arg(long)]
    to: Option<Date>,
}

impl Period {
    fn ms(&self) -> Result<(Option<i64>, Option<i64>)> {
        let start = |d: Date| -> Result<i64> { Ok(lantian_report::plan::beijing_midnight_ms(d)?) };
        Ok((
            self.from.map(start).transpose()?,
            self.to
                .map(|d| d.tomorrow().map_err(anyhow::Error::from).and_then(start))
                .transpose()?,
        ))
    }
}

/// The town's finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FindingArg {
    /// 属实.
    Real,
    /// 误报.
    False,
    /// 不在辖区.
    Outside,
}

pub(crate) fn run_import(store: &Store, a: &ImportArgs) -> Result<ExitCode> {
    if !(a.near_km >= 0.0 && a.merge_km >= 0.0 && a.merge_hours >= 0) {
        bail!("--near-km, --merge-km and --merge-hours must be 0 or more");
    }
    let mut files = Vec::new();
    let mut buf = Vec::new();
    for f in &a.files {
        crate::import_cnemc::read_bytes(f, &mut buf)?;
        let text = String::from_utf8(std::mem::take(&mut buf))
            .with_context(|| format!("{}: not UTF-8 text", f.display()))?;
        files.push(FireFile {
            name: f
                .file_name()
                .map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into()),
            text,
        });
    }
    let s = report::import(
        store,
        &files,
        &ImportOptions {
            near_km: a.near_km,
            rule: MergeRule {
                distance_km: a.merge_km,
                window_h: a.merge_hours,
            },
            dispatch: !a.no_dispatch,
            actor: cli_actor(),
            at_ms: jiff::Timestamp::now().as_millisecond(),
        },
    )?;
    for f in &s.files {
        for e in &f.errors {
            out::warn(e);
        }
    }
    if a.json {
        out::line(&serde_json::to_string_pretty(&s)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in &s.files {
        let repeated = if f.same_record > 0 {
            format!(
                ", {} repeating a record read before, counted once",
                f.same_record
            )
        } else {
            String::new()
        };
        out::line(&format!(
            "{}: {} ({} detections{repeated}, {} lines refused)",
            f.name,
            f.layout,
            f.read,
            f.errors.len()
        ))?;
    }
    let o = &s.outcome;
    out::line(&format!(
        "{} detections: {} inside the district, {} near its border, {} elsewhere (not kept)",
        s.read, s.inside, s.near, s.elsewhere
    ))?;
    out::line(&format!(
        "stored {}, already stored {}; incidents: {} new ({} dispatched), {} extended",
        o.stored,
        o.duplicates,
        o.created.len(),
        o.dispatched.len(),
        o.extended.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn line_of(r: &FireIncidentRecord) -> String {
    format!(
        "{:>5}  {}  {:.4},{:.4}  {:>2}×  {:<14} {:<8} {}{}",
        r.id,
        report::beijing_minute(r.first_at_ms),
        r.lon,
        r.lat,
        r.detections,
        r.sources.join("/"),
        r.state_zh(),
        report::town_of(r).unwrap_or_default(),
        r.place
            .near_km
            .map_or(String::new(), |k| format!("边界外 {k:.2} km")),
    )
}

pub(crate) fn run(store: &Store, cmd: &FireCmd) -> Result<ExitCode> {
    let now = jiff::Timestamp::now().as_millisecond();
    let actor = cli_actor();
    let any = |_: &FireIncidentRecord| Ok(());
    let step = |id: i64, s: FireStep| -> Result<ExitCode> {
        let r = store.fire_step(id, &s, &any, &actor, now)?;
        out::line(&line_of(&r))?;
        Ok(ExitCode::SUCCESS)
    };
    match cmd {
        FireCmd::List {
            period,
            town,
            limit,
        } => {
            let (from_ms, to_ms) = period.ms()?;
            for r in store.fire_incidents(&FireFilter {
                from_ms,
                to_ms,
                town: town.clone(),
                near_border: None,
                limit: *limit,
            })? {
                out::line(&line_of(&r))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        FireCmd::Show { id } => {
            let r = store.fire_incident(*id)?;
            out::line(&line_of(&r))?;
            for d in store.fire_detections_of(*id)? {
                let d = d.detection;
                out::line(&format!(
                    "  {}  {:.4},{:.4}  {} {} 置信度 {}  {}:{}",
                    report::beijing_minute(d.at_ms),
                    d.lon,
                    d.lat,
                    d.source,
                    d.satellite,
                    d.confidence,
                    d.file,
                    d.line
                ))?;
            }
            for e in store.fire_order_events(*id)? {
                out::line(&format!(
                    "  {} {} {} → {} {} {}",
                    report::beijing_minute(e.at_ms),
                    e.action,
                    e.from_state,
                    e.to_state,
                    e.actor,
                    e.detail
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        FireCmd::Dispatch { id, town } => step(*id, FireStep::Dispatch(town.clone())),
        FireCmd::Verify {
            id,
            finding,
            mu,
            action,
            photos,
        } => {
            let found = store.attachments(photos)?;
            if let Some(p) = photos.iter().find(|p| !found.iter().any(|a| a.id == **p)) {
                bail!("--photo {p}: no such attachment");
            }
            step(
                *id,
                FireStep::Order(OrderAction::Verify(Verification {
                    finding: match finding {
                        FindingArg::Real => Finding::RealFire,
                        FindingArg::False => Finding::FalseAlarm,
                        FindingArg::Outside => Finding::OutsideDistrict,
                    },
                    burned_mu: *mu,
                    action: action.clone(),
                    photos: photos.clone(),
                })),
            )
        }
        FireCmd::Return { id, reason } => {
            step(*id, FireStep::Order(OrderAction::Return(reason.clone())))
        }
        FireCmd::Close { id } => step(*id, FireStep::Order(OrderAction::Close)),
        FireCmd::Stats { period, town, out } => {
            let (from_ms, to_ms) = period.ms()?;
            let incidents = store.fire_incidents(&FireFilter {
                from_ms,
                to_ms,
                town: town.clone(),
                ..FireFilter::default()
            })?;
            let stats = report::compute(&incidents);
            if let Some(path) = out {
                let bytes = report::workbook(&stats, &incidents)?;
                std::fs::write(path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                out::line(&format!(
                    "{}: {} town-months, {} incidents",
                    path.display(),
                    stats.rows.len(),
                    incidents.len()
                ))?;
            } else {
                out::text(&report::statistics_table(&stats).to_csv_plain())?;
                for (month, n) in &stats.near_border {
                    out::line(&format!(
                        "{month}: {n} near-border incident(s), not dispatched"
                    ))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
