//! Air quality (public, read-only): stations, their hourly measurements with review flags and
//! coverage, hourly and daily AQI, and the HJ 663 assessment of a station or an area.
//!
//! The shape of stations and measurements is close to OpenAQ's locations/measurements: each
//! measurement names its parameter and unit, its period in UTC and Beijing time, and a flag.

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use lantian_aq::Pollutant;
use lantian_aq::assess::Period;
use lantian_report::{Report, Tabular, opt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, Moment, Page, Paging, date_range, moment, respond};
use crate::error::ErrorBody;
use crate::extract::Query;
use crate::{ApiError, AppState};

/// Longest range of one measurements or AQI request, in days.
const MAX_DAYS: i32 = 366;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stations))
        .routes(routes!(measurements))
        .routes(routes!(aqi_hourly))
        .routes(routes!(aqi_daily))
        .routes(routes!(assessment))
        .routes(routes!(areas))
        .routes(routes!(area_aqi_hourly))
        .routes(routes!(area_aqi_daily))
        .routes(routes!(targets))
        .routes(routes!(rankings))
}

/// An assessment area (a district, a town, a city) and its stations.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaOut {
    /// Code (e.g. `320684`).
    pub code: String,
    /// Name.
    pub name: String,
    /// district, town, city, …
    pub kind: String,
    /// Short ASCII name (e.g. `haimen`).
    pub alias: Option<String>,
    /// The stations that count in its assessment.
    pub stations: Vec<String>,
    /// Its other stations (shown, not assessed).
    pub other_stations: Vec<String>,
}

/// Areas, by code.
#[utoipa::path(get, path = "/api/v1/areas", tag = "air",
    params(("format" = Option<Format>, Query, description = "json (default), csv or xlsx")),
    responses(
        (status = 200, description = "Every area", body = Vec<AreaOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
    ))]
async fn areas(
    State(state): State<AppState>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let areas = state.blocking(|store| Ok(store.areas()?)).await?;
    let out: Vec<AreaOut> = areas
        .into_iter()
        .map(|a| AreaOut {
            stations: a
                .assessed_stations()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            other_stations: a
                .members
                .iter()
                .filter(|m| !m.counts)
                .map(|m| m.station.clone())
                .collect(),
            code: a.code,
            name: a.name,
            kind: a.kind,
            alias: a.alias,
        })
        .collect();
    let tab = Tabular {
        headers: ["区域编码", "名称", "类型", "简称", "评价站点", "其他站点"]
            .map(str::to_owned)
            .to_vec(),
        rows: out
            .iter()
            .map(|a| {
                vec![
                    a.code.clone(),
                    a.name.clone(),
                    a.kind.clone(),
                    opt(&a.alias),
                    a.stations.join(" "),
                    a.other_stations.join(" "),
                ]
            })
            .collect(),
    };
    respond(q.format.unwrap_or_default(), out, move || tab, "areas").await
}

/// Only an output format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// An area's hourly AQI: the HJ 663 area mean of its stations' hourly concentrations, then the
/// AQI (HJ 633 of the hour's date).
#[utoipa::path(get, path = "/api/v1/areas/{key}/aqi/hourly", tag = "air",
    params(("key" = String, Path, description = "Area code, name or alias"), AqiQuery),
    responses(
        (status = 200, description = "Hourly AQI rows, as for a station"),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such area", body = ErrorBody),
    ))]
async fn area_aqi_hourly(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<AqiQuery>,
) -> Result<Response, ApiError> {
    aqi_rows(&state, false, key, q, lantian_report::Table::Hourly).await
}

/// An area's daily AQI (from the area's daily mean concentrations).
#[utoipa::path(get, path = "/api/v1/areas/{key}/aqi/daily", tag = "air",
    params(("key" = String, Path, description = "Area code, name or alias"), AqiQuery),
    responses(
        (status = 200, description = "Daily AQI rows, as for a station"),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such area", body = ErrorBody),
    ))]
async fn area_aqi_daily(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<AqiQuery>,
) -> Result<Response, ApiError> {
    aqi_rows(&state, false, key, q, lantian_report::Table::Daily).await
}

/// Where the home area stands against the air-quality targets this year.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetsNow {
    /// The area (the console's home area).
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// 1 January to this day (the console's today).
    pub from: String,
    /// The day the figures are as of.
    pub as_of: String,
    /// The targets and the remaining budget, as in the assessment's `targets`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
}

/// The home area's PM2.5 and good-day targets, year to date: the mean so far, the days
/// remaining and the largest mean (or the non-good days) the rest of the year can afford.
#[utoipa::path(get, path = "/api/v1/targets", tag = "air",
    responses(
        (status = 200, description = "Targets and budget", body = TargetsNow),
        (status = 404, description = "The home area is not in the store", body = ErrorBody),
    ))]
async fn targets(State(state): State<AppState>) -> Result<Response, ApiError> {
    let as_of = crate::console_today(&state);
    let from = Date::new(as_of.year(), 1, 1).map_err(ApiError::internal)?;
    let home = state.config.home_area.clone();
    let st = state.clone();
    let report = state
        .blocking(move |store| st.report(store, false, &home, Period::Range(from, as_of)))
        .await?;
    let out = TargetsNow {
        area: report.scope.code.clone(),
        area_name: report.scope.name.clone(),
        from: from.to_string(),
        as_of: as_of.to_string(),
        targets: serde_json::to_value(&report.targets).map_err(ApiError::internal)?,
    };
    Ok(axum::Json(out).into_response())
}

/// A monitoring station (a location, in OpenAQ's words).
#[derive(Debug, Serialize, ToSchema)]
pub struct StationOut {
    /// Station code, e.g. `2008A`.
    pub code: String,
    /// Name.
    pub name: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// Coordinates (WGS-84).
    pub coordinates: Option<Coordinates>,
    /// national, provincial, town, micro or unclassified.
    pub level: String,
    /// Its Chinese name (国控点, …).
    pub level_zh: String,
    /// Where the record came from.
    pub source: String,
}

/// A point.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coordinates {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
}

/// Filters of the station list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StationQuery {
    /// Only stations of this city (exact name, e.g. 南通市).
    pub city: Option<String>,
    /// Only stations of this level.
    pub level: Option<String>,
    /// Only stations of this area (code, name or alias), assessed or not.
    pub area: Option<String>,
    /// Rows per page (default 100).
    pub limit: Option<usize>,
    /// Rows to skip.
    pub offset: Option<usize>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// Stations, by code.
#[utoipa::path(get, path = "/api/v1/stations", tag = "air", params(StationQuery),
    responses(
        (status = 200, description = "A page of stations", body = Page<StationOut>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such area", body = ErrorBody),
    ))]
async fn stations(
    State(state): State<AppState>,
    Query(q): Query<StationQuery>,
) -> Result<Response, ApiError> {
    let paging = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve(state.config.max_page)?;
    let st = state.clone();
    let area_key = q.area.clone();
    let (all, members) = state
        .blocking(move |store| {
            let members = match &area_key {
                None => None,
                Some(key) => {
                    let area = store.area(key)?.ok_or_else(|| {
                        ApiError::not_found(format!("no area {key:?} in the store"))
                    })?;
                    Some(
                        area.members
                            .into_iter()
                            .map(|m| m.station)
                            .collect::<Vec<_>>(),
                    )
                }
            };
            Ok((st.stations(store)?, members))
        })
        .await?;
    let matching: Vec<StationOut> = all
        .iter()
        .filter(|s| members.as_ref().is_none_or(|m| m.contains(&s.code)))
        .filter(|s| q.city.as_ref().is_none_or(|c| s.city.as_ref() == Some(c)))
        .filter(|s| q.level.as_ref().is_none_or(|l| s.level.as_str() == l))
        .cloned()
        .map(|s| StationOut {
            coordinates: match (s.lat, s.lon) {
                (Some(latitude), Some(longitude)) => Some(Coordinates {
                    latitude,
                    longitude,
                }),
                _ => None,
            },
            level: s.level.as_str().to_owned(),
            level_zh: s.level.name_zh().to_owned(),
            code: s.code,
            name: s.name,
            city: s.city,
            province: s.province,
            source: s.source,
        })
        .collect();
    let page = Page::of(matching, paging);
    let tab = Tabular {
        headers: [
            "站点编码",
            "站点名称",
            "城市",
            "省份",
            "纬度",
            "经度",
            "级别",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: page
            .results
            .iter()
            .map(|s| {
                vec![
                    s.code.clone(),
                    opt(&s.name),
                    opt(&s.city),
                    opt(&s.province),
                    opt(&s.coordinates.as_ref().map(|c| c.latitude)),
                    opt(&s.coordinates.as_ref().map(|c| c.longitude)),
                    s.level_zh.clone(),
                ]
            })
            .collect(),
    };
    respond(q.format.unwrap_or_default(), page, move || tab, "stations").await
}

/// A date range of one station.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (Beijing).
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// Only this parameter (SO2, NO2, PM10, CO, O3, PM2.5).
    pub parameter: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// One hourly value of one parameter.
#[derive(Debug, Serialize, ToSchema)]
pub struct Measurement {
    /// Parameter code (PM2.5, …).
    pub parameter: String,
    /// Unit (µg/m³, mg/m³ for CO).
    pub unit: String,
    /// Start of the hour.
    pub from: Moment,
    /// End of the hour (CNEMC labels the hour by it).
    pub to: Moment,
    /// The value as stored.
    pub value: Option<String>,
    /// The value statistics use, after review marks.
    pub reviewed: Option<String>,
    /// `valid`, `missing`, `invalidated` (by review), `corrected` or `restored`.
    pub flag: String,
}

/// Coverage of one parameter over the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    /// Parameter code.
    pub parameter: String,
    /// Hours in the range.
    pub expected: usize,
    /// Hours with a value statistics use.
    pub observed: usize,
    /// observed / expected, percent, one decimal.
    pub percent: String,
}

/// Hourly measurements of a station.
#[derive(Debug, Serialize, ToSchema)]
pub struct Measurements {
    /// The station.
    pub station: String,
    /// Coverage per parameter.
    pub coverage: Vec<Coverage>,
    /// Hours in time order, parameters in the standard's order within an hour.
    pub results: Vec<Measurement>,
}

fn parameters(p: Option<&str>) -> Result<Vec<Pollutant>, ApiError> {
    match p {
        None => Ok(Pollutant::ALL.to_vec()),
        Some(code) => Pollutant::from_code(code).map(|p| vec![p]).ok_or_else(|| {
            ApiError::field(
                "parameter",
                format!("{code:?} is not one of SO2, NO2, PM10, CO, O3, PM2.5"),
            )
        }),
    }
}

/// A station's hourly measurements with review flags and coverage.
#[utoipa::path(get, path = "/api/v1/stations/{code}/measurements", tag = "air",
    params(("code" = String, Path, description = "Station code"), RangeQuery),
    responses(
        (status = 200, description = "Measurements", body = Measurements),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    ))]
async fn measurements(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref(), MAX_DAYS)?;
    let params = parameters(q.parameter.as_deref())?;
    let station = code.clone();
    let st = state.clone();
    let (stored, reviewed) = state
        .blocking(move |store| {
            if !st.stations(store)?.iter().any(|s| s.code == station) {
                return Err(ApiError::not_found(format!(
                    "no station {station:?} in the store"
                )));
            }
            let stored = store.hourly_frame(&station, from, to)?;
            let mut reviewed = stored.clone();
            store.apply_review_marks(&station, from, &mut reviewed)?;
            Ok((stored, reviewed))
        })
        .await?;
    let first = stored
        .first_hour
        .to_zoned(super::beijing())
        .map_err(ApiError::internal)?
        .timestamp()
        .as_second();
    let hours = stored.columns[Pollutant::Pm25].len();
    let mut results = Vec::new();
    let mut coverage = Vec::new();
    for p in &params {
        let observed = reviewed.columns[*p].iter().filter(|v| v.is_some()).count();
        coverage.push(Coverage {
            parameter: p.code().to_owned(),
            expected: hours,
            observed,
            percent: format!("{:.1}", observed as f64 * 100.0 / hours.max(1) as f64),
        });
    }
    for h in 0..hours {
        let start = first + 3600 * h as i64;
        for p in &params {
            let v = stored.columns[*p][h];
            let r = reviewed.columns[*p][h];
            let flag = match (v, r) {
                (None, None) => "missing",
                (Some(_), None) => "invalidated",
                (None, Some(_)) => "corrected",
                (Some(a), Some(b)) if a != b => "corrected",
                _ => "valid",
            };
            results.push(Measurement {
                parameter: p.code().to_owned(),
                unit: p.unit().symbol().to_owned(),
                from: moment(start),
                to: moment(start + 3600),
                value: v.map(|c| c.to_string()),
                reviewed: r.map(|c| c.to_string()),
                flag: flag.to_owned(),
            });
        }
    }
    let out = Measurements {
        station: code.clone(),
        coverage,
        results,
    };
    let tab = Tabular {
        headers: [
            "开始时间(北京)",
            "污染物",
            "单位",
            "原始值",
            "审核后值",
            "标记",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: out
            .results
            .iter()
            .map(|m| {
                vec![
                    m.from.local.clone(),
                    m.parameter.clone(),
                    m.unit.clone(),
                    opt(&m.value),
                    opt(&m.reviewed),
                    m.flag.clone(),
                ]
            })
            .collect(),
    };
    respond(
        q.format.unwrap_or_default(),
        out,
        move || tab,
        &format!("{code}-measurements"),
    )
    .await
}

/// A station's or an area's report over `from..=to` (hourly and daily AQI come from it).
async fn range_report(
    state: &AppState,
    station: bool,
    code: String,
    from: Date,
    to: Date,
) -> Result<Arc<Report>, ApiError> {
    let st = state.clone();
    state
        .blocking(move |store| st.report(store, station, &code, Period::Range(from, to)))
        .await
}

/// AQI query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AqiQuery {
    /// First day, `YYYY-MM-DD` (Beijing).
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// A station's hourly AQI (HJ 633 of the hour's date), with the concentrations.
#[utoipa::path(get, path = "/api/v1/stations/{code}/aqi/hourly", tag = "air",
    params(("code" = String, Path, description = "Station code"), AqiQuery),
    responses(
        (status = 200, description = "Hourly AQI rows: start (Beijing), CNEMC label, AQI, category, primary pollutants, values in SO2, NO2, PM10, CO, O3, PM2.5 order"),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    ))]
async fn aqi_hourly(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<AqiQuery>,
) -> Result<Response, ApiError> {
    aqi_rows(&state, true, code, q, lantian_report::Table::Hourly).await
}

/// A station's daily AQI (daily means, MDA8, with the rules of each day's date).
#[utoipa::path(get, path = "/api/v1/stations/{code}/aqi/daily", tag = "air",
    params(("code" = String, Path, description = "Station code"), AqiQuery),
    responses(
        (status = 200, description = "Daily AQI rows"),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    ))]
async fn aqi_daily(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<AqiQuery>,
) -> Result<Response, ApiError> {
    aqi_rows(&state, true, code, q, lantian_report::Table::Daily).await
}

/// The hourly or daily rows of a station's or an area's report.
async fn aqi_rows(
    state: &AppState,
    station: bool,
    code: String,
    q: AqiQuery,
    table: lantian_report::Table,
) -> Result<Response, ApiError> {
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref(), MAX_DAYS)?;
    let report = range_report(state, station, code.clone(), from, to).await?;
    let tab = lantian_report::tabular(&report, table);
    let format = q.format.unwrap_or_default();
    if table == lantian_report::Table::Hourly {
        respond(
            format,
            &report.hourly,
            move || tab,
            &format!("{code}-aqi-hourly"),
        )
        .await
    } else {
        respond(
            format,
            &report.daily,
            move || tab,
            &format!("{code}-aqi-daily"),
        )
        .await
    }
}

/// Which assessment.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AssessmentQuery {
    /// A station code (or give `area`).
    pub station: Option<String>,
    /// An area's code, name or alias (e.g. `haimen`).
    pub area: Option<String>,
    /// A calendar year (or give from/to).
    pub year: Option<i16>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// For csv/xlsx: summary, pollutants (default), monthly, daily, hourly, diurnal or
    /// weekday; xlsx without it has every table as a sheet.
    pub table: Option<String>,
    /// JSON: include the hourly rows (default false: `hourly_rows` says how many there are;
    /// `/api/v1/areas/{key}/aqi/hourly` and `/api/v1/stations/{code}/aqi/hourly` page them).
    pub hourly: Option<bool>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
}

/// The HJ 663 assessment of a station or an area over a year or a range: statistics with
/// coverage, attainment, AQI category days, composite index, year on year, the PM2.5 and
/// good-day targets with what remains of the budget, monthly rows with the previous year,
/// diurnal and weekday profiles, daily rows and (with `hourly=true`) hourly rows. With
/// `hourly=true` the JSON is that of `lantian assess --format json`.
#[utoipa::path(get, path = "/api/v1/assessment", tag = "air", params(AssessmentQuery),
    responses(
        (status = 200, description = "The report"),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such station or area", body = ErrorBody),
    ))]
async fn assessment(
    State(state): State<AppState>,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, ApiError> {
    let period = match (q.year, &q.from, &q.to) {
        (Some(y), None, None) => {
            if !(2000..=2100).contains(&y) {
                return Err(ApiError::field("year", "2000 to 2100"));
            }
            Period::Year(y)
        }
        (None, _, _) => {
            let (from, to) = date_range(q.from.as_deref(), q.to.as_deref(), MAX_DAYS)?;
            Period::Range(from, to)
        }
        _ => return Err(ApiError::field("year", "give year or from/to, not both")),
    };
    let table = match q.table.as_deref() {
        None => None,
        Some(t) => Some(lantian_report::Table::parse(t).ok_or_else(|| {
            ApiError::field(
                "table",
                format!(
                    "{t:?} is not summary, pollutants, monthly, daily, hourly, diurnal or weekday"
                ),
            )
        })?),
    };
    let (station, area) = (q.station.clone(), q.area.clone());
    let st = state.clone();
    let report = state
        .blocking(move |store| match (station, area) {
            (Some(s), None) => st.report(store, true, &s, period),
            (None, Some(a)) => st.report(store, false, &a, period),
            _ => Err(ApiError::field("station", "give station or area (one)")),
        })
        .await?;
    let name = format!("assessment-{}", report.scope.code);
    match (q.format.unwrap_or_default(), table) {
        (Format::Xlsx, None) => {
            let bytes = super::cpu(move || lantian_report::to_xlsx(&report))
                .await?
                .map_err(ApiError::internal)?;
            Ok(super::attachment(bytes, &name))
        }
        (format, table) => {
            let tab = lantian_report::tabular(
                &report,
                table.unwrap_or(lantian_report::Table::Pollutants),
            );
            respond(
                format,
                report.view(q.hourly.unwrap_or(false)),
                move || tab,
                &name,
            )
            .await
        }
    }
}

/// Which places and period to rank.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RankingQuery {
    /// A province's cities (by the station list), e.g. 江苏.
    pub province: Option<String>,
    /// Or configured areas: codes, names or aliases, comma-separated.
    pub areas: Option<String>,
    /// Or every town (areas of kind `town`).
    #[serde(default)]
    pub towns: bool,
    /// Or stations, each on its own: codes, comma-separated.
    pub stations: Option<String>,
    /// A calendar year.
    pub year: Option<i16>,
    /// The year to date, through this day (YYYY-MM-DD).
    pub ytd: Option<String>,
    /// One day (YYYY-MM-DD).
    pub day: Option<String>,
    /// One hour by its end as CNEMC labels it, `YYYY-MM-DD HH` (0–24, Beijing): ranked by
    /// hourly AQI and PM2.5.
    pub hour: Option<String>,
    /// A month, `YYYY-MM`.
    pub month: Option<String>,
    /// First day (YYYY-MM-DD, Beijing), with `to`.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Also rank by the change against the same period a year earlier.
    #[serde(default)]
    pub year_on_year: bool,
}

/// Places ranked from raw hourly values (排名): by composite index and PM2.5 (ascending) and
/// good-day share (descending), ties shared (并列); with `year_on_year`, by the change of the
/// composite index (改善; 恶化 without places that attain Grade II).
#[utoipa::path(get, path = "/api/v1/rankings", tag = "air", params(RankingQuery),
    responses(
        (status = 200, description = "The places in composite-index order", body = Vec<Object>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such area", body = ErrorBody),
    ))]
async fn rankings(
    State(state): State<AppState>,
    _user: crate::auth::CurrentUser,
    Query(q): Query<RankingQuery>,
) -> Result<Response, ApiError> {
    let day = |field: &'static str, v: &str| {
        v.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::field(field, format!("{v:?}: YYYY-MM-DD")))
    };
    let hour = match q.hour.as_deref() {
        Some(h) => {
            let bad = || ApiError::field("hour", format!("{h:?}: YYYY-MM-DD HH (0–24)"));
            let (d, n) = h.trim().split_once([' ', 'T']).ok_or_else(bad)?;
            let n: i64 = n.trim().parse().map_err(|_| bad())?;
            if !(0..=24).contains(&n) {
                return Err(bad());
            }
            Some(
                day("hour", d)?
                    .to_datetime(jiff::civil::Time::midnight())
                    .checked_add(jiff::Span::new().hours(n))
                    .map_err(|_| bad())?,
            )
        }
        None => None,
    };
    let now = if hour.is_some() {
        None
    } else {
        Some(
            match (
                q.year,
                q.month.as_deref(),
                q.from.as_deref(),
                q.day.as_deref(),
                q.ytd.as_deref(),
            ) {
                (Some(y), None, None, None, None) if (2000..=2100).contains(&y) => Period::Year(y),
                (Some(_), None, None, None, None) => {
                    return Err(ApiError::field("year", "2000 to 2100"));
                }
                (None, Some(m), None, None, None) => {
                    let d: jiff::civil::Date = format!("{m}-01")
                        .parse()
                        .map_err(|_| ApiError::field("month", format!("{m:?}: YYYY-MM")))?;
                    Period::Month(d.year(), d.month())
                }
                (None, None, Some(_), None, None) => {
                    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref(), MAX_DAYS)?;
                    Period::Range(from, to)
                }
                (None, None, None, Some(d), None) => {
                    let d = day("day", d)?;
                    Period::Range(d, d)
                }
                (None, None, None, None, Some(d)) => {
                    let d = day("ytd", d)?;
                    Period::Range(
                        jiff::civil::Date::new(d.year(), 1, 1)
                            .map_err(|_| ApiError::field("ytd", "out of range"))?,
                        d,
                    )
                }
                _ => {
                    return Err(ApiError::field(
                        "year",
                        "give one of year, ytd, month, day, hour or from/to",
                    ));
                }
            },
        )
    };
    let before = match now {
        Some(p) if q.year_on_year => Some(
            lantian_report::ranking::year_before(p)
                .ok_or_else(|| ApiError::field("from", "out of range"))?,
        ),
        _ => None,
    };
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .take(200)
            .map(str::to_owned)
            .collect()
    };
    let (province, areas, stations, towns) = (
        q.province.clone(),
        list(&q.areas),
        list(&q.stations),
        q.towns,
    );
    let rows = state
        .blocking(move |store| {
            let given = usize::from(province.is_some())
                + usize::from(!areas.is_empty())
                + usize::from(!stations.is_empty())
                + usize::from(towns);
            if given != 1 {
                return Err(ApiError::field(
                    "province",
                    "give one of province, areas, towns or stations",
                ));
            }
            let places: Vec<lantian_report::Scope> = if let Some(p) = province {
                // The prefecture-level cities, named as on the period's first day.
                let on = match (hour, now.and_then(|p| p.bounds())) {
                    (Some(end), _) => end.date(),
                    (None, Some((first, _))) => first,
                    (None, None) => return Err(ApiError::field("from", "out of range")),
                };
                let units =
                    lantian_assessment::units::parse(lantian_report::ranking::SHIPPED_UNITS)
                        .map_err(ApiError::internal)?;
                lantian_report::ranking::city_scopes(
                    store,
                    p.trim(),
                    &units,
                    lantian_report::ranking::ProvincePlaces::Cities,
                    on,
                )?
            } else if towns {
                lantian_report::ranking::town_scopes(store)?
            } else if !stations.is_empty() {
                stations
                    .iter()
                    .map(|k| lantian_report::Scope::station(store, k))
                    .collect::<Result<_, _>>()?
            } else {
                areas
                    .iter()
                    .map(|k| lantian_report::Scope::area(store, k))
                    .collect::<Result<_, _>>()?
            };
            if places.is_empty() {
                return Err(ApiError::not_found("no places to rank"));
            }
            let config = lantian_aq::Config::default();
            match (hour, now) {
                (Some(end), _) => serde_json::to_value(lantian_report::ranking::hour_rankings(
                    store, &places, end, &config,
                )?),
                (None, Some(now)) => serde_json::to_value(lantian_report::ranking::rankings(
                    store, &places, now, before, &config,
                )?),
                (None, None) => return Err(ApiError::field("year", "give a period")),
            }
            .map_err(|e| ApiError::internal(e.to_string()))
        })
        .await?;
    Ok(axum::Json(rows).into_response())
}
