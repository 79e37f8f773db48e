//! `lantian plan`: the action plan as data. `check` validates a plan file, `load` stores it
//! (each distinct text once, the newest in force), `show` prints tasks, indicators, scorecards
//! and reminders as of a day, `export` writes them as a workbook in the layout of the plan's
//! own table.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use jiff::civil::Date;
use lantian_plan::Plan;
use lantian_store::{AuditEntry, PlanVersion, Store};
use sha2::{Digest, Sha256};

use crate::out;
use crate::user::cli_actor;

/// `lantian plan …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PlanCmd {
    /// Validate a plan file; every error with its line.
    Check {
        /// The plan file (TOML), e.g. config/plans/haimen.toml.
        file: PathBuf,
    },
    /// Validate and store a plan file; the newest loaded plan is the one in force.
    Load {
        /// The plan file.
        file: PathBuf,
    },
    /// Print the plan in force: tasks with status, indicators, scorecards, reminders.
    Show(ShowArgs),
    /// Write the plan's status as an xlsx workbook (tasks in the layout of the plan's table,
    /// indicators, scorecards, reminders).
    Export {
        /// Output file (.xlsx).
        #[arg(long, short)]
        out: PathBuf,
        /// As of this day (default: today, Beijing).
        #[arg(long)]
        date: Option<Date>,
        /// The area whose monitoring data gives PM2.5.
        #[arg(long, default_value = "haimen")]
        area: String,
    },
}

/// Arguments of `lantian plan show`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ShowArgs {
    /// What to print: tasks (default), indicators, scorecards, reminders, departments, towns.
    #[arg(long, default_value = "tasks")]
    what: String,
    /// As of this day (default: today, Beijing).
    #[arg(long)]
    date: Option<Date>,
    /// The area whose monitoring data gives PM2.5.
    #[arg(long, default_value = "haimen")]
    area: String,
}

/// A plan file's text and the validated plan; errors name the file and line.
pub(crate) fn read_plan(file: &PathBuf) -> Result<(String, Plan)> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    match lantian_plan::load(&text) {
        Ok(plan) => Ok((text, plan)),
        Err(errors) => {
            let lines: Vec<String> = errors
                .0
                .iter()
                .map(|e| format!("{}: {e}", file.display()))
                .collect();
            bail!(
                "{} problem(s) in the plan file; nothing was stored:\n{}",
                lines.len(),
                lines.join("\n")
            )
        }
    }
}

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .date()
}

fn summary(plan: &Plan) -> String {
    let dated = plan
        .tasks
        .iter()
        .filter(|t| lantian_report::plan::is_dated(t))
        .count();
    format!(
        "{} {} ({}): {} sections, {} measures, {} tasks ({dated} with a deadline), {} departments, {} towns, {} indicators",
        plan.meta.code,
        plan.meta.title,
        plan.meta.stage,
        plan.sections.len(),
        plan.measures.len(),
        plan.tasks.len(),
        plan.departments.len(),
        plan.towns.len(),
        plan.indicators.len()
    )
}

/// The Haimen plan as shipped (`lantian demo` loads it).
pub(crate) const HAIMEN: &str = include_str!("../../../config/plans/haimen.toml");

/// Stores a plan file.
pub(crate) fn load_file(store: &Store, file: &PathBuf) -> Result<(Plan, bool)> {
    let (text, plan) = read_plan(file)?;
    store_plan(store, text, plan, &file.display().to_string())
}

/// Stores a validated plan's text; returns whether it is new.
pub(crate) fn store_plan(
    store: &Store,
    text: String,
    plan: Plan,
    source: &str,
) -> Result<(Plan, bool)> {
    let sha = hex(&Sha256::digest(text.as_bytes()));
    let now = jiff::Timestamp::now().as_millisecond();
    let v = PlanVersion {
        id: 0,
        code: plan.meta.code.clone(),
        version: i64::from(plan.meta.version),
        sha256: sha.clone(),
        source: text,
        loaded_at_ms: now,
        loaded_by: cli_actor(),
    };
    let audit = AuditEntry {
        at_ms: now,
        actor: cli_actor(),
        action: "plan.load".to_owned(),
        target: format!("plan:{}", plan.meta.code),
        detail: serde_json::json!({
            "file": source,
            "version": plan.meta.version,
            "sha256": sha,
        })
        .to_string(),
    };
    let (_, new) = store.put_plan_version(&v, &audit)?;
    Ok((plan, new))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn run(store: Option<&Store>, cmd: &PlanCmd) -> Result<ExitCode> {
    match cmd {
        PlanCmd::Check { file } => {
            let (_, plan) = read_plan(file)?;
            out::line(&format!("{}: {}", file.display(), summary(&plan)))?;
            Ok(ExitCode::SUCCESS)
        }
        PlanCmd::Load { file } => {
            let store = store.context("no store")?;
            let (plan, new) = load_file(store, file)?;
            out::line(&format!(
                "{} plan {} version {}",
                if new { "loaded" } else { "unchanged:" },
                plan.meta.code,
                plan.meta.version
            ))?;
            out::line(&summary(&plan))?;
            Ok(ExitCode::SUCCESS)
        }
        PlanCmd::Show(a) => {
            let store = store.context("no store")?;
            show(store, a)
        }
        PlanCmd::Export {
            out: path,
            date,
            area,
        } => {
            let store = store.context("no store")?;
            let status = status(store, *date, area)?;
            let bytes = lantian_report::xlsx_workbook(&lantian_report::plan::plan_sheets(&status))?;
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out::line(&format!("wrote {}", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn status(
    store: &Store,
    date: Option<Date>,
    area: &str,
) -> Result<lantian_report::plan::PlanStatus> {
    let (_, plan) = store
        .active_plan()?
        .context("no plan in the store: lantian plan load config/plans/haimen.toml")?;
    let day = date.unwrap_or_else(today);
    let config = lantian_aq::Config::default();
    let series = lantian_report::plan::area_series(store, area, day, &config);
    Ok(lantian_report::plan::plan_status(
        store, &plan, day, &series,
    )?)
}

fn show(store: &Store, a: &ShowArgs) -> Result<ExitCode> {
    let s = status(store, a.date, &a.area)?;
    let table = match a.what.as_str() {
        "tasks" => lantian_report::plan::task_table(&s),
        "indicators" => lantian_report::plan::indicator_table(&s),
        "scorecards" => lantian_report::plan::scorecard_table(&s),
        "reminders" => lantian_report::plan::reminder_table(&s),
        "departments" => lantian_report::Tabular {
            headers: vec!["部门".into(), "全称".into(), "别名".into()],
            rows: s
                .plan
                .departments
                .iter()
                .map(|d| {
                    vec![
                        d.name.clone(),
                        d.full_name.clone().unwrap_or_default(),
                        d.aliases.join("、"),
                    ]
                })
                .collect(),
        },
        "towns" => lantian_report::Tabular {
            headers: vec!["区镇".into(), "类别".into()],
            rows: s
                .plan
                .towns
                .iter()
                .map(|t| vec![t.name.clone(), t.kind.clone()])
                .collect(),
        },
        other => bail!(
            "--what {other:?}: tasks, indicators, scorecards, reminders, departments or towns"
        ),
    };
    out::line(&format!("{} · {}", summary(&s.plan), s.today))?;
    out::text(&table.to_csv_plain())?;
    Ok(ExitCode::SUCCESS)
}
