//! Heavy-pollution weather (重污染天气): the level a forecast calls for, warnings and their
//! workflow (研判 → 发布 → 调整 → 解除; the office's), the emergency-reduction list in force and
//! its checks, the verification of listed enterprises from their monitors, and the
//! after-action report. Everything is read by any logged-in user; only the office (and admins)
//! open and change warnings (`Actor::may_manage_warnings`).

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, DateTime};
use lantian_emergency::grading::{Grading, Proposal, propose};
use lantian_emergency::list::{self, HEADERS, ReductionList, RequiredShares};
use lantian_emergency::{Forecast, Level, WarningAction};
use lantian_report::Tabular;
use lantian_report::emergency::{Episode, MonitorCheck};
use lantian_store::{NewWarning, Store, WarningRecord};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, Moment, moment_ms, respond};
use crate::auth::CurrentUser;
use crate::error::ErrorBody;
use crate::extract::{Json, Query};
use crate::{ApiError, AppState};

/// The list upload: under the uploads' larger body limit (see [`crate::router`]).
pub(crate) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_list))
        .routes(routes!(check_list))
        .routes(routes!(gate_check))
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(proposal))
        .routes(routes!(warnings, open_warning))
        .routes(routes!(warning))
        .routes(routes!(act))
        .routes(routes!(verification))
        .routes(routes!(episode_report))
        .routes(routes!(reduction_list))
}

/// Where a forecast comes from: a CSV text, or the area's measured hours replayed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastIn {
    /// Area code, name or alias (default: the console's home area).
    #[serde(default)]
    pub area: Option<String>,
    /// A forecast as CSV text: `time,aqi` (hourly 24-h AQI) or `date,aqi` (daily AQI).
    #[serde(default)]
    pub forecast_csv: Option<String>,
    /// Replay the area's measured hours from this day (YYYY-MM-DD, Beijing)…
    #[serde(default)]
    pub replay_from: Option<String>,
    /// …to this day.
    #[serde(default)]
    pub replay_to: Option<String>,
    /// The grading (`2024`, `2017`); default: the one in force on the forecast's first day.
    #[serde(default)]
    pub grading: Option<String>,
}

/// The proposal with the forecast it was made on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalOut {
    /// The area's code.
    pub area: String,
    /// The first hour (Beijing).
    pub start: String,
    /// `hourly` or `daily`.
    pub basis: String,
    /// The forecast values.
    pub values: Vec<u16>,
    /// The proposal (level, advisory, reasons, longest runs, may_lift).
    #[schema(value_type = Object)]
    pub proposal: Proposal,
}

/// Builds the forecast and the proposal (blocking).
fn forecast_of(
    state: &AppState,
    store: &Store,
    f: &ForecastIn,
) -> Result<(String, Forecast, Grading), ApiError> {
    let key = f
        .area
        .clone()
        .unwrap_or_else(|| state.config.home_area.clone());
    let area = store
        .area(&key)?
        .ok_or_else(|| ApiError::field("area", format!("no area {key:?}")))?;
    if f.forecast_csv.as_ref().map_or(0, String::len) > 256 * 1024 {
        return Err(ApiError::field("forecast_csv", "at most 256 KiB"));
    }
    let forecast = match (&f.forecast_csv, &f.replay_from, &f.replay_to) {
        (Some(csv), None, None) => {
            Forecast::parse_csv(csv).map_err(|e| ApiError::field("forecast_csv", e.to_string()))?
        }
        (None, Some(from), Some(to)) => {
            let parse = |field: &str, v: &str| {
                v.parse::<Date>()
                    .map_err(|_| ApiError::field(field, format!("{v:?} is not a date")))
            };
            let (from, to) = (parse("replay_from", from)?, parse("replay_to", to)?);
            if to < from || to.since(from).map_or(true, |s| s.get_days() > 31) {
                return Err(ApiError::field(
                    "replay_to",
                    "1 to 32 days after replay_from",
                ));
            }
            lantian_report::emergency::replay_forecast(
                store,
                &area.code,
                from,
                to,
                &lantian_aq::Config::default(),
            )
            .map_err(|e| match e {
                lantian_report::ReportError::Series(m) => ApiError::field("replay_from", m),
                e => e.into(),
            })?
        }
        _ => {
            return Err(ApiError::field(
                "forecast_csv",
                "give forecast_csv, or replay_from and replay_to",
            ));
        }
    };
    let all = &state.config.gradings;
    let grading = match &f.grading {
        Some(n) => all
            .iter()
            .find(|g| &g.name == n)
            .cloned()
            .ok_or_else(|| ApiError::field("grading", format!("no grading {n:?}")))?,
        None => Grading::for_date(all, forecast.start().date())
            .cloned()
            .ok_or_else(|| ApiError::internal("no grading"))?,
    };
    Ok((area.code, forecast, grading))
}

/// The level a forecast calls for (nothing is stored).
#[utoipa::path(post, path = "/api/v1/emergency/proposal", tag = "emergency", request_body = ForecastIn,
    responses(
        (status = 200, description = "The proposal", body = ProposalOut),
        (status = 400, description = "Bad forecast (gaps, bad lines) or field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn proposal(
    State(state): State<AppState>,
    _user: CurrentUser,
    Json(f): Json<ForecastIn>,
) -> Result<Response, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store| {
            let (area, forecast, g) = forecast_of(&st, store, &f)?;
            let p = propose(&forecast, &g);
            Ok(ProposalOut {
                area,
                start: forecast.start().to_string(),
                basis: forecast.basis().as_str().to_owned(),
                values: forecast.values().to_vec(),
                proposal: p,
            })
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A warning.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarningOut {
    /// Id.
    pub id: i64,
    /// Area code.
    pub area: String,
    /// assessing, issued, lifted, cancelled.
    pub status: String,
    /// 研判中, 已发布, 已解除, 不发布.
    pub status_zh: String,
    /// yellow, orange, red (in force, or last in force).
    pub level: Option<String>,
    /// 黄色, 橙色, 红色.
    pub level_zh: Option<String>,
    /// What the forecast calls for.
    pub proposed_level: Option<String>,
    /// The temporary-control tier holds.
    pub advisory: bool,
    /// The forecast allows lifting.
    pub may_lift: bool,
    /// The grading used.
    pub grading: String,
    /// When it took effect.
    pub issued_at: Option<Moment>,
    /// When it ended.
    pub lifted_at: Option<Moment>,
    /// Opened by.
    pub created_by: String,
    /// Last change.
    pub updated_at: Moment,
}

fn warning_out(w: &WarningRecord) -> WarningOut {
    WarningOut {
        id: w.id,
        area: w.warning.area.clone(),
        status: w.status.as_str().to_owned(),
        status_zh: w.status.zh().to_owned(),
        level: w.level.map(|l| l.as_str().to_owned()),
        level_zh: w.level.map(|l| l.zh().to_owned()),
        proposed_level: w.warning.proposed_level.map(|l| l.as_str().to_owned()),
        advisory: w.warning.advisory,
        may_lift: w.warning.may_lift,
        grading: w.warning.grading.clone(),
        issued_at: w.issued_at_ms.map(moment_ms),
        lifted_at: w.lifted_at_ms.map(moment_ms),
        created_by: w.created_by.clone(),
        updated_at: moment_ms(w.updated_at_ms),
    }
}

/// A step of a warning's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningEventOut {
    /// When recorded.
    pub at: Moment,
    /// When it takes effect.
    pub effective_at: Moment,
    /// Who.
    pub actor: String,
    /// assess, reassess, issue, adjust, lift, cancel.
    pub action: String,
    /// Level before.
    pub from_level: Option<String>,
    /// Level after.
    pub to_level: Option<String>,
    /// The written reason.
    pub reason: String,
}

/// A warning with its proposal, the levels it had in force and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningDetail {
    /// The warning.
    pub warning: WarningOut,
    /// The proposal it was judged on.
    #[schema(value_type = Object)]
    pub proposal: Proposal,
    /// The forecast's first hour (Beijing) and values.
    pub forecast_start: String,
    /// `hourly` (24-h AQI per hour) or `daily`.
    pub forecast_basis: String,
    /// The forecast values.
    pub forecast: Vec<u16>,
    /// Levels in force: (level, start, end) in Beijing time.
    pub periods: Vec<(String, String, Option<String>)>,
    /// Every step.
    pub events: Vec<WarningEventOut>,
    /// Who is told at the level in force (or last in force): the plan's departments and towns,
    /// and every listed enterprise with its measure (通知名单).
    #[schema(value_type = Vec<Object>)]
    pub recipients: Vec<lantian_emergency::warning::Recipient>,
}

pub(crate) fn warning_detail(store: &Store, w: &WarningRecord) -> Result<WarningDetail, ApiError> {
    let proposal: Proposal =
        serde_json::from_str(&w.warning.proposal).map_err(ApiError::internal)?;
    let forecast: Forecast =
        serde_json::from_str(&w.warning.forecast).map_err(ApiError::internal)?;
    let periods = lantian_report::emergency::warning_periods(store, w)?
        .into_iter()
        .map(|p| {
            (
                p.level.as_str().to_owned(),
                p.start.to_string(),
                p.end.map(|e| e.to_string()),
            )
        })
        .collect();
    let events = store
        .warning_events(w.id)?
        .into_iter()
        .map(|e| WarningEventOut {
            at: moment_ms(e.at_ms),
            effective_at: moment_ms(e.effective_at_ms),
            actor: e.actor,
            action: e.action,
            from_level: e.from_level.map(|l| l.as_str().to_owned()),
            to_level: e.to_level.map(|l| l.as_str().to_owned()),
            reason: e.reason,
        })
        .collect();
    let recipients = match w.level {
        Some(level) => {
            let (departments, towns) = match store.active_plan()? {
                Some((_, p)) => (
                    p.departments.iter().map(|d| d.name.clone()).collect(),
                    p.towns.iter().map(|t| t.name.clone()).collect(),
                ),
                None => (Vec::new(), Vec::new()),
            };
            let list = lantian_report::emergency::list_in_force(store)?
                .map(|(_, l)| l)
                .unwrap_or_default();
            lantian_emergency::warning::recipients(level, &departments, &towns, &list)
        }
        None => Vec::new(),
    };
    Ok(WarningDetail {
        warning: warning_out(w),
        recipients,
        proposal,
        forecast_start: forecast.start().to_string(),
        forecast_basis: forecast.basis().as_str().to_owned(),
        forecast: forecast.values().to_vec(),
        periods,
        events,
    })
}

/// Warnings filter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WarningsQuery {
    /// Only this area (code, name or alias).
    pub area: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// Warnings, newest first.
#[utoipa::path(get, path = "/api/v1/emergency/warnings", tag = "emergency", params(WarningsQuery),
    responses(
        (status = 200, description = "Warnings", body = Vec<WarningOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn warnings(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<WarningsQuery>,
) -> Result<Response, ApiError> {
    let list = state
        .blocking(move |store| {
            let area = match &q.area {
                Some(a) => Some(
                    store
                        .area(a)?
                        .ok_or_else(|| ApiError::field("area", format!("no area {a:?}")))?
                        .code,
                ),
                None => None,
            };
            Ok((
                store.warnings(area.as_deref(), 1000)?,
                q.format.unwrap_or_default(),
            ))
        })
        .await?;
    let (rows, format) = list;
    let out: Vec<WarningOut> = rows.iter().map(warning_out).collect();
    let shown = out.clone();
    let table = move || Tabular {
        headers: [
            "编号",
            "区域",
            "状态",
            "级别",
            "建议级别",
            "发布（生效）",
            "解除",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: out
            .iter()
            .map(|w| {
                vec![
                    w.id.to_string(),
                    w.area.clone(),
                    w.status_zh.clone(),
                    w.level_zh.clone().unwrap_or_default(),
                    w.proposed_level.clone().unwrap_or_default(),
                    w.issued_at
                        .as_ref()
                        .map_or(String::new(), |m| m.local.clone()),
                    w.lifted_at
                        .as_ref()
                        .map_or(String::new(), |m| m.local.clone()),
                ]
            })
            .collect(),
    };
    respond(format, &shown, table, "warnings").await
}

/// Opens a warning under assessment (研判) with its forecast and proposal (the office).
#[utoipa::path(post, path = "/api/v1/emergency/warnings", tag = "emergency", request_body = ForecastIn,
    responses(
        (status = 200, description = "The warning", body = WarningDetail),
        (status = 400, description = "Bad forecast or field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
    ))]
async fn open_warning(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(f): Json<ForecastIn>,
) -> Result<Response, ApiError> {
    user.actor
        .may_manage_warnings()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let st = state.clone();
    let actor = user.actor.username.clone();
    let out = state
        .blocking(move |store| {
            let (area, forecast, g) = forecast_of(&st, store, &f)?;
            let p = propose(&forecast, &g);
            let w = store.open_warning(
                &NewWarning {
                    area,
                    grading: g.name.clone(),
                    proposed_level: p.level,
                    advisory: p.advisory,
                    may_lift: p.may_lift,
                    forecast: serde_json::to_string(&forecast).map_err(ApiError::internal)?,
                    proposal: serde_json::to_string(&p).map_err(ApiError::internal)?,
                },
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            warning_detail(store, &w)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

fn id_of(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::field("id", "not a warning id"))
}

/// One warning with its proposal, periods and history.
#[utoipa::path(get, path = "/api/v1/emergency/warnings/{id}", tag = "emergency",
    params(("id" = i64, Path, description = "Warning id")),
    responses(
        (status = 200, description = "The warning", body = WarningDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such warning", body = ErrorBody),
    ))]
async fn warning(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let out = state
        .blocking(move |store| warning_detail(store, &store.warning(id)?))
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A workflow step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActIn {
    /// issue, adjust, lift or cancel.
    pub action: String,
    /// yellow, orange or red (issue, adjust).
    #[serde(default)]
    pub level: Option<String>,
    /// Why (required when departing from the proposal, to adjust and to cancel).
    #[serde(default)]
    pub reason: String,
    /// When it takes effect, Beijing (`2019-01-22T08:00`); default now.
    #[serde(default)]
    pub at: Option<String>,
}

/// Issues, adjusts, lifts or cancels a warning (the office); every step is in its history and
/// the audit log.
#[utoipa::path(post, path = "/api/v1/emergency/warnings/{id}/actions", tag = "emergency",
    params(("id" = i64, Path, description = "Warning id")), request_body = ActIn,
    responses(
        (status = 200, description = "The warning after the step", body = WarningDetail),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "No such warning", body = ErrorBody),
        (status = 409, description = "Not possible now, or a reason is missing", body = ErrorBody),
    ))]
async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(req): Json<ActIn>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    user.actor
        .may_manage_warnings()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let reason = req.reason.trim().to_owned();
    if reason.chars().count() > 2_000 {
        return Err(ApiError::field("reason", "at most 2,000 characters"));
    }
    let level = || {
        let l = req
            .level
            .as_deref()
            .ok_or_else(|| ApiError::field("level", "required to issue or adjust"))?;
        Level::parse(l)
            .ok_or_else(|| ApiError::field("level", format!("{l:?}: yellow, orange or red")))
    };
    let action = match req.action.as_str() {
        "issue" => WarningAction::Issue {
            level: level()?,
            reason,
        },
        "adjust" => WarningAction::Adjust {
            level: level()?,
            reason,
        },
        "lift" => WarningAction::Lift { reason },
        "cancel" => WarningAction::Cancel { reason },
        a => {
            return Err(ApiError::field(
                "action",
                format!("{a:?}: issue, adjust, lift or cancel"),
            ));
        }
    };
    let now = jiff::Timestamp::now().as_millisecond();
    let effective = match req.at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(t) => {
            let dt: DateTime = t
                .trim()
                .replace(' ', "T")
                .parse()
                .map_err(|_| ApiError::field("at", format!("{t:?} is not a date and time")))?;
            dt.to_zoned(super::beijing())
                .map_err(|_| ApiError::field("at", "out of range"))?
                .timestamp()
                .as_millisecond()
        }
        None => now,
    };
    let actor = user.actor.username.clone();
    let out = state
        .blocking(move |store| {
            let w = store.warning_step(id, &action, effective, &actor, now)?;
            warning_detail(store, &w)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

fn need_list(store: &Store) -> Result<(i64, String, ReductionList), ApiError> {
    let found = lantian_report::emergency::list_in_force(store)?.map(|(r, l)| (r.id, r.name, l));
    found.ok_or_else(|| {
        ApiError::not_found(
            "no emergency-reduction list is stored (lantian emergency list import FILE)".to_owned(),
        )
    })
}

fn now_beijing() -> DateTime {
    jiff::Timestamp::now().to_zoned(super::beijing()).datetime()
}

/// The verification of the listed enterprises during a warning, from their monitors.
#[utoipa::path(get, path = "/api/v1/emergency/warnings/{id}/verification", tag = "emergency",
    params(("id" = i64, Path, description = "Warning id")),
    responses(
        (status = 200, description = "One row per monitor, pollutant and level period", body = Object),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such warning, or no list", body = ErrorBody),
    ))]
async fn verification(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let out: Vec<MonitorCheck> = state
        .blocking(move |store| {
            let w = store.warning(id)?;
            let (_, _, list) = need_list(store)?;
            Ok(lantian_report::emergency::verify_warning(
                store,
                &w,
                &list,
                now_beijing(),
                Decimal::from(10),
            )?)
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// Report format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// json (default) or xlsx.
    pub format: Option<Format>,
}

/// The after-action report (应急响应总结).
#[utoipa::path(get, path = "/api/v1/emergency/warnings/{id}/report", tag = "emergency",
    params(("id" = i64, Path, description = "Warning id"), ReportQuery),
    responses(
        (status = 200, description = "The report, or its workbook", body = Object),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such warning, or no list", body = ErrorBody),
    ))]
async fn episode_report(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let ep: Episode = state
        .blocking(move |store| {
            let w = store.warning(id)?;
            let (_, _, list) = need_list(store)?;
            Ok(lantian_report::emergency::episode(
                store,
                &w,
                &list,
                now_beijing(),
                Decimal::from(10),
                &lantian_aq::Config::default(),
            )?)
        })
        .await?;
    match q.format.unwrap_or_default() {
        Format::Xlsx => {
            let bytes = super::cpu(move || {
                lantian_report::xlsx_workbook(&lantian_report::emergency::episode_sheets(&ep))
            })
            .await?
            .map_err(ApiError::internal)?;
            Ok(super::attachment(bytes, &format!("emergency-report-{id}")))
        }
        Format::Csv => Err(ApiError::field("format", "json or xlsx")),
        Format::Json => Ok(axum::Json(ep).into_response()),
    }
}

/// The list in force with its checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOut {
    /// Store id.
    pub id: i64,
    /// File name.
    pub name: String,
    /// The enterprises.
    #[schema(value_type = Object)]
    pub list: ReductionList,
    /// Per level and pollutant, against the listed baseline.
    #[schema(value_type = Object)]
    pub totals: Vec<list::LevelTotal>,
}

/// The emergency-reduction list in force, with its totals per level against the required
/// shares; `format=csv|xlsx` gives it in its spreadsheet layout.
#[utoipa::path(get, path = "/api/v1/emergency/list", tag = "emergency", params(ReportQuery),
    responses(
        (status = 200, description = "The list", body = ListOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No list stored", body = ErrorBody),
    ))]
async fn reduction_list(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (id, name, list) = state.blocking(need_list).await?;
    let totals = list::check(&list, &[], &RequiredShares::default()).totals;
    let rows = list::to_rows(&list);
    let out = ListOut {
        id,
        name,
        list,
        totals,
    };
    respond(
        q.format.unwrap_or_default(),
        &out,
        move || Tabular {
            headers: HEADERS.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        },
        "emergency-list",
    )
    .await
}

/// Upload parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListUpload {
    /// The file's name: `.xlsx` (first sheet) or `.csv` (UTF-8), in the layout of the export.
    pub name: String,
}

/// Replaces the emergency-reduction list in force (the office): the body is the file. The list
/// is validated whole; with any error nothing is stored and the answer names every row and
/// column (at most 50).
#[utoipa::path(post, path = "/api/v1/emergency/list/upload", tag = "emergency", params(ListUpload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The list now in force", body = ListOut),
        (status = 400, description = "The file or its rows are wrong", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 413, description = "Larger than 10 MiB", body = ErrorBody),
    ))]
async fn upload_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListUpload>,
    body: Bytes,
) -> Result<Response, ApiError> {
    user.actor
        .may_manage_warnings()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let name = q.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::field("name", "1 to 200 characters"));
    }
    let actor = user.actor.username.clone();
    // Reading a workbook and checking the list is heavy: off the async workers, like the write.
    let (id, stored_name, list) = state
        .blocking(move |store| {
            let (headers, rows) = lantian_report::table::grid(&name, &body)
                .map_err(|e| ApiError::field("body", e.to_string()))?;
            let l = list::from_rows(&headers, &rows, &list::GradeRules::default()).map_err(
                |errors| {
                    let shown: Vec<String> =
                        errors.iter().take(50).map(ToString::to_string).collect();
                    ApiError::field(
                        "body",
                        format!(
                            "{name}: {} errors, nothing stored: {}",
                            errors.len(),
                            shown.join("；")
                        ),
                    )
                },
            )?;
            lantian_report::emergency::store_list(
                store,
                &name,
                &l,
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            need_list(store)
        })
        .await?;
    let totals = list::check(&list, &[], &RequiredShares::default()).totals;
    Ok(axum::Json(ListOut {
        id,
        name: stored_name,
        list,
        totals,
    })
    .into_response())
}

fn csv_rows(field: &str, text: &str) -> Result<(Vec<String>, Vec<Vec<String>>), ApiError> {
    lantian_report::table::grid("table.csv", text.as_bytes())
        .map_err(|e| ApiError::field(field, e.reason))
}

fn rows_or_400<T>(field: &str, r: Result<T, Vec<String>>) -> Result<T, ApiError> {
    r.map_err(|errors| {
        let shown: Vec<String> = errors.iter().take(50).cloned().collect();
        ApiError::field(
            field,
            format!("{} errors: {}", errors.len(), shown.join("；")),
        )
    })
}

/// The list check's inputs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCheckIn {
    /// The enterprise registry (企业档案) as CSV: 统一社会信用代码, 企业名称, 涉气 (是/否), and
    /// optionally 未列入原因.
    #[serde(default)]
    pub registry_csv: Option<String>,
    /// The region's total daily emissions (kg/d) the shares are of: SO2, NOx, PM, VOCs.
    #[serde(default)]
    pub region_total: Option<[String; 4]>,
    /// Take the region's totals from the newest stored emission inventory instead (t/a as
    /// kg/d; 颗粒物 as PM10).
    #[serde(default)]
    pub region_total_from_inventory: bool,
    /// Required shares in percent at yellow, orange, red (default 10, 20, 30).
    #[serde(default)]
    pub shares: Option<[String; 3]>,
}

/// The list in force checked: air-emitting enterprises of the registry neither listed nor
/// explained, listed enterprises the registry lacks, and each level's shares.
#[utoipa::path(post, path = "/api/v1/emergency/list/check", tag = "emergency", request_body = ListCheckIn,
    responses(
        (status = 200, description = "The check", body = Object),
        (status = 400, description = "A bad registry row or number", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No list stored", body = ErrorBody),
    ))]
async fn check_list(
    State(state): State<AppState>,
    _user: CurrentUser,
    Json(req): Json<ListCheckIn>,
) -> Result<Response, ApiError> {
    let registry = match &req.registry_csv {
        Some(text) => {
            let (h, r) = csv_rows("registry_csv", text)?;
            rows_or_400("registry_csv", list::registry_from_rows(&h, &r))?
        }
        None => Vec::new(),
    };
    let region_total = match &req.region_total {
        Some(v) => {
            let n = |i: usize| {
                v[i].trim().parse::<Decimal>().map_err(|_| {
                    ApiError::field("region_total", format!("{:?} is not a number", v[i]))
                })
            };
            Some(list::Emissions {
                so2: n(0)?,
                nox: n(1)?,
                pm: n(2)?,
                vocs: n(3)?,
            })
        }
        None => None,
    };
    let percent = match &req.shares {
        Some(v) => {
            let n = |i: usize| {
                v[i].trim()
                    .parse::<Decimal>()
                    .ok()
                    .filter(|p| *p >= Decimal::ZERO && *p <= Decimal::from(100))
                    .ok_or_else(|| {
                        ApiError::field("shares", format!("{:?} is not a percentage", v[i]))
                    })
            };
            [n(0)?, n(1)?, n(2)?]
        }
        None => RequiredShares::default().percent,
    };
    if req.region_total_from_inventory && region_total.is_some() {
        return Err(ApiError::field(
            "region_total_from_inventory",
            "give region_total or take it from the inventory, not both",
        ));
    }
    let from_inventory = req.region_total_from_inventory;
    let ((_, _, l), inventory) = state
        .blocking(move |store| {
            let inventory = if from_inventory {
                let (cats, lib) = super::inventory::library();
                Some(
                    lantian_report::inventory::region_total_for_list(store, (&cats, &lib))?
                        .map(|(y, e)| (y.inventory.year, y.inventory.example, e))
                        .ok_or_else(|| ApiError::not_found("no emission inventory stored"))?,
                )
            } else {
                None
            };
            Ok((need_list(store)?, inventory))
        })
        .await?;
    let region_total = match &inventory {
        Some((_, _, e)) => Some(*e),
        None => region_total,
    };
    let check = list::check(
        &l,
        &registry,
        &RequiredShares {
            region_total,
            percent,
        },
    );
    Ok(axum::Json(serde_json::json!({
        "passed": check.passed(),
        "missing": check.missing,
        "unknown": check.unknown,
        "totals": check.totals,
        "region_total_from": inventory.as_ref().map(|(year, example, _)| serde_json::json!({
            "inventory_year": year, "example": example,
        })),
    }))
    .into_response())
}

/// The gate check's inputs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GateCheckIn {
    /// Key vehicle-using units' vehicles as CSV: 单位, 车牌, 燃料, 排放阶段.
    pub vehicles_csv: String,
    /// Gate records as CSV: 单位, 车牌, 时间 (Beijing).
    pub records_csv: String,
    /// The area whose warnings apply (default: the console's home area).
    #[serde(default)]
    pub area: Option<String>,
}

/// Gate records checked against the warnings of the area: the entries a level's rule does not
/// allow (unregistered vehicles, vehicles below the level's minimum emission stage).
#[utoipa::path(post, path = "/api/v1/emergency/gate-check", tag = "emergency", request_body = GateCheckIn,
    responses(
        (status = 200, description = "The periods and the entries not allowed", body = Object),
        (status = 400, description = "A bad row", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn gate_check(
    State(state): State<AppState>,
    _user: CurrentUser,
    Json(req): Json<GateCheckIn>,
) -> Result<Response, ApiError> {
    let (h, r) = csv_rows("vehicles_csv", &req.vehicles_csv)?;
    let units = rows_or_400(
        "vehicles_csv",
        lantian_emergency::vehicles::units_from_rows(&h, &r),
    )?;
    let (h, r) = csv_rows("records_csv", &req.records_csv)?;
    let records = rows_or_400(
        "records_csv",
        lantian_emergency::vehicles::records_from_rows(&h, &r),
    )?;
    let key = req
        .area
        .clone()
        .unwrap_or_else(|| state.config.home_area.clone());
    let periods = state
        .blocking(move |store| {
            let area = store
                .area(&key)?
                .ok_or_else(|| ApiError::field("area", format!("no area {key:?}")))?;
            Ok(lantian_report::emergency::area_periods(store, &area.code)?)
        })
        .await?;
    let violations = lantian_emergency::vehicles::check_gate(
        &units,
        &records,
        &periods,
        &lantian_emergency::vehicles::VehicleRule::default(),
    );
    Ok(axum::Json(serde_json::json!({
        "records": records.len(),
        "periods": periods,
        "violations": violations,
    }))
    .into_response())
}
