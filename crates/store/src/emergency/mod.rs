//! Heavy-pollution weather in the store: warnings and every step of their workflow, the
//! emergency-reduction list (each distinct list kept, the newest in force) and the enterprise
//! registry it is checked against. A warning's transition is
//! `lantian_emergency::warning::WarningState::apply`; the store applies it with its history row
//! and its audit entry (before and after) in one transaction.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use lantian_emergency::grading::Level;
use lantian_emergency::warning::{WarningAction, WarningState, WarningStatus};

use crate::StoreError;
use crate::accounts::AuditEntry;

/// A warning to open (研判): the area, the forecast and what it calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWarning {
    /// The area's code.
    pub area: String,
    /// The grading used.
    pub grading: String,
    /// The level the forecast calls for.
    pub proposed_level: Option<Level>,
    /// The temporary-control tier holds.
    pub advisory: bool,
    /// The forecast allows lifting.
    pub may_lift: bool,
    /// JSON of the forecast.
    pub forecast: String,
    /// JSON of the proposal.
    pub proposal: String,
}

/// A stored warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningRecord {
    /// Store id.
    pub id: i64,
    /// As opened or last re-assessed.
    pub warning: NewWarning,
    /// Its status.
    pub status: WarningStatus,
    /// The level in force (or last in force).
    pub level: Option<Level>,
    /// When it took effect (Unix ms).
    pub issued_at_ms: Option<i64>,
    /// When it ended.
    pub lifted_at_ms: Option<i64>,
    /// When opened.
    pub created_at_ms: i64,
    /// Who opened it.
    pub created_by: String,
    /// Last change.
    pub updated_at_ms: i64,
}

/// A step of a warning's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningEvent {
    /// Store id.
    pub id: i64,
    /// When it was recorded (Unix ms).
    pub at_ms: i64,
    /// When it takes effect (Unix ms): the warning's start, the change, the lift.
    pub effective_at_ms: i64,
    /// Who.
    pub actor: String,
    /// `assess`, `reassess`, `issue`, `adjust`, `lift`, `cancel`.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Level before.
    pub from_level: Option<Level>,
    /// Level after.
    pub to_level: Option<Level>,
    /// The written reason.
    pub reason: String,
    /// The proposal at the time (JSON).
    pub detail: String,
}

/// A stored emergency-reduction list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReductionListRecord {
    /// Store id (the newest is in force).
    pub id: i64,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// Its name (the file's).
    pub name: String,
    /// JSON of `lantian_emergency::ReductionList`.
    pub body: String,
    /// Number of enterprises.
    pub enterprises: i64,
    /// Unix ms.
    pub loaded_at_ms: i64,
    /// Who loaded it.
    pub loaded_by: String,
}

pub(crate) fn level_of(s: Option<String>) -> Result<Option<Level>, StoreError> {
    s.map(|s| Level::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("warning level {s:?}"))))
        .transpose()
}

pub(crate) fn status_of(s: &str) -> Result<WarningStatus, StoreError> {
    WarningStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("warning status {s:?}")))
}

/// The next state of a warning, or a conflict naming why not.
pub(crate) fn step(
    rec: &WarningRecord,
    action: &WarningAction,
) -> Result<WarningState, StoreError> {
    WarningState {
        status: rec.status,
        level: rec.level,
    }
    .apply(action, rec.warning.proposed_level, rec.warning.may_lift)
    .map_err(|e| StoreError::Conflict(e.to_string()))
}

pub(crate) fn audit_of(
    action: &str,
    id: i64,
    actor: &str,
    at_ms: i64,
    before: Option<&WarningRecord>,
    after: &WarningRecord,
    reason: &str,
) -> AuditEntry {
    let view = |r: &WarningRecord| {
        serde_json::json!({
            "status": r.status.as_str(),
            "level": r.level.map(Level::as_str),
            "proposed_level": r.warning.proposed_level.map(Level::as_str),
            "area": r.warning.area,
        })
    };
    AuditEntry {
        at_ms,
        actor: actor.to_owned(),
        action: format!("warning.{action}"),
        target: format!("warning:{id}"),
        detail: serde_json::json!({
            "before": before.map(view),
            "after": view(after),
            "reason": reason,
        })
        .to_string(),
    }
}
