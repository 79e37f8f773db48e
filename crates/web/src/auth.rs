//! Logins and sessions: argon2id password hashes, random session tokens of which the store
//! keeps only the SHA-256, an expiring session cookie (`HttpOnly`, `SameSite=Strict`), and the
//! [`CurrentUser`] extractor every protected handler takes.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use lantian_core::{Actor, Role};
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const COOKIE: &str = "lantian_session";

/// Hashes a password with argon2id (random salt), as a PHC string.
///
/// # Errors
///
/// If the system's random source fails.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored PHC string; false for a malformed one.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user is unknown, so a login takes as long whether or not
/// the name exists.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let pw = new_token().unwrap_or_else(|_| "lantian-dummy".to_owned());
        hash_password(&pw).unwrap_or_default()
    })
}

/// The login throttles ([`lantian_core::AuthThrottle`], the one the HJ 212 receiver uses for
/// devices): per user name and per client address, behind one lock so an attempt is counted
/// against both or neither.
#[derive(Debug)]
pub(crate) struct LoginThrottles {
    pub(crate) by_name: lantian_core::AuthThrottle,
    pub(crate) by_address: lantian_core::AuthThrottle,
}

/// A login attempt counted against its name and (when known) its address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginAttempt {
    pub(crate) by_name: lantian_core::Attempt,
    pub(crate) by_address: Option<lantian_core::Attempt>,
}

impl LoginThrottles {
    pub(crate) fn new(config: &crate::WebConfig) -> Self {
        LoginThrottles {
            by_name: lantian_core::AuthThrottle::new(config.login_by_name),
            by_address: lantian_core::AuthThrottle::new(config.login_by_address),
        }
    }

    /// Counts an attempt before its password is checked, or says why it must not be made.
    /// The address is checked first: a sprayer's address is refused whatever name it tries.
    pub(crate) fn attempt(
        &mut self,
        name_key: &str,
        address_key: Option<&str>,
        now_ms: i64,
    ) -> Result<LoginAttempt, lantian_core::Refusal> {
        if let Some(a) = address_key {
            self.by_address.check(a, now_ms)?;
        }
        self.by_name.check(name_key, now_ms)?;
        Ok(LoginAttempt {
            by_name: self.by_name.count(name_key, now_ms),
            by_address: address_key.map(|a| self.by_address.count(a, now_ms)),
        })
    }

    /// A right password: the name's failures are forgotten; the address only gets this
    /// attempt back (a sprayer's one right guess must not wipe its other failures).
    pub(crate) fn succeed(&mut self, name_key: &str, address_key: Option<&str>, a: &LoginAttempt) {
        self.by_name.succeed(name_key);
        if let (Some(k), Some(att)) = (address_key, &a.by_address) {
            self.by_address.release(k, att);
        }
    }

    /// The check could not be made: the attempt is taken back.
    pub(crate) fn release(&mut self, name_key: &str, address_key: Option<&str>, a: &LoginAttempt) {
        self.by_name.release(name_key, &a.by_name);
        if let (Some(k), Some(att)) = (address_key, &a.by_address) {
            self.by_address.release(k, att);
        }
    }
}

/// The password checks' own pool: at most `concurrency` argon2 verifications at once on the
/// blocking threads, at most `queue` more waiting; beyond that a login is refused at once.
/// Logins never hold the store's gate while hashing, so a login flood does not slow the
/// console's other requests.
#[derive(Debug)]
pub(crate) struct PasswordPool {
    running: std::sync::Arc<tokio::sync::Semaphore>,
    admitted: std::sync::Arc<tokio::sync::Semaphore>,
}

impl PasswordPool {
    pub(crate) fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        PasswordPool {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency)),
            admitted: std::sync::Arc::new(tokio::sync::Semaphore::new(
                concurrency.saturating_add(queue),
            )),
        }
    }

    /// Checks `password` against `phc` on the pool (`None`: against a dummy hash, so that an
    /// unknown name takes as long); `None` when the pool and its queue are full (or closed).
    pub(crate) async fn verify(&self, password: String, phc: Option<String>) -> Option<bool> {
        let _admitted = self.admitted.clone().try_acquire_owned().ok()?;
        let _running = self.running.clone().acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(move || {
            // The dummy hash is made on first use: on the pool, not on an async worker.
            match &phc {
                Some(phc) => verify_password(&password, phc),
                None => verify_password(&password, dummy_hash()),
            }
        })
        .await
        .ok()
    }
}

/// The client's address: the peer of the connection (`axum::extract::ConnectInfo`), or, when
/// the peer is one of [`crate::WebConfig::trusted_proxies`], the rightmost address of
/// `X-Forwarded-For` that is not a trusted proxy. `None` when the server was not given the
/// peer's address (in-process calls): the per-address throttle is then not applied.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|p| {
            client_address(p, &parts.headers, &state.config.trusted_proxies)
        })))
    }
}

/// See [`ClientAddr`].
fn client_address(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    // Each proxy appends the address it got the request from: walk from the right, past our
    // own proxies; what a client wrote itself (further left) is never trusted.
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// A new session token: 32 random bytes, hex.
///
/// # Errors
///
/// If the system's random source fails.
pub fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    Ok(hex(&bytes))
}

/// What the store keeps of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Bytes as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The CSRF token of a session: derived from the session token, so it needs no storage. Pages
/// carry it in `<meta name="csrf-token">`; the console's scripts send it as `X-CSRF-Token`.
pub fn csrf_token(session_token: &str) -> String {
    hex(&Sha256::digest(
        format!("lantian-csrf:{session_token}").as_bytes(),
    ))
}

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether the request's session came from the cookie (not `Authorization: Bearer`). Only
/// cookie sessions need the CSRF token: a browser adds cookies by itself, never a bearer token.
pub(crate) fn token_from_cookie(headers: &axum::http::HeaderMap) -> bool {
    !headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
}

/// The CSRF check of a state-changing request with a cookie session: the header must carry
/// the session's CSRF token.
pub(crate) fn check_csrf(parts: &Parts, token: &str) -> Result<(), ApiError> {
    let safe = matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if safe || !token_from_cookie(&parts.headers) {
        return Ok(());
    }
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let want = csrf_token(token);
    // Compare without an early exit.
    let same = sent.len() == want.len()
        && sent
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "缺少或错误的 CSRF 令牌（X-CSRF-Token）：请刷新页面后重试",
        ))
    }
}

/// The session token of a request: the cookie, or `Authorization: Bearer`.
pub(crate) fn request_token(headers: &axum::http::HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    if bearer.is_some() {
        return bearer;
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, t)| t.to_owned())
}

/// The logged-in user of a request (401 without a valid session).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Store id.
    pub id: i64,
    /// Name shown.
    pub display_name: String,
    /// Who acts, for the access checks.
    pub actor: Actor,
    /// The session's CSRF token (for pages).
    pub csrf: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token =
            request_token(&parts.headers).ok_or_else(|| ApiError::unauthorized("请先登录"))?;
        let csrf = csrf_token(&token);
        let hash = token_hash(&token);
        let now = jiff::Timestamp::now().as_millisecond();
        let user = state
            .blocking(move |store| Ok(store.session_user(&hash, now)?))
            .await?
            .ok_or_else(|| ApiError::unauthorized("会话已过期，请重新登录"))?;
        let role: Role = user
            .role
            .parse()
            .map_err(|e| ApiError::internal(format!("user {}: {e}", user.username)))?;
        // After the session check: a stale page gets "log in again", not a CSRF error.
        check_csrf(parts, &token)?;
        Ok(CurrentUser {
            id: user.id,
            csrf,
            display_name: user.display_name,
            actor: Actor {
                username: user.username,
                role,
                scope: user.scope,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let phc = hash_password("海门2024!").unwrap_or_default();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("海门2024!", &phc));
        assert!(!verify_password("海门2025!", &phc));
        assert!(!verify_password("x", "not a hash"));
        // Salted: the same password hashes differently.
        assert_ne!(phc, hash_password("海门2024!").unwrap_or_default());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap_or(std::net::IpAddr::from([0; 4]));
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            axum::http::HeaderValue::from_static("1.1.1.1, 203.0.113.7, 10.0.0.1"),
        );
        // Not trusted: the header is the client's own word.
        assert_eq!(client_address(proxy, &h, &[]), proxy);
        // Trusted: the rightmost address that is not ours, not what the client put first.
        let got = client_address(proxy, &h, &[proxy]);
        assert_eq!(got.to_string(), "203.0.113.7");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().unwrap_or_default();
        let b = new_token().unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
