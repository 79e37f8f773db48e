//! The emission inventory (大气污染源排放清单): the years with their versions, a year's totals
//! and records with their emissions (JSON or the workbook), two years compared, the NOx/VOCs
//! −10 % accounting with each project's part, and the office's changes (import a year, start
//! a year from the last, put online-monitoring totals in place of estimates). Read by any
//! logged-in user; changed by the office (`Actor::may_manage_inventory`).

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use lantian_inventory::analysis::{self, Grouping};
use lantian_inventory::{Categories, Library, pollutant_totals};
use lantian_report::Tabular;
use lantian_report::inventory as report;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, attachment, moment_ms, respond};
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
        .routes(routes!(years))
        .routes(routes!(year))
        .routes(routes!(compare))
        .routes(routes!(accounting))
        .routes(routes!(roll))
        .routes(routes!(measure))
}

/// The shipped classification and factor library.
pub(crate) fn library() -> (Categories, Library) {
    (Categories::builtin(), Library::builtin())
}

fn office(user: &CurrentUser) -> Result<(), ApiError> {
    user.actor
        .may_manage_inventory()
        .map_err(|e| ApiError::forbidden(e.to_string()))
}

/// A version of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionOut {
    /// Version id.
    pub id: i64,
    /// The year.
    pub year: i32,
    /// The file, or what made it.
    pub name: String,
    /// Why.
    pub note: String,
    /// Example data (not the district's).
    pub example: bool,
    /// When stored.
    pub loaded_at: super::Moment,
    /// Who.
    pub loaded_by: String,
    /// Tonnes per pollutant when stored.
    #[schema(value_type = Object)]
    pub totals: serde_json::Value,
}

fn version_out(r: &lantian_store::InventoryVersionRecord) -> VersionOut {
    let v = &r.version;
    VersionOut {
        id: r.id,
        year: v.year,
        name: v.name.clone(),
        note: v.note.clone(),
        example: v.example,
        loaded_at: moment_ms(v.loaded_at_ms),
        loaded_by: v.loaded_by.clone(),
        totals: serde_json::from_str(&v.totals).unwrap_or(serde_json::Value::Null),
    }
}

/// The years, each with its version in force, newest first.
#[utoipa::path(get, path = "/api/v1/inventory/years", tag = "inventory",
    responses(
        (status = 200, description = "The years", body = Vec<VersionOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn years(State(state): State<AppState>, _user: CurrentUser) -> Result<Response, ApiError> {
    let out: Vec<VersionOut> = state
        .blocking(|store| Ok(report::years(store)?.iter().map(version_out).collect()))
        .await?;
    Ok(axum::Json(out).into_response())
}

/// Which year view.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// Group the totals by `source`, `category` (default), `town` or `pollutant`.
    pub by: Option<String>,
    /// `json` (default) or `xlsx` (records with emissions, projects, totals).
    #[serde(default)]
    pub format: Format,
}

fn grouping(by: Option<&str>) -> Result<Grouping, ApiError> {
    let by = by.unwrap_or("category");
    Grouping::parse(by).ok_or_else(|| {
        ApiError::field("by", format!("{by:?}: source, category, town or pollutant"))
    })
}

/// A group's tonnes.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    /// Source id, category code or town.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The pollutant.
    pub pollutant: String,
    /// Tonnes.
    #[schema(value_type = String)]
    pub tonnes: Decimal,
}

/// A year in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearOut {
    /// The version in force.
    pub version: VersionOut,
    /// Title.
    pub title: String,
    /// Example data.
    pub example: bool,
    /// Tonnes per pollutant.
    #[schema(value_type = Object)]
    pub totals: serde_json::Value,
    /// Tonnes per group and pollutant.
    pub groups: Vec<GroupOut>,
    /// The sources.
    #[schema(value_type = Vec<Object>)]
    pub sources: Vec<lantian_inventory::Source>,
    /// Each record's emission.
    #[schema(value_type = Vec<Object>)]
    pub emissions: Vec<lantian_inventory::Emission>,
    /// The reduction projects.
    #[schema(value_type = Vec<Object>)]
    pub projects: Vec<lantian_inventory::Project>,
}

fn year_of(s: &str) -> Result<i32, ApiError> {
    s.parse::<i32>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .ok_or_else(|| ApiError::field("year", format!("{s:?} is not a year")))
}

/// A year's inventory in force: totals, groups, sources, emissions and projects; or its
/// workbook.
#[utoipa::path(get, path = "/api/v1/inventory/years/{year}", tag = "inventory",
    params(("year" = i32, Path, description = "The year"), YearQuery),
    responses(
        (status = 200, description = "The year", body = YearOut),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No inventory for that year", body = ErrorBody),
    ))]
async fn year(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(year): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of(&year)?;
    let by = grouping(q.by.as_deref())?;
    let xlsx = q.format == Format::Xlsx;
    let out = state
        .blocking(move |store| {
            let (cats, lib) = library();
            let y = report::need(store, year, (&cats, &lib))?;
            if xlsx {
                return Ok(Err(report::workbook(&y, &cats, None)?));
            }
            let groups = analysis::totals(&y.inventory, &y.emissions, by, &cats)
                .into_iter()
                .map(|((key, p), (name, t))| GroupOut {
                    key,
                    name,
                    pollutant: p.to_string(),
                    tonnes: t.round_dp(3).normalize(),
                })
                .collect();
            Ok(Ok(YearOut {
                version: version_out(&y.record),
                title: y.inventory.title.clone(),
                example: y.inventory.example,
                totals: serde_json::to_value(pollutant_totals(&y.emissions)).unwrap_or_default(),
                groups,
                sources: y.inventory.sources,
                emissions: y.emissions,
                projects: y.inventory.projects,
            }))
        })
        .await?;
    match out {
        Ok(y) => Ok(axum::Json(y).into_response()),
        Err(bytes) => Ok(attachment(bytes, &format!("inventory-{year}"))),
    }
}

/// Two years.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// The first year.
    pub a: String,
    /// The second year.
    pub b: String,
    /// `source`, `category` (default), `town` or `pollutant`.
    pub by: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    #[serde(default)]
    pub format: Format,
}

/// Two years compared by source, category, town or pollutant.
#[utoipa::path(get, path = "/api/v1/inventory/compare", tag = "inventory", params(CompareQuery),
    responses(
        (status = 200, description = "The comparison", body = Vec<Object>),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No inventory for a year", body = ErrorBody),
    ))]
async fn compare(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<CompareQuery>,
) -> Result<Response, ApiError> {
    let (a, b) = (year_of(&q.a)?, year_of(&q.b)?);
    let by = grouping(q.by.as_deref())?;
    let rows = state
        .blocking(move |store| {
            let (cats, lib) = library();
            let ya = report::need(store, a, (&cats, &lib))?;
            let yb = report::need(store, b, (&cats, &lib))?;
            Ok(analysis::compare(
                (&ya.inventory, &ya.emissions),
                (&yb.inventory, &yb.emissions),
                by,
                &cats,
            ))
        })
        .await?;
    let shown = rows.clone();
    let table = move || Tabular {
        headers: vec![
            "编号".to_owned(),
            "名称".to_owned(),
            "污染物".to_owned(),
            format!("{a}年(t)"),
            format!("{b}年(t)"),
            "变化(t)".to_owned(),
            "变化率(%)".to_owned(),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.key.clone(),
                    r.name.clone(),
                    r.pollutant.to_string(),
                    r.a.to_string(),
                    r.b.to_string(),
                    r.change.to_string(),
                    r.change_pct.map(|p| p.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    respond(q.format, &shown, table, &format!("inventory-{a}-{b}")).await
}

/// The accounting's years.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountingQuery {
    /// The year (default: the newest).
    pub year: Option<String>,
    /// The baseline (default 2020).
    pub baseline: Option<String>,
    /// `json` (default) or `xlsx` (the year's workbook with the accounting sheet).
    #[serde(default)]
    pub format: Format,
}

/// NOx and VOCs of a year against the baseline and the plan's −10 %, with each reduction
/// project's part and what the inventory shows at its sources.
#[utoipa::path(get, path = "/api/v1/inventory/accounting", tag = "inventory", params(AccountingQuery),
    responses(
        (status = 200, description = "The accounting", body = Object),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No inventory for a year", body = ErrorBody),
    ))]
async fn accounting(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<AccountingQuery>,
) -> Result<Response, ApiError> {
    let baseline = q.baseline.as_deref().map_or(Ok(2020), year_of)?;
    let year = q.year.as_deref().map(year_of).transpose()?;
    let xlsx = q.format == Format::Xlsx;
    let out = state
        .blocking(move |store| {
            let (cats, lib) = library();
            let year = match year {
                Some(y) => y,
                None => report::years(store)?
                    .first()
                    .map(|r| r.version.year)
                    .ok_or_else(|| ApiError::not_found("no inventory stored"))?,
            };
            let (a, _, c) = report::accounting_of(store, year, baseline, (&cats, &lib))?;
            if xlsx {
                return Ok(Err((year, report::workbook(&c, &cats, Some(&a))?)));
            }
            Ok(Ok(serde_json::json!({
                "example": c.inventory.example,
                "accounting": a,
            })))
        })
        .await?;
    match out {
        Ok(v) => Ok(axum::Json(v).into_response()),
        Err((year, bytes)) => Ok(attachment(bytes, &format!("inventory-{year}-accounting"))),
    }
}

/// Import parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file's name: `.xlsx` (first sheet) or `.csv`, in the layout of the export.
    pub name: String,
    /// The year (default: the file's 年份 column).
    pub year: Option<i32>,
    /// Replace only the projects of `year` with this file (减排项目 layout).
    #[serde(default)]
    pub projects: bool,
    /// Example data, not the district's.
    #[serde(default)]
    pub example: bool,
    /// Why (kept with the version).
    pub note: Option<String>,
}

/// Stores a year (or its reduction projects) from a file as a new version (the office). With
/// any bad row nothing is stored and the answer names every row and column (at most 50).
#[utoipa::path(post, path = "/api/v1/inventory/import", tag = "inventory", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The version stored", body = Object),
        (status = 400, description = "The file or its rows are wrong", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "Projects for a year without an inventory", body = ErrorBody),
        (status = 413, description = "Larger than 10 MiB", body = ErrorBody),
    ))]
async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    office(&user)?;
    let name = q.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::field("name", "1 to 200 characters"));
    }
    let note = q.note.clone().unwrap_or_else(|| "导入".to_owned());
    if note.chars().count() > 500 {
        return Err(ApiError::field("note", "at most 500 characters"));
    }
    let actor = user.actor.username.clone();
    let out = state
        .blocking(move |store| {
            let (cats, lib) = library();
            let l = (&cats, &lib);
            let inv = if q.projects {
                let year = q
                    .year
                    .ok_or_else(|| ApiError::field("year", "required with projects"))?;
                let mut inv = report::need(store, year, l)?.inventory;
                let (h, rows) = lantian_report::table::grid(&name, &body)
                    .map_err(|e| ApiError::field("body", e.to_string()))?;
                inv.projects =
                    lantian_inventory::exchange::projects_from_rows(&h, &rows).map_err(|e| {
                        ApiError::field("body", format!("{name}: {}", report::refusal(&e)))
                    })?;
                inv
            } else {
                let mut inv = report::read_files(&name, &body, None, q.year)
                    .map_err(|e| ApiError::field("body", e.to_string()))?;
                inv.example = q.example;
                inv
            };
            let (id, new, totals) = report::store_year(
                store,
                &inv,
                l,
                &name,
                &note,
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )
            .map_err(|e| match e {
                lantian_report::ReportError::Input(m) => {
                    ApiError::field("body", format!("{name}: {m}"))
                }
                e => e.into(),
            })?;
            Ok(serde_json::json!({
                "id": id, "new": new, "year": inv.year, "example": inv.example,
                "sources": inv.sources.len(), "records": inv.records.len(),
                "projects": inv.projects.len(), "totals": totals,
            }))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// Starts a year from the newest year before it (the office).
#[utoipa::path(post, path = "/api/v1/inventory/years/{year}/roll", tag = "inventory",
    params(("year" = i32, Path, description = "The new year")),
    responses(
        (status = 200, description = "The version stored", body = Object),
        (status = 400, description = "The year exists already", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "No earlier year", body = ErrorBody),
    ))]
async fn roll(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
) -> Result<Response, ApiError> {
    office(&user)?;
    let year = year_of(&year)?;
    let actor = user.actor.username.clone();
    let (id, from) = state
        .blocking(move |store| {
            let (cats, lib) = library();
            Ok(report::roll_forward(
                store,
                year,
                (&cats, &lib),
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?)
        })
        .await?;
    Ok(axum::Json(serde_json::json!({"id": id, "year": year, "from": from})).into_response())
}

/// Measured-total parameters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureIn {
    /// Share of valid days a total needs to replace the estimate (percent, default 80).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub min_coverage: Option<Decimal>,
}

/// Online-monitoring annual totals of point sources with monitors from the stored hourly data
/// (the office); those covering enough days replace the estimate in a new version.
#[utoipa::path(post, path = "/api/v1/inventory/years/{year}/measure", tag = "inventory",
    params(("year" = i32, Path, description = "The year")), request_body = MeasureIn,
    responses(
        (status = 200, description = "Each source's total and whether it was used", body = Object),
        (status = 400, description = "Bad field", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "No inventory for that year", body = ErrorBody),
    ))]
async fn measure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
    Json(req): Json<MeasureIn>,
) -> Result<Response, ApiError> {
    office(&user)?;
    let year = year_of(&year)?;
    let min = req.min_coverage.unwrap_or(Decimal::from(80));
    if min < Decimal::ZERO || min > Decimal::ONE_HUNDRED {
        return Err(ApiError::field("min_coverage", "0 to 100"));
    }
    let actor = user.actor.username.clone();
    let (m, stored) = state
        .blocking(move |store| {
            let (cats, lib) = library();
            Ok(report::measure(
                store,
                year,
                (&cats, &lib),
                min,
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?)
        })
        .await?;
    Ok(axum::Json(serde_json::json!({"measured": m, "version": stored})).into_response())
}
