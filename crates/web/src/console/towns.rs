//! Console pages of the town assessment (区镇考核): the towns ranked on their own stations'
//! air quality for a month, the stored results and the loaded rules, with the office's forms
//! (load rules, assess a period); one result with its ranking, money, vetoes and the
//! special-inspection list; one town's items with how each was scored and where each figure
//! came from; and the circular (通报) as a printable page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use lantian_aq::assess::Period;
use lantian_assessment::TownResult;
use lantian_report::ranking::PlaceRow;
use lantian_report::towns::{self as report, Circular, StoredAssessment};
use serde::Deserialize;

use super::{Nav, PageUser, nav, page};
use crate::{ApiError, AppState};

struct ResultLine {
    id: i64,
    period: String,
    rules: String,
    example: bool,
    computed: String,
    by: String,
    first: String,
    inspection: String,
}

struct RulesLine {
    id: i64,
    code: String,
    version: u32,
    period: String,
    valid: String,
    example: bool,
    loaded: String,
}

#[derive(Template)]
#[template(path = "towns.html")]
struct TownsPage {
    nav: Nav,
    may_run: bool,
    month: String,
    label: String,
    ranking: Vec<PlaceRow>,
    has_town_areas: bool,
    results: Vec<ResultLine>,
    rules: Vec<RulesLine>,
}

/// The ranking's period: a day, the year to date, a year or (default) a month.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TownsParams {
    month: Option<String>,
    day: Option<String>,
    ytd: Option<String>,
    year: Option<i16>,
}

pub(super) async fn index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<TownsParams>,
) -> Response {
    let nav = nav(&state, &user, "towns");
    let may_run = user.actor.may_run_assessment().is_ok();
    // Default: the month before this one (Beijing).
    let month = p.month.unwrap_or_else(|| {
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
            .date();
        today
            .first_of_month()
            .yesterday()
            .unwrap_or(today)
            .strftime("%Y-%m")
            .to_string()
    });
    let date = |field: &str, v: &str| {
        v.parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::field(field, format!("{v:?}: YYYY-MM-DD")))
    };
    let chosen = match (&p.day, &p.ytd, p.year) {
        (Some(d), _, _) => date("day", d).map(|d| (Period::Range(d, d), format!("{d}"))),
        (None, Some(d), _) => date("ytd", d).and_then(|d| {
            let first = jiff::civil::Date::new(d.year(), 1, 1).map_err(ApiError::internal)?;
            Ok((
                Period::Range(first, d),
                format!("{}年1月1日至{d}", d.year()),
            ))
        }),
        (None, None, Some(y)) if (2000..=2100).contains(&y) => {
            Ok((Period::Year(y), format!("{y}年")))
        }
        (None, None, Some(_)) => Err(ApiError::field("year", "2000 to 2100")),
        (None, None, None) => match report::TownPeriod::parse(&month) {
            Ok(t) if t.kind == "month" => Ok((t.aq(), month.clone())),
            _ => Err(ApiError::field("month", format!("{month:?}: YYYY-MM"))),
        },
    };
    let (period, label) = match chosen {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let result = state
        .blocking(move |store| {
            let places = lantian_report::ranking::town_scopes(store)?;
            let ranking = if places.is_empty() {
                Vec::new()
            } else {
                lantian_report::ranking::rankings(
                    store,
                    &places,
                    period,
                    lantian_report::ranking::year_before(period),
                    &lantian_aq::Config::default(),
                )?
            };
            let results = report::list(store, None)?
                .iter()
                .take(100)
                .map(|s| ResultLine {
                    id: s.id,
                    period: s.assessment.period.clone(),
                    rules: format!("{} 第{}版", s.rules_code, s.rules_version),
                    example: s.example,
                    computed: lantian_report::beijing_minute(s.computed_at_ms),
                    by: s.computed_by.clone(),
                    first: s.first().join("、"),
                    inspection: s.inspected().join("、"),
                })
                .collect();
            let rules = store
                .assessment_rules()?
                .into_iter()
                .map(|r| RulesLine {
                    id: r.id,
                    code: r.rules.code,
                    version: r.rules.version,
                    period: if r.rules.period == "month" {
                        "月度"
                    } else {
                        "年度"
                    }
                    .to_owned(),
                    valid: format!(
                        "{} 起{}",
                        r.rules.valid_from,
                        r.rules
                            .valid_to
                            .map(|t| format!("，至 {t}"))
                            .unwrap_or_default()
                    ),
                    example: r.rules.example,
                    loaded: format!(
                        "{} {}",
                        lantian_report::beijing_minute(r.rules.loaded_at_ms),
                        r.rules.loaded_by
                    ),
                })
                .collect();
            Ok::<_, ApiError>((places.is_empty(), ranking, results, rules))
        })
        .await;
    match result {
        Ok((no_areas, ranking, results, rules)) => page(&TownsPage {
            nav,
            may_run,
            month,
            label,
            ranking,
            has_town_areas: !no_areas,
            results,
            rules,
        }),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "town_result.html")]
struct ResultPage {
    nav: Nav,
    s: StoredAssessment,
}

pub(super) async fn result(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    let nav = nav(&state, &user, "towns");
    match stored(&state, id).await {
        Ok(s) => page(&ResultPage { nav, s }),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "town_detail.html")]
struct TownPage {
    nav: Nav,
    id: i64,
    period: String,
    rules: String,
    example: bool,
    t: TownResult,
}

pub(super) async fn town(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((id, town)): Path<(i64, String)>,
) -> Response {
    let nav = nav(&state, &user, "towns");
    match stored(&state, id).await {
        Ok(s) => match s.assessment.towns.iter().find(|t| t.town == town) {
            Some(t) => page(&TownPage {
                nav,
                id,
                period: s.assessment.period.clone(),
                rules: format!("{} 第{}版", s.rules_code, s.rules_version),
                example: s.example,
                t: t.clone(),
            }),
            None => {
                ApiError::not_found(format!("result #{id} has no town {town:?}")).into_response()
            }
        },
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "town_circular.html")]
struct CircularPage {
    nav: Nav,
    id: i64,
    c: Circular,
}

pub(super) async fn circular(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    let nav = nav(&state, &user, "towns");
    match stored(&state, id).await {
        Ok(s) => page(&CircularPage {
            nav,
            id,
            c: report::circular(&s),
        }),
        Err(e) => e.into_response(),
    }
}

async fn stored(state: &AppState, id: i64) -> Result<StoredAssessment, ApiError> {
    state
        .blocking(move |store| Ok(report::stored(store, id)?))
        .await
}
