//! `lantian towns …`: the town assessment (区镇考核). Versions of the rules
//! (`config/assessment/*.toml`) are loaded into the store; `assess` gathers each town's figures
//! (air quality of its stations, fire points, plan reports, alarms, and a CSV of further
//! figures such as complaints), applies the version in force for the period (or a file given),
//! and with `--save` stores the result beside the rules it used. `rerun` assesses a stored
//! period again with its own rules and says whether the figures are the same; `circular` writes
//! the 通报 (Markdown) or the workbook.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use lantian_assessment::{Assessment, Rules};
use lantian_report::towns::{self as report, TownPeriod};
use lantian_store::Store;

use crate::out;
use crate::user::cli_actor;

/// `lantian towns …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TownsCmd {
    /// Assess every town of the plan for a month or a year.
    Assess(AssessArgs),
    /// Versions of the assessment rules in the store.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// Stored results, newest first.
    Results {
        /// Only this period (`2026-03`, `2026`).
        #[arg(long)]
        period: Option<String>,
    },
    /// A stored result: every town, or how one town's score was made.
    Show {
        /// Its id.
        id: i64,
        /// Only this town, item by item with the sources.
        #[arg(long)]
        town: Option<String>,
        /// JSON.
        #[arg(long)]
        json: bool,
    },
    /// Assesses a stored result's period again with its rules and given figures and compares.
    Rerun {
        /// Its id.
        id: i64,
    },
    /// Writes the circular (通报, `.md`) or the workbook (`.xlsx`) of a stored result.
    Circular {
        /// Its id.
        id: i64,
        /// Output file: `.md` or `.xlsx`.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `lantian towns rules …`.
#[derive(Debug, Subcommand)]
pub(crate) enum RulesCmd {
    /// Loads a version (the same code and version again must be the same text).
    Load {
        /// The rules (TOML).
        file: PathBuf,
    },
    /// Lists the loaded versions.
    List,
}

/// Arguments of `lantian towns assess`.
#[derive(Debug, ClapArgs)]
pub(crate) struct AssessArgs {
    /// The rules (TOML); default: the stored version in force for the period.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// A month, `YYYY-MM`.
    #[arg(long, group = "period")]
    month: Option<String>,
    /// A year.
    #[arg(long, group = "period")]
    year: Option<i16>,
    /// Further figures: CSV `town,indicator,value` (they override gathered ones).
    #[arg(long)]
    figures: Option<PathBuf>,
    /// Store the result (and the rules file, if given) with the rules' version.
    #[arg(long)]
    save: bool,
    /// JSON instead of the text.
    #[arg(long)]
    json: bool,
}

fn read(p: &PathBuf) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
}

pub(crate) fn run(store: &Store, cmd: &TownsCmd) -> Result<ExitCode> {
    let now = jiff::Timestamp::now().as_millisecond();
    match cmd {
        TownsCmd::Assess(a) => assess(store, a, now),
        TownsCmd::Rules(RulesCmd::Load { file }) => {
            let (id, new, rules) = report::load_rules(
                store,
                &read(file)?,
                &file.display().to_string(),
                &cli_actor(),
                now,
            )?;
            out::line(&format!(
                "{} {} version {} (#{id}), {}",
                if new { "loaded" } else { "already loaded" },
                rules.rules.code,
                rules.rules.version,
                rules.rules.validity()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        TownsCmd::Rules(RulesCmd::List) => {
            for r in store.assessment_rules()? {
                out::line(&format!(
                    "#{}\t{}\tversion {}\t{}\t{}–{}{}",
                    r.id,
                    r.rules.code,
                    r.rules.version,
                    r.rules.period,
                    r.rules.valid_from,
                    r.rules.valid_to.unwrap_or_default(),
                    if r.rules.example { "\t[EXAMPLE]" } else { "" }
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        TownsCmd::Results { period } => {
            for s in report::list(store, period.as_deref())? {
                out::line(&format!(
                    "#{}\t{}\t{} version {}\t{}\t{}",
                    s.id,
                    s.assessment.period,
                    s.rules_code,
                    s.rules_version,
                    lantian_report::beijing_minute(s.computed_at_ms),
                    s.computed_by
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        TownsCmd::Show { id, town, json } => {
            let s = report::stored(store, *id)?;
            match (town, json) {
                (None, true) => out::line(&serde_json::to_string_pretty(&s)?)?,
                (None, false) => print_result(
                    &s.rules_name,
                    &s.rules_code,
                    s.rules_version,
                    s.example,
                    &s.assessment,
                )?,
                (Some(t), _) => {
                    let Some(r) = s.assessment.towns.iter().find(|x| &x.town == t) else {
                        bail!("result #{id} has no town {t:?}");
                    };
                    if *json {
                        out::line(&serde_json::to_string_pretty(r)?)?;
                    } else {
                        print_town(r, true)?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TownsCmd::Rerun { id } => {
            let (_, _, diff) = report::rerun(store, *id)?;
            if diff.is_empty() {
                out::line(&format!(
                    "result #{id}: the same figures and the same result"
                ))?;
                Ok(ExitCode::SUCCESS)
            } else {
                out::line(&format!("result #{id}: {} differences", diff.len()))?;
                for d in diff {
                    out::line(&format!("\t{d}"))?;
                }
                Ok(ExitCode::from(1))
            }
        }
        TownsCmd::Circular { id, out: path } => {
            let s = report::stored(store, *id)?;
            let bytes = match path.extension().and_then(|e| e.to_str()) {
                Some("md") => report::circular(&s).to_markdown().into_bytes(),
                Some("xlsx") => report::workbook(&s)?,
                _ => bail!("{}: give a .md or .xlsx file", path.display()),
            };
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out::line(&format!("wrote {}", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn assess(store: &Store, a: &AssessArgs, now: i64) -> Result<ExitCode> {
    let period = match (&a.month, a.year) {
        (Some(m), _) => {
            TownPeriod::parse(m).map_err(|_| anyhow::anyhow!("--month {m}: use YYYY-MM"))?
        }
        (None, Some(y)) => TownPeriod::parse(&format!("{y:04}"))?,
        (None, None) => bail!("give --month or --year"),
    };
    let first = period.first.to_string();
    // The rules: a file given (checked to apply), or the stored version in force.
    let (rules_id, rules): (Option<i64>, Rules) = match &a.rules {
        Some(p) => {
            let text = read(p)?;
            let rules = report::parse_rules(&text, &p.display().to_string())?;
            if !rules.applies_to(period.kind, &first) {
                bail!(
                    "{}: {} version {} is for a {} {}; the period {} does not fall in it",
                    p.display(),
                    rules.rules.code,
                    rules.rules.version,
                    rules.rules.period,
                    rules.rules.validity(),
                    period.label()
                );
            }
            let id = if a.save {
                Some(
                    report::load_rules(store, &text, &p.display().to_string(), &cli_actor(), now)?
                        .0,
                )
            } else {
                None
            };
            (id, rules)
        }
        None => {
            let (rec, rules) = report::rules_for(store, &period)?;
            (Some(rec.id), rules)
        }
    };
    let given = match &a.figures {
        Some(p) => report::given_from_csv(&read(p)?, &p.display().to_string())?,
        None => Vec::new(),
    };
    let (gathered, result) = report::compute(store, &rules, &period, &given)?;
    let saved = match (a.save, rules_id) {
        (true, Some(id)) => Some(report::save(
            store,
            id,
            &period,
            &gathered,
            &result,
            &cli_actor(),
            now,
        )?),
        _ => None,
    };
    if a.json {
        out::line(&serde_json::to_string_pretty(&result)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_result(
        &rules.rules.name,
        &rules.rules.code,
        rules.rules.version,
        rules.rules.example,
        &result,
    )?;
    if let Some(id) = saved {
        out::line(&format!("saved as result #{id}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_result(name: &str, code: &str, version: u32, example: bool, a: &Assessment) -> Result<()> {
    out::line(&format!(
        "{name}（{code} 第{version}版）{}：{}",
        if example { " [EXAMPLE]" } else { "" },
        a.period
    ))?;
    for t in &a.towns {
        print_town(t, false)?;
    }
    Ok(())
}

fn print_town(t: &lantian_assessment::TownResult, sources: bool) -> Result<()> {
    out::line(&format!(
        "{}\t{}\t总分 {}\t奖惩 {} 元{}{}",
        t.rank.map_or("—".to_owned(), |r| r.to_string()),
        t.town,
        t.total.map_or("—".to_owned(), |x| x.to_string()),
        t.money_total,
        t.veto
            .as_ref()
            .map(|v| format!("\t{v}"))
            .unwrap_or_default(),
        if t.inspection.is_empty() {
            String::new()
        } else {
            format!("\t{}", t.inspection.join("；"))
        }
    ))?;
    for i in &t.items {
        out::line(&format!(
            "\t{} {}：{} → {}（权重 {}；{}）{}",
            i.code,
            i.name,
            i.value
                .map_or("无数据".to_owned(), |v| v.normalize().to_string()),
            i.score.map_or("—".to_owned(), |s| s.to_string()),
            i.weight.normalize(),
            i.note,
            if sources && !i.source.is_empty() {
                format!("\n\t\t来源：{}", i.source)
            } else {
                String::new()
            }
        ))?;
    }
    if sources {
        for m in &t.money {
            out::line(&format!(
                "\t奖惩 {}：{} 元（{}）",
                m.indicator, m.amount, m.note
            ))?;
        }
    }
    Ok(())
}
