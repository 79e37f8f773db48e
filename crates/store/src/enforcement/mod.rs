//! Enforcement cases and credit records in the store. A case (its origin, party, department,
//! town) and a credit record (its party, violation, decision) are written once; each step is an
//! event appended after `lantian_enforcement` has checked it against the history read in the
//! same transaction, so two people acting at once cannot both take the same step. Triggers
//! refuse any update or delete.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use jiff::civil::Date;
use lantian_enforcement::case::{self, CaseEvent, CaseState, Decision, Step};
use lantian_enforcement::credit::{CreditRecord, CreditRules, Dated};
use lantian_enforcement::{Origin, Party};

use crate::StoreError;

/// A case to open; `registered` is its 登记 event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// Where it came from.
    pub origin: Origin,
    /// The party.
    pub party: Party,
    /// The department in charge.
    pub department: String,
    /// The town.
    pub town: String,
    /// The device (MN) concerned, if any.
    pub source: Option<String>,
    /// When the problem was detected.
    pub detected_on: Option<Date>,
    /// A title.
    pub title: String,
    /// The registration.
    pub registered: CaseEvent,
}

/// A stored case with its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// Store id.
    pub id: i64,
    /// As opened (its `registered` is the first event).
    pub case: NewCase,
    /// Every event, in order.
    pub events: Vec<CaseEvent>,
    /// Unix ms.
    pub created_at_ms: i64,
    /// Who.
    pub created_by: String,
}

impl CaseRecord {
    /// Its state.
    #[must_use]
    pub fn state(&self) -> Option<CaseState> {
        case::state_of(&self.events)
    }
}

/// Which cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only this department.
    pub department: Option<String>,
    /// Only this town.
    pub town: Option<String>,
    /// Only this party (its key).
    pub party_key: Option<String>,
}

/// A credit record to add, for a case with a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredit {
    /// The record (its events empty).
    pub record: CreditRecord,
}

/// A stored credit record with its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRow {
    /// Store id.
    pub id: i64,
    /// The record and its events.
    pub record: CreditRecord,
    /// Unix ms.
    pub created_at_ms: i64,
    /// Who.
    pub created_by: String,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A refused step as the store's conflict.
fn refused(e: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(e.to_string())
}

/// The registration must be the first step.
fn check_open(new: &NewCase) -> Result<(), StoreError> {
    case::apply(&[], &new.registered)
        .map(|_| ())
        .map_err(refused)
}

/// A credit record needs its case decided with a penalty or an order, against the same party.
fn check_credit(c: &CaseRecord, record: &CreditRecord) -> Result<(), StoreError> {
    if !record.events.is_empty() {
        return Err(StoreError::Invalid(
            "a new credit record has no events yet".to_owned(),
        ));
    }
    if record.party.key() != c.case.party.key() {
        return Err(refused(format!(
            "the credit record's party is not case #{}'s party",
            c.id
        )));
    }
    let decision = c.events.iter().find_map(|e| match &e.step {
        Step::Decide(d) => Some(d),
        _ => None,
    });
    match decision {
        Some(Decision::Penalty { .. } | Decision::OrderToCorrect) => Ok(()),
        Some(Decision::NoPenalty { .. }) => Err(refused(format!(
            "case #{} was decided without a penalty: no credit record",
            c.id
        ))),
        None => Err(refused(format!(
            "case #{} has no decision yet: a credit record follows a decision",
            c.id
        ))),
    }
}

fn check_credit_step(
    row: &CreditRow,
    event: &Dated,
    rules: &CreditRules,
) -> Result<(), StoreError> {
    row.record
        .check(&event.event, event.on, rules)
        .map_err(refused)
}
