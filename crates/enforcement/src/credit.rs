//! Credit records (信用记录): data fraud (弄虚作假) and other violations of polluters and of
//! third-party operation, maintenance and testing agencies, each tied to its case and decision,
//! published with a date, and then repaired (信用修复) or appealed. A record is its events, only
//! ever added to: the status shown is derived from them, and an earlier entry is never
//! rewritten (a correction is a new event saying so).
//!
//! The disclosure period and the earliest repair are configurable (`CreditRules`), in calendar
//! months from publication; the defaults (shown 36 months, repair applied for after 12) are
//! UNVERIFIED.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::case::Party;

/// What a record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Violation {
    /// 弄虚作假: falsified monitoring data, tampered instruments, false reports.
    DataFraud,
    /// Another violation with a penalty decision.
    Other,
}

impl Violation {
    /// The Chinese label.
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Violation::DataFraud => "弄虚作假",
            Violation::Other => "环境违法",
        }
    }
}

/// One event of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CreditEvent {
    /// 公示: published from this day.
    Publish,
    /// 申请信用修复.
    RepairApplied {
        /// What the party did to correct it.
        note: String,
    },
    /// 修复完成: no longer shown.
    Repaired,
    /// 修复不予通过.
    RepairRefused {
        /// Why.
        reason: String,
    },
    /// 提出异议 (appeal).
    Appeal {
        /// The party's grounds.
        grounds: String,
    },
    /// 异议成立: the record was wrong and is withdrawn.
    AppealUpheld {
        /// Why.
        reason: String,
    },
    /// 异议不成立.
    AppealRejected {
        /// Why.
        reason: String,
    },
    /// 更正: a correction of the record's text, kept beside the original.
    Correct {
        /// What is corrected and why.
        note: String,
    },
}

/// A dated event with who recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    /// The day.
    pub on: Date,
    /// What.
    #[serde(flatten)]
    pub event: CreditEvent,
    /// Who.
    pub actor: String,
}

/// A credit record: the facts it was created with and its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRecord {
    /// The party.
    pub party: Party,
    /// What for.
    pub violation: Violation,
    /// The case it comes from (store id).
    pub case_id: i64,
    /// The decision's document number (决定书文号).
    pub decision_ref: String,
    /// What was done, for the public.
    pub summary: String,
    /// Events, in order.
    pub events: Vec<Dated>,
}

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    /// 待公示.
    Draft,
    /// 公示中.
    Published,
    /// 修复申请中 (still shown).
    RepairPending,
    /// 异议处理中 (still shown, marked).
    AppealPending,
    /// 已修复 (no longer shown).
    Repaired,
    /// 异议成立，已撤销 (no longer shown).
    Withdrawn,
    /// 公示期满 (no longer shown).
    Expired,
}

impl CreditStatus {
    /// The Chinese label.
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            CreditStatus::Draft => "待公示",
            CreditStatus::Published => "公示中",
            CreditStatus::RepairPending => "修复申请中",
            CreditStatus::AppealPending => "异议处理中",
            CreditStatus::Repaired => "已修复",
            CreditStatus::Withdrawn => "异议成立，已撤销",
            CreditStatus::Expired => "公示期满",
        }
    }

    /// Whether the public sees it.
    #[must_use]
    pub fn shown(self) -> bool {
        matches!(
            self,
            CreditStatus::Published | CreditStatus::RepairPending | CreditStatus::AppealPending
        )
    }
}

/// Disclosure rules (configurable; UNVERIFIED defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRules {
    /// Shown for this many calendar months after publication.
    pub shown_months: i32,
    /// Repair may be applied for this many months after publication at the earliest.
    pub repair_after_months: i32,
}

impl Default for CreditRules {
    fn default() -> Self {
        CreditRules {
            shown_months: 36,
            repair_after_months: 12,
        }
    }
}

/// An event refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditRefused {
    /// Not allowed in the record's status.
    #[error("信用记录当前为“{}”，不能{}", .0.label_zh(), .1)]
    Status(CreditStatus, &'static str),
    /// A repair applied for too early.
    #[error("公示满 {months} 个月后方可申请信用修复（最早 {earliest}）")]
    TooEarly {
        /// The rule.
        months: i32,
        /// The first day it may be applied for.
        earliest: Date,
    },
    /// An event dated before the last.
    #[error("{0} 早于上一条记录的日期 {1}")]
    BeforePrevious(Date, Date),
    /// A reason, grounds or note left empty.
    #[error("须填写说明")]
    Empty,
}

impl CreditRecord {
    /// The day it was published.
    #[must_use]
    pub fn published_on(&self) -> Option<Date> {
        self.events
            .iter()
            .find(|e| e.event == CreditEvent::Publish)
            .map(|e| e.on)
    }

    /// Its status on `today`.
    #[must_use]
    pub fn status(&self, rules: &CreditRules, today: Date) -> CreditStatus {
        let mut s = CreditStatus::Draft;
        for e in &self.events {
            s = match (&e.event, s) {
                (CreditEvent::Publish, _) => CreditStatus::Published,
                (CreditEvent::RepairApplied { .. }, _) => CreditStatus::RepairPending,
                (CreditEvent::Repaired, _) => CreditStatus::Repaired,
                (CreditEvent::RepairRefused { .. } | CreditEvent::AppealRejected { .. }, _) => {
                    CreditStatus::Published
                }
                (CreditEvent::Appeal { .. }, _) => CreditStatus::AppealPending,
                (CreditEvent::AppealUpheld { .. }, _) => CreditStatus::Withdrawn,
                (CreditEvent::Correct { .. }, s) => s,
            };
        }
        if s.shown()
            && let Some(p) = self.published_on()
            && p.checked_add(jiff::Span::new().months(rules.shown_months))
                .is_ok_and(|end| today >= end)
        {
            return CreditStatus::Expired;
        }
        s
    }

    /// Checks `event` on `on` against the record; the caller appends it (nothing recorded
    /// changes).
    pub fn check(
        &self,
        event: &CreditEvent,
        on: Date,
        rules: &CreditRules,
    ) -> Result<(), CreditRefused> {
        if let Some(last) = self.events.last()
            && on < last.on
        {
            return Err(CreditRefused::BeforePrevious(on, last.on));
        }
        let text_empty = match event {
            CreditEvent::RepairApplied { note } | CreditEvent::Correct { note } => {
                note.trim().is_empty()
            }
            CreditEvent::RepairRefused { reason }
            | CreditEvent::AppealUpheld { reason }
            | CreditEvent::AppealRejected { reason } => reason.trim().is_empty(),
            CreditEvent::Appeal { grounds } => grounds.trim().is_empty(),
            CreditEvent::Publish | CreditEvent::Repaired => false,
        };
        if text_empty {
            return Err(CreditRefused::Empty);
        }
        use CreditStatus as S;
        let s = self.status(rules, on);
        let (ok, what) = match event {
            CreditEvent::Publish => (s == S::Draft, "公示"),
            CreditEvent::RepairApplied { .. } => (s == S::Published, "申请修复"),
            CreditEvent::Repaired | CreditEvent::RepairRefused { .. } => {
                (s == S::RepairPending, "办理修复")
            }
            CreditEvent::Appeal { .. } => (s == S::Published, "提出异议"),
            CreditEvent::AppealUpheld { .. } | CreditEvent::AppealRejected { .. } => {
                (s == S::AppealPending, "办理异议")
            }
            CreditEvent::Correct { .. } => (true, "更正"),
        };
        if !ok {
            return Err(CreditRefused::Status(s, what));
        }
        if let CreditEvent::RepairApplied { .. } = event
            && let Some(p) = self.published_on()
        {
            let earliest = p
                .checked_add(jiff::Span::new().months(rules.repair_after_months))
                .unwrap_or(p);
            if on < earliest {
                return Err(CreditRefused::TooEarly {
                    months: rules.repair_after_months,
                    earliest,
                });
            }
        }
        Ok(())
    }
}
