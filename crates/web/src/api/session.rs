//! `/api/v1/session`: log in, who am I, log out.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{self, COOKIE, CurrentUser};
use crate::error::ErrorBody;
use crate::extract::Json;
use crate::{ApiError, AppState};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login, me, logout))
}

/// Login request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The logged-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role: admin, office, town, department or viewer.
    pub role: String,
    /// Its Chinese label.
    pub role_zh: String,
    /// Town or department of a scoped role.
    pub scope: Option<String>,
}

impl From<&CurrentUser> for Me {
    fn from(u: &CurrentUser) -> Self {
        Me {
            username: u.actor.username.clone(),
            display_name: u.display_name.clone(),
            role: u.actor.role.as_str().to_owned(),
            role_zh: u.actor.role.label_zh().to_owned(),
            scope: u.actor.scope.clone(),
        }
    }
}

/// Logs in: sets the session cookie and returns the user. The token is also returned for API
/// clients, which send it as `Authorization: Bearer`.
#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body = Login,
    responses(
        (status = 200, description = "Logged in", body = LoginAnswer),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong name or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this user name: try after Retry-After seconds", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<Login>,
) -> Result<Response, ApiError> {
    // Login CSRF: a browser sends Origin with a cross-site POST; it must be this site: the Host
    // it asked for, or the host a reverse proxy says it forwarded. `Origin: null` (a sandboxed
    // iframe, a data: URL, a redirect across sites) names no site, so it is refused too; API
    // clients that send no Origin are not affected.
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        let ours = [header::HOST.as_str(), "x-forwarded-host"]
            .iter()
            .filter_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
            .flat_map(|v| v.split(','))
            .any(|h| h.trim() == origin_host);
        if origin == "null" || !ours {
            return Err(ApiError::forbidden(format!(
                "login from another site ({origin}) refused"
            )));
        }
    }
    if req.username.is_empty() || req.username.len() > 64 {
        return Err(ApiError::field("username", "1 to 64 characters"));
    }
    if req.password.len() > 1024 {
        return Err(ApiError::field("password", "at most 1024 bytes"));
    }
    let ttl = state.config.session_ttl;
    let secure = state.config.secure_cookie;
    let key = format!("user:{}", req.username);
    let now_ms = jiff::Timestamp::now().as_millisecond();
    // The attempt is counted before the password is checked (concurrent guesses cannot all
    // pass); a success clears the count.
    let reserved = state
        .login_throttle
        .lock()
        .map_err(ApiError::internal)?
        .attempt(&key, now_ms);
    let last_allowed = match reserved {
        Ok(last) => last,
        Err(retry_ms) => return Ok(too_many(retry_ms)),
    };
    let username = req.username.clone();
    let result = state
        .blocking(move |store| {
            let user = store.user_by_name(&req.username)?;
            // Verify even for an unknown user, so timing does not tell which names exist.
            let ok = auth::verify_password(
                &req.password,
                match &user {
                    Some(u) => u.password_hash.as_str(),
                    None => auth::dummy_hash(),
                },
            );
            let user = match user {
                Some(u) if ok && u.active => u,
                _ => return Err(ApiError::unauthorized("用户名或密码错误")),
            };
            let token = auth::new_token().map_err(ApiError::internal)?;
            let now = jiff::Timestamp::now().as_millisecond();
            let expires = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
            store.create_session(&auth::token_hash(&token), user.id, now, expires)?;
            Ok((user, token))
        })
        .await;
    // Settle the counted attempt; the guard is released before anything is awaited.
    let newly_locked = {
        let mut throttle = state.login_throttle.lock().map_err(ApiError::internal)?;
        match &result {
            Ok(_) => {
                throttle.succeed(&key);
                false
            }
            Err(e) if e.status() == StatusCode::UNAUTHORIZED => last_allowed,
            Err(_) => {
                throttle.release(&key);
                false
            }
        }
    };
    if newly_locked {
        let entry = lantian_store::AuditEntry {
            at_ms: now_ms,
            actor: username.clone(),
            action: "session.locked".to_owned(),
            target: format!("user:{username}"),
            detail: serde_json::json!({"reason": "too many failed logins"}).to_string(),
        };
        // Best effort: the refusal stands even if the audit write fails.
        let _ = state
            .blocking(move |store| Ok(store.record_audit(&entry)?))
            .await;
    }
    let (user, token) = result?;
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let role_zh = user
        .role
        .parse::<lantian_core::Role>()
        .map(|r| r.label_zh().to_owned())
        .unwrap_or_default();
    let body = LoginAnswer {
        user: Me {
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            role_zh,
            scope: user.scope,
        },
        token,
        expires_in_s: ttl.as_secs(),
    };
    Ok(([(header::SET_COOKIE, cookie)], axum::Json(body)).into_response())
}

/// The answer to a login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    /// The user.
    pub user: Me,
    /// The session token (also set as the `lantian_session` cookie).
    pub token: String,
    /// Seconds until the session expires.
    pub expires_in_s: u64,
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "The user", body = Me),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn me(user: CurrentUser) -> axum::Json<Me> {
    axum::Json(Me::from(&user))
}

/// Logs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn logout(
    State(state): State<AppState>,
    _user: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = auth::request_token(&headers).unwrap_or_default();
    let hash = auth::token_hash(&token);
    state
        .blocking(move |store| Ok(store.delete_session(&hash)?))
        .await?;
    let clear = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// The 429 of a locked user name, with `Retry-After`.
fn too_many(retry_ms: i64) -> Response {
    let minutes = (retry_ms + 59_999) / 60_000;
    let mut resp = ApiError::with_status(
        StatusCode::TOO_MANY_REQUESTS,
        format!("登录失败次数过多，请 {minutes} 分钟后再试"),
    )
    .into_response();
    if let Ok(v) = header::HeaderValue::from_str(&((retry_ms + 999) / 1000).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}
