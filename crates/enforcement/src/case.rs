//! Enforcement cases (执法案件): where a case came from, its parties, its steps with their time
//! limits, and the decision. A case is a list of events; its state and deadlines are derived
//! from them, so the history is the record and nothing is overwritten.
//!
//! Steps: 登记 (registered) → 立案 (filed) or 不予立案 (not filed) → 调查终结 (investigated) →
//! 作出决定 (decided: a penalty, an order to correct, or no penalty) → 结案 (closed). Each step
//! has a time limit counted in calendar days from the step before (`Limits`); the defaults follow
//! 《生态环境行政处罚办法》(2023) as recalled and are UNVERIFIED: filing within 15 days of the
//! clue, a decision within 90 days of filing, closure within 60 days of the decision.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where a case came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// An online-monitoring alarm (its evidence frames and hashes go with the case).
    Alarm {
        /// The alarm's id.
        id: i64,
    },
    /// A straw-burning fire incident.
    Fire {
        /// The incident's id.
        id: i64,
    },
    /// A complaint (投诉), entered or imported.
    Complaint {
        /// The hotline or channel: `12345`, `12369`, …
        channel: String,
        /// Its number there.
        reference: String,
    },
    /// An inspection (现场检查, 双随机).
    Inspection {
        /// What was inspected and by whom, in words.
        note: String,
    },
}

impl Origin {
    /// In words (报警 #3, 12369 投诉 A0001, …).
    #[must_use]
    pub fn describe_zh(&self) -> String {
        match self {
            Origin::Alarm { id } => format!("报警 #{id}"),
            Origin::Fire { id } => format!("火点事件 #{id}"),
            Origin::Complaint { channel, reference } => format!("{channel} 投诉 {reference}"),
            Origin::Inspection { note } => format!("检查：{note}"),
        }
    }
}

/// What kind of party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// 企业 (a polluter).
    Enterprise,
    /// 工地 (a construction site).
    Site,
    /// 餐饮单位 (a restaurant).
    Restaurant,
    /// 第三方治理、运维、检测机构 (an agency).
    Agency,
}

/// A party to a case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Party {
    /// What kind.
    pub kind: PartyKind,
    /// Name.
    pub name: String,
    /// 统一社会信用代码, when known: parties are the same when their codes are (else their names).
    #[serde(default)]
    pub credit_code: Option<String>,
}

impl Party {
    /// The key two cases share when they are against the same party.
    #[must_use]
    pub fn key(&self) -> String {
        self.credit_code
            .clone()
            .unwrap_or_else(|| format!("{:?}:{}", self.kind, self.name))
    }
}

/// The decision (处理决定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// 罚款, with or without an order to correct.
    Penalty {
        /// Yuan.
        amount: Decimal,
        /// 责令改正 too.
        order_to_correct: bool,
    },
    /// 责令改正 only.
    OrderToCorrect,
    /// 不予处罚, with the reason.
    NoPenalty {
        /// Why.
        reason: String,
    },
}

/// A step of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// 登记: the clue is recorded.
    Register,
    /// 立案.
    File,
    /// 不予立案, with the reason (the case ends).
    NotFile {
        /// Why.
        reason: String,
    },
    /// 调查终结.
    Investigate,
    /// 作出决定.
    Decide(Decision),
    /// 结案 (the decision carried out).
    Close,
    /// 联合执法: another department joins the case (task 38); the state does not change.
    Join {
        /// The department.
        department: String,
    },
    /// 证据: a photo, a document or a record added to the case's bundle, with its SHA-256
    /// when it is a stored file; the state does not change.
    Evidence {
        /// What it is, in words (现场照片, 监测报告, 询问笔录 …).
        note: String,
        /// The stored file (attachment id), if any.
        #[serde(default)]
        attachment: Option<i64>,
        /// Its SHA-256 (hex) as stored.
        #[serde(default)]
        sha256: Option<String>,
    },
}

impl Step {
    /// Whether the step moves the case on (the others add to it).
    #[must_use]
    pub fn moves(&self) -> bool {
        !matches!(self, Step::Join { .. } | Step::Evidence { .. })
    }
}

impl Step {
    /// In words (立案, 作出决定：罚款 100000 元，责令改正, …).
    #[must_use]
    pub fn describe_zh(&self) -> String {
        match self {
            Step::Register => "登记".to_owned(),
            Step::File => "立案".to_owned(),
            Step::NotFile { reason } => format!("不予立案（{reason}）"),
            Step::Investigate => "调查终结".to_owned(),
            Step::Decide(Decision::Penalty {
                amount,
                order_to_correct,
            }) => format!(
                "作出决定：罚款 {} 元{}",
                amount.normalize(),
                if *order_to_correct {
                    "，责令改正"
                } else {
                    ""
                }
            ),
            Step::Decide(Decision::OrderToCorrect) => "作出决定：责令改正".to_owned(),
            Step::Decide(Decision::NoPenalty { reason }) => {
                format!("作出决定：不予处罚（{reason}）")
            }
            Step::Close => "结案".to_owned(),
            Step::Join { department } => format!("联合执法：{department}加入"),
            Step::Evidence {
                note, attachment, ..
            } => match attachment {
                Some(id) => format!("证据：{note}（附件 #{id}）"),
                None => format!("证据：{note}"),
            },
        }
    }
}

/// The state a case is in after its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 已登记.
    Registered,
    /// 已立案.
    Filed,
    /// 调查终结.
    Investigated,
    /// 已决定.
    Decided,
    /// 已结案.
    Closed,
    /// 不予立案.
    NotFiled,
}

impl CaseState {
    /// The Chinese label.
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseState::Registered => "已登记",
            CaseState::Filed => "已立案",
            CaseState::Investigated => "调查终结",
            CaseState::Decided => "已作出决定",
            CaseState::Closed => "已结案",
            CaseState::NotFiled => "不予立案",
        }
    }

    /// Whether the case has ended.
    #[must_use]
    pub fn ended(self) -> bool {
        matches!(self, CaseState::Closed | CaseState::NotFiled)
    }
}

/// One event of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// The day it happened (Beijing).
    pub on: Date,
    /// What.
    #[serde(flatten)]
    pub step: Step,
    /// Who.
    pub actor: String,
}

/// A step refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The step does not follow from the state.
    #[error("案件当前为“{}”，不能{}", .0.label_zh(), .1)]
    OutOfOrder(CaseState, &'static str),
    /// A step dated before the one it follows.
    #[error("{0} 早于上一步骤的日期 {1}")]
    BeforePrevious(Date, Date),
    /// A penalty of 0 or less.
    #[error("罚款金额须大于0")]
    Amount,
    /// A reason left empty.
    #[error("须填写理由")]
    Reason,
}

/// Time limits in calendar days (configurable; see the module's note).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// From registration to filing (or not).
    pub file_days: i32,
    /// From filing to the decision.
    pub decide_days: i32,
    /// From the decision to closure.
    pub close_days: i32,
    /// Remind this many days before a limit.
    pub remind_days: i32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_days: 15,
            decide_days: 90,
            close_days: 60,
            remind_days: 5,
        }
    }
}

/// The state after `events` (the first must be a registration).
#[must_use]
pub fn state_of(events: &[CaseEvent]) -> Option<CaseState> {
    let mut state = None;
    for e in events {
        state = Some(next_state(state, &e.step).ok()?);
    }
    state
}

fn next_state(state: Option<CaseState>, step: &Step) -> Result<CaseState, Refused> {
    use CaseState as S;
    let what = match step {
        Step::Register => "登记",
        Step::File => "立案",
        Step::NotFile { .. } => "不予立案",
        Step::Investigate => "调查终结",
        Step::Decide(_) => "作出决定",
        Step::Close => "结案",
        Step::Join { .. } => "联合执法",
        Step::Evidence { .. } => "补充证据",
    };
    match (state, step) {
        // Departments join and evidence is added while the case is open.
        (Some(s), Step::Join { .. } | Step::Evidence { .. }) if !s.ended() => Ok(s),
        (None, Step::Register) => Ok(S::Registered),
        (Some(S::Registered), Step::File) => Ok(S::Filed),
        (Some(S::Registered), Step::NotFile { .. }) => Ok(S::NotFiled),
        (Some(S::Filed), Step::Investigate) => Ok(S::Investigated),
        (Some(S::Investigated), Step::Decide(_)) => Ok(S::Decided),
        (Some(S::Decided), Step::Close) => Ok(S::Closed),
        (Some(s), _) => Err(Refused::OutOfOrder(s, what)),
        (None, _) => Err(Refused::OutOfOrder(S::Registered, what)),
    }
}

/// Checks `event` against the history and returns the state it leads to; the caller appends
/// it. Nothing already recorded changes.
pub fn apply(events: &[CaseEvent], event: &CaseEvent) -> Result<CaseState, Refused> {
    let state = if events.is_empty() {
        None
    } else {
        Some(state_of(events).ok_or(Refused::OutOfOrder(CaseState::Registered, "继续"))?)
    };
    if let Some(last) = events.last()
        && event.on < last.on
    {
        return Err(Refused::BeforePrevious(event.on, last.on));
    }
    match &event.step {
        Step::Decide(Decision::Penalty { amount, .. }) if *amount <= Decimal::ZERO => {
            return Err(Refused::Amount);
        }
        Step::NotFile { reason }
        | Step::Decide(Decision::NoPenalty { reason })
        | Step::Join { department: reason }
        | Step::Evidence { note: reason, .. }
            if reason.trim().is_empty() =>
        {
            return Err(Refused::Reason);
        }
        _ => {}
    }
    next_state(state, &event.step)
}

/// The limit a case in progress is under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The step due.
    pub step: &'static str,
    /// The last day for it.
    pub due: Date,
    /// Days left on `today` (negative: overdue).
    pub days_left: i32,
    /// Within the reminder window or overdue.
    pub remind: bool,
}

impl Deadline {
    /// In words: 立案期限 2026-03-16（剩 3 天）, or 已逾期 2 天.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        format!(
            "{}期限 {}（{}）",
            self.step,
            self.due,
            if self.days_left < 0 {
                format!("已逾期 {} 天", -self.days_left)
            } else {
                format!("剩 {} 天", self.days_left)
            }
        )
    }
}

/// The deadline of the next step of a case on `today`, if it is in progress.
#[must_use]
pub fn deadline(events: &[CaseEvent], limits: &Limits, today: Date) -> Option<Deadline> {
    let state = state_of(events)?;
    // Limits run from the last step that moved the case, not from added evidence.
    let last = events.iter().rev().find(|e| e.step.moves())?.on;
    let (step, days) = match state {
        CaseState::Registered => ("立案", limits.file_days),
        // The decision's limit runs from filing, through the investigation.
        CaseState::Filed | CaseState::Investigated => ("作出决定", limits.decide_days),
        CaseState::Decided => ("结案", limits.close_days),
        CaseState::Closed | CaseState::NotFiled => return None,
    };
    let from = match state {
        CaseState::Investigated => events
            .iter()
            .find(|e| e.step == Step::File)
            .map_or(last, |e| e.on),
        _ => last,
    };
    let due = from.checked_add(jiff::Span::new().days(days)).ok()?;
    let days_left = days_between(today, due);
    Some(Deadline {
        step,
        due,
        days_left,
        remind: days_left <= limits.remind_days,
    })
}

/// The departments on a case besides the one in charge (joined for joint enforcement).
#[must_use]
pub fn joined(events: &[CaseEvent]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for e in events {
        if let Step::Join { department } = &e.step
            && !out.contains(&department.as_str())
        {
            out.push(department);
        }
    }
    out
}

/// Days from `a` to `b` (negative when `b` is earlier), by plain calendar arithmetic (days
/// since 1970-01-01 of the proleptic Gregorian calendar) rather than a calendar span, which is
/// far slower over many cases.
#[must_use]
pub fn days_between(a: Date, b: Date) -> i32 {
    fn epoch_days(d: Date) -> i64 {
        let (y, m, day) = (
            i64::from(d.year()),
            i64::from(d.month()),
            i64::from(d.day()),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
    i32::try_from(epoch_days(b) - epoch_days(a)).unwrap_or(i32::MAX)
}

/// Steps that were late: (step, days over its limit).
#[must_use]
pub fn late_steps(events: &[CaseEvent], limits: &Limits) -> Vec<(&'static str, i32)> {
    let day = |f: &dyn Fn(&Step) -> bool| events.iter().find(|e| f(&e.step)).map(|e| e.on);
    let registered = day(&|s| *s == Step::Register);
    let filed = day(&|s| matches!(s, Step::File | Step::NotFile { .. }));
    let decided = day(&|s| matches!(s, Step::Decide(_)));
    let closed = day(&|s| *s == Step::Close);
    let mut out = Vec::new();
    for (name, from, to, limit) in [
        ("立案", registered, filed, limits.file_days),
        (
            "作出决定",
            day(&|s| *s == Step::File),
            decided,
            limits.decide_days,
        ),
        ("结案", decided, closed, limits.close_days),
    ] {
        if let (Some(a), Some(b)) = (from, to) {
            let took = days_between(a, b);
            if took > limit {
                out.push((name, took - limit));
            }
        }
    }
    out
}
