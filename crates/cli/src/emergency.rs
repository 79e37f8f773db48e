//! `lantian emergency`: heavy-pollution weather (重污染天气). The level a forecast calls for
//! (`propose`, from an imported forecast CSV or replayed from the area's measured hours), the
//! warning workflow (`warning open|reassess|act|list|show`: 研判 → 发布 → 调整 → 解除), the
//! emergency-reduction list (`list import|check|export`), and gate records of key
//! vehicle-using units checked against the warnings in force (`gate-check`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use jiff::civil::{Date, DateTime};
use lantian_emergency::grading::{Grading, Proposal, propose};
use lantian_emergency::list::{
    self, GradeRules, HEADERS, ReductionList, RegistryEnterprise, RequiredShares,
};
use lantian_emergency::vehicles;
use lantian_emergency::{Forecast, Level, WarningAction};
use lantian_store::{NewWarning, Store, WarningRecord};

use crate::out;
use crate::table::{is_xlsx, read_any};
use crate::user::cli_actor;

/// `lantian emergency …`.
#[derive(Debug, Subcommand)]
pub(crate) enum EmergencyCmd {
    /// The warning level a forecast calls for under the grading in force (研判建议).
    Propose {
        #[command(flatten)]
        forecast: ForecastArgs,
        /// Print the proposal as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Warnings (预警): open (研判), reassess, act (发布, 调整, 解除, 不发布), list, show.
    #[command(subcommand)]
    Warning(WarningCmd),
    /// The emergency-reduction list (应急减排清单): import, check, export.
    #[command(subcommand)]
    List(ListCmd),
    /// Whether the listed enterprises reduced as their measures require during a warning, from
    /// their monitors (mean level during each level's period against the 7 days before);
    /// `--raise` stores an alarm (应急减排未落实) for each failure. Exit 1 if any failed.
    Verify {
        /// Warning id.
        id: i64,
        /// Store the failures as alarms, with their readings as evidence.
        #[arg(long)]
        raise: bool,
        /// Percentage points a measured fall may fall short of the required one.
        #[arg(long, default_value = "10")]
        tolerance: rust_decimal::Decimal,
    },
    /// The after-action report of a warning (应急响应总结): expected against achieved
    /// reductions per enterprise and in total, the AQI course, the alarms; on screen, or as an
    /// xlsx workbook with `--out`.
    Report {
        /// Warning id.
        id: i64,
        /// Write the workbook here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Percentage points a measured fall may fall short of the required one.
        #[arg(long, default_value = "10")]
        tolerance: rust_decimal::Decimal,
    },
    /// Gate entry records of key vehicle-using units (重点用车单位) checked against the
    /// warnings in force: exit 1 if any entry breaks its level's rule.
    GateCheck {
        /// The units' vehicles: CSV or xlsx with 单位, 车牌, 燃料, 排放阶段.
        #[arg(long)]
        vehicles: PathBuf,
        /// Gate records: CSV or xlsx with 单位, 车牌, 时间 (Beijing).
        #[arg(long)]
        records: PathBuf,
        /// Only the warnings of this area.
        #[arg(long, default_value = "haimen")]
        area: String,
    },
}

/// Where the forecast comes from.
#[derive(Debug, ClapArgs)]
pub(crate) struct ForecastArgs {
    /// The area (code, name or alias).
    #[arg(long, default_value = "haimen")]
    area: String,
    /// A forecast CSV: `time,aqi` (hourly rolling 24-h AQI) or `date,aqi` (daily AQI).
    #[arg(long, conflicts_with_all = ["replay_from", "replay_to"])]
    forecast: Option<PathBuf>,
    /// Replay the area's measured hours as a forecast, from this day (Beijing)…
    #[arg(long, requires = "replay_to")]
    replay_from: Option<Date>,
    /// …to this day.
    #[arg(long, requires = "replay_from")]
    replay_to: Option<Date>,
    /// The grading (`2024`, `2017`); default: the one in force on the forecast's first day.
    #[arg(long)]
    grading: Option<String>,
    /// Gradings from this file (the layout of config/emergency.toml) instead of the built-in.
    #[arg(long)]
    gradings: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WarningCmd {
    /// Open a warning under assessment (研判) with its forecast and proposal.
    Open {
        #[command(flatten)]
        forecast: ForecastArgs,
        /// Who (audit log).
        #[arg(long)]
        actor: Option<String>,
    },
    /// A new forecast for an open warning.
    Reassess {
        /// Warning id.
        id: i64,
        #[command(flatten)]
        forecast: ForecastArgs,
        /// Who.
        #[arg(long)]
        actor: Option<String>,
    },
    /// A step: issue (发布), adjust (调整), lift (解除), cancel (不发布).
    Act {
        /// Warning id.
        id: i64,
        /// issue, adjust, lift or cancel.
        action: String,
        /// The level (issue, adjust): yellow, orange, red (or 黄色, 橙色, 红色).
        #[arg(long)]
        level: Option<String>,
        /// Why (required when departing from the proposal, for adjusting and cancelling).
        #[arg(long, default_value = "")]
        reason: String,
        /// When it takes effect, Beijing (`2019-01-22 08:00`); default now.
        #[arg(long)]
        at: Option<String>,
        /// Who.
        #[arg(long)]
        actor: Option<String>,
    },
    /// Warnings, newest first.
    List {
        /// Only this area.
        #[arg(long)]
        area: Option<String>,
    },
    /// One warning with its history.
    Show {
        /// Warning id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ListCmd {
    /// Read a list (CSV or xlsx in the layout of `list export`), validate it whole, store it.
    Import {
        /// The file.
        file: PathBuf,
        /// Who.
        #[arg(long)]
        actor: Option<String>,
    },
    /// Check the list in force: coverage of the enterprise registry, required shares per level.
    /// Exit 1 if a check fails.
    Check {
        /// The enterprise registry (企业档案): CSV or xlsx with 统一社会信用代码, 企业名称, 涉气
        /// (是/否) and optionally 未列入原因.
        #[arg(long)]
        registry: Option<PathBuf>,
        /// The region's total daily emissions (全社会排放量, kg/d) the shares are of, as
        /// `SO2,NOx,PM,VOCs`, or `inventory` for the newest stored emission inventory's totals
        /// (t/a as kg/d; 颗粒物 as PM10); default: the listed enterprises' baseline.
        #[arg(long)]
        region_total: Option<String>,
        /// The required shares in percent at yellow, orange and red (default 10,20,30;
        /// standards.md §4.2, some plans ask 40 at orange).
        #[arg(long, default_value = "10,20,30")]
        shares: String,
    },
    /// Write the list in force (CSV or xlsx by the extension).
    Export {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

pub(crate) fn run(store: &Store, cmd: &EmergencyCmd) -> Result<ExitCode> {
    match cmd {
        EmergencyCmd::Propose { forecast, json } => {
            let (f, g) = load_forecast(store, forecast)?;
            let p = propose(&f, &g);
            if *json {
                out::line(&serde_json::to_string_pretty(&p)?)?;
            } else {
                print_proposal(&f, &p)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        EmergencyCmd::Warning(w) => warning(store, w),
        EmergencyCmd::List(l) => reduction_list(store, l),
        EmergencyCmd::GateCheck {
            vehicles,
            records,
            area,
        } => gate_check(store, vehicles, records, area),
        EmergencyCmd::Verify {
            id,
            raise,
            tolerance,
        } => verify(store, *id, *raise, *tolerance),
        EmergencyCmd::Report { id, out, tolerance } => {
            report(store, *id, out.as_deref(), *tolerance)
        }
    }
}

fn load_forecast(store: &Store, a: &ForecastArgs) -> Result<(Forecast, Grading)> {
    let f = match (&a.forecast, a.replay_from, a.replay_to) {
        (Some(path), _, _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Forecast::parse_csv(&text).with_context(|| format!("{}", path.display()))?
        }
        (None, Some(from), Some(to)) => lantian_report::emergency::replay_forecast(
            store,
            &a.area,
            from,
            to,
            &lantian_aq::Config::default(),
        )
        .with_context(|| format!("replaying {} from {from} to {to}", a.area))?,
        _ => bail!("give --forecast FILE, or --replay-from and --replay-to"),
    };
    let all = load_gradings(a.gradings.as_deref())?;
    let g = match &a.grading {
        Some(name) => all
            .iter()
            .find(|g| &g.name == name)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("--grading {name:?}: no such grading"))?,
        None => Grading::for_date(&all, f.start().date())
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no grading"))?,
    };
    Ok((f, g))
}

/// The gradings of a file, or the built-in ones.
pub(crate) fn load_gradings(path: Option<&Path>) -> Result<Vec<Grading>> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            lantian_emergency::grading::gradings_from_toml(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        }
        None => Ok(Grading::builtin()),
    }
}

fn hour(t: DateTime) -> String {
    format!("{} {:02}时", t.date(), t.hour())
}

fn print_proposal(f: &Forecast, p: &Proposal) -> Result<()> {
    let level = match p.level {
        Some(l) => format!("{}预警（{}响应）", l.zh(), l.response()),
        None if p.advisory => "不发布预警；可采取临时管控措施".to_owned(),
        None => "不发布预警".to_owned(),
    };
    out::line(&format!(
        "研判建议（{} 分级；预测自 {} 起 {} 小时）：{level}",
        p.grading,
        hour(f.start()),
        f.hours()
    ))?;
    for r in &p.reasons {
        out::line(&format!("  {r}"))?;
    }
    let runs: Vec<String> = p
        .runs
        .iter()
        .map(|r| {
            if r.hours == 0 {
                format!("AQI>{} 0小时", r.above)
            } else {
                format!(
                    "AQI>{} {}小时（{}至{}）",
                    r.above,
                    r.hours,
                    hour(r.start),
                    hour(r.end)
                )
            }
        })
        .collect();
    out::line(&format!("  最长连续：{}", runs.join("；")))?;
    out::line(&format!(
        "  解除条件（预测低于黄色预警条件持续36小时）：{}",
        if p.may_lift { "满足" } else { "不满足" }
    ))
}

fn new_warning(store: &Store, a: &ForecastArgs) -> Result<(NewWarning, Forecast, Proposal)> {
    let (f, g) = load_forecast(store, a)?;
    let p = propose(&f, &g);
    let area = store
        .area(&a.area)?
        .map_or_else(|| a.area.clone(), |x| x.code);
    Ok((
        NewWarning {
            area,
            grading: g.name.clone(),
            proposed_level: p.level,
            advisory: p.advisory,
            may_lift: p.may_lift,
            forecast: serde_json::to_string(&f)?,
            proposal: serde_json::to_string(&p)?,
        },
        f,
        p,
    ))
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A Beijing time (`2019-01-22 08:00`, `2019-01-22 08:00:00`, `2019-01-22T08:00`) as Unix ms.
fn beijing_to_ms(t: &str) -> Result<i64> {
    let t = t.trim();
    let dt: DateTime = t
        .parse()
        .or_else(|_| format!("{t}:00").parse())
        .map_err(|_| anyhow::anyhow!("not a date and time (YYYY-MM-DD HH:MM)"))?;
    Ok(dt
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))?
        .timestamp()
        .as_millisecond())
}

fn summary(w: &WarningRecord) -> String {
    format!(
        "{}\t{}\t{}\t{}\t建议 {}\t{}",
        w.id,
        w.warning.area,
        w.status.zh(),
        w.level.map_or("—", Level::zh),
        w.warning.proposed_level.map_or(
            if w.warning.advisory {
                "临时管控"
            } else {
                "不发布"
            },
            Level::zh
        ),
        lantian_report::beijing_minute(w.updated_at_ms)
    )
}

fn warning(store: &Store, cmd: &WarningCmd) -> Result<ExitCode> {
    match cmd {
        WarningCmd::Open { forecast, actor } => {
            let (w, f, p) = new_warning(store, forecast)?;
            let actor = actor.clone().unwrap_or_else(cli_actor);
            let rec = store.open_warning(&w, &actor, now_ms())?;
            out::line(&format!("warning {} opened (研判中)", rec.id))?;
            print_proposal(&f, &p)?;
        }
        WarningCmd::Reassess {
            id,
            forecast,
            actor,
        } => {
            let (w, f, p) = new_warning(store, forecast)?;
            let actor = actor.clone().unwrap_or_else(cli_actor);
            let rec = store.reassess_warning(*id, &w, &actor, now_ms())?;
            out::line(&format!("warning {}: new assessment", rec.id))?;
            print_proposal(&f, &p)?;
        }
        WarningCmd::Act {
            id,
            action,
            level,
            reason,
            at,
            actor,
        } => {
            let level = || -> Result<Level> {
                let l = level
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("--level is required for {action}"))?;
                Level::parse(l)
                    .ok_or_else(|| anyhow::anyhow!("--level {l:?}: yellow, orange or red"))
            };
            let reason = reason.clone();
            let a = match action.as_str() {
                "issue" | "发布" => WarningAction::Issue {
                    level: level()?,
                    reason,
                },
                "adjust" | "调整" => WarningAction::Adjust {
                    level: level()?,
                    reason,
                },
                "lift" | "解除" => WarningAction::Lift { reason },
                "cancel" | "不发布" => WarningAction::Cancel { reason },
                other => bail!("{other:?}: the steps are issue, adjust, lift, cancel"),
            };
            let actor = actor.clone().unwrap_or_else(cli_actor);
            let recorded = now_ms();
            let effective = match at {
                Some(t) => beijing_to_ms(t).with_context(|| format!("--at {t:?}"))?,
                None => recorded,
            };
            let rec = store
                .warning_step(*id, &a, effective, &actor, recorded)
                .with_context(|| format!("warning {id}: {}", a.zh()))?;
            out::line(&summary(&rec))?;
        }
        WarningCmd::List { area } => {
            let area = match area {
                Some(a) => Some(store.area(a)?.map_or_else(|| a.clone(), |x| x.code)),
                None => None,
            };
            out::line("id\tarea\tstatus\tlevel\tproposal\tupdated (Beijing)")?;
            for w in store.warnings(area.as_deref(), 1000)? {
                out::line(&summary(&w))?;
            }
        }
        WarningCmd::Show { id } => {
            let w = store.warning(*id)?;
            out::line(&summary(&w))?;
            let f: Forecast = serde_json::from_str(&w.warning.forecast)?;
            let p: Proposal = serde_json::from_str(&w.warning.proposal)?;
            print_proposal(&f, &p)?;
            for e in store.warning_events(*id)? {
                out::line(&format!(
                    "  {}（生效 {}）\t{}\t{}\t{} → {}\t{}",
                    lantian_report::beijing_minute(e.at_ms),
                    lantian_report::beijing_minute(e.effective_at_ms),
                    e.actor,
                    e.action,
                    e.from_level.map_or("—", Level::zh),
                    e.to_level.map_or("—", Level::zh),
                    e.reason
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn in_force(store: &Store) -> Result<ReductionList> {
    match lantian_report::emergency::list_in_force(store)? {
        Some((_, l)) => Ok(l),
        None => bail!("no emergency-reduction list is stored (lantian emergency list import FILE)"),
    }
}

fn reduction_list(store: &Store, cmd: &ListCmd) -> Result<ExitCode> {
    match cmd {
        ListCmd::Import { file, actor } => {
            let grid = read_any(file)?;
            let rows: Vec<Vec<String>> = grid.rows.iter().map(|(_, r)| r.clone()).collect();
            let list = match list::from_rows(&grid.headers, &rows, &GradeRules::default()) {
                Ok(l) => l,
                Err(errors) => {
                    for e in &errors {
                        out::warn(&format!("{}: {e}", file.display()));
                    }
                    bail!(
                        "{}: {} errors; nothing was stored",
                        file.display(),
                        errors.len()
                    );
                }
            };
            let actor = actor.clone().unwrap_or_else(cli_actor);
            let name = file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let (id, new) =
                lantian_report::emergency::store_list(store, &name, &list, &actor, now_ms())?;
            out::line(&format!(
                "{}: {} enterprises, list {id}{}",
                file.display(),
                list.enterprises.len(),
                if new {
                    " stored (in force)"
                } else {
                    " (the same list was already stored)"
                }
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        ListCmd::Check {
            registry,
            region_total,
            shares: percent,
        } => {
            let list = in_force(store)?;
            let registry = match registry {
                Some(p) => read_registry(p)?,
                None => Vec::new(),
            };
            let percent: Vec<rust_decimal::Decimal> = percent
                .split(',')
                .map(|p| p.trim().parse())
                .collect::<Result<_, _>>()
                .map_err(|_| anyhow::anyhow!("--shares {percent:?}: three percentages"))?;
            let [y, o, r] = percent[..] else {
                bail!("--shares: three percentages, yellow,orange,red");
            };
            let mut from_inventory = None;
            let total = match region_total.as_deref() {
                Some("inventory") => {
                    let (cats, lib) = (
                        lantian_inventory::Categories::builtin(),
                        lantian_inventory::Library::builtin(),
                    );
                    let (year, e) = lantian_report::inventory::region_total_for_list(
                        store,
                        (&cats, &lib),
                    )?
                    .context(
                        "--region-total inventory: no inventory stored (lantian inventory import)",
                    )?;
                    from_inventory = Some(format!(
                        "{}年排放清单{}",
                        year.inventory.year,
                        if year.inventory.example {
                            "（示例数据）"
                        } else {
                            ""
                        }
                    ));
                    Some(e)
                }
                Some(s) => Some(parse_total(s)?),
                None => None,
            };
            let shares = RequiredShares {
                region_total: total,
                percent: [y, o, r],
            };
            let c = list::check(&list, &registry, &shares);
            out::line(&format!(
                "清单企业 {} 家；基准为{}",
                list.enterprises.len(),
                match (&from_inventory, shares.region_total.is_some()) {
                    (Some(src), _) => format!("全社会排放量（{src}）"),
                    (None, true) => "全社会排放量".to_owned(),
                    (None, false) => "清单企业基准排放".to_owned(),
                }
            ))?;
            out::line("级别\t污染物\t基准(kg/d)\t减排(kg/d)\t比例\t要求\t结果")?;
            for t in &c.totals {
                out::line(&format!(
                    "{}\t{}\t{}\t{}\t{}\t≥{}%\t{}",
                    t.level.zh(),
                    t.pollutant.zh(),
                    t.baseline.normalize(),
                    t.reduction.normalize(),
                    t.share.map_or("—".to_owned(), |s| format!("{s}%")),
                    t.required,
                    if t.met { "达标" } else { "不足" }
                ))?;
            }
            if registry.is_empty() {
                out::line("未给出企业档案（--registry）：未核查覆盖情况")?;
            } else {
                for m in &c.missing {
                    out::line(&format!(
                        "未纳入清单且无说明的涉气企业：{}（{}）",
                        m.name, m.uscc
                    ))?;
                }
                for u in &c.unknown {
                    out::line(&format!("清单中不在企业档案内：{u}"))?;
                }
            }
            let ok = c.passed();
            out::line(if ok {
                "核查通过"
            } else {
                "核查未通过"
            })?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        ListCmd::Export { out: path } => {
            let list = in_force(store)?;
            let table = lantian_report::Tabular {
                headers: HEADERS.iter().map(|h| (*h).to_owned()).collect(),
                rows: list::to_rows(&list),
            };
            let bytes = if is_xlsx(path) {
                lantian_report::xlsx_workbook(&[lantian_report::Sheet {
                    name: "应急减排清单".into(),
                    table,
                }])?
            } else {
                table.to_csv()
            };
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out::line(&format!(
                "{}: {} enterprises",
                path.display(),
                list.enterprises.len()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_total(s: &str) -> Result<list::Emissions> {
    let v: Vec<rust_decimal::Decimal> = s
        .split(',')
        .map(|x| x.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("--region-total {s:?}: four numbers SO2,NOx,PM,VOCs"))?;
    let [so2, nox, pm, vocs] = v[..] else {
        bail!("--region-total {s:?}: four numbers SO2,NOx,PM,VOCs");
    };
    Ok(list::Emissions { so2, nox, pm, vocs })
}

/// Rows of a table as positional cells.
fn grid_rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let grid = read_any(path)?;
    Ok((
        grid.headers,
        grid.rows.into_iter().map(|(_, r)| r).collect(),
    ))
}

/// Fails with every row error, prefixed by the file.
fn rows_or_bail<T>(path: &Path, r: Result<T, Vec<String>>) -> Result<T> {
    r.map_err(|errors| {
        for e in &errors {
            out::warn(&format!("{}: {e}", path.display()));
        }
        anyhow::anyhow!("{}: {} errors", path.display(), errors.len())
    })
}

fn read_registry(path: &Path) -> Result<Vec<RegistryEnterprise>> {
    let (headers, rows) = grid_rows(path)?;
    rows_or_bail(path, list::registry_from_rows(&headers, &rows))
}

fn gate_check(store: &Store, vehicles_path: &Path, records: &Path, area: &str) -> Result<ExitCode> {
    let (headers, rows) = grid_rows(vehicles_path)?;
    let units = rows_or_bail(vehicles_path, vehicles::units_from_rows(&headers, &rows))?;
    let (headers, rows) = grid_rows(records)?;
    let recs = rows_or_bail(records, vehicles::records_from_rows(&headers, &rows))?;
    let code = store
        .area(area)?
        .map_or_else(|| area.to_owned(), |a| a.code);
    let periods = lantian_report::emergency::area_periods(store, &code)?;
    let v = vehicles::check_gate(&units, &recs, &periods, &vehicles::VehicleRule::default());
    out::line(&format!(
        "{} records, {} warning periods, {} entries not allowed",
        recs.len(),
        periods.len(),
        v.len()
    ))?;
    for x in &v {
        out::line(&format!(
            "{}:{}\t{}\t{}\t{}\t{}",
            records.display(),
            x.record.row,
            x.record.unit,
            x.record.plate,
            x.record.at,
            x.reason
        ))?;
    }
    Ok(if v.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn now_beijing() -> DateTime {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime()
}

fn dec(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or("—".to_owned(), |d| d.round_dp(3).normalize().to_string())
}

fn verify(
    store: &Store,
    id: i64,
    raise: bool,
    tolerance: rust_decimal::Decimal,
) -> Result<ExitCode> {
    let w = store.warning(id)?;
    let list = in_force(store)?;
    let checks =
        lantian_report::emergency::verify_warning(store, &w, &list, now_beijing(), tolerance)?;
    out::line("企业	设备	级别	时段	措施	污染物	基准均值	预警期间均值	结论")?;
    for c in &checks {
        out::line(&format!(
            "{}\t{}\t{}\t{} 至 {}\t{}\t{}{}\t{}\t{}\t{}",
            c.enterprise,
            c.mn,
            c.level.zh(),
            c.start,
            c.end,
            c.action,
            c.pollutant,
            if c.with_flow {
                "（浓度×流量）"
            } else {
                ""
            },
            dec(c.baseline),
            dec(c.during),
            c.compliance.text
        ))?;
    }
    let failed = checks
        .iter()
        .filter(|c| c.compliance.compliant == Some(false))
        .count();
    out::line(&format!("{} checks, {failed} not met", checks.len()))?;
    if raise && failed > 0 {
        let updates: Vec<lantian_store::AlarmUpdate> =
            lantian_report::emergency::alarms_of(&checks)?
                .into_iter()
                .map(lantian_store::AlarmUpdate::Raise)
                .collect();
        let raised = store.apply_alarm_updates(&updates, now_ms())?;
        out::line(&format!(
            "alarms raised: {} (an open one is extended, not raised again)",
            raised.len()
        ))?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report(
    store: &Store,
    id: i64,
    path: Option<&Path>,
    tolerance: rust_decimal::Decimal,
) -> Result<ExitCode> {
    let w = store.warning(id)?;
    let list = in_force(store)?;
    let ep = lantian_report::emergency::episode(
        store,
        &w,
        &list,
        now_beijing(),
        tolerance,
        &lantian_aq::Config::default(),
    )?;
    let sheets = lantian_report::emergency::episode_sheets(&ep);
    match path {
        Some(p) => {
            std::fs::write(p, lantian_report::xlsx_workbook(&sheets)?)
                .with_context(|| format!("cannot write {}", p.display()))?;
            out::line(&format!("{}: {} sheets", p.display(), sheets.len()))?;
        }
        None => {
            for s in &sheets {
                out::line(&format!("== {}", s.name))?;
                out::line(&s.table.headers.join("\t"))?;
                for r in &s.table.rows {
                    out::line(&r.join("\t"))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
