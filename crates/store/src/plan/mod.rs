//! The action plan in the store: loaded plan files (each version kept), task progress reports
//! and their review history, attachments, and indicator values. The plan's rules (who may
//! report what, review transitions) are `lantian_plan`'s; the store applies a report's
//! transition and its audit entry in one transaction.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use lantian_plan::supervision::{ReviewAction, ReviewState, on_review, on_submit};

use crate::StoreError;

/// A loaded plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVersion {
    /// Store id (increasing: the newest is the plan in force).
    pub id: i64,
    /// The plan's code.
    pub code: String,
    /// The plan's own version number.
    pub version: i64,
    /// SHA-256 of the text, hex.
    pub sha256: String,
    /// The file's text.
    pub source: String,
    /// Unix milliseconds.
    pub loaded_at_ms: i64,
    /// Who loaded it.
    pub loaded_by: String,
}

/// A report to submit (or resubmit, or edit before review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaskReport {
    /// Plan code.
    pub plan_code: String,
    /// Task number.
    pub task: i64,
    /// `department` or `town`.
    pub party_kind: String,
    /// The department's or town's name.
    pub party: String,
    /// Period key (`2024Q3`).
    pub period: String,
    /// The report says the task is completed.
    pub completed: bool,
    /// What was done.
    pub body: String,
    /// Figures, a JSON object.
    pub numbers: String,
    /// Attachment ids.
    pub attachments: Vec<i64>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskReportRecord {
    /// Store id.
    pub id: i64,
    /// The report as last submitted.
    pub report: NewTaskReport,
    /// Review state.
    pub state: ReviewState,
    /// First submission, Unix milliseconds.
    pub first_submitted_at_ms: i64,
    /// Last change, Unix milliseconds.
    pub updated_at_ms: i64,
    /// The office's last comment.
    pub review_comment: String,
    /// Who reviewed it last.
    pub reviewed_by: Option<String>,
}

/// One step of a report's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskReportEvent {
    /// Store id.
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// submit, edit, resubmit, return, accept.
    pub action: String,
    /// State before (none for the first submission).
    pub from_state: Option<String>,
    /// State after.
    pub to_state: String,
    /// The office's comment.
    pub comment: String,
    /// The report's text at this step.
    pub body: String,
    /// Its attachments at this step.
    pub attachments: Vec<i64>,
}

/// Which reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskReportFilter {
    /// Plan code (required in practice).
    pub plan_code: String,
    /// Only this task.
    pub task: Option<i64>,
    /// Only this party (kind, name).
    pub party: Option<(String, String)>,
    /// Only this period.
    pub period: Option<String>,
    /// Only this state.
    pub state: Option<ReviewState>,
}

/// A file to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// File name as uploaded.
    pub name: String,
    /// MIME type (as checked by the caller).
    pub mime: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// The uploader's department or town.
    pub scope: Option<String>,
    /// Unix milliseconds.
    pub uploaded_at_ms: i64,
}

/// A stored file's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    /// Store id.
    pub id: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// File name.
    pub name: String,
    /// MIME type.
    pub mime: String,
    /// Bytes.
    pub size: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// The uploader's department or town.
    pub scope: Option<String>,
    /// Unix milliseconds.
    pub uploaded_at_ms: i64,
}

/// An indicator value to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIndicatorValue {
    /// Plan code.
    pub plan_code: String,
    /// Indicator code.
    pub indicator: String,
    /// Last day of the period, `YYYY-MM-DD`.
    pub as_of: String,
    /// Exact decimal text.
    pub value: String,
    /// This is the baseline year's value.
    pub baseline: bool,
    /// Source or method.
    pub note: String,
    /// Evidence.
    pub attachments: Vec<i64>,
    /// The department reporting.
    pub party: String,
    /// Who.
    pub reported_by: String,
    /// Unix milliseconds.
    pub reported_at_ms: i64,
}

/// A stored indicator value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorValueRecord {
    /// Store id (later rows correct earlier ones for the same date).
    pub id: i64,
    /// The value.
    pub value: NewIndicatorValue,
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

fn ids_of(json: &str) -> Result<Vec<i64>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("attachment ids: {e}")))
}

fn state_of(s: &str) -> Result<ReviewState, StoreError> {
    ReviewState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("report state {s:?}")))
}

/// The audit detail of a report change: its state and text before and after.
fn audit_detail(
    action: ReviewAction,
    before: Option<&TaskReportRecord>,
    after: &TaskReportRecord,
) -> String {
    let view = |r: &TaskReportRecord| {
        serde_json::json!({
            "state": r.state.as_str(),
            "completed": r.report.completed,
            "body": r.report.body,
            "numbers": r.report.numbers,
            "attachments": r.report.attachments,
            "review_comment": r.review_comment,
        })
    };
    serde_json::json!({
        "action": action.as_str(),
        "task": after.report.task,
        "party": after.report.party,
        "period": after.report.period,
        "before": before.map(view),
        "after": view(after),
    })
    .to_string()
}

/// The transition of a submission, as a store error when refused.
fn submit_step(current: Option<ReviewState>) -> Result<(ReviewAction, ReviewState), StoreError> {
    on_submit(current).map_err(StoreError::Conflict)
}

fn review_step(
    current: ReviewState,
    accept: bool,
) -> Result<(ReviewAction, ReviewState), StoreError> {
    on_review(current, accept).map_err(StoreError::Conflict)
}
