//! Straw-burning fire points (秸秆焚烧火点): incidents merged from satellite, tower and drone
//! detections, their work orders (the office imports and dispatches, closes or sends back; the
//! town verifies with its finding, the burned area and photos) and the statistics by town,
//! month and source. Everything is read by any logged-in user.

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use lantian_core::{Actor, ReadScope};
use lantian_fire::MergeRule;
use lantian_fire::orders::{Finding, OrderAction, Verification};
use lantian_report::fire::{
    self as report, FireFile, FireStatistics, ImportOptions, ImportSummary,
};
use lantian_store::{FireFilter, FireIncidentRecord, FireStep, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, Moment, attachment, moment_ms, respond};
use crate::auth::CurrentUser;
use crate::error::ErrorBody;
use crate::extract::{Json, Query};
use crate::{ApiError, AppState};

/// The import: under the uploads' larger body limit (see [`crate::router`]).
pub(crate) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import))
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(incidents))
        .routes(routes!(incident))
        .routes(routes!(act))
        .routes(routes!(statistics))
}

/// An incident and its work order.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentOut {
    /// Id.
    pub id: i64,
    /// First detection.
    pub first: Moment,
    /// Last detection.
    pub last: Moment,
    /// Mean position, WGS-84.
    pub lon: f64,
    /// Mean position.
    pub lat: f64,
    /// Number of detections.
    pub detections: i64,
    /// Sources that saw it.
    pub sources: Vec<String>,
    /// The district region it lies in (none: outside, near the border).
    pub region: Option<String>,
    /// The town polygon it lies in.
    pub town: Option<String>,
    /// Outside: distance to the district border (km).
    pub near_km: Option<f64>,
    /// `pending`, `near_border`, `dispatched`, `verified`, `closed`.
    pub state: String,
    /// 待派发, 边界外临近, 已派发, 已核查, 已办结.
    pub state_zh: String,
    /// The town it is dispatched to.
    pub assignee: Option<String>,
    /// When dispatched.
    pub dispatched: Option<Moment>,
    /// The latest verification.
    pub verification: Option<VerificationOut>,
    /// Minutes from dispatch to the first verification.
    pub response_min: Option<i64>,
    /// When closed.
    pub closed: Option<Moment>,
}

/// A verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationOut {
    /// `real_fire`, `false_alarm`, `outside_district`.
    pub finding: String,
    /// 属实, 误报, 不在辖区.
    pub finding_zh: String,
    /// Burned area (亩).
    pub burned_mu: Option<f64>,
    /// What was done.
    pub action: String,
    /// Photo attachment ids.
    pub photos: Vec<i64>,
    /// When.
    pub at: Option<Moment>,
}

/// The state's key.
pub(crate) fn state_key(r: &FireIncidentRecord) -> &'static str {
    match r.state {
        None if r.near_border() => "near_border",
        None => "pending",
        Some(s) => s.as_str(),
    }
}

/// An incident as the API gives it.
pub(crate) fn incident_out(r: &FireIncidentRecord) -> IncidentOut {
    IncidentOut {
        id: r.id,
        first: moment_ms(r.first_at_ms),
        last: moment_ms(r.last_at_ms),
        lon: r.lon,
        lat: r.lat,
        detections: r.detections,
        sources: r.sources.clone(),
        region: r.place.region.clone(),
        town: r.place.town.clone(),
        near_km: r.place.near_km,
        state: state_key(r).to_owned(),
        state_zh: r.state_zh().to_owned(),
        assignee: r.assignee.clone(),
        dispatched: r.dispatched_at_ms.map(moment_ms),
        verification: r.verification.as_ref().map(|v| VerificationOut {
            finding: v.finding.as_str().to_owned(),
            finding_zh: v.finding.zh().to_owned(),
            burned_mu: v.burned_mu,
            action: v.action.clone(),
            photos: v.photos.clone(),
            at: r.verified_at_ms.map(moment_ms),
        }),
        response_min: r.response_min(None),
        closed: r.closed_at_ms.map(moment_ms),
    }
}

/// Which incidents.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    /// First detection from this day (YYYY-MM-DD, Beijing).
    pub from: Option<String>,
    /// … to this day, inclusive.
    pub to: Option<String>,
    /// Lying in, or dispatched to, this town.
    pub town: Option<String>,
    /// Only `pending`, `near_border`, `dispatched`, `verified` or `closed`.
    pub state: Option<String>,
    /// At most this many (default 500, at most 5,000).
    pub limit: Option<usize>,
    /// `json` (default), `csv` or `xlsx`.
    #[serde(default)]
    pub format: Format,
}

fn day_ms(field: &str, v: Option<&str>, next: bool) -> Result<Option<i64>, ApiError> {
    let Some(v) = v.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let d: Date = v
        .trim()
        .parse()
        .map_err(|_| ApiError::field(field, format!("{v:?} is not a date (YYYY-MM-DD)")))?;
    let d = if next {
        d.tomorrow()
            .map_err(|_| ApiError::field(field, "out of range"))?
    } else {
        d
    };
    Ok(Some(
        lantian_report::plan::beijing_midnight_ms(d)
            .map_err(|_| ApiError::field(field, "out of range"))?,
    ))
}

pub(crate) fn filter_of(
    from: Option<&str>,
    to: Option<&str>,
    town: Option<&str>,
    limit: usize,
) -> Result<FireFilter, ApiError> {
    Ok(FireFilter {
        from_ms: day_ms("from", from, false)?,
        to_ms: day_ms("to", to, true)?,
        town: town
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        near_border: None,
        limit,
    })
}

/// Fire incidents, newest first, as JSON, CSV or xlsx.
#[utoipa::path(get, path = "/api/v1/fire/incidents", tag = "fire", params(IncidentQuery),
    responses(
        (status = 200, description = "The incidents", body = Vec<IncidentOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn incidents(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<IncidentQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(500);
    if limit == 0 || limit > 5_000 {
        return Err(ApiError::field("limit", "must be 1 to 5,000"));
    }
    let policy = state.config.read_scope;
    let town = user
        .actor
        .town_to_list(policy, q.town.as_deref())
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let f = filter_of(q.from.as_deref(), q.to.as_deref(), town.as_deref(), limit)?;
    let want = q.state.clone();
    if let Some(s) = &want
        && !["pending", "near_border", "dispatched", "verified", "closed"].contains(&s.as_str())
    {
        return Err(ApiError::field(
            "state",
            format!("{s:?}: pending, near_border, dispatched, verified or closed"),
        ));
    }
    let rows: Vec<FireIncidentRecord> = state
        .blocking(move |store| Ok(store.fire_incidents(&f)?))
        .await?
        .into_iter()
        .filter(|r| want.as_deref().is_none_or(|w| state_key(r) == w))
        .filter(|r| may_read(&user.actor, policy, r))
        .collect();
    let out: Vec<IncidentOut> = rows.iter().map(incident_out).collect();
    respond(
        q.format,
        out,
        move || report::incidents_table(&rows),
        "fire-incidents",
    )
    .await
}

/// A detection of an incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetectionOut {
    /// When.
    pub at: Moment,
    /// WGS-84.
    pub lon: f64,
    /// WGS-84.
    pub lat: f64,
    /// MODIS, VIIRS, 视频塔, …
    pub source: String,
    /// Satellite.
    pub satellite: String,
    /// Confidence as given.
    pub confidence: String,
    /// Fire radiative power (MW).
    pub frp: Option<f64>,
    /// The file and line it came from.
    pub origin: String,
}

/// A step of the work order's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// When.
    pub at: Moment,
    /// Who.
    pub actor: String,
    /// create, dispatch, verify, return, close.
    pub action: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// The town, the verification, the reason (JSON).
    pub detail: serde_json::Value,
}

/// An incident with its detections and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    /// The incident.
    pub incident: IncidentOut,
    /// Its detections.
    pub detections: Vec<DetectionOut>,
    /// Its work order's history.
    pub events: Vec<EventOut>,
}

/// Whether `actor` reads this incident under `policy`: by the town it lies in or the town its
/// work order is dispatched to.
pub(crate) fn may_read(actor: &Actor, policy: ReadScope, r: &FireIncidentRecord) -> bool {
    actor.may_read_fire(r.place.town.as_deref(), r.assignee.as_deref(), policy)
}

pub(crate) fn detail_of(
    store: &lantian_store::Store,
    id: i64,
    reader: (&Actor, ReadScope),
) -> Result<(FireIncidentRecord, IncidentDetail), ApiError> {
    let r = store.fire_incident(id)?;
    if !may_read(reader.0, reader.1, &r) {
        return Err(ApiError::forbidden(format!(
            "fire incident {id} is outside {}",
            reader.0.scope.as_deref().unwrap_or_default()
        )));
    }
    let detections = store
        .fire_detections_of(id)?
        .into_iter()
        .map(|d| {
            let d = d.detection;
            DetectionOut {
                at: moment_ms(d.at_ms),
                lon: d.lon,
                lat: d.lat,
                source: d.source,
                satellite: d.satellite,
                confidence: d.confidence,
                frp: d.frp,
                origin: format!("{}:{}", d.file, d.line),
            }
        })
        .collect();
    let events = store
        .fire_order_events(id)?
        .into_iter()
        .map(|e| EventOut {
            at: moment_ms(e.at_ms),
            actor: e.actor,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let incident = incident_out(&r);
    Ok((
        r,
        IncidentDetail {
            incident,
            detections,
            events,
        },
    ))
}

fn id_of(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::field("id", "not an incident id"))
}

/// One incident with its detections and its work order's history.
#[utoipa::path(get, path = "/api/v1/fire/incidents/{id}", tag = "fire",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 200, description = "The incident", body = IncidentDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such incident", body = ErrorBody),
    ))]
async fn incident(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let policy = state.config.read_scope;
    let (_, d) = state
        .blocking(move |store| detail_of(store, id, (&user.actor, policy)))
        .await?;
    Ok(axum::Json(d).into_response())
}

/// A step of a work order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FireActIn {
    /// `dispatch` (the office), `verify` (the town it is dispatched to, or the office),
    /// `return` or `close` (the office).
    pub action: String,
    /// The town to dispatch to.
    #[serde(default)]
    pub town: Option<String>,
    /// `real_fire`, `false_alarm` or `outside_district` (verify).
    #[serde(default)]
    pub finding: Option<String>,
    /// Burned area (亩), required for a real fire.
    #[serde(default)]
    pub burned_mu: Option<f64>,
    /// What was done (verify), or why it is sent back (return).
    #[serde(default)]
    pub text: String,
    /// Photo attachment ids (uploaded with `/api/v1/attachments`), required for a real fire.
    #[serde(default)]
    pub photos: Vec<i64>,
}

/// Dispatches, verifies, sends back or closes an incident's work order. Every step is in its
/// history and the audit log; the town's scope is checked in the same transaction as the write.
#[utoipa::path(post, path = "/api/v1/fire/incidents/{id}/actions", tag = "fire",
    params(("id" = i64, Path, description = "Incident id")), request_body = FireActIn,
    responses(
        (status = 200, description = "The incident after the step", body = IncidentDetail),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not allowed for this role or town", body = ErrorBody),
        (status = 404, description = "No such incident", body = ErrorBody),
        (status = 409, description = "Not possible now, or the verification is incomplete", body = ErrorBody),
    ))]
async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(req): Json<FireActIn>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let text = req.text.trim().to_owned();
    if text.chars().count() > 2_000 {
        return Err(ApiError::field("text", "at most 2,000 characters"));
    }
    if req.photos.len() > 20 {
        return Err(ApiError::field("photos", "at most 20"));
    }
    let office = |a: &lantian_core::access::Actor| {
        a.may_dispatch_orders()
            .map_err(|e| ApiError::forbidden(e.to_string()))
    };
    let step = match req.action.as_str() {
        "dispatch" => {
            office(&user.actor)?;
            let town = req
                .town
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.chars().count() <= 100)
                .ok_or_else(|| ApiError::field("town", "required: the town to dispatch to"))?;
            FireStep::Dispatch(town.to_owned())
        }
        "verify" => {
            let finding = req
                .finding
                .as_deref()
                .and_then(Finding::parse)
                .ok_or_else(|| {
                    ApiError::field(
                        "finding",
                        format!(
                            "{:?}: real_fire, false_alarm or outside_district",
                            req.finding
                        ),
                    )
                })?;
            if req
                .burned_mu
                .is_some_and(|m| !m.is_finite() || !(0.0..=100_000.0).contains(&m))
            {
                return Err(ApiError::field("burned_mu", "0 to 100,000 亩"));
            }
            FireStep::Order(OrderAction::Verify(Verification {
                finding,
                burned_mu: req.burned_mu,
                action: text,
                photos: req.photos.clone(),
            }))
        }
        "return" => {
            office(&user.actor)?;
            FireStep::Order(OrderAction::Return(text))
        }
        "close" => {
            office(&user.actor)?;
            FireStep::Order(OrderAction::Close)
        }
        a => {
            return Err(ApiError::field(
                "action",
                format!("{a:?}: dispatch, verify, return or close"),
            ));
        }
    };
    let actor = user.actor.clone();
    let photos = req.photos.clone();
    let (_, d) = state
        .blocking(move |store| {
            // Photos must exist and be the verifying town's own (or the office's).
            if !photos.is_empty() {
                let found = store.attachments(&photos)?;
                for p in &photos {
                    let Some(a) = found.iter().find(|a| a.id == *p) else {
                        return Err(ApiError::field("photos", format!("no attachment {p}")));
                    };
                    if let Some(scope) = actor.scope.as_deref()
                        && a.scope.as_deref() != Some(&format!("town:{scope}"))
                    {
                        return Err(ApiError::field(
                            "photos",
                            format!("attachment {p} is not {scope}'s"),
                        ));
                    }
                    if !a.mime.starts_with("image/") {
                        return Err(ApiError::field(
                            "photos",
                            format!("attachment {p} is not a photo (.jpg or .png)"),
                        ));
                    }
                }
            }
            let authorize = |r: &FireIncidentRecord| -> Result<(), StoreError> {
                if matches!(step, FireStep::Order(OrderAction::Verify(_))) {
                    let town = r.assignee.as_deref().unwrap_or_default();
                    actor
                        .may_verify_order(town)
                        .map_err(|e| StoreError::Denied(e.to_string()))?;
                }
                Ok(())
            };
            store.fire_step(
                id,
                &step,
                &authorize,
                &actor.username,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            detail_of(store, id, (&actor, ReadScope::All))
        })
        .await?;
    Ok(axum::Json(d).into_response())
}

/// Which statistics.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// First detection from this day (YYYY-MM-DD, Beijing).
    pub from: Option<String>,
    /// … to this day, inclusive.
    pub to: Option<String>,
    /// Only this town.
    pub town: Option<String>,
    /// `json` (default) or `xlsx` (the statistics and the incidents); `csv` gives the
    /// statistics only.
    #[serde(default)]
    pub format: Format,
}

/// Statistics by town and month (Beijing) with counts per source: incidents, real, false
/// alarms, outside the district, open, and the median response time; near-border incidents
/// per month apart.
#[utoipa::path(get, path = "/api/v1/fire/statistics", tag = "fire", params(StatisticsQuery),
    responses(
        (status = 200, description = "The statistics", body = Object),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn statistics(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<StatisticsQuery>,
) -> Result<Response, ApiError> {
    let f = FireFilter {
        limit: 0,
        ..filter_of(q.from.as_deref(), q.to.as_deref(), q.town.as_deref(), 0)?
    };
    let rows = state
        .blocking(move |store| Ok(store.fire_incidents(&f)?))
        .await?;
    let stats: FireStatistics = report::compute(&rows);
    if q.format == Format::Xlsx {
        return Ok(attachment(
            report::workbook(&stats, &rows)?,
            "fire-statistics",
        ));
    }
    respond(
        q.format,
        &stats,
        {
            let stats = stats.clone();
            move || report::statistics_table(&stats)
        },
        "fire-statistics",
    )
    .await
}

/// Import parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FireImportQuery {
    /// The file's name (kept with each detection).
    pub name: String,
    /// Keep detections outside the district within this distance of its border (km; default 5).
    pub near_km: Option<f64>,
    /// Leave new incidents undispatched.
    #[serde(default)]
    pub no_dispatch: bool,
}

/// Imports a fire file (the office): FIRMS CSV (MODIS or VIIRS, standard or NRT) or a generic
/// CSV (`lon,lat,time,source,confidence`; provincial pushes, video towers, drones). Bad lines
/// are named and skipped; detections already stored are ignored; new incidents inside the
/// district are dispatched to their town.
#[utoipa::path(post, path = "/api/v1/fire/import", tag = "fire", params(FireImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "What was read and stored", body = Object),
        (status = 400, description = "Not a fire file, or no district boundary", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 413, description = "Larger than 10 MiB", body = ErrorBody),
    ))]
async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FireImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    user.actor
        .may_dispatch_orders()
        .map_err(|e| ApiError::forbidden(e.to_string()))?;
    let name = q.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::field("name", "1 to 200 characters"));
    }
    let near_km = q.near_km.unwrap_or(5.0);
    if !(0.0..=100.0).contains(&near_km) {
        return Err(ApiError::field("near_km", "0 to 100 km"));
    }
    let opts = ImportOptions {
        near_km,
        rule: MergeRule::default(),
        dispatch: !q.no_dispatch,
        actor: user.actor.username.clone(),
        at_ms: jiff::Timestamp::now().as_millisecond(),
    };
    let s: ImportSummary = state
        .blocking(move |store| {
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::field("body", format!("{name}: not UTF-8 text")))?;
            Ok(report::import(store, &[FireFile { name, text }], &opts)?)
        })
        .await?;
    Ok(axum::Json(s).into_response())
}
