//! Online monitoring and alarms (logged-in users): devices with their online status, their
//! readings, the alarm queue, one alarm with its lifecycle and evidence frames, and the
//! lifecycle actions, checked against the user's role and scope.

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use lantian_core::device::format_micros;
use lantian_core::{Actor, AlarmAction, AlarmKind, AlarmScope, DeviceKind, ReadScope, Reads};
use lantian_report::{Tabular, opt};
use lantian_store::{AlarmFilter, AlarmRecord, AlarmScopeRecord, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, Meta, Moment, Page, Paging, date_range, moment, moment_ms, respond};
use crate::auth::CurrentUser;
use crate::error::ErrorBody;
use crate::extract::{Json, Query};
use crate::{ApiError, AppState};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(devices))
        .routes(routes!(readings))
        .routes(routes!(alarms))
        .routes(routes!(alarm))
        .routes(routes!(alarm_action))
}

/// A device with its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceOut {
    /// MN.
    pub mn: String,
    /// Name.
    pub name: String,
    /// cems, vocs, construction_dust, oil_fume, air_micro_station or other.
    pub kind: String,
    /// Its Chinese name.
    pub kind_zh: String,
    /// Owner (enterprise, site or restaurant).
    pub owner: String,
    /// Owner's address.
    pub address: String,
    /// Town (区镇/街道).
    pub town: String,
    /// Longitude (WGS-84).
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Registered and active.
    pub active: bool,
    /// When its last frame was stored.
    pub last_seen: Option<Moment>,
    /// `online`, `offline` (an offline alarm is open) or `never` (no data yet).
    pub status: String,
    /// Open alarms.
    pub open_alarms: usize,
    /// Factors: code, name, unit.
    pub factors: Vec<FactorOut>,
    /// Alarm limits.
    pub limits: Vec<LimitOut>,
    /// The latest values (实时数据): the last real-time upload (2011) of the past hour, else
    /// the last hourly one (2061) of the past 26 hours.
    pub latest: Option<ReadingOut>,
}

/// Each device's latest reading (see [`DeviceOut::latest`]), by device id: two window scans
/// for the whole fleet.
pub(crate) fn latest_by_device(
    store: &lantian_store::Store,
    now_s: i64,
) -> Result<HashMap<i64, lantian_store::StoredReading>, ApiError> {
    let mut out: HashMap<i64, lantian_store::StoredReading> = store
        .latest_readings(2061, now_s - 26 * 3600, now_s + 3600)?
        .into_iter()
        .collect();
    out.extend(store.latest_readings(2011, now_s - 3600, now_s + 3600)?);
    Ok(out)
}

/// A stored reading for the API.
pub(crate) fn reading_out(r: lantian_store::StoredReading) -> ReadingOut {
    ReadingOut {
        cn: r.cn,
        data_time: moment(r.data_time),
        part: r.part,
        frame_id: r.frame_id,
        values: r
            .values
            .into_iter()
            .map(|v| ValueOut {
                factor: v.code,
                value: v.value.map(format_micros),
                converted: v.converted.map(format_micros),
                flag: v.flag,
            })
            .collect(),
    }
}

/// A factor a device measures.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorOut {
    /// HJ 212 code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
}

/// An alarm limit.
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitOut {
    /// Factor code.
    pub factor: String,
    /// Averaging window (sample, min15, hour, day).
    pub window: String,
    /// Limit value.
    pub max: String,
    /// Applies to the converted (折算) value.
    pub converted: bool,
    /// Where the limit comes from.
    pub basis: String,
}

/// Device filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeviceQuery {
    /// Only this kind (cems, vocs, construction_dust, oil_fume, air_micro_station, other).
    pub kind: Option<String>,
    /// Only this town.
    pub town: Option<String>,
    /// Only this status (online, offline, never).
    pub status: Option<String>,
    /// Rows per page (default 100).
    pub limit: Option<usize>,
    /// Rows to skip.
    pub offset: Option<usize>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// Devices with online status and open alarms.
#[utoipa::path(get, path = "/api/v1/devices", tag = "monitoring", params(DeviceQuery),
    responses(
        (status = 200, description = "A page of devices", body = Page<DeviceOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn devices(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<DeviceQuery>,
) -> Result<Response, ApiError> {
    let paging = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve(state.config.max_page)?;
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(DeviceKind::parse(k).ok_or_else(|| {
            ApiError::field(
                "kind",
                format!("{k:?} is not cems, vocs, construction_dust, oil_fume, air_micro_station or other"),
            )
        })?),
    };
    if let Some(s) = q.status.as_deref() {
        if !["online", "offline", "never"].contains(&s) {
            return Err(ApiError::field(
                "status",
                format!("{s:?} is not online, offline or never"),
            ));
        }
    }
    let (devs, seen, open, mut latest) = state
        .blocking(|store| {
            let devs = store.devices()?;
            let seen: HashMap<i64, i64> = store.devices_last_seen()?.into_iter().collect();
            let open = store.open_alarm_counts()?;
            let latest = latest_by_device(store, jiff::Timestamp::now().as_second())?;
            Ok((devs, seen, open, latest))
        })
        .await?;
    let open_by_mn: HashMap<&str, (usize, bool)> = open
        .iter()
        .map(|c| {
            (
                c.mn.as_str(),
                (usize::try_from(c.open).unwrap_or(usize::MAX), c.offline_now),
            )
        })
        .collect();
    let matching: Vec<DeviceOut> = devs
        .iter()
        .filter(|d| kind.is_none_or(|k| d.device.kind == k))
        .filter(|d| q.town.as_ref().is_none_or(|t| &d.device.owner.town == t))
        .map(|d| {
            let dev = &d.device;
            let last = seen.get(&d.id).copied();
            let (open_alarms, offline) =
                open_by_mn.get(dev.mn.as_str()).copied().unwrap_or_default();
            let status = device_status(last.is_some(), offline);
            DeviceOut {
                mn: dev.mn.clone(),
                name: dev.name.clone(),
                kind: dev.kind.as_str().to_owned(),
                kind_zh: dev.kind.zh().to_owned(),
                owner: dev.owner.name.clone(),
                address: dev.owner.address.clone(),
                town: dev.owner.town.clone(),
                lon: dev.owner.lon,
                lat: dev.owner.lat,
                active: dev.active,
                last_seen: last.map(moment_ms),
                status: status.to_owned(),
                open_alarms,
                factors: dev
                    .factors
                    .iter()
                    .map(|f| FactorOut {
                        code: f.code.clone(),
                        name: f.name.clone(),
                        unit: f.unit.clone(),
                    })
                    .collect(),
                limits: dev
                    .limits
                    .iter()
                    .map(|l| LimitOut {
                        factor: l.factor.clone(),
                        window: l.averaging.label(),
                        max: format_micros(l.max),
                        converted: l.converted,
                        basis: l.basis.clone(),
                    })
                    .collect(),
                latest: latest.remove(&d.id).map(reading_out),
            }
        })
        .filter(|d| q.status.as_ref().is_none_or(|s| &d.status == s))
        .collect();
    let page = Page::of(matching, paging);
    let tab = Tabular {
        headers: [
            "MN",
            "名称",
            "类型",
            "单位",
            "地址",
            "区镇",
            "状态",
            "最后上报",
            "未结报警",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: page
            .results
            .iter()
            .map(|d| {
                vec![
                    d.mn.clone(),
                    d.name.clone(),
                    d.kind_zh.clone(),
                    d.owner.clone(),
                    d.address.clone(),
                    d.town.clone(),
                    status_zh(&d.status).to_owned(),
                    opt(&d.last_seen.as_ref().map(|m| m.local.clone())),
                    d.open_alarms.to_string(),
                ]
            })
            .collect(),
    };
    respond(q.format.unwrap_or_default(), page, move || tab, "devices").await
}

/// Whether an alarm says its device is offline now (an open offline alarm not yet recovered).
pub(crate) fn is_offline_now(a: &AlarmRecord) -> bool {
    a.kind == AlarmKind::Offline && a.recovered_at_ms.is_none()
}

/// A device's status: `never` (nothing stored yet), `offline` ([`is_offline_now`]) or `online`.
pub(crate) fn device_status(seen: bool, offline: bool) -> &'static str {
    match (seen, offline) {
        (false, _) => "never",
        (true, true) => "offline",
        (true, false) => "online",
    }
}

/// The Chinese name of a [`device_status`].
pub(crate) fn status_zh(s: &str) -> &'static str {
    match s {
        "online" => "在线",
        "offline" => "离线",
        _ => "未上线",
    }
}

/// Readings query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadingsQuery {
    /// 2011 (real-time), 2051 (minute), 2061 (hourly) or 2031 (daily); default 2061.
    pub cn: Option<u16>,
    /// First day, `YYYY-MM-DD` (Beijing).
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// One upload's values.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingOut {
    /// CN: 2011 real-time, 2051 minute, 2061 hourly, 2031 daily.
    pub cn: u16,
    /// `DataTime` of the upload.
    pub data_time: Moment,
    /// Part of a split message (0 when not split).
    pub part: i64,
    /// The stored frame (evidence).
    pub frame_id: i64,
    /// Values by factor.
    pub values: Vec<ValueOut>,
}

/// One factor's value.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueOut {
    /// Factor code.
    pub factor: String,
    /// Value (`-Rtd` or `-Avg`).
    pub value: Option<String>,
    /// Converted value (折算).
    pub converted: Option<String>,
    /// Flag as sent (N, M, C, …).
    pub flag: Option<String>,
}

/// A device's readings of one kind over a range of days.
#[utoipa::path(get, path = "/api/v1/devices/{mn}/readings", tag = "monitoring",
    params(("mn" = String, Path, description = "Device MN"), ReadingsQuery),
    responses(
        (status = 200, description = "Readings in time order", body = Vec<ReadingOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such device", body = ErrorBody),
    ))]
async fn readings(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(mn): Path<String>,
    Query(q): Query<ReadingsQuery>,
) -> Result<Response, ApiError> {
    let cn = q.cn.unwrap_or(2061);
    if ![2011, 2051, 2061, 2031].contains(&cn) {
        return Err(ApiError::field("cn", "2011, 2051, 2061 or 2031"));
    }
    // Real-time data is dense: a week per request.
    let max_days = if cn == 2011 { 7 } else { 366 };
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref(), max_days)?;
    let tz = super::beijing();
    let start = from.to_zoned(tz.clone()).map_err(ApiError::internal)?;
    let end = to
        .tomorrow()
        .and_then(|d| d.to_zoned(tz))
        .map_err(ApiError::internal)?;
    let (from_s, to_s) = (start.timestamp().as_second(), end.timestamp().as_second());
    let key = mn.clone();
    let rows = state
        .blocking(move |store| {
            let dev = store
                .devices()?
                .into_iter()
                .find(|d| d.device.mn == key)
                .ok_or_else(|| ApiError::not_found(format!("no device {key}")))?;
            Ok(store.readings(dev.id, cn, from_s, to_s)?)
        })
        .await?;
    let results: Vec<ReadingOut> = rows.into_iter().map(reading_out).collect();
    let tab = Tabular {
        headers: ["数据时间(北京)", "因子", "值", "折算值", "标记"]
            .map(str::to_owned)
            .to_vec(),
        rows: results
            .iter()
            .flat_map(|r| {
                r.values.iter().map(|v| {
                    vec![
                        r.data_time.local.clone(),
                        v.factor.clone(),
                        opt(&v.value),
                        opt(&v.converted),
                        opt(&v.flag),
                    ]
                })
            })
            .collect(),
    };
    respond(
        q.format.unwrap_or_default(),
        results,
        move || tab,
        &format!("{mn}-{cn}"),
    )
    .await
}

/// An alarm.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlarmOut {
    /// Id.
    pub id: i64,
    /// Device MN.
    pub mn: String,
    /// exceedance, over_range, offline, constant, zero_run, pinned, step, maintenance_run,
    /// clock_skew.
    pub kind: String,
    /// Its Chinese name.
    pub kind_zh: String,
    /// Factor, for factor alarms.
    pub factor: Option<String>,
    /// raised, acknowledged, dispatched, handled, closed or dismissed.
    pub state: String,
    /// Its Chinese name.
    pub state_zh: String,
    /// Start of the episode (data time).
    pub start: Moment,
    /// Last data time of the episode so far.
    pub end: Moment,
    /// The value that raised it.
    pub value: Option<String>,
    /// The limit it was judged against.
    pub limit: Option<String>,
    /// What the rule saw.
    pub detail: String,
    /// When it was raised.
    pub raised_at: Moment,
    /// When the condition ended, if it has.
    pub recovered_at: Option<Moment>,
    /// Town or department it was dispatched to.
    pub assignee: String,
}

fn alarm_out(a: &AlarmRecord) -> AlarmOut {
    AlarmOut {
        id: a.id,
        mn: a.mn.clone(),
        kind: a.kind.as_str().to_owned(),
        kind_zh: a.kind.zh().to_owned(),
        factor: a.factor.clone(),
        state: a.state.as_str().to_owned(),
        state_zh: a.state.zh().to_owned(),
        start: moment(a.start),
        end: moment(a.end),
        value: a.value.map(format_micros),
        limit: a.limit.map(format_micros),
        detail: a.detail.clone(),
        raised_at: moment_ms(a.raised_at_ms),
        recovered_at: a.recovered_at_ms.map(moment_ms),
        assignee: a.assignee.clone(),
    }
}

/// Alarm filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlarmQuery {
    /// Only open alarms (not closed or dismissed).
    pub open: Option<bool>,
    /// Only this device.
    pub mn: Option<String>,
    /// Only devices of this town (区镇/街道).
    pub town: Option<String>,
    /// Only this kind (exceedance, offline, …).
    pub kind: Option<String>,
    /// Only episodes starting on or after this day, `YYYY-MM-DD` (Beijing).
    pub from: Option<String>,
    /// Only episodes starting on or before this day.
    pub to: Option<String>,
    /// Rows per page (default 100).
    pub limit: Option<usize>,
    /// Rows to skip.
    pub offset: Option<usize>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// Alarms, newest first.
#[utoipa::path(get, path = "/api/v1/alarms", tag = "alarms", params(AlarmQuery),
    responses(
        (status = 200, description = "A page of alarms", body = Page<AlarmOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn alarms(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AlarmQuery>,
) -> Result<Response, ApiError> {
    let paging = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve(state.config.max_page)?;
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(
            AlarmKind::parse(k)
                .ok_or_else(|| ApiError::field("kind", format!("{k:?} is not an alarm kind")))?,
        ),
    };
    let day_start = |field: &str, v: &str, next: bool| -> Result<i64, ApiError> {
        let d = super::date_param(field, Some(v))?;
        let d = if next {
            d.tomorrow()
                .map_err(|_| ApiError::field(field, "out of range"))?
        } else {
            d
        };
        d.to_zoned(super::beijing())
            .map(|z| z.timestamp().as_second())
            .map_err(|_| ApiError::field(field, "out of range"))
    };
    let from = q
        .from
        .as_deref()
        .map(|v| day_start("from", v, false))
        .transpose()?;
    let to =
        q.to.as_deref()
            .map(|v| day_start("to", v, true))
            .transpose()?;
    // Filters, order and paging are done by the database: a page costs the same however
    // many alarms are stored.
    let filter = readable(
        AlarmFilter {
            open_only: q.open.unwrap_or(false),
            mn: q.mn.clone(),
            town: q.town.clone(),
            kind,
            start_from: from,
            start_to: to,
            limit: paging.0,
            offset: paging.1,
            ..AlarmFilter::default()
        },
        &user.actor,
        state.config.read_scope,
    );
    let (rows, found) = state
        .blocking(move |store| Ok((store.alarms(&filter)?, store.alarms_found(&filter)?)))
        .await?;
    let page = Page {
        meta: Meta {
            found: usize::try_from(found).unwrap_or(usize::MAX),
            limit: paging.0,
            offset: paging.1,
        },
        results: rows.iter().map(alarm_out).collect(),
    };
    let tab = Tabular {
        headers: [
            "编号",
            "MN",
            "类型",
            "因子",
            "状态",
            "开始(北京)",
            "数值",
            "限值",
            "派发至",
            "说明",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: page
            .results
            .iter()
            .map(|a| {
                vec![
                    a.id.to_string(),
                    a.mn.clone(),
                    a.kind_zh.clone(),
                    opt(&a.factor),
                    a.state_zh.clone(),
                    a.start.local.clone(),
                    opt(&a.value),
                    opt(&a.limit),
                    a.assignee.clone(),
                    a.detail.clone(),
                ]
            })
            .collect(),
    };
    respond(q.format.unwrap_or_default(), page, move || tab, "alarms").await
}

/// One step of an alarm's lifecycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// When.
    pub at: Moment,
    /// Who (`system` for the rules).
    pub actor: String,
    /// What.
    pub action: String,
    /// State before.
    pub from: String,
    /// State after.
    pub to: String,
    /// Note, reason or assignee.
    pub note: String,
    /// Attachment references.
    pub attachments: Vec<String>,
}

/// A stored frame that is evidence of an alarm.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceOut {
    /// Frame id.
    pub frame_id: i64,
    /// Position in the device's hash chain.
    pub seq: i64,
    /// When it was received.
    pub received_at: Moment,
    /// The frame verbatim (as text; bytes that are not UTF-8 are replaced).
    pub raw: String,
    /// SHA-256 chain hash of this frame, hex.
    pub hash: String,
    /// The previous frame's chain hash, hex.
    pub prev_hash: String,
}

/// An alarm with its lifecycle and evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlarmDetail {
    /// The alarm.
    pub alarm: AlarmOut,
    /// Its lifecycle, oldest first.
    pub events: Vec<EventOut>,
    /// The frames that caused it.
    pub evidence: Vec<EvidenceOut>,
}

/// An alarm list narrowed, in the database, to what `actor` reads under `policy` (towns: their
/// devices' alarms and those dispatched to them; departments: those dispatched to them).
pub(crate) fn readable(mut f: AlarmFilter, actor: &Actor, policy: ReadScope) -> AlarmFilter {
    match actor.reads(policy) {
        Reads::All => {}
        Reads::Town(t) => f.reader_town = Some(t.to_owned()),
        Reads::Department(d) => f.reader_department = Some(d.to_owned()),
    }
    f
}

/// One alarm by id that `reader` may read: 404 when there is none, 403 when it is outside the
/// reader's scope.
pub(crate) fn one_alarm(
    store: &lantian_store::Store,
    id: i64,
    reader: (&Actor, ReadScope),
) -> Result<AlarmRecord, ApiError> {
    let one = AlarmFilter {
        id: Some(id),
        limit: 1,
        ..AlarmFilter::default()
    };
    if let Some(a) = store
        .alarms(&readable(one.clone(), reader.0, reader.1))?
        .into_iter()
        .next()
    {
        return Ok(a);
    }
    if store.alarms_found(&one)? > 0 {
        return Err(ApiError::forbidden(format!(
            "alarm {id} is outside {}",
            reader.0.scope.as_deref().unwrap_or_default()
        )));
    }
    Err(ApiError::not_found(format!("no alarm {id}")))
}

fn alarm_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::field("id", format!("{id:?} is not an alarm id")))
}

/// One alarm with its lifecycle and its evidence frames, verbatim.
#[utoipa::path(get, path = "/api/v1/alarms/{id}", tag = "alarms",
    params(("id" = i64, Path, description = "Alarm id")),
    responses(
        (status = 200, description = "The alarm", body = AlarmDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such alarm", body = ErrorBody),
    ))]
async fn alarm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<axum::Json<AlarmDetail>, ApiError> {
    let id = alarm_id(&id)?;
    let policy = state.config.read_scope;
    let (rec, events, evidence) = state
        .blocking(move |store| {
            let rec = one_alarm(store, id, (&user.actor, policy))?;
            Ok((rec, store.alarm_events(id)?, store.alarm_evidence(id)?))
        })
        .await?;
    Ok(axum::Json(AlarmDetail {
        alarm: alarm_out(&rec),
        events: events
            .into_iter()
            .map(|e| EventOut {
                at: moment_ms(e.at_ms),
                actor: e.actor,
                action: e.action,
                from: e.from,
                to: e.to,
                note: e.note,
                attachments: e.attachments,
            })
            .collect(),
        evidence: evidence
            .into_iter()
            .map(|f| EvidenceOut {
                frame_id: f.frame_id,
                seq: f.seq,
                received_at: moment_ms(f.received_at_ms),
                raw: lantian_report::frame_text(&f.raw),
                hash: crate::auth::hex(&f.hash),
                prev_hash: crate::auth::hex(&f.prev_hash),
            })
            .collect(),
    }))
}

/// A lifecycle action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum ActionIn {
    /// 确认.
    Acknowledge,
    /// 派发: to a town or department (default: the device's town).
    Dispatch {
        /// Town or department.
        to: Option<String>,
    },
    /// 处置: what was done, with attachment references.
    Handle {
        /// What was done.
        note: String,
        /// Attachment references (file names or URLs).
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// 办结.
    Close,
    /// 驳回, with a reason.
    Dismiss {
        /// Why.
        reason: String,
    },
    /// 重新打开, with a reason.
    Reopen {
        /// Why.
        reason: String,
    },
    /// 备注.
    Comment {
        /// Text.
        note: String,
    },
}

/// The new state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionAnswer {
    /// Alarm id.
    pub id: i64,
    /// State after the action.
    pub state: String,
    /// Its Chinese name.
    pub state_zh: String,
}

fn required(field: &str, v: String, max: usize) -> Result<String, ApiError> {
    let v = v.trim().to_owned();
    if v.is_empty() {
        return Err(ApiError::field(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(ApiError::field(field, format!("at most {max} characters")));
    }
    Ok(v)
}

/// Takes an alarm a step through its lifecycle. Checked against the user's role and scope;
/// recorded in the alarm's events and the audit log.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/actions", tag = "alarms",
    params(("id" = i64, Path, description = "Alarm id")),
    request_body = ActionIn,
    responses(
        (status = 200, description = "Done", body = ActionAnswer),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not allowed for this user", body = ErrorBody),
        (status = 404, description = "No such alarm", body = ErrorBody),
        (status = 409, description = "Not allowed in the alarm's state", body = ErrorBody),
    ))]
async fn alarm_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<ActionIn>,
) -> Result<axum::Json<ActionAnswer>, ApiError> {
    let id = alarm_id(&id)?;
    let action_in = body;
    let actor_all = user.actor.clone();
    let new_state = state
        .blocking(move |store| {
            // Whether the actor may act is checked in the write's transaction.
            let rec = one_alarm(store, id, (&actor_all, ReadScope::All))?;
            let action = match action_in {
                ActionIn::Acknowledge => AlarmAction::Acknowledge,
                ActionIn::Dispatch { to } => {
                    let to = match to {
                        Some(t) => required("to", t, 64)?,
                        None => store
                            .devices()?
                            .into_iter()
                            .find(|d| d.device.mn == rec.mn)
                            .map(|d| d.device.owner.town)
                            .filter(|t| !t.is_empty())
                            .ok_or_else(|| {
                                ApiError::field(
                                    "to",
                                    "the device has no town: say whom to dispatch to",
                                )
                            })?,
                    };
                    AlarmAction::Dispatch { to }
                }
                ActionIn::Handle { note, attachments } => {
                    if attachments.len() > 20 || attachments.iter().any(|a| a.len() > 500) {
                        return Err(ApiError::field(
                            "attachments",
                            "at most 20, each at most 500 bytes",
                        ));
                    }
                    AlarmAction::Handle {
                        note: required("note", note, 2000)?,
                        attachments,
                    }
                }
                ActionIn::Close => AlarmAction::Close,
                ActionIn::Dismiss { reason } => AlarmAction::Dismiss {
                    reason: required("reason", reason, 2000)?,
                },
                ActionIn::Reopen { reason } => AlarmAction::Reopen {
                    reason: required("reason", reason, 2000)?,
                },
                ActionIn::Comment { note } => AlarmAction::Comment {
                    note: required("note", note, 2000)?,
                },
            };
            // The scope (the device's town, whom it is dispatched to) is checked on the row
            // read inside the action's transaction, as fire work orders are.
            let authorize = |s: &AlarmScopeRecord| {
                let scope = AlarmScope {
                    town: (!s.town.is_empty()).then_some(s.town.as_str()),
                    assignee: (!s.alarm.assignee.is_empty()).then_some(s.alarm.assignee.as_str()),
                };
                user.actor
                    .may_act_on_alarm(&action, scope)
                    .map_err(|e| StoreError::Denied(e.to_string()))
            };
            let now = jiff::Timestamp::now().as_millisecond();
            Ok(store.alarm_action(id, &user.actor.username, &action, &authorize, now)?)
        })
        .await?;
    Ok(axum::Json(ActionAnswer {
        id,
        state: new_state.as_str().to_owned(),
        state_zh: new_state.zh().to_owned(),
    }))
}
