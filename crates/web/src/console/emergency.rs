//! Console pages of heavy-pollution weather (重污染天气): the warnings with the office's 研判
//! form and the list in force with its shares; one warning with its proposal, forecast chart,
//! periods, history, the office's workflow form, the verification of listed enterprises and
//! the after-action report.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use lantian_emergency::list::{self, RequiredShares};
use rust_decimal::Decimal;

use super::{Nav, PageUser, nav, page, script_json};
use crate::api::emergency::{WarningDetail, warning_detail};
use crate::{ApiError, AppState};

struct WarningLine {
    id: i64,
    area: String,
    status: String,
    status_key: String,
    level: String,
    level_key: String,
    proposal: String,
    issued: String,
    lifted: String,
}

struct ShareLine {
    level: String,
    pollutant: String,
    baseline: String,
    reduction: String,
    share: String,
    required: String,
    met: bool,
}

#[derive(Template)]
#[template(path = "emergency.html")]
struct EmergencyPage {
    nav: Nav,
    may_manage: bool,
    home_area: String,
    warnings: Vec<WarningLine>,
    list_name: String,
    enterprises: usize,
    shares: Vec<ShareLine>,
}

fn level_text(level: Option<&str>) -> (String, String) {
    match level.and_then(lantian_emergency::Level::parse) {
        Some(l) => (l.zh().to_owned(), l.as_str().to_owned()),
        None => ("—".to_owned(), String::new()),
    }
}

pub(super) async fn index(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let nav = nav(&state, &user, "emergency");
    let may_manage = user.actor.may_manage_warnings().is_ok();
    let home_area = state.config.home_area.clone();
    let result = state
        .blocking(move |store| {
            let warnings = store
                .warnings(None, 200)?
                .into_iter()
                .map(|w| {
                    let (level, level_key) = level_text(w.level.map(|l| l.as_str()));
                    WarningLine {
                        id: w.id,
                        area: store
                            .area(&w.warning.area)
                            .ok()
                            .flatten()
                            .map_or_else(|| w.warning.area.clone(), |a| a.name),
                        status: w.status.zh().to_owned(),
                        status_key: w.status.as_str().to_owned(),
                        level,
                        level_key,
                        proposal: match w.warning.proposed_level {
                            Some(l) => format!("{}预警", l.zh()),
                            None if w.warning.advisory => "临时管控措施".to_owned(),
                            None => "不发布".to_owned(),
                        },
                        issued: w
                            .issued_at_ms
                            .map_or(String::new(), |m| crate::api::moment_ms(m).local),
                        lifted: w
                            .lifted_at_ms
                            .map_or(String::new(), |m| crate::api::moment_ms(m).local),
                    }
                })
                .collect();
            let current = lantian_report::emergency::list_in_force(store)?;
            let (list_name, enterprises, shares) = match current {
                Some((r, l)) => {
                    let shares = list::check(&l, &[], &RequiredShares::default())
                        .totals
                        .into_iter()
                        .map(|t| ShareLine {
                            level: t.level.zh().to_owned(),
                            pollutant: t.pollutant.zh().to_owned(),
                            baseline: t.baseline.normalize().to_string(),
                            reduction: t.reduction.normalize().to_string(),
                            share: t.share.map_or("—".to_owned(), |s| format!("{s}%")),
                            required: format!("{}%", t.required),
                            met: t.met,
                        })
                        .collect();
                    (r.name, l.enterprises.len(), shares)
                }
                None => (String::new(), 0, Vec::new()),
            };
            Ok((warnings, list_name, enterprises, shares))
        })
        .await;
    match result {
        Ok((warnings, list_name, enterprises, shares)) => page(&EmergencyPage {
            nav,
            may_manage,
            home_area,
            warnings,
            list_name,
            enterprises,
            shares,
        }),
        Err(e) => e.into_response(),
    }
}

struct CheckLine {
    enterprise: String,
    mn: String,
    level: String,
    period: String,
    action: String,
    pollutant: String,
    baseline: String,
    during: String,
    text: String,
    key: &'static str,
}

#[derive(Template)]
#[template(path = "emergency_warning.html")]
struct WarningPage {
    nav: Nav,
    may_manage: bool,
    d: WarningDetail,
    level: String,
    level_key: String,
    proposal: String,
    forecast_json: String,
    checks: Vec<CheckLine>,
    has_list: bool,
    /// The after-action report's enterprise sheet (headers, rows; the last row the total).
    outcome: Option<lantian_report::Tabular>,
}

fn dec(d: Option<Decimal>) -> String {
    d.map_or("—".to_owned(), |d| d.round_dp(3).normalize().to_string())
}

pub(super) async fn warning(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let nav = nav(&state, &user, "emergency");
    let may_manage = user.actor.may_manage_warnings().is_ok();
    let result = state
        .blocking(move |store| {
            let id: i64 = id
                .parse()
                .map_err(|_| ApiError::not_found(format!("no warning {id:?}")))?;
            let w = store.warning(id)?;
            let d = warning_detail(store, &w)?;
            let list = lantian_report::emergency::list_in_force(store)?;
            let mut checks = Vec::new();
            let mut outcome = None;
            if let Some((_, l)) = &list {
                let now = jiff::Timestamp::now()
                    .to_zoned(crate::api::beijing())
                    .datetime();
                let ep = lantian_report::emergency::episode(
                    store,
                    &w,
                    l,
                    now,
                    Decimal::from(10),
                    &lantian_aq::Config::default(),
                )?;
                if !ep.periods.is_empty() {
                    outcome = lantian_report::emergency::episode_sheets(&ep)
                        .into_iter()
                        .find(|s| s.name == "企业减排")
                        .map(|s| s.table);
                }
                for c in ep.checks {
                    checks.push(CheckLine {
                        enterprise: c.enterprise,
                        mn: c.mn,
                        level: c.level.zh().to_owned(),
                        period: format!("{} 至 {}", c.start, c.end),
                        action: c.action,
                        pollutant: format!(
                            "{}{}",
                            c.pollutant,
                            if c.with_flow {
                                "（浓度×流量）"
                            } else {
                                ""
                            }
                        ),
                        baseline: dec(c.baseline),
                        during: dec(c.during),
                        text: c.compliance.text,
                        key: match c.compliance.compliant {
                            Some(true) => "met",
                            Some(false) => "missed",
                            None => "none",
                        },
                    });
                }
            }
            let forecast_json = script_json(&serde_json::json!({
                "start": d.forecast_start,
                "basis": d.forecast_basis,
                "values": d.forecast,
            }));
            Ok((d, forecast_json, checks, list.is_some(), outcome))
        })
        .await;
    match result {
        Ok((d, forecast_json, checks, has_list, outcome)) => {
            let (level, level_key) = level_text(d.warning.level.as_deref());
            let proposal = match d.proposal.level {
                Some(l) => format!("{}预警（{}响应）", l.zh(), l.response()),
                None if d.proposal.advisory => "不发布预警；可采取临时管控措施".to_owned(),
                None => "不发布预警".to_owned(),
            };
            page(&WarningPage {
                nav,
                may_manage,
                level,
                level_key,
                proposal,
                forecast_json,
                checks,
                has_list,
                outcome,
                d,
            })
        }
        Err(e) => e.into_response(),
    }
}
