//! `lantian towns assess`: the town assessment (区镇考核) of a month or a year under a version
//! of the rules (`config/assessment/*.toml`): each town's figures gathered from the store (fire
//! points, plan reports on time) and from a CSV of further figures (`town,indicator,value`, e.g.
//! PM2.5 of the town's stations), every item's score, the total, the rank, the money, vetoes and
//! the special-inspection list.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use jiff::civil::Date;
use lantian_assessment::{Rules, assess};
use lantian_store::Store;
use rust_decimal::Decimal;

use crate::out;

/// `lantian towns …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TownsCmd {
    /// Assess every town of the plan for a month or a year.
    Assess(AssessArgs),
}

/// Arguments of `lantian towns assess`.
#[derive(Debug, ClapArgs)]
pub(crate) struct AssessArgs {
    /// The rules (TOML).
    #[arg(long)]
    rules: PathBuf,
    /// A month, `YYYY-MM`.
    #[arg(long, group = "period")]
    month: Option<String>,
    /// A year.
    #[arg(long, group = "period")]
    year: Option<i16>,
    /// Further figures: CSV `town,indicator,value` (they override gathered ones).
    #[arg(long)]
    figures: Option<PathBuf>,
    /// JSON instead of the text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(store: &Store, cmd: &TownsCmd) -> Result<ExitCode> {
    let TownsCmd::Assess(a) = cmd;
    let text = std::fs::read_to_string(&a.rules)
        .with_context(|| format!("cannot read {}", a.rules.display()))?;
    let rules = Rules::from_toml(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", a.rules.display(), e.join("; ")))?;
    let (label, first, next) = match (&a.month, a.year) {
        (Some(m), _) => {
            let d: Date = format!("{m}-01")
                .parse()
                .map_err(|_| anyhow::anyhow!("--month {m}: use YYYY-MM"))?;
            (m.clone(), d, d.checked_add(jiff::Span::new().months(1))?)
        }
        (None, Some(y)) => {
            let d = Date::new(y, 1, 1)?;
            (y.to_string(), d, Date::new(y + 1, 1, 1)?)
        }
        (None, None) => bail!("give --month or --year"),
    };
    let (_, plan) = store
        .active_plan()?
        .context("no plan in the store: lantian plan load config/plans/haimen.toml")?;
    let last = next.yesterday()?;
    let config = lantian_aq::Config::default();
    let series = lantian_report::plan::area_series(store, "haimen", last, &config);
    let status = lantian_report::plan::plan_status(store, &plan, last, &series)?;
    let mut figures = lantian_report::towns::figures(
        store,
        &status,
        lantian_report::plan::beijing_midnight_ms(first)?,
        lantian_report::plan::beijing_midnight_ms(next)?,
    )?;
    if let Some(p) = &a.figures {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let c: Vec<&str> = line.split(',').map(str::trim).collect();
            let [town, indicator, value] = c[..] else {
                bail!("{}: line {}: town,indicator,value", p.display(), i + 1);
            };
            let v: Decimal = value.parse().map_err(|_| {
                anyhow::anyhow!("{}: line {}: {value:?} is not a number", p.display(), i + 1)
            })?;
            figures
                .entry(town.to_owned())
                .or_default()
                .insert(indicator.to_owned(), v);
        }
    }
    let result = assess(&rules, &figures, &label);
    if a.json {
        out::line(&serde_json::to_string_pretty(&result)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    out::line(&format!(
        "{}（{} 第{}版）{}：{}",
        rules.rules.name,
        rules.rules.code,
        rules.rules.version,
        if rules.rules.example {
            " [EXAMPLE]"
        } else {
            ""
        },
        label
    ))?;
    for t in &result.towns {
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
                "\t{} {}：{} → {}（权重 {}；{}）",
                i.code,
                i.name,
                i.value
                    .map_or("无数据".to_owned(), |v| v.normalize().to_string()),
                i.score.map_or("—".to_owned(), |s| s.to_string()),
                i.weight.normalize(),
                i.note
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
