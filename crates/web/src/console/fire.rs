//! Console pages of straw-burning fire points (秸秆焚烧火点): the incidents on a map of the
//! district and its towns and as a list, the statistics by town and month, and the office's
//! import; one incident with its detections, history and the work-order forms (派发 for the
//! office, 核查 for its town, 退回/办结 for the office).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use lantian_report::Tabular;
use lantian_report::fire as report;
use serde::Deserialize;

use super::{Nav, PageUser, nav, page, script_json};
use crate::api::fire::{IncidentDetail, detail_of, filter_of, incident_out, state_key};
use crate::{ApiError, AppState};

struct Line {
    id: i64,
    first: String,
    position: String,
    detections: i64,
    sources: String,
    town: String,
    state: String,
    state_key: &'static str,
    finding: String,
    response: String,
}

#[derive(Template)]
#[template(path = "fire.html")]
struct FirePage {
    nav: Nav,
    may_dispatch: bool,
    has_boundary: bool,
    has_towns: bool,
    district_source: String,
    towns_source: String,
    from: String,
    to: String,
    town: String,
    lines: Vec<Line>,
    stats: Tabular,
    near_border: Vec<(String, u32)>,
    query: String,
    map_json: String,
}

/// The page's filters.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FireParams {
    from: Option<String>,
    to: Option<String>,
    town: Option<String>,
}

/// A map layer's URL (`None` when not configured: the page fetches it, simplified and cached,
/// [`super::layers`]) and where it came from, with the datum of the file before it was stored
/// as WGS-84.
fn layer_json(
    store: &lantian_store::Store,
    name: &str,
) -> Result<(Option<String>, String), ApiError> {
    let info = store.map_layer_info(name)?;
    let source = info.as_ref().map_or_else(String::new, |l| {
        format!(
            "{}（原为 {}，已换算为 WGS-84）",
            l.source,
            l.source_crs.to_uppercase()
        )
    });
    Ok((super::layers::url(info.as_ref()), source))
}

pub(super) async fn index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<FireParams>,
) -> Response {
    let nav = nav(&state, &user, "fire");
    let may_dispatch = user.actor.may_dispatch_orders().is_ok();
    // A town user sees its own town (only its own under the default read scope).
    let policy = state.config.read_scope;
    let town = match user.actor.reads(policy).town() {
        Some(mine) => mine.to_owned(),
        None => p
            .town
            .clone()
            .or_else(|| match user.actor.role {
                lantian_core::access::Role::Town => user.actor.scope.clone(),
                _ => None,
            })
            .unwrap_or_default(),
    };
    let (from, to) = (p.from.unwrap_or_default(), p.to.unwrap_or_default());
    let (f2, t2, w2) = (from.clone(), to.clone(), town.clone());
    let result = state
        .blocking(move |store| {
            let filter = filter_of(Some(&f2), Some(&t2), Some(&w2), 0)?;
            let rows = store.fire_incidents(&filter)?;
            let stats = report::compute(&rows);
            let lines = rows
                .iter()
                .take(500)
                .map(|r| {
                    let o = incident_out(r);
                    Line {
                        id: r.id,
                        first: report::beijing_minute(r.first_at_ms),
                        position: format!("{:.4}, {:.4}", r.lon, r.lat),
                        detections: r.detections,
                        sources: r.sources.join("、"),
                        town: match (&r.assignee, &r.place.town, r.place.near_km) {
                            (Some(a), _, _) => a.clone(),
                            (None, Some(t), _) => t.clone(),
                            (None, None, Some(k)) => format!("边界外 {k:.2} km"),
                            (None, None, None) => report::UNASSIGNED.to_owned(),
                        },
                        state: o.state_zh,
                        state_key: state_key(r),
                        finding: o.verification.map(|v| v.finding_zh).unwrap_or_default(),
                        response: o
                            .response_min
                            .map_or(String::new(), |m| format!("{m} 分钟")),
                    }
                })
                .collect();
            let points: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": format!("火点事件 {}（{}）", r.id, report::beijing_minute(r.first_at_ms)),
                        "value": [r.lon, r.lat, r.detections],
                        "state": state_key(r),
                        "state_zh": r.state_zh(),
                        "id": r.id,
                    })
                })
                .collect();
            let (district, district_source) = layer_json(store, report::DISTRICT_LAYER)?;
            let (towns, towns_source) = layer_json(store, report::TOWNS_LAYER)?;
            Ok((lines, stats, district, towns, points, district_source, towns_source))
        })
        .await;
    match result {
        Ok((lines, stats, district, towns, points, district_source, towns_source)) => {
            let query = serde_urlencoded::to_string([
                ("from", from.as_str()),
                ("to", to.as_str()),
                ("town", town.as_str()),
            ])
            .unwrap_or_default();
            page(&FirePage {
                nav,
                may_dispatch,
                has_boundary: district.is_some(),
                has_towns: towns.is_some(),
                district_source,
                towns_source,
                from,
                to,
                town,
                lines,
                near_border: stats.near_border.clone().into_iter().collect(),
                stats: report::statistics_table(&stats),
                query,
                map_json: script_json(&serde_json::json!({
                    "boundary_url": district,
                    "towns_url": towns,
                    "fires": points,
                })),
            })
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "fire_incident.html")]
struct IncidentPage {
    nav: Nav,
    d: IncidentDetail,
    may_dispatch: bool,
    may_verify: bool,
    town_hint: String,
    events: Vec<(String, String, String, String)>,
}

fn action_zh(a: &str) -> &'static str {
    match a {
        "create" => "生成事件",
        "dispatch" => "派发",
        "verify" => "核查反馈",
        "return" => "退回",
        "close" => "办结",
        _ => "其他",
    }
}

pub(super) async fn incident(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let nav = nav(&state, &user, "fire");
    let actor = user.actor.clone();
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let id: i64 = id
                .parse()
                .map_err(|_| ApiError::not_found(format!("no incident {id:?}")))?;
            detail_of(store, id, (&reader, policy))
        })
        .await;
    match result {
        Ok((r, d)) => {
            let dispatched = d.incident.state == "dispatched";
            let may_verify = dispatched
                && actor
                    .may_verify_order(r.assignee.as_deref().unwrap_or_default())
                    .is_ok();
            let may_dispatch = actor.may_dispatch_orders().is_ok();
            let events = d
                .events
                .iter()
                .map(|e| {
                    let detail = match (
                        &e.detail["town"],
                        &e.detail["reason"],
                        &e.detail["verification"],
                    ) {
                        (serde_json::Value::String(t), _, _) => format!("派发至 {t}"),
                        (_, serde_json::Value::String(r), _) => format!("退回理由：{r}"),
                        (_, _, v) if v.is_object() => format!(
                            "{}；{}",
                            v["finding"]
                                .as_str()
                                .and_then(lantian_fire::orders::Finding::parse)
                                .map_or("", lantian_fire::orders::Finding::zh),
                            v["action"].as_str().unwrap_or_default()
                        ),
                        _ => String::new(),
                    };
                    (
                        e.at.local.clone(),
                        e.actor.clone(),
                        action_zh(&e.action).to_owned(),
                        detail,
                    )
                })
                .collect();
            page(&IncidentPage {
                nav,
                may_dispatch,
                may_verify,
                town_hint: r.assignee.or(r.place.town).unwrap_or_default(),
                events,
                d,
            })
        }
        Err(e) => e.into_response(),
    }
}
