//! The action plan (行动计划): the plan itself (public), tasks with status, progress reports and
//! their review (督办), attachments, indicators with their values and progress, scorecards,
//! reminders, and the workbook in the layout of the plan's table.
//!
//! Who may do what is `lantian_core::access`: a department or town user reports for its own
//! department or town and reads only its own reports; the office reviews; viewers read.
//! A department may report on a task it leads or cooperates on; a town on the plan's
//! `town_tasks`.

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use lantian_core::{Party, Role};
use lantian_plan::supervision::{Reminder, ReviewState, TaskStatus};
use lantian_plan::{Deadline, Plan, Source};
use lantian_report::Tabular;
use lantian_report::plan::{PlanStatus, num, target_text};
use lantian_store::{
    AttachmentRecord, AuditEntry, NewAttachment, NewIndicatorValue, NewTaskReport, PlanVersion,
    Store, TaskReportFilter, TaskReportRecord,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, Moment, moment_ms, respond};
use crate::auth::CurrentUser;
use crate::error::ErrorBody;
use crate::extract::{Json, Query};
use crate::{ApiError, AppState};

/// Largest attachment, bytes.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plan))
        .routes(routes!(tasks))
        .routes(routes!(task))
        .routes(routes!(reports, submit_report))
        .routes(routes!(report))
        .routes(routes!(review_report))
        .routes(routes!(indicators))
        .routes(routes!(add_value))
        .routes(routes!(scorecards))
        .routes(routes!(reminders))
        .routes(routes!(export))
        .routes(routes!(download))
}

/// The upload route: its own, larger body limit (see [`crate::router`]).
pub(crate) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload))
}

/// Today in Beijing: supervision runs on the real date (reports are written now), whatever
/// `console_date` the air-quality pages use for a past data set.
pub(crate) fn plan_today() -> Date {
    jiff::Timestamp::now().to_zoned(super::beijing()).date()
}

/// The plan in force, parsed (reused for `report_ttl`).
pub(crate) fn active_plan(
    state: &AppState,
    store: &Store,
) -> Result<Arc<(PlanVersion, Plan)>, ApiError> {
    state.cached("plan:active".to_owned(), || {
        store.active_plan()?.ok_or_else(|| {
            ApiError::not_found(
                "no plan loaded (lantian plan load config/plans/haimen.toml)".to_owned(),
            )
        })
    })
}

/// The plan's status as of today, PM2.5 from the home area's monitoring data
/// (each year's mean reused for `report_ttl`).
pub(crate) fn status(state: &AppState, store: &Store) -> Result<PlanStatus, ApiError> {
    let plan = active_plan(state, store)?;
    let today = plan_today();
    let area = state.config.home_area.clone();
    // Each year's PM2.5 from the (shared, single-flight) area report.
    let series =
        |series: &str, year: i16| -> Result<Option<Decimal>, lantian_report::ReportError> {
            let period = match (series, lantian_report::plan::pm25_period(year, today)) {
                ("pm25_annual", Some(p)) => p,
                _ => return Ok(None),
            };
            match state.report(store, false, &area, period) {
                Ok(r) => Ok(lantian_report::plan::pm25_of(&r)),
                Err(e) if e.status() == axum::http::StatusCode::NOT_FOUND => Ok(None),
                Err(e) => Err(lantian_report::ReportError::Series(e.message().to_owned())),
            }
        };
    Ok(lantian_report::plan::plan_status(
        store, &plan.1, today, &series,
    )?)
}

/// The parts of the status a user may see: a department or town sees only its own reports and
/// reminders (task counts and tables are computed from what remains).
pub(crate) fn visible_status(
    state: &AppState,
    store: &Store,
    user: &CurrentUser,
) -> Result<PlanStatus, ApiError> {
    reader_party(user)?;
    let mut s = status(state, store)?;
    for t in &mut s.tasks {
        t.reports.retain(|r| may_read(user, r));
    }
    s.reminders.retain(|r| reminder_visible(r, user));
    Ok(s)
}

/// A department's or town's party; `None` for the office, admins and viewers. A department or
/// town user without a scope (only possible by editing the store) sees nothing: 403.
fn reader_party(user: &CurrentUser) -> Result<Option<Party<'_>>, ApiError> {
    match (user.actor.role, user.actor.party()) {
        (Role::Department | Role::Town, None) => Err(ApiError::forbidden(
            "a department or town user without a scope: ask the administrator",
        )),
        (_, p) => Ok(p),
    }
}

/// The party a user reports for, or a 403.
fn own_party(user: &CurrentUser) -> Result<Party<'_>, ApiError> {
    user.actor.party().ok_or_else(|| {
        ApiError::forbidden(format!(
            "role {} does not report: only department and town users do",
            user.actor.role
        ))
    })
}

/// Whether `party` is named for task `n` (a department leading or cooperating; a town for the
/// plan's town tasks).
fn involved(plan: &Plan, n: u32, party: Party<'_>) -> bool {
    match party {
        Party::Department(d) => plan.task(n).is_some_and(|t| t.involves(d)),
        Party::Town(t) => plan.meta.town_tasks.contains(&n) && plan.has_town(t),
    }
}

// ---------------------------------------------------------------------------------------------
// The plan.

/// The plan: identity, sections with their measures, departments, towns.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanOut {
    /// Code.
    pub code: String,
    /// The plan's version number.
    pub version: u32,
    /// SHA-256 of the loaded file.
    pub sha256: String,
    /// Title.
    pub title: String,
    /// Stage (征求意见稿, …).
    pub stage: String,
    /// District.
    pub district: String,
    /// 总体要求.
    pub goal: String,
    /// monthly, quarterly or halfyearly.
    pub reporting: String,
    /// Sections with measures.
    pub sections: Vec<SectionOut>,
    /// Department names.
    pub departments: Vec<String>,
    /// Town names.
    pub towns: Vec<String>,
}

/// A section.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionOut {
    /// Number.
    pub number: u32,
    /// Numeral (一).
    pub numeral: String,
    /// Title.
    pub title: String,
    /// Its measures.
    pub measures: Vec<MeasureOut>,
}

/// A measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureOut {
    /// Number.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Text, verbatim.
    pub text: String,
}

/// The plan in force (public).
#[utoipa::path(get, path = "/api/v1/plan", tag = "plan",
    responses(
        (status = 200, description = "The plan", body = PlanOut),
        (status = 404, description = "No plan loaded", body = ErrorBody),
    ))]
async fn plan(State(state): State<AppState>) -> Result<Response, ApiError> {
    let st = state.clone();
    let p = state.blocking(move |store| active_plan(&st, store)).await?;
    let (v, plan) = (&p.0, &p.1);
    let out = PlanOut {
        code: plan.meta.code.clone(),
        version: plan.meta.version,
        sha256: v.sha256.clone(),
        title: plan.meta.title.clone(),
        stage: plan.meta.stage.clone(),
        district: plan.meta.district.clone(),
        goal: plan.meta.goal.clone(),
        reporting: format!("{:?}", plan.meta.reporting).to_lowercase(),
        sections: plan
            .sections
            .iter()
            .map(|s| SectionOut {
                number: s.number,
                numeral: s.numeral.clone(),
                title: s.title.clone(),
                measures: plan
                    .measures
                    .iter()
                    .filter(|m| m.section == s.number)
                    .map(|m| MeasureOut {
                        number: m.number,
                        title: m.title.clone(),
                        text: m.text.clone(),
                    })
                    .collect(),
            })
            .collect(),
        departments: plan.departments.iter().map(|d| d.name.clone()).collect(),
        towns: plan.towns.iter().map(|t| t.name.clone()).collect(),
    };
    Ok(axum::Json(out).into_response())
}

// ---------------------------------------------------------------------------------------------
// Tasks.

/// A task with its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    /// 序号.
    pub number: u32,
    /// Measure number.
    pub measure: u32,
    /// The measure's title.
    pub measure_title: String,
    /// Content, verbatim.
    pub content: String,
    /// 完成时限 as written.
    pub deadline_text: String,
    /// The deadline's last day (none for 持续推进).
    pub due: Option<String>,
    /// 责任分工 as written.
    pub responsibility: String,
    /// Lead departments.
    pub lead: Vec<String>,
    /// Cooperating departments.
    pub cooperating: Vec<String>,
    /// Others take part (等, 各有关部门).
    pub others: bool,
    /// not_started, in_progress, done, overdue, ongoing.
    pub status: String,
    /// Its Chinese label.
    pub status_zh: String,
    /// Reports stored for the task (all parties).
    pub reports: usize,
    /// Of those, accepted.
    pub accepted: usize,
}

fn task_out(plan: &Plan, row: &lantian_report::plan::TaskRow) -> TaskOut {
    let t = &row.task;
    TaskOut {
        number: t.number,
        measure: t.measure,
        measure_title: plan
            .measure(t.measure)
            .map(|m| m.title.clone())
            .unwrap_or_default(),
        content: t.content.clone(),
        deadline_text: t.deadline_text.clone(),
        due: match t.deadline {
            Deadline::By(d) => Some(d.to_string()),
            Deadline::Ongoing => None,
        },
        responsibility: t.responsibility.clone(),
        lead: t.lead.clone(),
        cooperating: t.cooperating.clone(),
        others: t.others,
        status: row.status.as_str().to_owned(),
        status_zh: row.status.zh().to_owned(),
        reports: row.reports.len(),
        accepted: row
            .reports
            .iter()
            .filter(|r| r.state == ReviewState::Accepted)
            .count(),
    }
}

/// Task filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// Only tasks this department leads or cooperates on.
    pub department: Option<String>,
    /// Only this status (not_started, in_progress, done, overdue, ongoing).
    pub status: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// The plan's tasks with their status (重点工作任务).
#[utoipa::path(get, path = "/api/v1/plan/tasks", tag = "plan", params(TaskQuery),
    responses(
        (status = 200, description = "Tasks", body = Vec<TaskOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No plan loaded", body = ErrorBody),
    ))]
async fn tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<TaskQuery>,
) -> Result<Response, ApiError> {
    if let Some(s) = q.status.as_deref() {
        task_status_param(s)?;
    }
    let st = state.clone();
    let s = state
        .blocking(move |store| visible_status(&st, store, &user))
        .await?;
    if let Some(d) = q.department.as_deref() {
        if s.plan.department(d).is_none() {
            return Err(ApiError::field(
                "department",
                format!("{d:?} is not a department of the plan"),
            ));
        }
    }
    let dept = q
        .department
        .as_deref()
        .and_then(|d| s.plan.department(d))
        .map(|d| d.name.clone());
    let rows: Vec<TaskOut> = s
        .tasks
        .iter()
        .filter(|r| dept.as_ref().is_none_or(|d| r.task.involves(d)))
        .filter(|r| q.status.as_ref().is_none_or(|st| r.status.as_str() == st))
        .map(|r| task_out(&s.plan, r))
        .collect();
    let tab = lantian_report::plan::task_table(&s);
    let numbers: Vec<String> = rows.iter().map(|r| r.number.to_string()).collect();
    let tab = Tabular {
        headers: tab.headers,
        rows: tab
            .rows
            .into_iter()
            .filter(|r| numbers.contains(&r[0]))
            .collect(),
    };
    respond(q.format.unwrap_or_default(), rows, move || tab, "tasks").await
}

/// A task with the reports the user may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    /// The task.
    pub task: TaskOut,
    /// Reports (the office's and viewers' view: all; a department or town: its own).
    pub reports: Vec<ReportOut>,
    /// Whether the user may report on it, and for whom.
    pub may_report_as: Option<String>,
}

/// One task with its reports.
#[utoipa::path(get, path = "/api/v1/plan/tasks/{number}", tag = "plan",
    params(("number" = u32, Path, description = "序号")),
    responses(
        (status = 200, description = "The task", body = TaskDetail),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such task", body = ErrorBody),
    ))]
async fn task(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    let n: u32 = number
        .parse()
        .map_err(|_| ApiError::field("number", "not a task number"))?;
    let st = state.clone();
    let detail = state
        .blocking(move |store| task_detail(&st, store, &user, n, false))
        .await?;
    Ok(axum::Json(detail).into_response())
}

pub(crate) fn task_detail(
    state: &AppState,
    store: &Store,
    user: &CurrentUser,
    n: u32,
    with_events: bool,
) -> Result<TaskDetail, ApiError> {
    let s = visible_status(state, store, user)?;
    let row = s
        .tasks
        .iter()
        .find(|r| r.task.number == n)
        .ok_or_else(|| ApiError::not_found(format!("no task {n}")))?;
    // `visible_status` has kept only the reports the user may read.
    let reports = row
        .reports
        .iter()
        .map(|r| report_out(store, r, with_events))
        .collect::<Result<_, _>>()?;
    Ok(TaskDetail {
        task: task_out(&s.plan, row),
        reports,
        may_report_as: user
            .actor
            .party()
            .filter(|p| involved(&s.plan, n, *p))
            .map(|p| p.name().to_owned()),
    })
}

// ---------------------------------------------------------------------------------------------
// Reports.

/// A progress report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// Id.
    pub id: i64,
    /// Task number.
    pub task: i64,
    /// department or town.
    pub party_kind: String,
    /// Who reports.
    pub party: String,
    /// Period (`2024Q3`).
    pub period: String,
    /// submitted, returned or accepted.
    pub state: String,
    /// Its Chinese label.
    pub state_zh: String,
    /// The report says the task is completed.
    pub completed: bool,
    /// What was done.
    pub body: String,
    /// Figures.
    #[schema(value_type = Object)]
    pub numbers: serde_json::Value,
    /// Evidence files.
    pub attachments: Vec<AttachmentOut>,
    /// First submitted.
    pub first_submitted_at: Moment,
    /// Last change.
    pub updated_at: Moment,
    /// The office's last comment.
    pub review_comment: String,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// History (only in the single-report answer).
    pub events: Vec<ReportEventOut>,
}

/// One step of a report's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportEventOut {
    /// When.
    pub at: Moment,
    /// Who.
    pub actor: String,
    /// submit, edit, resubmit, return, accept.
    pub action: String,
    /// State before.
    pub from: Option<String>,
    /// State after.
    pub to: String,
    /// Comment.
    pub comment: String,
    /// The report's text at this step.
    pub body: String,
}

/// An attachment's description.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    /// Id (download at `/api/v1/attachments/{id}`).
    pub id: i64,
    /// File name.
    pub name: String,
    /// MIME type.
    pub mime: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
}

fn attachment_out(a: AttachmentRecord) -> AttachmentOut {
    AttachmentOut {
        id: a.id,
        name: a.name,
        mime: a.mime,
        size: a.size,
        sha256: a.sha256,
    }
}

fn party_of(r: &TaskReportRecord) -> Party<'_> {
    if r.report.party_kind == "town" {
        Party::Town(&r.report.party)
    } else {
        Party::Department(&r.report.party)
    }
}

fn may_read(user: &CurrentUser, r: &TaskReportRecord) -> bool {
    user.actor.may_read_reports_of(party_of(r)).is_ok()
}

pub(crate) fn report_out(
    store: &Store,
    r: &TaskReportRecord,
    with_events: bool,
) -> Result<ReportOut, ApiError> {
    let events = if with_events {
        store
            .task_report_events(r.id)?
            .into_iter()
            .map(|e| ReportEventOut {
                at: moment_ms(e.at_ms),
                actor: e.actor,
                action: e.action,
                from: e.from_state,
                to: e.to_state,
                comment: e.comment,
                body: e.body,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReportOut {
        id: r.id,
        task: r.report.task,
        party_kind: r.report.party_kind.clone(),
        party: r.report.party.clone(),
        period: r.report.period.clone(),
        state: r.state.as_str().to_owned(),
        state_zh: r.state.zh().to_owned(),
        completed: r.report.completed,
        body: r.report.body.clone(),
        numbers: serde_json::from_str(&r.report.numbers).unwrap_or(serde_json::Value::Null),
        attachments: store
            .attachments(&r.report.attachments)?
            .into_iter()
            .map(attachment_out)
            .collect(),
        first_submitted_at: moment_ms(r.first_submitted_at_ms),
        updated_at: moment_ms(r.updated_at_ms),
        review_comment: r.review_comment.clone(),
        reviewed_by: r.reviewed_by.clone(),
        events,
    })
}

/// Report filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only this task.
    pub task: Option<u32>,
    /// Only this period (`2024Q3`).
    pub period: Option<String>,
    /// Only this state (submitted, returned, accepted).
    pub state: Option<String>,
    /// Only this department (the office's view; a department sees only its own anyway).
    pub department: Option<String>,
    /// Only this town.
    pub town: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// Progress reports: all for the office and viewers, a department's or town's own for them.
#[utoipa::path(get, path = "/api/v1/plan/reports", tag = "plan", params(ReportQuery),
    responses(
        (status = 200, description = "Reports", body = Vec<ReportOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Another department's or town's reports", body = ErrorBody),
    ))]
async fn reports(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let review = match q.state.as_deref() {
        None => None,
        Some(s) => Some(ReviewState::parse(s).ok_or_else(|| {
            ApiError::field(
                "state",
                format!("{s:?} is not submitted, returned or accepted"),
            )
        })?),
    };
    let asked = match (&q.department, &q.town) {
        (Some(d), None) => Some(Party::Department(d.as_str())),
        (None, Some(t)) => Some(Party::Town(t.as_str())),
        (None, None) => None,
        _ => return Err(ApiError::field("town", "give department or town, not both")),
    };
    // A department or town reads its own: asking for another is refused, asking for none means
    // its own.
    let party = match (asked, reader_party(&user)?) {
        (Some(p), _) => {
            user.actor
                .may_read_reports_of(p)
                .map_err(|e| ApiError::forbidden(e.to_string()))?;
            Some((p.kind().to_owned(), p.name().to_owned()))
        }
        (None, Some(mine)) => Some((mine.kind().to_owned(), mine.name().to_owned())),
        (None, None) => None,
    };
    let st = state.clone();
    let period = q.period.clone();
    let task = q.task;
    let out = state
        .blocking(move |store| {
            let plan = active_plan(&st, store)?;
            let rows = store.task_reports(&TaskReportFilter {
                plan_code: plan.1.meta.code.clone(),
                task: task.map(i64::from),
                party,
                period,
                state: review,
            })?;
            rows.iter()
                .map(|r| report_out(store, r, false))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let tab = Tabular {
        headers: [
            "编号",
            "任务",
            "报送单位",
            "报告期",
            "状态",
            "完成",
            "进展",
            "首次报送",
            "审核意见",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: out
            .iter()
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.task.to_string(),
                    r.party.clone(),
                    r.period.clone(),
                    r.state_zh.clone(),
                    if r.completed { "是" } else { "否" }.to_owned(),
                    r.body.clone(),
                    r.first_submitted_at.local.clone(),
                    r.review_comment.clone(),
                ]
            })
            .collect(),
    };
    respond(q.format.unwrap_or_default(), out, move || tab, "reports").await
}

/// A report to submit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitReport {
    /// Task number.
    pub task: u32,
    /// Period (`2024Q3` for quarterly reporting); not later than the current one.
    pub period: String,
    /// The task is completed (for a dated task; the office confirms by accepting).
    #[serde(default)]
    pub completed: bool,
    /// What was done (1 to 10,000 characters).
    pub body: String,
    /// Figures: names to numbers (at most 50).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub numbers: serde_json::Map<String, serde_json::Value>,
    /// Attachment ids uploaded by this department or town (at most 20).
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// Submits a progress report for the user's own department or town (or resubmits a returned
/// one, or changes one not yet reviewed).
#[utoipa::path(post, path = "/api/v1/plan/reports", tag = "plan", request_body = SubmitReport,
    responses(
        (status = 200, description = "The report as stored", body = ReportOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not a department or town user, or not its task", body = ErrorBody),
        (status = 409, description = "The report was accepted already", body = ErrorBody),
    ))]
async fn submit_report(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<SubmitReport>,
) -> Result<Response, ApiError> {
    let party = own_party(&user)?;
    let (kind, name) = (party.kind().to_owned(), party.name().to_owned());
    let body = req.body.trim().to_owned();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::field("body", "1 to 10,000 characters"));
    }
    if req.numbers.len() > 50 {
        return Err(ApiError::field("numbers", "at most 50 figures"));
    }
    if let Some((k, _)) = req
        .numbers
        .iter()
        .find(|(k, v)| !v.is_number() || k.chars().count() > 100)
    {
        return Err(ApiError::field(
            "numbers",
            format!("{k:?}: a figure is a number with a name of at most 100 characters"),
        ));
    }
    if req.attachments.len() > 20 {
        return Err(ApiError::field("attachments", "at most 20"));
    }
    let today = plan_today();
    let st = state.clone();
    let actor = user.actor.username.clone();
    let out = state
        .blocking(move |store| {
            let p = active_plan(&st, store)?;
            let plan = &p.1;
            if plan.task(req.task).is_none() {
                return Err(ApiError::field("task", format!("no task {}", req.task)));
            }
            let period = plan.meta.reporting.parse_key(&req.period).ok_or_else(|| {
                ApiError::field(
                    "period",
                    format!(
                        "{:?} is not a {:?} period (e.g. {})",
                        req.period,
                        plan.meta.reporting,
                        plan.meta.reporting.period_of(today).key
                    ),
                )
            })?;
            if period.start > today {
                return Err(ApiError::field("period", "a period that has not begun"));
            }
            let start = plan.meta.start.unwrap_or(today);
            if period.end < start {
                return Err(ApiError::field(
                    "period",
                    format!("reporting starts on {start}"),
                ));
            }
            let party = if kind == "town" {
                Party::Town(&name)
            } else {
                Party::Department(&name)
            };
            if !involved(plan, req.task, party) {
                return Err(ApiError::forbidden(format!(
                    "task {} is not {}'s: only its lead and cooperating departments (or the towns, for town tasks) report on it",
                    req.task, name
                )));
            }
            let task = plan.task(req.task).ok_or_else(|| ApiError::field("task", "no such task"))?;
            if req.completed {
                if task.deadline == Deadline::Ongoing {
                    return Err(ApiError::field(
                        "completed",
                        "an ongoing task (持续推进) is never completed",
                    ));
                }
                if kind != "department" || !task.lead.contains(&name) {
                    return Err(ApiError::field(
                        "completed",
                        "only a lead department (牵头) reports a task completed",
                    ));
                }
            }
            // Attachments: existing, and uploaded by this department or town.
            let found = store.attachments(&req.attachments)?;
            for id in &req.attachments {
                match found.iter().find(|a| a.id == *id) {
                    None => {
                        return Err(ApiError::field("attachments", format!("no attachment {id}")));
                    }
                    Some(a) if a.scope.as_deref() != Some(format!("{kind}:{name}").as_str()) => {
                        return Err(ApiError::field(
                            "attachments",
                            format!("attachment {id} was not uploaded by {name}"),
                        ));
                    }
                    Some(_) => {}
                }
            }
            let rec = store.submit_task_report(
                &NewTaskReport {
                    plan_code: plan.meta.code.clone(),
                    task: i64::from(req.task),
                    party_kind: kind,
                    party: name.clone(),
                    period: period.key,
                    completed: req.completed,
                    body,
                    numbers: serde_json::Value::Object(req.numbers).to_string(),
                    attachments: req.attachments,
                },
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            report_out(store, &rec, true)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// One report with its history (a department or town: only its own).
#[utoipa::path(get, path = "/api/v1/plan/reports/{id}", tag = "plan",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "The report", body = ReportOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Another department's or town's report", body = ErrorBody),
        (status = 404, description = "No such report", body = ErrorBody),
    ))]
async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::field("id", "not a report id"))?;
    let out = state
        .blocking(move |store| {
            let r = store
                .task_report(id)?
                .ok_or_else(|| ApiError::not_found(format!("no report {id}")))?;
            user.actor
                .may_read_reports_of(party_of(&r))
                .map_err(|e| ApiError::forbidden(e.to_string()))?;
            report_out(store, &r, true)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// The office's review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// accept or return.
    pub action: String,
    /// Why (required to return).
    #[serde(default)]
    pub comment: String,
}

/// Accepts or returns a submitted report (the office).
#[utoipa::path(post, path = "/api/v1/plan/reports/{id}/review", tag = "plan",
    params(("id" = i64, Path, description = "Report id")), request_body = Review,
    responses(
        (status = 200, description = "The report after review", body = ReportOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "No such report", body = ErrorBody),
        (status = 409, description = "Not waiting for review", body = ErrorBody),
    ))]
async fn review_report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(req): Json<Review>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::field("id", "not a report id"))?;
    user.actor
        .may_review_reports()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let accept = match req.action.as_str() {
        "accept" => true,
        "return" => false,
        a => {
            return Err(ApiError::field(
                "action",
                format!("{a:?} is not accept or return"),
            ));
        }
    };
    let comment = req.comment.trim().to_owned();
    if !accept && comment.is_empty() {
        return Err(ApiError::field("comment", "say why the report is returned"));
    }
    if comment.chars().count() > 2_000 {
        return Err(ApiError::field("comment", "at most 2,000 characters"));
    }
    let actor = user.actor.username.clone();
    let out = state
        .blocking(move |store| {
            let r = store.review_task_report(
                id,
                accept,
                &comment,
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            report_out(store, &r, true)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

// ---------------------------------------------------------------------------------------------
// Attachments.

/// Upload parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, with its extension (.pdf, .jpg, .jpeg, .png, .docx, .xlsx).
    pub name: String,
}

/// The MIME type of a file whose content matches its extension.
pub fn sniff(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let (mime, magic): (&str, &[u8]) = match ext.as_str() {
        "pdf" => ("application/pdf", b"%PDF-"),
        "jpg" | "jpeg" => ("image/jpeg", b"\xFF\xD8\xFF"),
        "png" => ("image/png", b"\x89PNG\r\n\x1A\n"),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04",
        ),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK\x03\x04",
        ),
        _ => {
            return Err(format!(
                "{name:?}: only .pdf, .jpg, .jpeg, .png, .docx and .xlsx files are accepted"
            ));
        }
    };
    if bytes.starts_with(magic) {
        Ok(mime)
    } else {
        Err(format!("{name:?}: the content is not a .{ext} file"))
    }
}

/// Uploads an evidence file (the request body is the file; at most 10 MiB). Department and
/// town users upload for their own reports and values.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "plan", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Stored", body = AttachmentOut),
        (status = 400, description = "Empty, wrongly typed or badly named", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not a department or town user", body = ErrorBody),
        (status = 413, description = "Over 10 MiB", body = ErrorBody),
    ))]
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Evidence belongs to a department's or town's report or value.
    let Some(party) = user.actor.party() else {
        return Err(ApiError::forbidden(format!(
            "role {} does not upload: only department and town users do",
            user.actor.role
        )));
    };
    let scope = format!("{}:{}", party.kind(), party.name());
    let name = q.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > 200
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::field(
            "name",
            "1 to 200 characters, no path separators or control characters",
        ));
    }
    if body.is_empty() {
        return Err(ApiError::field("body", "the file is empty"));
    }
    let mime = sniff(&name, &body).map_err(|e| ApiError::field("name", e))?;
    // Hashing megabytes is work for the blocking pool, not the async workers.
    let sha = super::cpu({
        let body = body.clone();
        move || crate::auth::hex(&Sha256::digest(&body))
    })
    .await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let a = NewAttachment {
        sha256: sha.clone(),
        name: name.clone(),
        mime: mime.to_owned(),
        data: body.to_vec(),
        uploaded_by: user.actor.username.clone(),
        scope: Some(scope),
        uploaded_at_ms: now,
    };
    let audit = AuditEntry {
        at_ms: now,
        actor: user.actor.username.clone(),
        action: "attachment.upload".to_owned(),
        target: String::new(),
        detail: serde_json::json!({"name": name, "mime": mime, "size": body.len(), "sha256": sha})
            .to_string(),
    };
    let size = i64::try_from(body.len()).unwrap_or(i64::MAX);
    let id = state
        .blocking(move |store| Ok(store.put_attachment(&a, &audit)?))
        .await?;
    Ok(axum::Json(AttachmentOut {
        id,
        name,
        mime: mime.to_owned(),
        size,
        sha256: sha,
    })
    .into_response())
}

/// Downloads an attachment: the office, admins and viewers any; a department or town its own.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "plan",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Another department's or town's file", body = ErrorBody),
        (status = 404, description = "No such file", body = ErrorBody),
    ))]
async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::field("id", "not an attachment id"))?;
    let (meta, bytes) = state
        .blocking(move |store| {
            store
                .attachment(id)?
                .ok_or_else(|| ApiError::not_found(format!("no attachment {id}")))
        })
        .await?;
    let own = user.actor.party().is_some_and(|p| {
        meta.scope.as_deref() == Some(format!("{}:{}", p.kind(), p.name()).as_str())
    });
    if matches!(user.actor.role, Role::Department | Role::Town) && !own {
        return Err(ApiError::forbidden("another department's or town's file"));
    }
    let mut headers = HeaderMap::new();
    if let Ok(v) = header::HeaderValue::from_str(&meta.mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    // RFC 5987 for the Chinese name.
    let encoded: String = meta
        .name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"attachment-{id}\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    Ok((headers, bytes).into_response())
}

// ---------------------------------------------------------------------------------------------
// Indicators.

/// An indicator with its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorOut {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// The target in words (≤27µg/m³左右, 较2020年-10%).
    pub target: String,
    /// level, change, annual_growth, per_year.
    pub kind: String,
    /// Baseline year.
    pub baseline_year: Option<i16>,
    /// Baseline value used.
    pub baseline: Option<String>,
    /// Deadline.
    pub deadline: String,
    /// report, or monitoring:SERIES.
    pub source: String,
    /// Responsible departments.
    pub responsible: Vec<String>,
    /// The plan's words.
    pub text: String,
    /// Values by date.
    pub values: Vec<ValuePoint>,
    /// met, on_track, at_risk, missed, no_data.
    pub status: String,
    /// Its Chinese label.
    pub status_zh: String,
    /// The value to reach.
    pub goal: Option<String>,
    /// Where the trajectory says the latest value should be.
    pub expected: Option<String>,
    /// Change against the baseline (or the previous year), percent.
    pub change_percent: Option<String>,
    /// Why.
    pub reason: String,
}

/// A value of an indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValuePoint {
    /// Last day of its period.
    pub as_of: String,
    /// Value.
    pub value: String,
}

fn indicator_out(r: &lantian_report::plan::IndicatorRow) -> IndicatorOut {
    let i = &r.indicator;
    let p = &r.progress;
    IndicatorOut {
        code: i.code.clone(),
        name: i.name.clone(),
        unit: i.unit.clone(),
        target: target_text(i),
        kind: format!("{:?}", i.kind),
        baseline_year: i.baseline_year,
        baseline: r.baseline.map(|b| num(Some(b))),
        deadline: i.deadline.to_string(),
        source: match &i.source {
            Source::Report => "report".to_owned(),
            Source::Monitoring(s) => format!("monitoring:{s}"),
            Source::Inventory(p) => format!("inventory:{p}"),
        },
        responsible: i.responsible.clone(),
        text: i.text.clone(),
        values: r
            .values
            .iter()
            .map(|o| ValuePoint {
                as_of: o.as_of.to_string(),
                value: num(Some(o.value)),
            })
            .collect(),
        status: p.status.as_str().to_owned(),
        status_zh: p.status.zh().to_owned(),
        goal: p.goal.map(|g| num(Some(g.round_dp(2)))),
        expected: p.expected.map(|e| num(Some(e.round_dp(2)))),
        change_percent: p.change_percent.map(|c| num(Some(c))),
        reason: p.reason.clone(),
    }
}

/// The plan's indicators with their values and progress (PM2.5 from the monitoring data).
#[utoipa::path(get, path = "/api/v1/plan/indicators", tag = "plan",
    params(("format" = Option<Format>, Query, description = "json (default), csv or xlsx")),
    responses(
        (status = 200, description = "Indicators", body = Vec<IndicatorOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No plan loaded", body = ErrorBody),
    ))]
async fn indicators(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<super::air::FormatQuery>,
) -> Result<Response, ApiError> {
    let st = state.clone();
    let s = state.blocking(move |store| status(&st, store)).await?;
    let out: Vec<IndicatorOut> = s.indicators.iter().map(indicator_out).collect();
    respond(
        q.format.unwrap_or_default(),
        out,
        move || lantian_report::plan::indicator_table(&s),
        "indicators",
    )
    .await
}

/// A value to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewValue {
    /// Last day of the period the value is for, `YYYY-MM-DD` (31 December for a year).
    pub as_of: String,
    /// The value, a decimal number in the indicator's unit.
    pub value: String,
    /// This is the baseline year's value.
    #[serde(default)]
    pub baseline: bool,
    /// Source or method (required).
    pub note: String,
    /// Evidence: attachment ids uploaded by this department.
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// Records a value of an indicator (its responsible department). A later value for the same
/// date corrects an earlier one; both stay in the store and the audit log.
#[utoipa::path(post, path = "/api/v1/plan/indicators/{code}/values", tag = "plan",
    params(("code" = String, Path, description = "Indicator code")), request_body = NewValue,
    responses(
        (status = 200, description = "The indicator after the value", body = IndicatorOut),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the responsible department", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "Computed from monitoring data", body = ErrorBody),
    ))]
async fn add_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(req): Json<NewValue>,
) -> Result<Response, ApiError> {
    let party = own_party(&user)?;
    let Party::Department(dept) = party else {
        return Err(ApiError::forbidden(
            "indicator values are reported by departments",
        ));
    };
    let dept = dept.to_owned();
    let as_of: Date = req.as_of.parse().map_err(|_| {
        ApiError::field(
            "as_of",
            format!("{:?} is not a date (YYYY-MM-DD)", req.as_of),
        )
    })?;
    let value: Decimal = req
        .value
        .trim()
        .parse()
        .map_err(|_| ApiError::field("value", format!("{:?} is not a number", req.value)))?;
    if !lantian_plan::indicator::in_range(value) {
        return Err(ApiError::field(
            "value",
            "at most 10^15 in magnitude, with at most 6 decimals",
        ));
    }
    if req.attachments.len() > 20 {
        return Err(ApiError::field("attachments", "at most 20"));
    }
    let note = req.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > 2_000 {
        return Err(ApiError::field(
            "note",
            "say where the value comes from (1 to 2,000 characters)",
        ));
    }
    if as_of > plan_today() {
        return Err(ApiError::field("as_of", "a date in the future"));
    }
    let st = state.clone();
    let actor = user.actor.username.clone();
    let out = state
        .blocking(move |store| {
            let p = active_plan(&st, store)?;
            let plan = &p.1;
            let ind = plan
                .indicator(&code)
                .ok_or_else(|| ApiError::not_found(format!("no indicator {code}")))?;
            if let Source::Monitoring(_) = ind.source {
                return Err(ApiError::conflict(format!(
                    "{}: computed from the monitoring data, not reported",
                    ind.name
                )));
            }
            if let Source::Inventory(_) = ind.source {
                return Err(ApiError::conflict(format!(
                    "{}: computed from the emission inventory, not reported",
                    ind.name
                )));
            }
            if !ind.responsible.contains(&dept) {
                return Err(ApiError::forbidden(format!(
                    "{} reports {}: not {dept}",
                    ind.responsible.join("、"),
                    ind.name
                )));
            }
            if req.baseline && ind.baseline_year != Some(as_of.year()) {
                return Err(ApiError::field(
                    "baseline",
                    format!(
                        "the baseline is the value of {}",
                        ind.baseline_year.map_or_else(
                            || "no year (this indicator has none)".to_owned(),
                            |y| y.to_string()
                        )
                    ),
                ));
            }
            let found = store.attachments(&req.attachments)?;
            for id in &req.attachments {
                if !found.iter().any(|a| {
                    a.id == *id && a.scope.as_deref() == Some(format!("department:{dept}").as_str())
                }) {
                    return Err(ApiError::field(
                        "attachments",
                        format!("attachment {id} is not one of {dept}'s"),
                    ));
                }
            }
            let now = jiff::Timestamp::now().as_millisecond();
            let v = NewIndicatorValue {
                plan_code: plan.meta.code.clone(),
                indicator: code.clone(),
                as_of: as_of.to_string(),
                value: value.normalize().to_string(),
                baseline: req.baseline,
                note,
                attachments: req.attachments,
                party: dept.clone(),
                reported_by: actor.clone(),
                reported_at_ms: now,
            };
            let audit = AuditEntry {
                at_ms: now,
                actor,
                action: "indicator.value".to_owned(),
                target: String::new(),
                detail: serde_json::json!({
                    "indicator": code,
                    "as_of": v.as_of,
                    "value": v.value,
                    "baseline": v.baseline,
                    "party": dept,
                })
                .to_string(),
            };
            store.add_indicator_value(&v, &audit)?;
            let s = status(&st, store)?;
            s.indicators
                .iter()
                .find(|r| r.indicator.code == code)
                .map(indicator_out)
                .ok_or_else(|| ApiError::internal("indicator vanished"))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

// ---------------------------------------------------------------------------------------------
// Scorecards, reminders, export.

/// A department's or town's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardOut {
    /// department or town.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Tasks it leads (or reports on).
    pub tasks: usize,
    /// Done.
    pub done: usize,
    /// Overdue.
    pub overdue: usize,
    /// Reports due so far.
    pub reports_due: usize,
    /// Submitted.
    pub reports_submitted: usize,
    /// Submitted on time.
    pub reports_on_time: usize,
    /// On-time share, percent.
    pub on_time_percent: Option<String>,
    /// Returned and not yet resubmitted.
    pub reports_returned: usize,
}

/// Scorecards of every department and town (考核记分卡).
#[utoipa::path(get, path = "/api/v1/plan/scorecards", tag = "plan",
    params(("format" = Option<Format>, Query, description = "json (default), csv or xlsx")),
    responses(
        (status = 200, description = "Scorecards", body = Vec<ScorecardOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No plan loaded", body = ErrorBody),
    ))]
async fn scorecards(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<super::air::FormatQuery>,
) -> Result<Response, ApiError> {
    let st = state.clone();
    let s = state.blocking(move |store| status(&st, store)).await?;
    let out: Vec<ScorecardOut> = s
        .scorecards
        .iter()
        .map(|c| ScorecardOut {
            kind: match c.party {
                lantian_plan::supervision::Party::Department(_) => "department",
                lantian_plan::supervision::Party::Town(_) => "town",
            }
            .to_owned(),
            name: c.party.name().to_owned(),
            tasks: c.tasks,
            done: c.done,
            overdue: c.overdue,
            reports_due: c.reports_due,
            reports_submitted: c.reports_submitted,
            reports_on_time: c.reports_on_time,
            on_time_percent: c.on_time_percent(),
            reports_returned: c.reports_returned,
        })
        .collect();
    respond(
        q.format.unwrap_or_default(),
        out,
        move || lantian_report::plan::scorecard_table(&s),
        "scorecards",
    )
    .await
}

/// A reminder.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReminderOut {
    /// missing_report, deadline_near or overdue.
    pub kind: String,
    /// Task number.
    pub task: u32,
    /// Who (a department or town; the lead departments for a deadline).
    pub party: String,
    /// The period of a missing report.
    pub period: Option<String>,
    /// Due day.
    pub due: String,
    /// Days left for a deadline (negative: overdue).
    pub days_left: Option<i64>,
}

/// What is missing or due soon (提醒): the office sees all, a department or town its own.
#[utoipa::path(get, path = "/api/v1/plan/reminders", tag = "plan",
    responses(
        (status = 200, description = "Reminders", body = Vec<ReminderOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No plan loaded", body = ErrorBody),
    ))]
async fn reminders(State(state): State<AppState>, user: CurrentUser) -> Result<Response, ApiError> {
    reader_party(&user)?;
    let st = state.clone();
    let s = state.blocking(move |store| status(&st, store)).await?;
    Ok(axum::Json(reminders_for(&s, &user)).into_response())
}

/// Whether a reminder concerns what the user may see: all for the office, admins and viewers;
/// a department its missing reports and the deadlines of tasks it leads; a town its missing
/// reports. A department or town user without a scope sees none.
fn reminder_visible(r: &Reminder, user: &CurrentUser) -> bool {
    let mine = match reader_party(user) {
        Ok(m) => m,
        Err(_) => return false,
    };
    let Some(mine) = mine else {
        return true;
    };
    match r {
        Reminder::MissingReport(e) => {
            let p = match &e.party {
                lantian_plan::supervision::Party::Department(d) => Party::Department(d),
                lantian_plan::supervision::Party::Town(t) => Party::Town(t),
            };
            p == mine
        }
        Reminder::Deadline { lead, .. } => {
            matches!(mine, Party::Department(d) if lead.iter().any(|l| l == d))
        }
    }
}

pub(crate) fn reminders_for(s: &PlanStatus, user: &CurrentUser) -> Vec<ReminderOut> {
    s.reminders
        .iter()
        .filter(|r| reminder_visible(r, user))
        .map(|r| match r {
            Reminder::MissingReport(e) => ReminderOut {
                kind: "missing_report".to_owned(),
                task: e.task,
                party: e.party.name().to_owned(),
                period: Some(e.period.key.clone()),
                due: e.due.to_string(),
                days_left: None,
            },
            Reminder::Deadline {
                task,
                lead,
                due,
                days_left,
            } => ReminderOut {
                kind: if *days_left < 0 {
                    "overdue"
                } else {
                    "deadline_near"
                }
                .to_owned(),
                task: *task,
                party: lead.join("、"),
                period: None,
                due: due.to_string(),
                days_left: Some(*days_left),
            },
        })
        .collect()
}

/// The plan's status as a workbook: the tasks in the layout of the plan's table (序号,
/// 重点工作任务, 完成时限, 责任分工, with status), indicators, scorecards, reminders.
#[utoipa::path(get, path = "/api/v1/plan/export", tag = "plan",
    responses(
        (status = 200, description = "xlsx workbook"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No plan loaded", body = ErrorBody),
    ))]
async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, ApiError> {
    let st = state.clone();
    let s = state
        .blocking(move |store| visible_status(&st, store, &user))
        .await?;
    let bytes =
        super::cpu(move || lantian_report::xlsx_workbook(&lantian_report::plan::plan_sheets(&s)))
            .await?
            .map_err(ApiError::internal)?;
    Ok(super::attachment(bytes, "重点工作任务"))
}

/// A task status named in a query, checked.
pub(crate) fn task_status_param(s: &str) -> Result<TaskStatus, ApiError> {
    TASK_STATUSES
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| {
            ApiError::field(
                "status",
                format!("{s:?} is not not_started, in_progress, done, overdue or ongoing"),
            )
        })
}

/// Status labels in order, for pages.
pub(crate) const TASK_STATUSES: [TaskStatus; 5] = [
    TaskStatus::Overdue,
    TaskStatus::InProgress,
    TaskStatus::NotStarted,
    TaskStatus::Done,
    TaskStatus::Ongoing,
];
