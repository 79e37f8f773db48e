//! Enforcement (执法) over the API: cases with their history, deadline and late steps (and, for
//! a case opened from an alarm, that alarm's evidence frames with their hashes), the steps
//! (the office, or the department in charge), the effectiveness figures, credit records (kept
//! by the office) and the screening of a project. Read by any logged-in user.

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use lantian_enforcement::case::{self, CaseEvent, Decision, Limits, Step};
use lantian_enforcement::credit::{CreditEvent, CreditRecord, CreditRules, Dated};
use lantian_enforcement::screening::{Project, ScreeningRules, screen};
use lantian_enforcement::{Origin, Party, Violation};
use lantian_store::{
    AuditEntry, CaseFilter, CaseRecord, CreditRow, NewCase, NewCredit, StoreError,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::ErrorBody;
use crate::extract::{Json, Query};
use crate::{ApiError, AppState};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cases, open))
        .routes(routes!(one))
        .routes(routes!(step))
        .routes(routes!(effect))
        .routes(routes!(credits, add_credit))
        .routes(routes!(credit_event))
        .routes(routes!(screening))
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Today in Beijing.
pub(crate) fn today() -> Date {
    jiff::Timestamp::now().to_zoned(super::beijing()).date()
}

fn audit(user: &CurrentUser, action: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at_ms: now_ms(),
        actor: user.actor.username.clone(),
        action: action.to_owned(),
        target: String::new(),
        detail,
    }
}

/// A case as listed and shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Where it came from.
    #[schema(value_type = Object)]
    pub origin: Origin,
    /// The party.
    #[schema(value_type = Object)]
    pub party: Party,
    /// The department in charge.
    pub department: String,
    /// The town.
    pub town: String,
    /// The device concerned.
    pub source: Option<String>,
    /// When detected.
    pub detected_on: Option<String>,
    /// State (`registered`, `filed`, `investigated`, `decided`, `closed`, `not_filed`).
    pub state: Option<String>,
    /// Its label.
    pub state_zh: String,
    /// The next step's deadline.
    #[schema(value_type = Option<Object>)]
    pub deadline: Option<case::Deadline>,
    /// Steps that were over their limit: (step, days over).
    pub late_steps: Vec<(String, i32)>,
    /// The history.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<CaseEvent>,
}

fn case_out(c: &CaseRecord, today: Date) -> CaseOut {
    let limits = Limits::default();
    let state = c.state();
    CaseOut {
        id: c.id,
        title: c.case.title.clone(),
        origin: c.case.origin.clone(),
        party: c.case.party.clone(),
        department: c.case.department.clone(),
        town: c.case.town.clone(),
        source: c.case.source.clone(),
        detected_on: c.case.detected_on.map(|d| d.to_string()),
        state: state.map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        state_zh: state.map_or("—", |s| s.label_zh()).to_owned(),
        deadline: case::deadline(&c.events, &limits, today),
        late_steps: case::late_steps(&c.events, &limits)
            .into_iter()
            .map(|(s, d)| (s.to_owned(), d))
            .collect(),
        events: c.events.clone(),
    }
}

/// Which cases.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Only this department.
    pub department: Option<String>,
    /// Only this town.
    pub town: Option<String>,
    /// Only those within the reminder window or overdue.
    #[serde(default)]
    pub due: bool,
}

/// Enforcement cases, newest first, with the next step's deadline.
#[utoipa::path(get, path = "/api/v1/cases", tag = "enforcement", params(CaseQuery),
    responses(
        (status = 200, description = "The cases", body = Vec<CaseOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn cases(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<CaseQuery>,
) -> Result<Response, ApiError> {
    let today = today();
    let policy = state.config.read_scope;
    let town = match (user.actor.reads(policy).town(), q.town) {
        (Some(mine), Some(t)) if t != mine => {
            return Err(ApiError::forbidden(format!(
                "cases of {t} are outside {mine}"
            )));
        }
        (Some(mine), _) => Some(mine.to_owned()),
        (None, t) => t,
    };
    let out: Vec<CaseOut> = state
        .blocking(move |store| {
            Ok(store
                .enforcement_cases(&CaseFilter {
                    department: q.department,
                    town,
                    party_key: None,
                })?
                .iter()
                .filter(|c| may_read(&user.actor, policy, c))
                .map(|c| case_out(c, today))
                .filter(|c| !q.due || c.deadline.as_ref().is_some_and(|d| d.remind))
                .collect())
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// Whether `actor` reads this case under `policy` (its town, the department in charge, or a
/// department that joined it).
pub(crate) fn may_read(
    actor: &lantian_core::Actor,
    policy: lantian_core::ReadScope,
    c: &lantian_store::CaseRecord,
) -> bool {
    let joined = lantian_enforcement::case::joined(&c.events);
    actor.may_read_case(&c.case.town, &c.case.department, &joined, policy)
}

/// [`may_read`] as a refusal naming the actor's scope.
pub(crate) fn readable(
    actor: &lantian_core::Actor,
    policy: lantian_core::ReadScope,
    c: &lantian_store::CaseRecord,
) -> Result<(), ApiError> {
    if may_read(actor, policy, c) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "case {} is outside {}",
            c.id,
            actor.scope.as_deref().unwrap_or_default()
        )))
    }
}

/// A case to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIn {
    /// Where it came from: `{"kind": "alarm", "id": 3}`, `{"kind": "fire", "id": 7}`,
    /// `{"kind": "complaint", "channel": "12369", "reference": "A0001"}`,
    /// `{"kind": "inspection", "note": "…"}`.
    #[schema(value_type = Object)]
    pub origin: Origin,
    /// The party: `{"kind": "enterprise"|"site"|"restaurant"|"agency", "name": …,
    /// "credit_code": …}`.
    #[schema(value_type = Object)]
    pub party: Party,
    /// The department in charge.
    pub department: String,
    /// The town.
    pub town: String,
    /// The device concerned.
    #[serde(default)]
    pub source: Option<String>,
    /// When detected (YYYY-MM-DD).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub detected_on: Option<Date>,
    /// A title.
    pub title: String,
    /// The registration day (default today, Beijing).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
}

fn required(field: &str, v: &str) -> Result<(), ApiError> {
    if v.trim().is_empty() {
        Err(ApiError::field(field, "required"))
    } else if v.chars().count() > 200 {
        Err(ApiError::field(field, "at most 200 characters"))
    } else {
        Ok(())
    }
}

/// Opens a case (the office, or the department it names for itself).
#[utoipa::path(post, path = "/api/v1/cases", tag = "enforcement", request_body = OpenIn,
    responses(
        (status = 200, description = "The case", body = CaseOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office or that department", body = ErrorBody),
    ))]
async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<OpenIn>,
) -> Result<Response, ApiError> {
    user.actor
        .may_enforce(&body.department)
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    required("title", &body.title)?;
    required("department", &body.department)?;
    required("town", &body.town)?;
    required("party", &body.party.name)?;
    let new = NewCase {
        origin: body.origin,
        party: body.party,
        department: body.department,
        town: body.town,
        source: body.source,
        detected_on: body.detected_on,
        title: body.title,
        registered: CaseEvent {
            on: body.on.unwrap_or_else(today),
            step: Step::Register,
            actor: user.actor.username.clone(),
        },
    };
    let audit = audit(&user, "case.open", new.title.clone());
    let today = today();
    let out = state
        .blocking(move |store| {
            let id = store.open_case(&new, now_ms(), &audit)?;
            Ok(case_out(&store.enforcement_case(id)?, today))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A case with its evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseOut,
    /// For a case opened from an alarm: its evidence frames (sequence, received, SHA-256 and
    /// the chain's previous hash, hex).
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<serde_json::Value>,
}

/// One case with its history and, when opened from an alarm, the alarm's evidence frames.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "enforcement",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
    ))]
async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let today = today();
    let policy = state.config.read_scope;
    let out = state
        .blocking(move |store| {
            let c = store.enforcement_case(id)?;
            readable(&user.actor, policy, &c)?;
            let evidence = match c.case.origin {
                Origin::Alarm { id: alarm } => store
                    .alarm_evidence(alarm)?
                    .iter()
                    .map(|f| {
                        let hex =
                            |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
                        serde_json::json!({
                            "seq": f.seq,
                            "received": super::moment_ms(f.received_at_ms),
                            "hash": hex(&f.hash),
                            "prev_hash": hex(&f.prev_hash),
                            "raw": lantian_report::frame_text(&f.raw),
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Ok(CaseDetail {
                case: case_out(&c, today),
                evidence,
            })
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// `file`, `not_file`, `investigate`, `decide`, `close`; or, without moving the case,
    /// `join` (another department) and `evidence` (a description and a stored file).
    pub step: String,
    /// For `join`: the department.
    #[serde(default)]
    pub department: Option<String>,
    /// For `evidence`: what it is.
    #[serde(default)]
    pub note: Option<String>,
    /// For `evidence`: the uploaded file (`POST /api/v1/attachments`).
    #[serde(default)]
    pub attachment: Option<i64>,
    /// For `not_file` and a decision without a penalty: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// For `decide`: `penalty`, `order` or `none`.
    #[serde(default)]
    pub decision: Option<String>,
    /// For a penalty: yuan.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
    /// With a penalty: an order to correct too.
    #[serde(default)]
    pub order_to_correct: bool,
    /// The day (default today, Beijing).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
}

fn step_of(b: &StepIn) -> Result<Step, ApiError> {
    let reason = || b.reason.clone().unwrap_or_default();
    Ok(match b.step.as_str() {
        "file" => Step::File,
        "not_file" => Step::NotFile { reason: reason() },
        "investigate" => Step::Investigate,
        "close" => Step::Close,
        "join" => Step::Join {
            department: b.department.clone().unwrap_or_default(),
        },
        // The file's hash is filled in from the store.
        "evidence" => Step::Evidence {
            note: b.note.clone().unwrap_or_default(),
            attachment: b.attachment,
            sha256: None,
        },
        "decide" => Step::Decide(match b.decision.as_deref() {
            Some("penalty") => Decision::Penalty {
                amount: b
                    .amount
                    .ok_or_else(|| ApiError::field("amount", "required for a penalty"))?,
                order_to_correct: b.order_to_correct,
            },
            Some("order") => Decision::OrderToCorrect,
            Some("none") => Decision::NoPenalty { reason: reason() },
            _ => return Err(ApiError::field("decision", "penalty, order or none")),
        }),
        other => {
            return Err(ApiError::field(
                "step",
                format!("{other:?}: file, not_file, investigate, decide, close, join or evidence"),
            ));
        }
    })
}

/// Takes a case's next step (the office, or the department in charge); refused with the
/// reason when out of order, dated before the last step, or incomplete.
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", tag = "enforcement",
    params(("id" = i64, Path, description = "Case id")), request_body = StepIn,
    responses(
        (status = 200, description = "The case after it", body = CaseOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office or the department in charge", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The step is refused, with the reason", body = ErrorBody),
    ))]
async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<StepIn>,
) -> Result<Response, ApiError> {
    let mut event = CaseEvent {
        on: body.on.unwrap_or_else(today),
        step: step_of(&body)?,
        actor: user.actor.username.clone(),
    };
    let audit = audit(&user, "case.step", body.step.clone());
    let actor = user.actor.clone();
    let today = today();
    let out = state
        .blocking(move |store| {
            // A file in the bundle: it must exist and be the actor's to read; its hash goes in.
            if let Step::Evidence {
                attachment: Some(file),
                sha256,
                ..
            } = &mut event.step
            {
                let (meta, _) = store.attachment(*file)?.ok_or_else(|| {
                    ApiError::field("attachment", format!("no attachment {file}"))
                })?;
                let own = actor.party().is_some_and(|p| {
                    meta.scope.as_deref() == Some(format!("{}:{}", p.kind(), p.name()).as_str())
                });
                if actor.scope.is_some() && !own {
                    return Err(ApiError::forbidden("another department's or town's file"));
                }
                *sha256 = Some(meta.sha256);
            }
            let after = store.case_step(
                id,
                &event,
                &|c| {
                    // The department in charge, or one that joined the case.
                    let joined = case::joined(&c.events);
                    if joined.iter().any(|d| actor.may_enforce(d).is_ok()) {
                        return Ok(());
                    }
                    actor
                        .may_enforce(&c.case.department)
                        .map_err(|e| StoreError::Denied(e.to_string()))
                },
                now_ms(),
                &audit,
            )?;
            Ok(case_out(&after, today))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// Grouping of the effectiveness figures.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EffectQuery {
    /// `department` (default) or `town`.
    pub by: Option<String>,
    /// Days for repeats and recurrence (default 365).
    pub window: Option<i32>,
}

/// Effectiveness of enforcement (执法效能) by department or town: cases, closed, days from
/// detection to closure (median, longest), late steps, repeat parties, recurrence.
#[utoipa::path(get, path = "/api/v1/cases/effect", tag = "enforcement", params(EffectQuery),
    responses(
        (status = 200, description = "Per group", body = Object),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn effect(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<EffectQuery>,
) -> Result<Response, ApiError> {
    let by_town = match q.by.as_deref() {
        None | Some("department") => false,
        Some("town") => true,
        Some(other) => {
            return Err(ApiError::field(
                "by",
                format!("{other:?}: department or town"),
            ));
        }
    };
    let window = q.window.unwrap_or(365);
    if !(1..=3650).contains(&window) {
        return Err(ApiError::field("window", "1 to 3650 days"));
    }
    let out = state
        .blocking(move |store| {
            serde_json::to_value(lantian_report::enforcement::effect(store, by_town, window)?)
                .map_err(ApiError::internal)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A credit record with its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditOut {
    /// Id.
    pub id: i64,
    /// The record and its events.
    #[schema(value_type = Object)]
    pub record: CreditRecord,
    /// Its status today.
    pub status: String,
    /// Shown to the public today.
    pub shown: bool,
}

fn credit_out(r: &CreditRow, today: Date) -> CreditOut {
    let s = r.record.status(&CreditRules::default(), today);
    CreditOut {
        id: r.id,
        record: r.record.clone(),
        status: s.label_zh().to_owned(),
        shown: s.shown(),
    }
}

/// Credit records with their history and status, newest first.
#[utoipa::path(get, path = "/api/v1/credit", tag = "enforcement",
    responses(
        (status = 200, description = "The records", body = Vec<CreditOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn credits(State(state): State<AppState>, _user: CurrentUser) -> Result<Response, ApiError> {
    let today = today();
    let out: Vec<CreditOut> = state
        .blocking(move |store| {
            Ok(store
                .credit_records(None)?
                .iter()
                .map(|r| credit_out(r, today))
                .collect())
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A credit record to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditIn {
    /// The case (decided with a penalty or an order).
    pub case_id: i64,
    /// `data_fraud` or `other`.
    #[schema(value_type = String)]
    pub violation: Violation,
    /// The decision's document number.
    pub decision_ref: String,
    /// What was done, for the public.
    pub summary: String,
}

/// Adds a credit record for a decided case, against its party (the office).
#[utoipa::path(post, path = "/api/v1/credit", tag = "enforcement", request_body = CreditIn,
    responses(
        (status = 200, description = "The record", body = CreditOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 409, description = "The case has no such decision", body = ErrorBody),
    ))]
async fn add_credit(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<CreditIn>,
) -> Result<Response, ApiError> {
    user.actor
        .may_keep_credit()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    required("decision_ref", &body.decision_ref)?;
    required("summary", &body.summary)?;
    let audit = audit(&user, "credit.add", body.decision_ref.clone());
    let actor = user.actor.username.clone();
    let today = today();
    let out = state
        .blocking(move |store| {
            let c = store.enforcement_case(body.case_id)?;
            let record = CreditRecord {
                party: c.case.party.clone(),
                violation: body.violation,
                case_id: body.case_id,
                decision_ref: body.decision_ref,
                summary: body.summary,
                events: Vec::new(),
            };
            let id = store.add_credit(&NewCredit { record }, now_ms(), &actor, &audit)?;
            let row = store
                .credit_records(Some(&c.case.party.key()))?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| ApiError::internal("the record just added is missing"))?;
            Ok(credit_out(&row, today))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// An event of a credit record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditEventIn {
    /// `publish`, `repair_applied`, `repaired`, `repair_refused`, `appeal`, `appeal_upheld`,
    /// `appeal_rejected`, `correct`.
    pub event: String,
    /// The note, reason or grounds the event needs.
    #[serde(default)]
    pub text: Option<String>,
    /// The day (default today, Beijing).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
}

/// Adds an event to a credit record (the office); refused with the reason when its status does
/// not allow it or a repair comes too early. Nothing recorded changes.
#[utoipa::path(post, path = "/api/v1/credit/{id}/events", tag = "enforcement",
    params(("id" = i64, Path, description = "Record id")), request_body = CreditEventIn,
    responses(
        (status = 200, description = "The record after it", body = CreditOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 409, description = "Refused, with the reason", body = ErrorBody),
    ))]
async fn credit_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<CreditEventIn>,
) -> Result<Response, ApiError> {
    user.actor
        .may_keep_credit()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let text = body.text.clone().unwrap_or_default();
    let event = match body.event.as_str() {
        "publish" => CreditEvent::Publish,
        "repair_applied" => CreditEvent::RepairApplied { note: text },
        "repaired" => CreditEvent::Repaired,
        "repair_refused" => CreditEvent::RepairRefused { reason: text },
        "appeal" => CreditEvent::Appeal { grounds: text },
        "appeal_upheld" => CreditEvent::AppealUpheld { reason: text },
        "appeal_rejected" => CreditEvent::AppealRejected { reason: text },
        "correct" => CreditEvent::Correct { note: text },
        other => {
            return Err(ApiError::field(
                "event",
                format!("{other:?} is not an event"),
            ));
        }
    };
    let dated = Dated {
        on: body.on.unwrap_or_else(today),
        event,
        actor: user.actor.username.clone(),
    };
    let audit = audit(&user, "credit.event", body.event.clone());
    let today = today();
    let out = state
        .blocking(move |store| {
            let row = store.credit_step(id, &dated, &CreditRules::default(), now_ms(), &audit)?;
            Ok(credit_out(&row, today))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A project to screen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenIn {
    /// Name.
    pub name: String,
    /// Its industry's code (`config/screening/rules.toml`).
    pub industry: String,
    /// The exception it claims.
    #[serde(default)]
    pub exception: Option<String>,
    /// New capacity.
    #[serde(default)]
    pub new_capacity: bool,
    /// Its tallest stack (m).
    #[serde(default)]
    pub stack_m: Option<f64>,
    /// Longitude (WGS-84), with `lat`: measured against the map layer `border`.
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude.
    #[serde(default)]
    pub lat: Option<f64>,
}

/// Screens a new project (项目准入): banned industries, the 两高 catalogue and the
/// 环评一致性会商 conditions, the border measured on the map layer `border`.
#[utoipa::path(post, path = "/api/v1/screening", tag = "enforcement", request_body = ScreenIn,
    responses(
        (status = 200, description = "The outcome with its reasons", body = Object),
        (status = 400, description = "Bad field, or no border layer for a located project", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn screening(
    State(state): State<AppState>,
    _user: CurrentUser,
    Json(body): Json<ScreenIn>,
) -> Result<Response, ApiError> {
    required("name", &body.name)?;
    let rules = ScreeningRules::from_toml(lantian_enforcement::screening::SHIPPED)
        .map_err(|e| ApiError::internal(e.join("; ")))?;
    let point = match (body.lon, body.lat) {
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Some((lon, lat))
        }
        (None, None) => None,
        _ => return Err(ApiError::field("lon", "give lon and lat (WGS-84) together")),
    };
    let out = state
        .blocking(move |store| {
            let border = match point {
                Some((lon, lat)) => Some(
                    lantian_report::enforcement::border_at(store, lon, lat)?.ok_or_else(|| {
                        ApiError::field("lon", "no map layer `border` to measure against")
                    })?,
                ),
                None => None,
            };
            Ok(screen(
                &rules,
                &Project {
                    name: body.name,
                    industry: body.industry,
                    exception: body.exception,
                    new_capacity: body.new_capacity,
                    stack_m: body.stack_m,
                },
                border,
            ))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}
