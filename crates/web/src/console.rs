//! The web console (zh-CN): server-rendered pages (askama templates in `templates/`, checked at
//! compile time) with ECharts islands from `web/` (built by Vite into `web/dist` and embedded
//! with rust-embed). Pages need a login; without one they redirect to `/login`. Every action a
//! page offers goes through the JSON API, so the same checks apply.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use lantian_aq::assess::Period;
use lantian_aq::{AqiLevel, Config, Pollutant};
use lantian_core::DeviceKind;
use lantian_core::device::format_micros;
use lantian_store::{AlarmFilter, AlarmRecord, OpenAlarmCount, Store, StoredDevice};
use serde::Deserialize;

use crate::api::monitoring::{device_status, is_offline_now, status_zh};
use crate::auth::CurrentUser;
use crate::extract::Query;
use crate::{ApiError, AppState};

mod emergency;
mod enforcement;
mod fire;
mod inventory;
pub(crate) mod layers;
mod plan;
mod public;
mod towns;

/// The built assets (`web/dist`); missing when `npm run build` has not run, and then the pages
/// say so.
#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Assets;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login))
        .route("/air", get(air))
        .route("/monitoring", get(monitoring))
        .route("/monitoring/{mn}", get(device))
        .route("/alarms", get(alarms))
        .route("/alarms/{id}", get(alarm))
        .route("/map", get(map))
        .route("/layers/{name}", get(layers::layer))
        .route("/emergency", get(emergency::index))
        .route("/emergency/warnings/{id}", get(emergency::warning))
        .route("/fire", get(fire::index))
        .route("/fire/incidents/{id}", get(fire::incident))
        .route("/inventory", get(inventory::index))
        .route("/plan", get(plan::plan))
        .route("/plan/tasks/{number}", get(plan::task))
        .route("/plan/indicators", get(plan::indicators))
        .route("/plan/scorecards", get(plan::scorecards))
        .route("/enforcement", get(enforcement::index))
        .route("/enforcement/cases/{id}", get(enforcement::case))
        .route("/public", get(public::index))
        .route("/public/feed.atom", get(public::feed))
        .route("/towns", get(towns::index))
        .route("/towns/results/{id}", get(towns::result))
        .route("/towns/results/{id}/circular", get(towns::circular))
        .route("/towns/results/{id}/towns/{town}", get(towns::town))
        .route("/assets/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&format!("assets/{path}")) else {
        if path == "console.css" || path == "console.js" {
            return (
                StatusCode::NOT_FOUND,
                "console assets not built: run `npm --prefix web ci && npm --prefix web run build`, then rebuild lantian",
            )
                .into_response();
        }
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

/// A page's logged-in user; without a session the page redirects to the login.
struct PageUser(CurrentUser);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(u) => Ok(PageUser(u)),
            Err(e) if e.status() == StatusCode::UNAUTHORIZED => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let next: String = url_escape(next);
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The header every page shows.
struct Nav {
    csrf: String,
    demo: bool,
    district: String,
    user: String,
    role: &'static str,
    active: &'static str,
}

fn nav(state: &AppState, user: &CurrentUser, active: &'static str) -> Nav {
    Nav {
        csrf: user.csrf.clone(),
        demo: state.config.demo,
        district: state.config.district.clone(),
        user: user.display_name.clone(),
        role: user.actor.role.label_zh(),
        active,
    }
}

fn page(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login(Query(q): Query<NextQuery>) -> Response {
    let next = q.next.as_deref().map_or_else(|| "/".to_owned(), local_next);
    page(&LoginPage { next })
}

/// Where the login page sends the user afterwards: `next` when it is a path on this site, else
/// `/`.
///
/// A browser reads a URL leniently (WHATWG URL): it drops tabs and newlines anywhere, reads `\`
/// as `/`, trims spaces and control characters, and takes `//host` as another site, so
/// `/\evil.com` or `/\t/evil.com` (`/%5Cevil.com`, `/%09/evil.com` in the query) would leave
/// the site although they start with one `/`. So a `next` holding a control character,
/// whitespace or a backslash is refused outright, and the rest must parse as an origin-form
/// request target (a path and query, no scheme, no host) whose path does not start with `//`.
/// The login script checks the result once more with the browser's own URL parser.
pub(crate) fn local_next(next: &str) -> String {
    let suspicious = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(suspicious)
        && next
            .parse::<axum::http::Uri>()
            .is_ok_and(|u| u.scheme().is_none() && u.authority().is_none())
        // "/.//evil.com" resolves to the path "//evil.com": still this site, but a later
        // redirect that took the path alone would not be.
        && !next.split(['?', '#']).next().unwrap_or("").contains("//");
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

use crate::console_today as today;

#[derive(Clone)]
struct StationNow {
    code: String,
    name: String,
    label: String,
    aqi: String,
    category: String,
    colour: String,
    primary: String,
}

struct AlarmRow {
    id: i64,
    mn: String,
    device: String,
    town: String,
    kind: &'static str,
    factor: String,
    value: String,
    limit: String,
    start: String,
    end: String,
    state: &'static str,
    state_key: &'static str,
    assignee: String,
}

fn beijing_s(unix_s: i64) -> String {
    lantian_report::beijing_minute(unix_s.saturating_mul(1000))
}

/// Unix seconds as Beijing wall-clock text with seconds (what a chart's time axis shows).
fn beijing_secs(unix_s: i64) -> String {
    beijing_ms(unix_s.saturating_mul(1000))
}

fn beijing_ms(unix_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(unix_ms)
        .map(|t| {
            t.to_zoned(crate::api::beijing())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

fn alarm_rows(alarms: &[AlarmRecord], devices: &[StoredDevice]) -> Vec<AlarmRow> {
    let by_mn: HashMap<&str, &StoredDevice> =
        devices.iter().map(|d| (d.device.mn.as_str(), d)).collect();
    alarms
        .iter()
        .map(|a| {
            let dev = by_mn.get(a.mn.as_str());
            AlarmRow {
                id: a.id,
                mn: a.mn.clone(),
                device: dev.map_or_else(String::new, |d| {
                    if d.device.owner.name.is_empty() {
                        d.device.name.clone()
                    } else {
                        d.device.owner.name.clone()
                    }
                }),
                town: dev.map_or_else(String::new, |d| d.device.owner.town.clone()),
                kind: a.kind.zh(),
                factor: a.factor.clone().unwrap_or_default(),
                value: a.value.map(format_micros).unwrap_or_default(),
                limit: a.limit.map(format_micros).unwrap_or_default(),
                start: beijing_s(a.start),
                end: beijing_s(a.end),
                state: a.state.zh(),
                state_key: a.state.as_str(),
                assignee: a.assignee.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    nav: Nav,
    area_name: String,
    as_of: Date,
    year: i16,
    problem: Option<String>,
    pm25_ytd: String,
    pm25_target: String,
    pm25_status: &'static str,
    pm25_days: u32,
    pm25_max_remaining: Option<String>,
    days_remaining: u32,
    good_share: String,
    good_target: String,
    good_days: u32,
    valid_days: u32,
    good_status: &'static str,
    non_good_affordable: Option<u32>,
    open_alarms: usize,
    offline_devices: usize,
    device_count: usize,
    stations: Vec<StationNow>,
    calendar_json: String,
    alarms: Vec<AlarmRow>,
}

/// The Chinese name of a target budget's status.
fn budget_zh(s: &str) -> &'static str {
    match s {
        "reachable" => "可达成",
        "unreachable" => "按现有余量已无法达成",
        _ => "年度已结束",
    }
}

/// JSON for a `<script type="application/json">`: `<` escaped so no `</script>` can end it.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c")
}

/// Each station's latest hourly AQI on `day` (cached per station and day).
fn stations_now(
    store: &Store,
    state: &AppState,
    stations: &[String],
    day: Date,
) -> Result<Vec<StationNow>, ApiError> {
    let names = station_names(store, state)?;
    stations
        .iter()
        .map(|c| {
            state
                .cached(format!("now:{c}:{day}"), || {
                    station_now(store, c, names.get(c).unwrap_or(c), day)
                })
                .map(|n| (*n).clone())
        })
        .collect()
}

/// A station's latest hourly AQI on `day` (a row saying 无数据 when it has none): that day's
/// reviewed hours only, with the rules of the day's date.
fn station_now(store: &Store, code: &str, name: &str, day: Date) -> Result<StationNow, ApiError> {
    let (frame, _) = store.reviewed_frame(code, day, day)?;
    let hours = frame.columns[Pollutant::Pm25].len();
    latest_now(code, name, day, hours, |p, h| frame.columns[p][h])
}

/// An area's latest hourly AQI on `day`: the mean of its stations' concentrations hour by hour
/// (HJ 663), then the index.
fn area_now(
    store: &Store,
    stations: &[String],
    code: &str,
    name: &str,
    day: Date,
) -> Result<StationNow, ApiError> {
    let frames = stations
        .iter()
        .map(|c| store.reviewed_frame(c, day, day).map(|(f, _)| f))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<_> = frames.iter().collect();
    match lantian_aq::series::area_hourly(&refs, &Config::default()) {
        Some(h) => latest_now(code, name, day, h.columns[Pollutant::Pm25].len(), |p, i| {
            h.columns[p][i].and_then(|e| e.to_concentration())
        }),
        None => latest_now(code, name, day, 0, |_, _| None),
    }
}

/// The latest hour of `day` with an AQI, from `hours` hourly values read by `get`.
fn latest_now(
    code: &str,
    name: &str,
    day: Date,
    hours: usize,
    get: impl Fn(Pollutant, usize) -> Option<lantian_aq::Concentration>,
) -> Result<StationNow, ApiError> {
    let config = Config::default();
    let rules = lantian_aq::RuleSet::for_date(day);
    let mut latest = None;
    for h in (0..hours).rev() {
        let mut inputs = lantian_aq::HourlyInputs::default();
        for p in Pollutant::ALL {
            inputs.hour[p] = get(p, h);
        }
        if Pollutant::ALL.iter().all(|p| inputs.hour[*p].is_none()) {
            continue;
        }
        let r = lantian_aq::hourly_aqi(&inputs, rules, &config).map_err(ApiError::internal)?;
        if let Some(aqi) = r.aqi {
            latest = Some((h, aqi, r));
            break;
        }
    }
    Ok(match latest {
        Some((h, aqi, r)) => StationNow {
            code: code.to_owned(),
            name: name.to_owned(),
            // CNEMC labels an hour by its end (hour 0 of D+1 is 23:00–24:00 of D).
            label: day
                .at(0, 0, 0, 0)
                .checked_add(jiff::Span::new().hours(h as i64 + 1))
                .map(|end| format!("{} {}时", end.date(), end.hour()))
                .unwrap_or_default(),
            aqi: aqi.to_string(),
            category: r
                .level()
                .map(|l| l.category_zh())
                .unwrap_or_default()
                .to_owned(),
            colour: AqiLevel::from_aqi(aqi).colour().hex(),
            primary: r
                .primary()
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        },
        None => StationNow {
            code: code.to_owned(),
            name: name.to_owned(),
            label: format!("{day} 无数据"),
            aqi: "—".to_owned(),
            category: String::new(),
            colour: "transparent".to_owned(),
            primary: String::new(),
        },
    })
}

/// Station names by code.
fn station_names(store: &Store, state: &AppState) -> Result<HashMap<String, String>, ApiError> {
    Ok(state
        .stations(store)?
        .iter()
        .map(|s| {
            let name = s.name.clone().unwrap_or_else(|| s.code.clone());
            (s.code.clone(), name)
        })
        .collect())
}

async fn overview(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let st = state.clone();
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let as_of = today(&st);
            let year = as_of.year();
            let devices = store.devices()?;
            // The ten newest open alarms the user reads are shown; the rest are counted by the
            // database.
            let open_filter = crate::api::monitoring::readable(
                AlarmFilter {
                    open_only: true,
                    limit: 10,
                    ..AlarmFilter::default()
                },
                &reader,
                policy,
            );
            let open = store.alarms(&open_filter)?;
            let open_found =
                usize::try_from(store.alarms_found(&open_filter)?).unwrap_or(usize::MAX);
            let offline = store
                .open_alarm_counts()?
                .iter()
                .filter(|c| c.offline_now)
                .count();
            let mut p = OverviewPage {
                nav: nav(&st, &user, "overview"),
                area_name: st.config.district.clone(),
                as_of,
                year,
                problem: None,
                pm25_ytd: "—".into(),
                pm25_target: st.config.pm25_target.to_string(),
                pm25_status: "",
                pm25_days: 0,
                pm25_max_remaining: None,
                days_remaining: 0,
                good_share: "—".into(),
                good_target: st.config.good_target.to_string(),
                good_days: 0,
                valid_days: 0,
                good_status: "",
                non_good_affordable: None,
                open_alarms: open_found,
                offline_devices: offline,
                device_count: devices.len(),
                stations: Vec::new(),
                calendar_json: "[]".into(),
                alarms: alarm_rows(&open, &devices),
            };
            let start = Date::new(year, 1, 1).map_err(ApiError::internal)?;
            match st.report(
                store,
                false,
                &st.config.home_area,
                Period::Range(start, as_of),
            ) {
                Err(e) if e.status() == StatusCode::NOT_FOUND => {
                    p.problem = Some(format!(
                        "区域 {} 尚未导入（lantian import areas）",
                        st.config.home_area
                    ));
                }
                Err(e) => return Err(e),
                Ok(r) => {
                    p.area_name = r.scope.name.clone();
                    let stations = r.scope.stations.clone();
                    let t = &r.targets;
                    p.pm25_ytd = t.pm25_mean_so_far.clone().unwrap_or_else(|| "—".into());
                    p.pm25_status = budget_zh(t.pm25_status);
                    p.pm25_days = t.pm25_days_so_far;
                    p.pm25_max_remaining = t.pm25_max_remaining_mean.clone();
                    p.days_remaining = t.days_remaining;
                    p.good_share = r
                        .aqi_days
                        .good_share_percent
                        .clone()
                        .unwrap_or_else(|| "—".into());
                    p.good_days = t.good_days_so_far;
                    p.valid_days = t.valid_days_so_far;
                    p.good_status = budget_zh(t.good_status);
                    p.non_good_affordable = t.non_good_days_affordable;
                    let cal: Vec<serde_json::Value> = r
                        .daily
                        .iter()
                        .filter_map(|d| d.aqi.map(|a| serde_json::json!([d.date, a])))
                        .collect();
                    p.calendar_json = script_json(&serde_json::Value::Array(cal));
                    p.stations = stations_now(store, &st, &stations, as_of)?;
                }
            }
            Ok(p)
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "alarms.html")]
struct AlarmsPage {
    nav: Nav,
    open_only: bool,
    total: usize,
    alarms: Vec<AlarmRow>,
}

#[derive(Debug, Deserialize)]
struct AlarmsQuery {
    open: Option<bool>,
}

async fn alarms(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<AlarmsQuery>,
) -> Response {
    let open_only = q.open.unwrap_or(false);
    let nav = nav(&state, &user, "alarms");
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let filter = crate::api::monitoring::readable(
                AlarmFilter {
                    open_only,
                    limit: 500,
                    ..AlarmFilter::default()
                },
                &reader,
                policy,
            );
            let all = store.alarms(&filter)?;
            Ok(AlarmsPage {
                nav,
                open_only,
                total: usize::try_from(store.alarms_found(&filter)?).unwrap_or(usize::MAX),
                alarms: alarm_rows(&all, &store.devices()?),
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

struct EventRow {
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    note: String,
    attachments: String,
}

struct FrameRow {
    frame_id: i64,
    seq: i64,
    received: String,
    raw: String,
    hash: String,
    prev_hash: String,
}

#[derive(Template)]
#[template(path = "alarm.html")]
struct AlarmPage {
    nav: Nav,
    a: AlarmRow,
    detail: String,
    recovered: String,
    events: Vec<EventRow>,
    evidence: Vec<FrameRow>,
}

/// The Chinese name of a lifecycle step.
fn action_zh(a: &str) -> &str {
    match a {
        "raise" => "报警",
        "recover" => "恢复",
        "acknowledge" => "确认",
        "dispatch" => "派发",
        "handle" => "处置",
        "close" => "办结",
        "dismiss" => "驳回",
        "reopen" => "重新打开",
        "comment" => "备注",
        other => other,
    }
}

fn state_label(s: &str) -> String {
    lantian_core::AlarmState::parse(s).map_or_else(|| s.to_owned(), |st| st.zh().to_owned())
}

async fn alarm(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ApiError::field("id", "not an alarm id").into_response();
    };
    let nav = nav(&state, &user, "alarms");
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let rec = crate::api::monitoring::one_alarm(store, id, (&reader, policy))?;
            let devices = store.devices()?;
            let events = store.alarm_events(id)?;
            let evidence = store.alarm_evidence(id)?;
            let detail = rec.detail.clone();
            let recovered = rec
                .recovered_at_ms
                .map(beijing_ms)
                .unwrap_or_else(|| "未恢复".into());
            let a = alarm_rows(std::slice::from_ref(&rec), &devices)
                .pop()
                .ok_or_else(|| ApiError::internal("alarm row"))?;
            Ok(AlarmPage {
                nav,
                a,
                detail,
                recovered,
                events: events
                    .into_iter()
                    .map(|e| EventRow {
                        at: beijing_ms(e.at_ms),
                        actor: if e.actor == "system" {
                            "系统".to_owned()
                        } else {
                            e.actor
                        },
                        action: action_zh(&e.action).to_owned(),
                        from: state_label(&e.from),
                        to: state_label(&e.to),
                        note: e.note,
                        attachments: e.attachments.join(", "),
                    })
                    .collect(),
                evidence: evidence
                    .into_iter()
                    .map(|f| FrameRow {
                        frame_id: f.frame_id,
                        seq: f.seq,
                        received: beijing_ms(f.received_at_ms),
                        raw: lantian_report::frame_text(&f.raw),
                        hash: crate::auth::hex(&f.hash),
                        prev_hash: crate::auth::hex(&f.prev_hash),
                    })
                    .collect(),
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

struct DeviceRow {
    mn: String,
    name: String,
    kind: &'static str,
    owner: String,
    town: String,
    status: &'static str,
    status_key: &'static str,
    last_seen: String,
    latest: String,
    open_alarms: usize,
}

#[derive(Template)]
#[template(path = "devices.html")]
struct DevicesPage {
    nav: Nav,
    kind: String,
    town: String,
    status: String,
    kinds: Vec<(&'static str, &'static str, usize)>,
    towns: Vec<(String, usize)>,
    total: usize,
    online: usize,
    offline: usize,
    never: usize,
    devices: Vec<DeviceRow>,
    /// The filters as a query string for the export link.
    export_query: String,
}

#[derive(Debug, Deserialize)]
struct DevicesQuery {
    kind: Option<String>,
    town: Option<String>,
    status: Option<String>,
}

const KINDS: [DeviceKind; 6] = [
    DeviceKind::Cems,
    DeviceKind::Vocs,
    DeviceKind::ConstructionDust,
    DeviceKind::OilFume,
    DeviceKind::AirMicroStation,
    DeviceKind::Other,
];

/// A reading's values as `name value（limit）`, joined.
fn values_text(dev: &lantian_core::Device, r: &lantian_store::StoredReading) -> String {
    r.values
        .iter()
        .filter_map(|v| {
            let value = v.value?;
            let limit = dev
                .limits
                .iter()
                .find(|l| l.factor == v.code)
                .map(|l| format!("（{}）", format_micros(l.max)))
                .unwrap_or_default();
            let name = dev
                .factors
                .iter()
                .find(|f| f.code == v.code)
                .map_or(v.code.as_str(), |f| f.name.as_str());
            Some(format!("{name} {}{limit}", format_micros(value)))
        })
        .collect::<Vec<_>>()
        .join("，")
}

async fn monitoring(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<DevicesQuery>,
) -> Response {
    let nav = nav(&state, &user, "monitoring");
    let result = state
        .blocking(move |store| {
            let devices = store.devices()?;
            let seen: HashMap<i64, i64> = store.devices_last_seen()?.into_iter().collect();
            let open: HashMap<String, OpenAlarmCount> = store
                .open_alarm_counts()?
                .into_iter()
                .map(|c| (c.mn.clone(), c))
                .collect();
            let latest = crate::api::monitoring::latest_by_device(
                store,
                jiff::Timestamp::now().as_second(),
            )?;
            let mut rows = Vec::new();
            let (mut online, mut offline, mut never) = (0, 0, 0);
            let mut towns: Vec<(String, usize)> = Vec::new();
            for d in &devices {
                let dev = &d.device;
                match towns.iter_mut().find(|t| t.0 == dev.owner.town) {
                    Some(t) => t.1 += 1,
                    None => towns.push((dev.owner.town.clone(), 1)),
                }
                let mine = open.get(&dev.mn).cloned().unwrap_or_default();
                let last = seen.get(&d.id).copied();
                let key = device_status(last.is_some(), mine.offline_now);
                match key {
                    "online" => online += 1,
                    "offline" => offline += 1,
                    _ => never += 1,
                }
                if q.kind.as_deref().is_some_and(|k| k != dev.kind.as_str())
                    || q.town.as_deref().is_some_and(|t| t != dev.owner.town)
                    || q.status.as_deref().is_some_and(|s| s != key)
                {
                    continue;
                }
                rows.push(DeviceRow {
                    mn: dev.mn.clone(),
                    name: dev.name.clone(),
                    kind: dev.kind.zh(),
                    owner: dev.owner.name.clone(),
                    town: dev.owner.town.clone(),
                    status: status_zh(key),
                    status_key: key,
                    last_seen: last.map(beijing_ms).unwrap_or_default(),
                    latest: latest
                        .get(&d.id)
                        .map(|r| values_text(dev, r))
                        .unwrap_or_default(),
                    open_alarms: usize::try_from(mine.open).unwrap_or(usize::MAX),
                });
            }
            towns.sort();
            let export_query = [("kind", &q.kind), ("town", &q.town), ("status", &q.status)]
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("&{k}={}", url_escape(v))))
                .collect::<String>();
            Ok(DevicesPage {
                nav,
                kind: q.kind.clone().unwrap_or_default(),
                town: q.town.clone().unwrap_or_default(),
                status: q.status.clone().unwrap_or_default(),
                kinds: KINDS
                    .iter()
                    .map(|k| {
                        (
                            k.as_str(),
                            k.zh(),
                            devices.iter().filter(|d| d.device.kind == *k).count(),
                        )
                    })
                    .filter(|k| k.2 > 0)
                    .collect(),
                towns,
                total: devices.len(),
                online,
                offline,
                never,
                devices: rows,
                export_query,
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage {
    nav: Nav,
    mn: String,
    name: String,
    kind: &'static str,
    owner: String,
    address: String,
    town: String,
    coordinates: String,
    status: &'static str,
    status_key: &'static str,
    last_seen: String,
    cn: u16,
    hours: i64,
    window: String,
    factors: Vec<(String, String, String, String)>,
    charts: Vec<(String, String)>,
    recent_headers: Vec<String>,
    recent: Vec<(String, Vec<String>)>,
    readings_count: usize,
    alarms: Vec<AlarmRow>,
    export_from: String,
    export_to: String,
}

#[derive(Debug, Deserialize)]
struct DeviceHistoryQuery {
    /// 2011 (real-time, default) or 2061 (hourly).
    cn: Option<u16>,
    /// Hours back from now (default 6 for real-time, 168 for hourly).
    hours: Option<i64>,
}

/// One device: its registry record, status, open alarms and the history of each factor
/// against its limit (real-time or hourly, over the last hours).
async fn device(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(mn): Path<String>,
    Query(q): Query<DeviceHistoryQuery>,
) -> Response {
    let cn = q.cn.unwrap_or(2011);
    if cn != 2011 && cn != 2061 {
        return ApiError::field("cn", "2011 (real-time) or 2061 (hourly)").into_response();
    }
    let hours = q.hours.unwrap_or(if cn == 2011 { 6 } else { 168 });
    let max_hours = if cn == 2011 { 48 } else { 24 * 31 };
    if !(1..=max_hours).contains(&hours) {
        return ApiError::field("hours", format!("1 to {max_hours} for CN {cn}")).into_response();
    }
    let nav = nav(&state, &user, "monitoring");
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let devices = store.devices()?;
            let d = devices
                .iter()
                .find(|d| d.device.mn == mn)
                .ok_or_else(|| ApiError::not_found(format!("no device {mn}")))?;
            let dev = &d.device;
            let now = jiff::Timestamp::now().as_second();
            let from = now - hours * 3600;
            let readings = store.readings(d.id, cn, from, now + 3600)?;
            let last_seen = store
                .devices_last_seen()?
                .into_iter()
                .find(|(id, _)| *id == d.id)
                .map(|(_, ms)| ms);
            let alarms = store.alarms(&crate::api::monitoring::readable(
                AlarmFilter {
                    open_only: true,
                    mn: Some(dev.mn.clone()),
                    limit: 100,
                    ..AlarmFilter::default()
                },
                &reader,
                policy,
            ))?;
            let offline = alarms.iter().any(is_offline_now);
            let key = device_status(last_seen.is_some(), offline);
            // One chart per factor: [[unix ms, value], …] and its limit.
            let mut charts = Vec::new();
            for f in &dev.factors {
                let points: Vec<serde_json::Value> = readings
                    .iter()
                    .filter_map(|r| {
                        let v = r.values.iter().find(|v| v.code == f.code)?;
                        let value = v.value?;
                        Some(serde_json::json!([
                            beijing_secs(r.data_time),
                            format_micros(value),
                            v.flag.clone().unwrap_or_default()
                        ]))
                    })
                    .collect();
                if points.is_empty() {
                    continue;
                }
                let limit = dev
                    .limits
                    .iter()
                    .find(|l| l.factor == f.code)
                    .map(|l| format_micros(l.max));
                let doc = serde_json::json!({
                    "name": format!("{}（{}）", f.name, f.code),
                    "unit": f.unit,
                    "limit": limit,
                    "points": points,
                });
                charts.push((f.code.clone(), script_json(&doc)));
            }
            let recent_headers: Vec<String> = dev.factors.iter().map(|f| f.name.clone()).collect();
            let recent = readings
                .iter()
                .rev()
                .take(30)
                .map(|r| {
                    let cells = dev
                        .factors
                        .iter()
                        .map(|f| {
                            r.values
                                .iter()
                                .find(|v| v.code == f.code)
                                .map(|v| {
                                    let value = v.value.map(format_micros).unwrap_or_default();
                                    match v.flag.as_deref() {
                                        Some("N") | None => value,
                                        Some(flag) => format!("{value} ({flag})"),
                                    }
                                })
                                .unwrap_or_default()
                        })
                        .collect();
                    (beijing_s(r.data_time), cells)
                })
                .collect();
            let day = |s: i64| {
                jiff::Timestamp::from_second(s)
                    .map(|t| t.to_zoned(crate::api::beijing()).date().to_string())
                    .unwrap_or_default()
            };
            Ok(DevicePage {
                nav,
                mn: dev.mn.clone(),
                name: dev.name.clone(),
                kind: dev.kind.zh(),
                owner: dev.owner.name.clone(),
                address: dev.owner.address.clone(),
                town: dev.owner.town.clone(),
                coordinates: match (dev.owner.lon, dev.owner.lat) {
                    (Some(lon), Some(lat)) => format!("{lon:.5}, {lat:.5}"),
                    _ => String::new(),
                },
                status: status_zh(key),
                status_key: key,
                last_seen: last_seen.map(beijing_ms).unwrap_or_default(),
                cn,
                hours,
                window: format!("{} 至 {}", beijing_s(from), beijing_s(now)),
                factors: dev
                    .factors
                    .iter()
                    .map(|f| {
                        let limit = dev.limits.iter().find(|l| l.factor == f.code);
                        (
                            f.code.clone(),
                            f.name.clone(),
                            f.unit.clone(),
                            limit
                                .map(|l| {
                                    format!(
                                        "{}（{}{}）",
                                        format_micros(l.max),
                                        l.averaging.label(),
                                        if l.converted { "，折算" } else { "" }
                                    )
                                })
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
                charts,
                recent_headers,
                recent,
                readings_count: readings.len(),
                alarms: alarm_rows(&alarms, &devices),
                export_from: day(from),
                export_to: day(now),
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "air.html")]
struct AirPage {
    nav: Nav,
    scope_name: String,
    scope_key: String,
    scope_query: String,
    scopes: Vec<(String, String)>,
    year: i16,
    from: Date,
    to: Date,
    pm25: String,
    pm25_days: u32,
    good_share: String,
    valid_days: u32,
    composite: String,
    attains: &'static str,
    daily_json: String,
    pollutants: Vec<(String, String, String, u32, &'static str)>,
    /// 同比: the same period a year earlier, when the store has it.
    yoy: Option<YoyView>,
    monthly_headers: Vec<&'static str>,
    monthly_rows: Vec<Vec<String>>,
    monthly_json: String,
    diurnal_json: String,
    weekday_json: String,
}

struct YoyView {
    previous: String,
    changes: Vec<(String, String)>,
    composite: String,
    good_points: String,
}

/// A profile's rows as `[label, SO2, NO2, PM10, CO, O3, PM2.5]` for a chart.
fn profile_json(rows: &[lantian_report::ProfileRow]) -> String {
    let v: Vec<serde_json::Value> = rows
        .iter()
        .map(|p| {
            let mut row = vec![serde_json::Value::from(p.label.clone())];
            row.extend(p.values.iter().map(|v| serde_json::json!(v)));
            serde_json::Value::Array(row)
        })
        .collect();
    script_json(&serde_json::Value::Array(v))
}

#[derive(Debug, Deserialize)]
struct AirQuery {
    /// `area:KEY` or `station:CODE` (default: the home area).
    scope: Option<String>,
    year: Option<i16>,
}

async fn air(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<AirQuery>,
) -> Response {
    let nav = nav(&state, &user, "air");
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            let as_of = today(&st);
            let year = q.year.unwrap_or(as_of.year());
            if !(2000..=2100).contains(&year) {
                return Err(ApiError::field("year", "2000 to 2100"));
            }
            let key = q
                .scope
                .clone()
                .unwrap_or_else(|| format!("area:{}", st.config.home_area));
            let (is_station, scope_arg, scope_query) = match key.split_once(':') {
                Some(("area", a)) => (false, a.to_owned(), format!("area={a}")),
                Some(("station", s)) => (true, s.to_owned(), format!("station={s}")),
                _ => return Err(ApiError::field("scope", "area:KEY or station:CODE")),
            };
            let all_stations = st.stations(store)?;
            let mut scopes = Vec::new();
            if let Some(home) = store.area(&st.config.home_area)? {
                scopes.push((format!("area:{}", st.config.home_area), home.name.clone()));
                for c in home.assessed_stations() {
                    let name = all_stations
                        .iter()
                        .find(|s| s.code == c)
                        .and_then(|s| s.name.clone())
                        .unwrap_or_default();
                    scopes.push((format!("station:{c}"), format!("{name}（{c}）")));
                }
            }
            // Town stations (区镇站) of the registry.
            for s in all_stations.iter() {
                if s.level == lantian_store::StationLevel::Town {
                    let name = s.name.clone().unwrap_or_else(|| s.code.clone());
                    scopes.push((
                        format!("station:{}", s.code),
                        format!("{name}（{}）", s.code),
                    ));
                }
            }
            let from = Date::new(year, 1, 1).map_err(ApiError::internal)?;
            let end = Date::new(year, 12, 31).map_err(ApiError::internal)?;
            let to = if as_of.year() == year { as_of } else { end };
            let r = st.report(store, is_station, &scope_arg, Period::Range(from, to))?;
            let scope_name = r.scope.name.clone();
            let pm = r
                .pollutants
                .iter()
                .find(|p| p.pollutant == Pollutant::Pm25.code());
            let daily: Vec<serde_json::Value> = r
                .daily
                .iter()
                .map(|d| serde_json::json!([d.date, d.pm25, d.pm10, d.o3_8h, d.aqi]))
                .collect();
            Ok(AirPage {
                nav,
                scope_name,
                scope_key: key,
                scope_query,
                scopes,
                year,
                from,
                to,
                pm25: pm
                    .and_then(|p| p.mean.clone())
                    .unwrap_or_else(|| "—".into()),
                pm25_days: pm.and_then(|p| p.mean_days).unwrap_or(0),
                good_share: r
                    .aqi_days
                    .good_share_percent
                    .clone()
                    .unwrap_or_else(|| "—".into()),
                valid_days: r.aqi_days.valid,
                composite: r.composite_index.clone().unwrap_or_else(|| "—".into()),
                attains: match r.attains {
                    Some(true) => "六项污染物达标",
                    Some(false) => "未达标",
                    None => "数据不足，不能判定",
                },
                daily_json: script_json(&serde_json::Value::Array(daily)),
                yoy: r.year_on_year.as_ref().map(|y| YoyView {
                    previous: format!("{} 至 {}", y.previous_from, y.previous_to),
                    changes: y
                        .changes_percent
                        .iter()
                        .map(|(p, c)| (p.clone(), c.clone().unwrap_or_else(|| "—".into())))
                        .collect(),
                    composite: y
                        .composite_change_percent
                        .clone()
                        .unwrap_or_else(|| "—".into()),
                    good_points: y
                        .good_share_change_points
                        .clone()
                        .unwrap_or_else(|| "—".into()),
                }),
                monthly_headers: lantian_report::headers(lantian_report::Table::Monthly),
                monthly_rows: lantian_report::rows(&r, lantian_report::Table::Monthly),
                monthly_json: script_json(&serde_json::Value::Array(
                    r.monthly
                        .iter()
                        .map(|m| {
                            serde_json::json!([
                                m.month,
                                m.values.first().cloned().flatten(),
                                m.previous_pm25,
                                m.good_share_percent,
                                m.previous_good_share_percent
                            ])
                        })
                        .collect(),
                )),
                diurnal_json: profile_json(&r.diurnal),
                weekday_json: profile_json(&r.weekday),
                pollutants: r
                    .pollutants
                    .iter()
                    .map(|p| {
                        (
                            p.pollutant.clone(),
                            p.mean.clone().unwrap_or_default(),
                            p.percentile.clone().unwrap_or_default(),
                            p.days_over_limit,
                            match p.attains {
                                Some(true) => "达标",
                                Some(false) => "超标",
                                None => "不能判定",
                            },
                        )
                    })
                    .collect(),
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    nav: Nav,
    has_boundary: bool,
    boundary_source: String,
    boundary_crs: String,
    station_count: usize,
    device_count: usize,
    alarm_count: usize,
    map_json: String,
}

/// The district boundary (if configured), stations with their latest AQI colour, devices by
/// status and devices with open alarms, as one JSON document for the map island.
async fn map(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let nav = nav(&state, &user, "map");
    let st = state.clone();
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            // The boundary is fetched by the page from its own URL (cached, simplified).
            let layer = store.map_layer_info("district")?;
            let as_of = today(&st);
            let home: Vec<String> = store
                .area(&st.config.home_area)?
                .map(|a| {
                    a.assessed_stations()
                        .into_iter()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let mut stations = Vec::new();
            for s in st.stations(store)?.iter() {
                let (Some(lon), Some(lat)) = (s.lon, s.lat) else {
                    continue;
                };
                if !home.contains(&s.code) && s.level != lantian_store::StationLevel::Town {
                    continue;
                }
                let name = s.name.clone().unwrap_or_else(|| s.code.clone());
                let now = st.cached(format!("now:{}:{as_of}", s.code), || {
                    station_now(store, &s.code, &name, as_of)
                })?;
                stations.push(serde_json::json!({
                    "name": format!("{}（{}）", now.name, s.code),
                    "value": [lon, lat, now.aqi],
                    "colour": now.colour,
                    "label": now.label,
                }));
            }
            let open: HashMap<String, OpenAlarmCount> = store
                .open_alarm_counts()?
                .into_iter()
                .map(|c| (c.mn.clone(), c))
                .collect();
            let seen: HashMap<i64, i64> = store.devices_last_seen()?.into_iter().collect();
            let mut devices = Vec::new();
            let mut alarmed = Vec::new();
            for d in store.devices()? {
                let dev = &d.device;
                let (Some(lon), Some(lat)) = (dev.owner.lon, dev.owner.lat) else {
                    continue;
                };
                // Open alarms are marked where the user reads them: under the read scope a town
                // sees its own devices' alarms marked (the count does not say whom an alarm was
                // dispatched to).
                let reads_alarms = match reader.reads(policy) {
                    lantian_core::Reads::All => true,
                    lantian_core::Reads::Town(t) => dev.owner.town == t,
                    lantian_core::Reads::Department(_) => false,
                };
                let (count, offline) = open
                    .get(&dev.mn)
                    .map_or((0, false), |c| (c.open, c.offline_now));
                let mine = if reads_alarms { count } else { 0 };
                let status = status_zh(device_status(seen.contains_key(&d.id), offline));
                let name = if dev.owner.name.is_empty() {
                    &dev.name
                } else {
                    &dev.owner.name
                };
                let point = serde_json::json!({
                    "name": format!("{name}（{}）", dev.kind.zh()),
                    "value": [lon, lat, mine],
                    "status": status,
                    "mn": dev.mn,
                });
                if mine > 0 {
                    alarmed.push(point.clone());
                }
                devices.push(point);
            }
            // Fire incidents still open (not dispatched, dispatched or awaiting the office).
            let fires: Vec<serde_json::Value> = store
                .fire_incidents(&lantian_store::FireFilter {
                    limit: 2_000,
                    ..lantian_store::FireFilter::default()
                })?
                .into_iter()
                .filter(|r| {
                    !r.near_border()
                        && r.state != Some(lantian_fire::orders::OrderState::Closed)
                        && crate::api::fire::may_read(&reader, policy, r)
                })
                .map(|r| {
                    serde_json::json!({
                        "name": format!("火点事件 {}", r.id),
                        "value": [r.lon, r.lat, r.detections],
                        "label_fire": r.state_zh(),
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "boundary_url": layers::url(layer.as_ref()),
                "stations": stations,
                "devices": devices,
                "alarms": alarmed,
                "fires": fires,
            });
            Ok(MapPage {
                nav,
                has_boundary: layer.is_some(),
                boundary_source: layer.as_ref().map(|l| l.source.clone()).unwrap_or_default(),
                boundary_crs: layer
                    .as_ref()
                    .map(|l| l.source_crs.clone())
                    .unwrap_or_default(),
                station_count: stations.len(),
                device_count: devices.len(),
                alarm_count: alarmed.len(),
                map_json: script_json(&doc),
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_next;

    /// Every `next` a browser would resolve off the site (or to a script) falls back to `/`.
    #[test]
    fn login_next_stays_on_the_site() {
        let hostile = [
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r/evil.com",
            "/ /evil.com",
            " //evil.com",
            "/\u{0}/evil.com",
            "/\u{7f}/evil.com",
            "/\u{a0}/evil.com",
            "/\u{3000}/evil.com",
            "https://evil.com",
            "http:/evil.com",
            "https:evil.com",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "evil.com",
            "",
            "/.//evil.com",
            "/a/..//evil.com",
            "/alarms\\..\\..\\evil.com",
        ];
        for next in hostile {
            assert_eq!(local_next(next), "/", "{next:?}");
        }
        // Local paths pass unchanged, with their query.
        for next in [
            "/",
            "/alarms",
            "/alarms?open=true",
            "/monitoring/88888880000001",
            "/air?station=1141A&year=2019",
            "/fire?day=2019-01-01&town=%E4%B8%89%E5%8E%82",
            "/%2F/evil.com",
        ] {
            assert_eq!(local_next(next), next, "{next:?}");
        }
    }
}
