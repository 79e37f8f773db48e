//! `lantian case …` (执法案件), `lantian credit …` (信用记录) and `lantian screen` (项目准入):
//! cases opened from an alarm, a fire incident, a complaint or an inspection and taken step by
//! step within their time limits; credit records for decided cases, published, repaired or
//! appealed, never rewritten; the effectiveness of enforcement by department or town; and the
//! screening of a new project against the plan's rules and the configured border.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use jiff::civil::Date;
use lantian_enforcement::case::{self, CaseEvent, Decision, Limits, Step};
use lantian_enforcement::credit::{CreditEvent, CreditRecord, CreditRules, Dated};
use lantian_enforcement::screening::{Project, ScreeningRules, screen};
use lantian_enforcement::{Origin, Party, PartyKind, Violation};
use lantian_store::{AuditEntry, CaseFilter, NewCase, NewCredit, Store};
use rust_decimal::Decimal;

use crate::out;
use crate::user::cli_actor;

/// `lantian case …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CaseCmd {
    /// Opens (registers) a case.
    Open(OpenArgs),
    /// Takes a case's next step.
    Step {
        /// The case.
        id: i64,
        /// The step.
        #[command(subcommand)]
        step: StepArg,
        /// The day (default: today, Beijing).
        #[arg(long, global = true)]
        on: Option<Date>,
    },
    /// Lists cases with the next step's deadline.
    List {
        /// Only those due within the reminder window or overdue.
        #[arg(long)]
        due: bool,
        /// Only this department.
        #[arg(long)]
        department: Option<String>,
        /// Only this town.
        #[arg(long)]
        town: Option<String>,
    },
    /// Registers complaints (12345/12369) from a CSV as cases: columns 渠道,编号,受理日期,
    /// 当事人类别,当事人,统一社会信用代码,区镇,主办部门,内容. Every row is checked first (errors
    /// name the line); a complaint already registered (same channel and number) is skipped.
    Import {
        /// The CSV (UTF-8).
        file: PathBuf,
    },
    /// One case with its history.
    Show {
        /// The case.
        id: i64,
    },
    /// Effectiveness of enforcement (执法效能) by department or town.
    Effect {
        /// Group by.
        #[arg(long, value_enum, default_value = "department")]
        by: Group,
        /// Days within which a second case is a repeat, and an exceedance after closure a
        /// recurrence.
        #[arg(long, default_value_t = 365)]
        window: i32,
    },
}

/// Grouping of the effectiveness figures.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Group {
    /// By the department in charge.
    Department,
    /// By town.
    Town,
}

/// A party's kind on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum KindArg {
    /// 企业.
    Enterprise,
    /// 工地.
    Site,
    /// 餐饮单位.
    Restaurant,
    /// 第三方机构.
    Agency,
}

/// Arguments of `lantian case open`.
#[derive(Debug, ClapArgs)]
pub(crate) struct OpenArgs {
    /// Where it came from: `alarm:ID`, `fire:ID`, `complaint:CHANNEL:NUMBER` (12345, 12369),
    /// `inspection:NOTE`.
    #[arg(long)]
    origin: String,
    /// The party's kind.
    #[arg(long, value_enum)]
    party_kind: KindArg,
    /// The party's name.
    #[arg(long)]
    party: String,
    /// The party's 统一社会信用代码.
    #[arg(long)]
    credit_code: Option<String>,
    /// The department in charge.
    #[arg(long)]
    department: String,
    /// The town.
    #[arg(long)]
    town: String,
    /// The device (MN) concerned, for recurrence.
    #[arg(long)]
    source: Option<String>,
    /// When the problem was detected (default: the registration day).
    #[arg(long)]
    detected: Option<Date>,
    /// A title.
    #[arg(long)]
    title: String,
    /// The registration day (default: today, Beijing).
    #[arg(long)]
    on: Option<Date>,
}

/// A step on the command line.
#[derive(Debug, Subcommand)]
pub(crate) enum StepArg {
    /// 立案.
    File,
    /// 不予立案.
    NotFile {
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// 调查终结.
    Investigate,
    /// 作出决定: a penalty (with or without an order to correct), an order, or none.
    Decide {
        /// Penalty in yuan.
        #[arg(long, group = "decision")]
        penalty: Option<Decimal>,
        /// With the penalty: an order to correct too.
        #[arg(long, requires = "penalty")]
        correct: bool,
        /// An order to correct only.
        #[arg(long, group = "decision")]
        order: bool,
        /// No penalty, with the reason.
        #[arg(long, group = "decision")]
        no_penalty: Option<String>,
    },
    /// 结案.
    Close,
    /// 联合执法: another department joins.
    Join {
        /// The department.
        #[arg(long)]
        department: String,
    },
    /// 证据: a record added to the bundle (files are uploaded in the console).
    Evidence {
        /// What it is.
        #[arg(long)]
        note: String,
    },
}

/// `lantian credit …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CreditCmd {
    /// Adds a credit record for a decided case.
    Add {
        /// The case.
        #[arg(long)]
        case: i64,
        /// 弄虚作假 or another violation.
        #[arg(long, value_enum)]
        violation: ViolationArg,
        /// The decision's document number (决定书文号).
        #[arg(long)]
        decision_ref: String,
        /// What was done, for the public.
        #[arg(long)]
        summary: String,
    },
    /// Adds an event to a record.
    Step {
        /// The record.
        id: i64,
        /// The event.
        #[command(subcommand)]
        event: CreditArg,
        /// The day (default: today, Beijing).
        #[arg(long, global = true)]
        on: Option<Date>,
    },
    /// Lists the records with their status.
    List {
        /// Only what the public sees today.
        #[arg(long)]
        public: bool,
    },
}

/// A violation on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ViolationArg {
    /// 弄虚作假.
    Fraud,
    /// Another violation.
    Other,
}

/// A credit event on the command line.
#[derive(Debug, Subcommand)]
pub(crate) enum CreditArg {
    /// 公示.
    Publish,
    /// 申请信用修复.
    RepairApply {
        /// What was corrected.
        note: String,
    },
    /// 修复完成.
    Repaired,
    /// 修复不予通过.
    RepairRefused {
        /// Why.
        reason: String,
    },
    /// 提出异议.
    Appeal {
        /// The grounds.
        grounds: String,
    },
    /// 异议成立.
    AppealUpheld {
        /// Why.
        reason: String,
    },
    /// 异议不成立.
    AppealRejected {
        /// Why.
        reason: String,
    },
    /// 更正 (kept beside the original).
    Correct {
        /// What and why.
        note: String,
    },
}

/// Arguments of `lantian screen`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ScreenArgs {
    /// The project's name.
    #[arg(long)]
    name: String,
    /// Its industry's code (`config/screening/rules.toml`).
    #[arg(long)]
    industry: String,
    /// The exception it claims (光伏平板玻璃).
    #[arg(long)]
    exception: Option<String>,
    /// New capacity (新增产能).
    #[arg(long)]
    new_capacity: bool,
    /// Its tallest stack (m).
    #[arg(long)]
    stack_m: Option<f64>,
    /// Longitude (WGS-84): with --lat, measured against the map layer `border`.
    #[arg(long, requires = "lat")]
    lon: Option<f64>,
    /// Latitude (WGS-84).
    #[arg(long, requires = "lon")]
    lat: Option<f64>,
    /// The rules (default: config/screening/rules.toml as shipped).
    #[arg(long)]
    rules: Option<PathBuf>,
}

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .date()
}

fn audit(action: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at_ms: jiff::Timestamp::now().as_millisecond(),
        actor: cli_actor(),
        action: action.to_owned(),
        target: String::new(),
        detail,
    }
}

fn origin(s: &str) -> Result<Origin> {
    let bad = || {
        anyhow!("--origin {s:?}: alarm:ID, fire:ID, complaint:CHANNEL:NUMBER or inspection:NOTE")
    };
    let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
    Ok(match kind {
        "alarm" => Origin::Alarm {
            id: rest.parse().map_err(|_| bad())?,
        },
        "fire" => Origin::Fire {
            id: rest.parse().map_err(|_| bad())?,
        },
        "complaint" => {
            let (channel, reference) = rest.split_once(':').ok_or_else(bad)?;
            Origin::Complaint {
                channel: channel.to_owned(),
                reference: reference.to_owned(),
            }
        }
        "inspection" => Origin::Inspection {
            note: rest.to_owned(),
        },
        _ => return Err(bad()),
    })
}

pub(crate) fn run_case(store: &Store, cmd: &CaseCmd) -> Result<ExitCode> {
    let limits = Limits::default();
    match cmd {
        CaseCmd::Open(a) => {
            let on = a.on.unwrap_or_else(today);
            let party = Party {
                kind: match a.party_kind {
                    KindArg::Enterprise => PartyKind::Enterprise,
                    KindArg::Site => PartyKind::Site,
                    KindArg::Restaurant => PartyKind::Restaurant,
                    KindArg::Agency => PartyKind::Agency,
                },
                name: a.party.clone(),
                credit_code: a.credit_code.clone(),
            };
            let new = NewCase {
                origin: origin(&a.origin)?,
                party,
                department: a.department.clone(),
                town: a.town.clone(),
                source: a.source.clone(),
                detected_on: a.detected,
                title: a.title.clone(),
                registered: CaseEvent {
                    on,
                    step: Step::Register,
                    actor: cli_actor(),
                },
            };
            let id = store.open_case(
                &new,
                jiff::Timestamp::now().as_millisecond(),
                &audit("case.open", a.title.clone()),
            )?;
            out::line(&format!("case #{id} registered on {on}"))?;
            Ok(ExitCode::SUCCESS)
        }
        CaseCmd::Step { id, step, on } => {
            let step = match step {
                StepArg::File => Step::File,
                StepArg::NotFile { reason } => Step::NotFile {
                    reason: reason.clone(),
                },
                StepArg::Investigate => Step::Investigate,
                StepArg::Decide {
                    penalty,
                    correct,
                    order,
                    no_penalty,
                } => Step::Decide(match (penalty, order, no_penalty) {
                    (Some(amount), _, _) => Decision::Penalty {
                        amount: *amount,
                        order_to_correct: *correct,
                    },
                    (None, true, _) => Decision::OrderToCorrect,
                    (None, false, Some(reason)) => Decision::NoPenalty {
                        reason: reason.clone(),
                    },
                    (None, false, None) => bail!("give --penalty, --order or --no-penalty"),
                }),
                StepArg::Close => Step::Close,
                StepArg::Join { department } => Step::Join {
                    department: department.clone(),
                },
                StepArg::Evidence { note } => Step::Evidence {
                    note: note.clone(),
                    attachment: None,
                    sha256: None,
                },
            };
            let event = CaseEvent {
                on: on.unwrap_or_else(today),
                step,
                actor: cli_actor(),
            };
            let after = store.case_step(
                *id,
                &event,
                &|_| Ok(()),
                jiff::Timestamp::now().as_millisecond(),
                &audit("case.step", event.step.describe_zh()),
            )?;
            out::line(&format!(
                "case #{id}: {}",
                after.state().map_or("—", |s| s.label_zh())
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        CaseCmd::List {
            due,
            department,
            town,
        } => {
            let today = today();
            for c in store.enforcement_cases(&CaseFilter {
                department: department.clone(),
                town: town.clone(),
                party_key: None,
            })? {
                let d = case::deadline(&c.events, &limits, today);
                if *due && !d.as_ref().is_some_and(|d| d.remind) {
                    continue;
                }
                out::line(&format!(
                    "#{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.case.title,
                    c.case.party.name,
                    c.case.department,
                    c.case.town,
                    c.state().map_or("—", |s| s.label_zh()),
                    d.map(|d| d.describe_zh()).unwrap_or_default()
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCmd::Import { file } => import_complaints(store, file),
        CaseCmd::Show { id } => {
            let c = store.enforcement_case(*id)?;
            out::line(&format!(
                "#{} {}\n当事人：{}{}\n来源：{}\n主办：{}；区镇：{}{}\n状态：{}",
                c.id,
                c.case.title,
                c.case.party.name,
                c.case
                    .party
                    .credit_code
                    .as_ref()
                    .map(|x| format!("（{x}）"))
                    .unwrap_or_default(),
                c.case.origin.describe_zh(),
                c.case.department,
                c.case.town,
                c.case
                    .source
                    .as_ref()
                    .map(|s| format!("；设备 {s}"))
                    .unwrap_or_default(),
                c.state().map_or("—", |s| s.label_zh()),
            ))?;
            for e in &c.events {
                out::line(&format!(
                    "\t{}\t{}\t{}",
                    e.on,
                    e.step.describe_zh(),
                    e.actor
                ))?;
            }
            for (step, days) in case::late_steps(&c.events, &limits) {
                out::line(&format!("\t超期：{step} 超出时限 {days} 天"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCmd::Effect { by, window } => {
            let figures =
                lantian_report::enforcement::effect(store, matches!(by, Group::Town), *window)?;
            out::line(
                "分组\t案件\t办结\t发现至办结中位天数\t最长\t超期步骤\t重复违法当事人\t办结后再次超标",
            )?;
            for (group, e) in figures {
                out::line(&format!(
                    "{group}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.cases,
                    e.ended,
                    e.median_days.map_or("—".to_owned(), |d| d.to_string()),
                    e.max_days.map_or("—".to_owned(), |d| d.to_string()),
                    e.late_steps,
                    e.repeat_parties.len(),
                    e.recurred
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn party_kind(s: &str) -> Option<PartyKind> {
    Some(match s {
        "企业" | "enterprise" => PartyKind::Enterprise,
        "工地" | "site" => PartyKind::Site,
        "餐饮单位" | "餐饮" | "restaurant" => PartyKind::Restaurant,
        "第三方机构" | "机构" | "agency" => PartyKind::Agency,
        _ => return None,
    })
}

fn import_complaints(store: &Store, file: &PathBuf) -> Result<ExitCode> {
    const HEADERS: [&str; 9] = [
        "渠道",
        "编号",
        "受理日期",
        "当事人类别",
        "当事人",
        "统一社会信用代码",
        "区镇",
        "主办部门",
        "内容",
    ];
    let name = file.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("cannot read {name}"))?;
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{name}: line 1"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let col = |h: &str| headers.iter().position(|x| x == h);
    let missing: Vec<&str> = HEADERS
        .iter()
        .filter(|h| col(h).is_none())
        .copied()
        .collect();
    if !missing.is_empty() {
        bail!("{name}: line 1: missing columns {}", missing.join("、"));
    }
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("{name}: line {line}: {e}"));
                continue;
            }
        };
        let get = |h: &str| {
            col(h)
                .and_then(|c| row.get(c))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let mut bad =
            |field: &str, why: &str| errors.push(format!("{name}: line {line}: {field}: {why}"));
        for h in ["渠道", "编号", "当事人", "区镇", "主办部门", "内容"] {
            if get(h).is_empty() {
                bad(h, "required");
            }
        }
        let on: Option<Date> = get("受理日期").parse().ok();
        if on.is_none() {
            bad("受理日期", "a date YYYY-MM-DD");
        }
        let kind = party_kind(&get("当事人类别"));
        if kind.is_none() {
            bad("当事人类别", "企业, 工地, 餐饮单位 or 第三方机构");
        }
        let (Some(on), Some(kind)) = (on, kind) else {
            continue;
        };
        let content = get("内容");
        let code = get("统一社会信用代码");
        cases.push(NewCase {
            origin: Origin::Complaint {
                channel: get("渠道"),
                reference: get("编号"),
            },
            party: Party {
                kind,
                name: get("当事人"),
                credit_code: (!code.is_empty()).then_some(code),
            },
            department: get("主办部门"),
            town: get("区镇"),
            source: None,
            detected_on: Some(on),
            title: content.chars().take(60).collect(),
            registered: CaseEvent {
                on,
                step: Step::Register,
                actor: cli_actor(),
            },
        });
    }
    if !errors.is_empty() {
        for e in &errors {
            out::warn(e);
        }
        bail!("{name}: {} problems; nothing imported", errors.len());
    }
    let known: Vec<Origin> = store
        .enforcement_cases(&CaseFilter::default())?
        .into_iter()
        .map(|c| c.case.origin)
        .collect();
    let (mut added, mut skipped) = (0, 0);
    for c in cases {
        if known.contains(&c.origin) {
            skipped += 1;
            continue;
        }
        store.open_case(
            &c,
            jiff::Timestamp::now().as_millisecond(),
            &audit("case.import", c.origin.describe_zh()),
        )?;
        added += 1;
    }
    out::line(&format!(
        "{name}: {added} complaints registered as cases, {skipped} already registered"
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_credit(store: &Store, cmd: &CreditCmd) -> Result<ExitCode> {
    let rules = CreditRules::default();
    match cmd {
        CreditCmd::Add {
            case,
            violation,
            decision_ref,
            summary,
        } => {
            let c = store.enforcement_case(*case)?;
            let record = CreditRecord {
                party: c.case.party.clone(),
                violation: match violation {
                    ViolationArg::Fraud => Violation::DataFraud,
                    ViolationArg::Other => Violation::Other,
                },
                case_id: *case,
                decision_ref: decision_ref.clone(),
                summary: summary.clone(),
                events: Vec::new(),
            };
            let id = store.add_credit(
                &NewCredit { record },
                jiff::Timestamp::now().as_millisecond(),
                &cli_actor(),
                &audit("credit.add", decision_ref.clone()),
            )?;
            out::line(&format!("credit record #{id} for case #{case}"))?;
            Ok(ExitCode::SUCCESS)
        }
        CreditCmd::Step { id, event, on } => {
            let event = match event {
                CreditArg::Publish => CreditEvent::Publish,
                CreditArg::RepairApply { note } => {
                    CreditEvent::RepairApplied { note: note.clone() }
                }
                CreditArg::Repaired => CreditEvent::Repaired,
                CreditArg::RepairRefused { reason } => CreditEvent::RepairRefused {
                    reason: reason.clone(),
                },
                CreditArg::Appeal { grounds } => CreditEvent::Appeal {
                    grounds: grounds.clone(),
                },
                CreditArg::AppealUpheld { reason } => CreditEvent::AppealUpheld {
                    reason: reason.clone(),
                },
                CreditArg::AppealRejected { reason } => CreditEvent::AppealRejected {
                    reason: reason.clone(),
                },
                CreditArg::Correct { note } => CreditEvent::Correct { note: note.clone() },
            };
            let on = on.unwrap_or_else(today);
            let row = store.credit_step(
                *id,
                &Dated {
                    on,
                    event,
                    actor: cli_actor(),
                },
                &rules,
                jiff::Timestamp::now().as_millisecond(),
                &audit("credit.step", format!("record {id}")),
            )?;
            out::line(&format!(
                "credit record #{id}: {}",
                row.record.status(&rules, on).label_zh()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        CreditCmd::List { public } => {
            let today = today();
            for r in store.credit_records(None)? {
                let status = r.record.status(&rules, today);
                if *public && !status.shown() {
                    continue;
                }
                out::line(&format!(
                    "#{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.record.party.name,
                    r.record.violation.label_zh(),
                    r.record.decision_ref,
                    r.record
                        .published_on()
                        .map_or("—".to_owned(), |d| d.to_string()),
                    status.label_zh(),
                    r.record.summary
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn run_screen(store: &Store, a: &ScreenArgs) -> Result<ExitCode> {
    let (text, name) = match &a.rules {
        Some(p) => (
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
            p.display().to_string(),
        ),
        None => (
            lantian_enforcement::screening::SHIPPED.to_owned(),
            "config/screening/rules.toml".to_owned(),
        ),
    };
    let rules =
        ScreeningRules::from_toml(&text).map_err(|e| anyhow!("{name}: {}", e.join("; ")))?;
    let border = match (a.lon, a.lat) {
        (Some(lon), Some(lat)) => Some(
            lantian_report::enforcement::border_at(store, lon, lat)?.context(
                "no map layer `border`: lantian import boundary 邻省.geojson --name border",
            )?,
        ),
        _ => None,
    };
    let s = screen(
        &rules,
        &Project {
            name: a.name.clone(),
            industry: a.industry.clone(),
            exception: a.exception.clone(),
            new_capacity: a.new_capacity,
            stack_m: a.stack_m,
        },
        border,
    );
    out::line(&format!(
        "{}：{}{}{}",
        a.name,
        if s.banned {
            "禁止准入"
        } else {
            "不在禁止之列"
        },
        if s.two_high { "；两高项目" } else { "" },
        if s.consultation {
            "；须开展环评一致性会商"
        } else {
            ""
        }
    ))?;
    for r in &s.reasons {
        out::line(&format!("\t{r}"))?;
    }
    Ok(if s.banned {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
