//! Fire points (秸秆焚烧火点) in the store: detections kept once by their key, merged into
//! incidents, and each incident's work order (派发 → 核查 → 办结, or sent back) with its
//! history and audit. Which incident a detection joins is decided outside the store
//! (`lantian_fire::extend`); the store writes a whole import in one transaction and recomputes
//! each touched incident's first and last time, mean position and sources from its detections.
//! A work order's step is `lantian_fire::orders::apply`, checked with the caller's authority
//! inside the same transaction as the write.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use lantian_fire::orders::{Finding, OrderAction, OrderError, OrderState, Verification, apply};
use serde::Serialize;

use crate::StoreError;
use crate::accounts::AuditEntry;

/// A detection to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFireDetection {
    /// `lantian_fire::Detection::key`: duplicates across files share it.
    pub key: String,
    /// WGS-84.
    pub lon: f64,
    /// WGS-84.
    pub lat: f64,
    /// Unix ms, UTC.
    pub at_ms: i64,
    /// MODIS, VIIRS, 视频塔, …
    pub source: String,
    /// Satellite, or empty.
    pub satellite: String,
    /// `85`, `l`, `n`, `h`.
    pub confidence: String,
    /// Fire radiative power (MW).
    pub frp: Option<f64>,
    /// `D`, `N` or empty.
    pub daynight: String,
    /// The file it came from.
    pub file: String,
    /// Its line there.
    pub line: i64,
}

/// Where a new incident lies.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FirePlace {
    /// The district region containing it (None: outside, near the border).
    pub region: Option<String>,
    /// The town polygon containing it.
    pub town_code: Option<String>,
    /// That town's name.
    pub town: Option<String>,
    /// Outside every district region: the one whose border is within the distance.
    pub near_region: Option<String>,
    /// And how far (km).
    pub near_km: Option<f64>,
}

/// Which incident a group of new detections goes to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FireTarget {
    /// A stored incident.
    Existing(i64),
    /// A new one, dispatched at once to `dispatch_to` when given.
    New {
        /// Where it lies.
        place: FirePlace,
        /// The town to dispatch it to.
        dispatch_to: Option<String>,
    },
}

/// New detections of one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FireBatchItem {
    /// Where they go.
    pub target: FireTarget,
    /// The detections.
    pub detections: Vec<NewFireDetection>,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FireBatchOutcome {
    /// Detections stored.
    pub stored: u64,
    /// Detections already stored (by key), skipped.
    pub duplicates: u64,
    /// Incidents created.
    pub created: Vec<i64>,
    /// Stored incidents that gained detections.
    pub extended: Vec<i64>,
    /// Incidents dispatched on creation.
    pub dispatched: Vec<i64>,
}

/// A stored detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFireDetection {
    /// Store id.
    pub id: i64,
    /// Its incident.
    pub incident_id: i64,
    /// Import run.
    pub import_id: i64,
    /// As stored.
    pub detection: NewFireDetection,
}

/// A stored incident and its work order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FireIncidentRecord {
    /// Store id.
    pub id: i64,
    /// First detection (Unix ms).
    pub first_at_ms: i64,
    /// Last detection.
    pub last_at_ms: i64,
    /// Mean position, WGS-84.
    pub lon: f64,
    /// Mean position.
    pub lat: f64,
    /// Number of detections.
    pub detections: i64,
    /// Sources that saw it, sorted.
    pub sources: Vec<String>,
    /// Where it lies.
    pub place: FirePlace,
    /// The work order's state; None: not dispatched (pending, or near the border only).
    pub state: Option<OrderState>,
    /// The town it is dispatched to.
    pub assignee: Option<String>,
    /// When dispatched (the last time).
    pub dispatched_at_ms: Option<i64>,
    /// The first verification (the response time ends here).
    pub first_verified_at_ms: Option<i64>,
    /// The latest verification.
    pub verified_at_ms: Option<i64>,
    /// The latest verification's content.
    pub verification: Option<Verification>,
    /// When closed.
    pub closed_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Last change.
    pub updated_at_ms: i64,
}

impl FireIncidentRecord {
    /// Outside the district, near its border (watched, not dispatched).
    #[must_use]
    pub fn near_border(&self) -> bool {
        self.place.region.is_none()
    }

    /// Minutes from the first dispatch event to the first verification.
    #[must_use]
    pub fn response_min(&self, first_dispatch_ms: Option<i64>) -> Option<i64> {
        let from = first_dispatch_ms.or(self.dispatched_at_ms)?;
        let to = self.first_verified_at_ms?;
        Some((to - from).div_euclid(60_000))
    }

    /// 待派发, 境外临近, or the order's state in Chinese.
    #[must_use]
    pub fn state_zh(&self) -> &'static str {
        match self.state {
            Some(s) => s.zh(),
            None if self.near_border() => "边界外临近",
            None => "待派发",
        }
    }
}

/// A step of a work order.
#[derive(Debug, Clone, PartialEq)]
pub enum FireStep {
    /// Dispatch (or re-dispatch while undone) to a town.
    Dispatch(String),
    /// Verify, close or return (`lantian_fire::orders`).
    Order(OrderAction),
}

impl FireStep {
    /// `dispatch`, `verify`, `close`, `return`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            FireStep::Dispatch(_) => "dispatch",
            FireStep::Order(OrderAction::Verify(_)) => "verify",
            FireStep::Order(OrderAction::Close) => "close",
            FireStep::Order(OrderAction::Return(_)) => "return",
        }
    }
}

/// A step of a work order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FireOrderEvent {
    /// Store id.
    pub id: i64,
    /// Unix ms.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// `create`, `dispatch`, `verify`, `return`, `close`.
    pub action: String,
    /// State before (`` for none).
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// JSON: the town, the verification, the reason.
    pub detail: String,
}

/// Which incidents to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FireFilter {
    /// First detection at or after (Unix ms).
    pub from_ms: Option<i64>,
    /// First detection before.
    pub to_ms: Option<i64>,
    /// Lying in, or dispatched to, this town.
    pub town: Option<String>,
    /// Only near-border (true) or only inside (false).
    pub near_border: Option<bool>,
    /// At most this many (newest first); 0 for no limit.
    pub limit: usize,
}

pub(crate) fn state_of(s: Option<String>) -> Result<Option<OrderState>, StoreError> {
    s.map(|s| {
        OrderState::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("work order state {s:?}")))
    })
    .transpose()
}

/// The state as the event history writes it (`""` before the first dispatch).
pub(crate) fn state_str(s: Option<OrderState>) -> &'static str {
    s.map_or("", OrderState::as_str)
}

/// The verification columns back into a `Verification`.
pub(crate) fn verification_of(
    finding: Option<String>,
    burned_mu: Option<f64>,
    action: Option<String>,
    photos: &str,
) -> Result<Option<Verification>, StoreError> {
    let Some(f) = finding else {
        return Ok(None);
    };
    let finding =
        Finding::parse(&f).ok_or_else(|| StoreError::Corrupt(format!("finding {f:?}")))?;
    let photos: Vec<i64> = serde_json::from_str(photos)
        .map_err(|e| StoreError::Corrupt(format!("photos {photos:?}: {e}")))?;
    Ok(Some(Verification {
        finding,
        burned_mu,
        action: action.unwrap_or_default(),
        photos,
    }))
}

/// The change a step makes, decided from the current record (pure).
pub(crate) struct Change {
    pub state: Option<OrderState>,
    pub assignee: Option<String>,
    pub dispatched_at: Option<i64>,
    pub first_verified_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub verification: Option<Verification>,
    pub closed_at: Option<i64>,
}

/// The next state of an order after `step` at `at_ms`, or why not.
pub(crate) fn next(
    rec: &FireIncidentRecord,
    step: &FireStep,
    at_ms: i64,
) -> Result<Change, StoreError> {
    let conflict = |e: OrderError| StoreError::Conflict(e.to_string());
    let mut c = Change {
        state: rec.state,
        assignee: rec.assignee.clone(),
        dispatched_at: rec.dispatched_at_ms,
        first_verified_at: rec.first_verified_at_ms,
        verified_at: rec.verified_at_ms,
        verification: rec.verification.clone(),
        closed_at: rec.closed_at_ms,
    };
    match step {
        FireStep::Dispatch(town) => {
            if town.trim().is_empty() {
                return Err(StoreError::Invalid("dispatch to which town?".to_owned()));
            }
            match rec.state {
                None => c.dispatched_at = Some(at_ms),
                Some(OrderState::Dispatched) => {
                    if rec.assignee.as_deref() == Some(town.as_str()) {
                        return Err(StoreError::Conflict(format!(
                            "incident {} is already dispatched to {town}",
                            rec.id
                        )));
                    }
                    // Re-dispatched elsewhere (also after a return): the response time runs
                    // from now, to the new town's first verification.
                    c.dispatched_at = Some(at_ms);
                    c.first_verified_at = None;
                }
                Some(s) => {
                    return Err(StoreError::Conflict(format!(
                        "a work order that is {} cannot be dispatched again",
                        s.zh()
                    )));
                }
            }
            c.state = Some(OrderState::Dispatched);
            c.assignee = Some(town.trim().to_owned());
        }
        FireStep::Order(action) => {
            let Some(state) = rec.state else {
                return Err(StoreError::Conflict(format!(
                    "incident {} is not dispatched ({})",
                    rec.id,
                    rec.state_zh()
                )));
            };
            c.state = Some(apply(state, action).map_err(conflict)?);
            match action {
                OrderAction::Verify(v) => {
                    c.first_verified_at = rec.first_verified_at_ms.or(Some(at_ms));
                    c.verified_at = Some(at_ms);
                    c.verification = Some(v.clone());
                }
                OrderAction::Close => c.closed_at = Some(at_ms),
                OrderAction::Return(_) => {}
            }
        }
    }
    Ok(c)
}

/// The event detail and audit entry of a step.
pub(crate) fn step_records(
    rec: &FireIncidentRecord,
    step: &FireStep,
    change: &Change,
    actor: &str,
    at_ms: i64,
) -> (String, AuditEntry) {
    let detail = match step {
        FireStep::Dispatch(town) => serde_json::json!({"town": town}),
        FireStep::Order(OrderAction::Verify(v)) => serde_json::json!({"verification": v}),
        FireStep::Order(OrderAction::Return(r)) => serde_json::json!({"reason": r}),
        FireStep::Order(OrderAction::Close) => serde_json::json!({}),
    };
    let audit = AuditEntry {
        at_ms,
        actor: actor.to_owned(),
        action: format!("fire.{}", step.name()),
        target: format!("fire_incident:{}", rec.id),
        detail: serde_json::json!({
            "before": {"state": state_str(rec.state), "assignee": rec.assignee},
            "after": {"state": state_str(change.state), "assignee": change.assignee},
            "step": detail,
        })
        .to_string(),
    };
    (detail.to_string(), audit)
}

/// The import's audit entry with what it wrote.
pub(crate) fn batch_audit(
    audit: &AuditEntry,
    import_id: i64,
    out: &FireBatchOutcome,
) -> AuditEntry {
    let given: serde_json::Value = serde_json::from_str(&audit.detail)
        .unwrap_or(serde_json::Value::String(audit.detail.clone()));
    AuditEntry {
        detail: serde_json::json!({"import": import_id, "outcome": out, "given": given})
            .to_string(),
        ..audit.clone()
    }
}
