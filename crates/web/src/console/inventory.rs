//! The console page of the emission inventory (排放清单): the years and their versions, the
//! NOx and VOCs against the 2020 baseline and the −10 % target with each reduction project's
//! part, the newest year's totals by first-level category, a chart of the years, and the
//! office's import, roll-forward and measured-total forms.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use lantian_inventory::{Accounting, Pollutant};
use lantian_report::Tabular;
use lantian_report::inventory as report;
use rust_decimal::Decimal;

use super::{Nav, PageUser, nav, page, script_json};
use crate::api::inventory::library;
use crate::{ApiError, AppState};

struct YearLine {
    year: i32,
    id: i64,
    name: String,
    note: String,
    example: bool,
    loaded: String,
    by: String,
    nox: String,
    vocs: String,
}

#[derive(Template)]
#[template(path = "inventory.html")]
struct InventoryPage {
    nav: Nav,
    may_manage: bool,
    years: Vec<YearLine>,
    newest: Option<i32>,
    example: bool,
    accounting: Option<Accounting>,
    summary: Option<Tabular>,
    chart_json: String,
}

/// The baseline of the plan's targets.
const BASELINE: i32 = 2020;

fn t(d: Decimal) -> String {
    d.round_dp(3).normalize().to_string()
}

pub(super) async fn index(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let nav = nav(&state, &user, "inventory");
    let may_manage = user.actor.may_manage_inventory().is_ok();
    let result = state
        .blocking(move |store| {
            let (cats, lib) = library();
            let l = (&cats, &lib);
            let versions = report::years(store)?;
            let total = |r: &lantian_store::InventoryVersionRecord, p: Pollutant| -> Decimal {
                serde_json::from_str::<std::collections::BTreeMap<Pollutant, Decimal>>(&r.version.totals)
                    .ok()
                    .and_then(|m| m.get(&p).copied())
                    .unwrap_or_default()
            };
            let years: Vec<YearLine> = versions
                .iter()
                .map(|r| YearLine {
                    year: r.version.year,
                    id: r.id,
                    name: r.version.name.clone(),
                    note: r.version.note.clone(),
                    example: r.version.example,
                    loaded: lantian_report::beijing_minute(r.version.loaded_at_ms),
                    by: r.version.loaded_by.clone(),
                    nox: t(total(r, Pollutant::NOx)),
                    vocs: t(total(r, Pollutant::VOCs)),
                })
                .collect();
            let newest = versions.first().map(|r| r.version.year);
            let mut accounting = None;
            let mut summary = None;
            let mut example = false;
            if let Some(year) = newest {
                let y = report::need(store, year, l)?;
                example = y.inventory.example;
                summary = report::sheets(&y, &cats)
                    .into_iter()
                    .find(|s| s.name == "分类汇总")
                    .map(|s| s.table);
                if year != BASELINE && versions.iter().any(|r| r.version.year == BASELINE) {
                    accounting = Some(report::accounting_of(store, year, BASELINE, l)?.0);
                }
            }
            let base = versions.iter().find(|r| r.version.year == BASELINE);
            let mut chrono: Vec<&lantian_store::InventoryVersionRecord> = versions.iter().collect();
            chrono.reverse();
            let chart = serde_json::json!({
                "years": chrono.iter().map(|r| r.version.year.to_string()).collect::<Vec<_>>(),
                "nox": chrono.iter().map(|r| total(r, Pollutant::NOx).round_dp(1).to_string()).collect::<Vec<_>>(),
                "vocs": chrono.iter().map(|r| total(r, Pollutant::VOCs).round_dp(1).to_string()).collect::<Vec<_>>(),
                "nox_target": base.map(|b| (total(b, Pollutant::NOx) * Decimal::new(9, 1)).round_dp(1).to_string()),
                "vocs_target": base.map(|b| (total(b, Pollutant::VOCs) * Decimal::new(9, 1)).round_dp(1).to_string()),
            });
            Ok::<_, ApiError>((years, newest, example, accounting, summary, script_json(&chart)))
        })
        .await;
    match result {
        Ok((years, newest, example, accounting, summary, chart_json)) => page(&InventoryPage {
            nav,
            may_manage,
            years,
            newest,
            example,
            accounting,
            summary,
            chart_json,
        }),
        Err(e) => e.into_response(),
    }
}
