//! The town assessment (区镇考核): versions of the rules, stored results with every town's
//! items and their sources, the workbook and the circular (通报), a check that a stored result
//! reruns to the same figures, and the office's loading of rules and running of a period.
//! Read by any logged-in user; changed by the office (`Actor::may_run_assessment`).

// utoipa's `path` macro re-qualifies the query types it reads parameters from.
#![allow(unused_qualifications)]

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lantian_report::towns::{self as report, GivenFigure, TownPeriod};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Format, Moment, attachment, moment_ms};
use crate::auth::CurrentUser;
use crate::error::ErrorBody;
use crate::extract::{Json, Query};
use crate::{ApiError, AppState};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rules, load_rules))
        .routes(routes!(results, run))
        .routes(routes!(result))
        .routes(routes!(town))
        .routes(routes!(circular))
        .routes(routes!(check))
}

fn office(user: &CurrentUser) -> Result<(), ApiError> {
    user.actor
        .may_run_assessment()
        .map_err(|e| ApiError::forbidden(e.to_string()))
}

/// A loaded version of the rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesOut {
    /// Store id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Version.
    pub version: u32,
    /// `month` or `year`.
    pub period: String,
    /// First day it applies.
    pub valid_from: String,
    /// Last day it applies, if any.
    pub valid_to: Option<String>,
    /// Example rules, not the district's.
    pub example: bool,
    /// When loaded.
    pub loaded_at: Moment,
    /// Who.
    pub loaded_by: String,
    /// The TOML as loaded.
    pub text: String,
}

/// The loaded versions of the rules, by code, newest version first.
#[utoipa::path(get, path = "/api/v1/town-assessment/rules", tag = "towns",
    responses(
        (status = 200, description = "The versions", body = Vec<RulesOut>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn rules(State(state): State<AppState>, _user: CurrentUser) -> Result<Response, ApiError> {
    let out: Vec<RulesOut> = state
        .blocking(|store| {
            Ok(store
                .assessment_rules()?
                .into_iter()
                .map(|r| RulesOut {
                    id: r.id,
                    code: r.rules.code,
                    version: r.rules.version,
                    period: r.rules.period,
                    valid_from: r.rules.valid_from,
                    valid_to: r.rules.valid_to,
                    example: r.rules.example,
                    loaded_at: moment_ms(r.rules.loaded_at_ms),
                    loaded_by: r.rules.loaded_by,
                    text: r.rules.body,
                })
                .collect())
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A version of the rules to load.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesIn {
    /// Its file name (for messages and the audit log).
    pub name: String,
    /// The TOML.
    pub text: String,
}

/// Loads a version of the rules (the office). The same code and version again must be the
/// same text (409 otherwise: raise the version).
#[utoipa::path(post, path = "/api/v1/town-assessment/rules", tag = "towns", request_body = RulesIn,
    responses(
        (status = 200, description = "Loaded (or already loaded)", body = Object),
        (status = 400, description = "The rules are wrong, each problem named", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 409, description = "That version is loaded with another text", body = ErrorBody),
    ))]
async fn load_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<RulesIn>,
) -> Result<Response, ApiError> {
    office(&user)?;
    let actor = user.actor.username.clone();
    let (id, new, code, version) = state
        .blocking(move |store| {
            let (id, new, r) = report::load_rules(
                store,
                &body.text,
                &body.name,
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            Ok((id, new, r.rules.code, r.rules.version))
        })
        .await?;
    Ok(
        axum::Json(serde_json::json!({"id": id, "new": new, "code": code, "version": version}))
            .into_response(),
    )
}

/// Which results.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    /// Only this period (`2026-03`, `2026`).
    pub period: Option<String>,
}

/// A stored result in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultSummary {
    /// Store id.
    pub id: i64,
    /// The period.
    pub period: String,
    /// The rules' code.
    pub rules: String,
    /// Their version.
    pub version: u32,
    /// Example rules.
    pub example: bool,
    /// When computed.
    pub computed_at: Moment,
    /// Who.
    pub computed_by: String,
    /// Towns ranked.
    pub ranked: usize,
    /// The first-ranked towns.
    pub first: Vec<String>,
    /// Towns on the special-inspection list.
    pub inspection: Vec<String>,
}

fn summary(s: &report::StoredAssessment) -> ResultSummary {
    ResultSummary {
        id: s.id,
        period: s.assessment.period.clone(),
        rules: s.rules_code.clone(),
        version: s.rules_version,
        example: s.example,
        computed_at: moment_ms(s.computed_at_ms),
        computed_by: s.computed_by.clone(),
        ranked: s
            .assessment
            .towns
            .iter()
            .filter(|t| t.rank.is_some())
            .count(),
        first: s.first(),
        inspection: s.inspected(),
    }
}

/// Stored results, newest first.
#[utoipa::path(get, path = "/api/v1/town-assessment/results", tag = "towns", params(ResultsQuery),
    responses(
        (status = 200, description = "The results", body = Vec<ResultSummary>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn results(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    let out: Vec<ResultSummary> = state
        .blocking(move |store| {
            Ok(report::list(store, q.period.as_deref())?
                .iter()
                .map(summary)
                .collect())
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// A figure given with a run (complaints and the like).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GivenIn {
    /// The town.
    pub town: String,
    /// The indicator code.
    pub indicator: String,
    /// The value.
    #[schema(value_type = String)]
    pub value: Decimal,
}

/// A period to assess.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunIn {
    /// `2026-03` or `2026`.
    pub period: String,
    /// Figures given from outside (they override gathered ones).
    #[serde(default)]
    pub figures: Vec<GivenIn>,
}

/// Assesses a period with the stored rules in force for it and stores the result (the
/// office). Returns the stored result.
#[utoipa::path(post, path = "/api/v1/town-assessment/results", tag = "towns", request_body = RunIn,
    responses(
        (status = 200, description = "The stored result", body = Object),
        (status = 400, description = "Bad period or figure", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the office", body = ErrorBody),
        (status = 404, description = "No rules for the period, or no plan", body = ErrorBody),
    ))]
async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<RunIn>,
) -> Result<Response, ApiError> {
    office(&user)?;
    let period =
        TownPeriod::parse(&body.period).map_err(|e| ApiError::field("period", e.to_string()))?;
    if body.figures.len() > 10_000 {
        return Err(ApiError::field("figures", "at most 10,000"));
    }
    let given: Vec<GivenFigure> = body
        .figures
        .into_iter()
        .enumerate()
        .map(|(i, f)| GivenFigure {
            town: f.town,
            indicator: f.indicator,
            value: f.value,
            source: format!("{} 录入第{}项", user.actor.username, i + 1),
        })
        .collect();
    let actor = user.actor.username.clone();
    let stored = state
        .blocking(move |store| {
            let (rec, rules) = report::rules_for(store, &period)?;
            let (g, a) = report::compute(store, &rules, &period, &given)?;
            let id = report::save(
                store,
                rec.id,
                &period,
                &g,
                &a,
                &actor,
                jiff::Timestamp::now().as_millisecond(),
            )?;
            Ok(report::stored(store, id)?)
        })
        .await?;
    Ok(axum::Json(stored).into_response())
}

/// How a result is given.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultQuery {
    /// `json` (default) or `xlsx` (ranking, items with sources, money, all figures).
    #[serde(default)]
    pub format: Format,
}

/// A stored result: every town's items (value, target, score, weight, how, source), money,
/// vetoes and the special-inspection list; or its workbook.
#[utoipa::path(get, path = "/api/v1/town-assessment/results/{id}", tag = "towns",
    params(("id" = i64, Path, description = "Result id"), ResultQuery),
    responses(
        (status = 200, description = "The result", body = Object),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such result", body = ErrorBody),
    ))]
async fn result(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ResultQuery>,
) -> Result<Response, ApiError> {
    if q.format == Format::Csv {
        return Err(ApiError::field("format", "json or xlsx"));
    }
    let s = state
        .blocking(move |store| Ok(report::stored(store, id)?))
        .await?;
    if q.format == Format::Xlsx {
        let name = format!("town-assessment-{}-{id}", s.assessment.period);
        let bytes = super::cpu(move || report::workbook(&s))
            .await?
            .map_err(ApiError::internal)?;
        return Ok(attachment(bytes, &name));
    }
    Ok(axum::Json(s).into_response())
}

/// One town of a stored result: how its score was made, item by item with the sources.
#[utoipa::path(get, path = "/api/v1/town-assessment/results/{id}/towns/{town}", tag = "towns",
    params(("id" = i64, Path, description = "Result id"), ("town" = String, Path, description = "The town")),
    responses(
        (status = 200, description = "The town's result", body = Object),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such result or town", body = ErrorBody),
    ))]
async fn town(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path((id, town)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    let s = state
        .blocking(move |store| Ok(report::stored(store, id)?))
        .await?;
    let t = s
        .assessment
        .towns
        .into_iter()
        .find(|t| t.town == town)
        .ok_or_else(|| ApiError::not_found(format!("result #{id} has no town {town:?}")))?;
    Ok(axum::Json(t).into_response())
}

/// The circular (通报) of a stored result, as Markdown.
#[utoipa::path(get, path = "/api/v1/town-assessment/results/{id}/circular", tag = "towns",
    params(("id" = i64, Path, description = "Result id")),
    responses(
        (status = 200, description = "The circular (text/markdown)", body = String),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such result", body = ErrorBody),
    ))]
async fn circular(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let s = state
        .blocking(move |store| Ok(report::stored(store, id)?))
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"town-assessment-{}-{id}.md\"",
                    s.assessment.period
                ),
            ),
        ],
        report::circular(&s).to_markdown(),
    )
        .into_response())
}

/// A rerun of a stored result.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckOut {
    /// The same figures and the same result.
    pub same: bool,
    /// Each difference, in words.
    pub differences: Vec<String>,
}

/// Reruns a stored result (its period, its rules, its given figures, the figures gathered
/// again now) and says whether it is the same; nothing is stored.
#[utoipa::path(get, path = "/api/v1/town-assessment/results/{id}/check", tag = "towns",
    params(("id" = i64, Path, description = "Result id")),
    responses(
        (status = 200, description = "The comparison", body = CheckOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such result", body = ErrorBody),
    ))]
async fn check(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let differences = state
        .blocking(move |store| Ok(report::rerun(store, id)?.2))
        .await?;
    Ok(axum::Json(CheckOut {
        same: differences.is_empty(),
        differences,
    })
    .into_response())
}
