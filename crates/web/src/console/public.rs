//! The public pages (信息公开, no login, read-only): the current AQI of each station of the
//! district, the year's progress toward the targets, heavy-pollution warnings in force, the
//! credit disclosures the public may see (公示中, 修复申请中, 异议处理中), and an Atom feed of
//! new disclosures and warnings. Only those facts are read: no device, alarm, case, user or
//! plan report reaches these pages.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use lantian_aq::assess::Period;
use lantian_enforcement::CreditRules;
use lantian_store::Store;

use super::{StationNow, area_now, page, stations_now, today};
use crate::{ApiError, AppState};

struct Warning {
    level: String,
    since: String,
}

struct Disclosure {
    id: i64,
    party: String,
    violation: &'static str,
    decision_ref: String,
    published: String,
    status: &'static str,
    summary: String,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    district: String,
    area_name: String,
    as_of: Date,
    year: i16,
    problem: Option<String>,
    pm25_ytd: String,
    pm25_target: String,
    good_share: String,
    good_target: String,
    district_now: Option<StationNow>,
    stations: Vec<StationNow>,
    warnings: Vec<Warning>,
    disclosures: Vec<Disclosure>,
}

fn warnings_in_force(store: &Store) -> Result<Vec<lantian_store::WarningRecord>, ApiError> {
    Ok(store
        .warnings(None, 200)?
        .into_iter()
        .filter(|w| w.status == lantian_emergency::warning::WarningStatus::Issued)
        .collect())
}

fn disclosures(store: &Store, as_of: Date) -> Result<Vec<Disclosure>, ApiError> {
    let rules = CreditRules::default();
    Ok(store
        .credit_records(None)?
        .into_iter()
        .filter_map(|r| {
            let status = r.record.status(&rules, as_of);
            status.shown().then(|| Disclosure {
                id: r.id,
                party: r.record.party.name.clone(),
                violation: r.record.violation.label_zh(),
                decision_ref: r.record.decision_ref.clone(),
                published: r
                    .record
                    .published_on()
                    .map_or_else(String::new, |d| d.to_string()),
                status: status.label_zh(),
                summary: r.record.summary.clone(),
            })
        })
        .collect())
}

pub(super) async fn index(State(state): State<AppState>) -> Response {
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            let as_of = today(&st);
            let year = as_of.year();
            let mut p = PublicPage {
                district: st.config.district.clone(),
                area_name: st.config.district.clone(),
                as_of,
                year,
                problem: None,
                pm25_ytd: "—".into(),
                pm25_target: st.config.pm25_target.to_string(),
                good_share: "—".into(),
                good_target: st.config.good_target.to_string(),
                district_now: None,
                stations: Vec::new(),
                warnings: warnings_in_force(store)?
                    .iter()
                    .map(|w| Warning {
                        level: w.level.map_or("—", |l| l.zh()).to_owned(),
                        since: w
                            .issued_at_ms
                            .map(lantian_report::beijing_minute)
                            .unwrap_or_default(),
                    })
                    .collect(),
                disclosures: disclosures(store, as_of)?,
            };
            let start = Date::new(year, 1, 1).map_err(ApiError::internal)?;
            match st.report(
                store,
                false,
                &st.config.home_area,
                Period::Range(start, as_of),
            ) {
                Err(e) if e.status() == StatusCode::NOT_FOUND => {
                    p.problem = Some("暂无空气质量数据".to_owned());
                }
                Err(e) => return Err(e),
                Ok(r) => {
                    p.area_name = r.scope.name.clone();
                    p.pm25_ytd = r
                        .targets
                        .pm25_mean_so_far
                        .clone()
                        .unwrap_or_else(|| "—".into());
                    p.good_share = r
                        .aqi_days
                        .good_share_percent
                        .clone()
                        .unwrap_or_else(|| "—".into());
                    p.district_now = Some(
                        st.cached(format!("area-now:{}:{as_of}", r.scope.code), || {
                            area_now(
                                store,
                                &r.scope.stations,
                                &r.scope.code,
                                &r.scope.name,
                                as_of,
                            )
                        })?
                        .as_ref()
                        .clone(),
                    );
                    p.stations = stations_now(store, &st, &r.scope.stations, as_of)?;
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

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// RFC 3339 of a Beijing day's start.
fn day_rfc3339(d: Date) -> String {
    format!("{d}T00:00:00+08:00")
}

/// The Atom feed of credit disclosures (by their publication day) and warnings (by their
/// issue), newest first, at most 50.
pub(super) async fn feed(State(state): State<AppState>) -> Response {
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            let as_of = today(&st);
            // (sort key, id, title, updated, summary)
            let mut entries: Vec<(String, String, String, String, String)> = Vec::new();
            for d in disclosures(store, as_of)? {
                let updated = d
                    .published
                    .parse::<Date>()
                    .map(day_rfc3339)
                    .unwrap_or_default();
                entries.push((
                    updated.clone(),
                    format!("urn:lantian:credit:{}", d.id),
                    format!("信用信息公示：{}（{}）", d.party, d.violation),
                    updated,
                    format!("{}；{}；{}", d.decision_ref, d.summary, d.status),
                ));
            }
            for w in warnings_in_force(store)? {
                let Some(at) = w.issued_at_ms else { continue };
                let updated = jiff::Timestamp::from_millisecond(at)
                    .map_err(ApiError::internal)?
                    .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string();
                entries.push((
                    updated.clone(),
                    format!("urn:lantian:warning:{}", w.id),
                    format!(
                        "重污染天气{}预警（{}）",
                        w.level.map_or("", |l| l.zh()),
                        w.warning.area
                    ),
                    updated,
                    format!(
                        "{} 起执行",
                        lantian_report::beijing_minute(at)
                    ),
                ));
            }
            entries.sort_by(|a, b| b.0.cmp(&a.0));
            entries.truncate(50);
            let newest = entries
                .first()
                .map_or_else(|| day_rfc3339(as_of), |e| e.3.clone());
            let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
            x.push_str(&format!(
                "<title>{}大气环境信息公开</title>\n<id>urn:lantian:public</id>\n<updated>{newest}</updated>\n<link rel=\"alternate\" href=\"/public\"/>\n",
                esc(&st.config.district)
            ));
            for (_, id, title, updated, summary) in entries {
                x.push_str(&format!(
                    "<entry><id>{}</id><title>{}</title><updated>{}</updated><summary>{}</summary><link rel=\"alternate\" href=\"/public\"/></entry>\n",
                    esc(&id),
                    esc(&title),
                    esc(&updated),
                    esc(&summary)
                ));
            }
            x.push_str("</feed>\n");
            Ok::<_, ApiError>(x)
        })
        .await;
    match result {
        Ok(x) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            x,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
