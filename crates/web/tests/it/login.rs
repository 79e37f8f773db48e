//! Login throttling and auditing: per client address (password spraying) and per user name
//! (growing waits, never a lock others can impose), argon2 on its own bounded pool, and
//! logins, failed logins and logouts in the audit log.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use lantian_core::ThrottlePolicy;
use lantian_web::{AppState, WebConfig, router};
use tower::ServiceExt as _;

use crate::{PASSWORD, fixture};

/// A login posted from `from` (the peer address the server saw); `None`: in process.
fn try_login(name: &str, password: &str, from: Option<&str>) -> Request<Body> {
    let mut r = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"username": name, "password": password}).to_string(),
        ))
        .unwrap();
    if let Some(ip) = from {
        let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
        r.extensions_mut().insert(ConnectInfo(peer));
    }
    r
}

fn retry_after_s(r: &axum::response::Response) -> u64 {
    r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Small limits so the test runs in seconds; the shapes are the defaults'.
fn config() -> WebConfig {
    WebConfig {
        login_by_name: ThrottlePolicy {
            free_failures: 5,
            base_delay_ms: 100,
            max_delay_ms: 400,
            ban_after: None,
            ban_ms: 0,
            forget_ms: 600_000,
            capacity: 1_000,
        },
        login_by_address: ThrottlePolicy {
            free_failures: 3,
            base_delay_ms: 100,
            max_delay_ms: 400,
            ban_after: Some(8),
            ban_ms: 600_000,
            forget_ms: 600_000,
            capacity: 1_000,
        },
        ..WebConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spraying_from_one_address_is_slowed_then_banned_before_any_hashing() {
    let f = fixture();
    let app = router(AppState::new(f.store().clone(), config()));
    // One password over many names from one address, retrying when told to.
    let (mut checked, mut waits, mut banned) = (0, 0, None);
    for i in 0..40 {
        let r = app
            .clone()
            .oneshot(try_login(
                &format!("name{i}"),
                "123456",
                Some("203.0.113.9"),
            ))
            .await
            .unwrap();
        match r.status() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS if retry_after_s(&r) <= 1 => {
                waits += 1;
                tokio::time::sleep(std::time::Duration::from_millis(410)).await;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                banned = Some(retry_after_s(&r));
                break;
            }
            s => panic!("{s}"),
        }
    }
    // Today every one of the 40 names is tried; now 8 are, after growing waits.
    assert_eq!(checked, 8);
    assert!(waits >= 1);
    assert_eq!(banned, Some(600));
    // The banned address is refused even with a right password.
    let r = app
        .clone()
        .oneshot(try_login("office", PASSWORD, Some("203.0.113.9")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Others are not affected.
    let r = app
        .clone()
        .oneshot(try_login("office", PASSWORD, Some("198.51.100.7")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let audit = f.st(|s| s.audit_log(100)).unwrap();
    let failed = audit
        .iter()
        .filter(|a| a.entry.action == "session.login_failed")
        .count();
    assert_eq!(failed, 8);
    let ban = audit
        .iter()
        .find(|a| a.entry.action == "session.address_banned")
        .expect("the ban is audited");
    assert!(
        ban.entry.detail.contains("203.0.113.9"),
        "{}",
        ban.entry.detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_against_admin_does_not_lock_admin_out() {
    let f = fixture();
    let app = router(AppState::new(f.store().clone(), config()));
    // Wrong passwords for `office` from one address until it is banned.
    for _ in 0..30 {
        let r = app
            .clone()
            .oneshot(try_login("office", "wrong", Some("203.0.113.9")))
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            if retry_after_s(&r) > 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(410)).await;
        }
    }
    // The name is slowed, not locked: from another address, office waits at most the
    // longest delay (today: a 15-minute lock anyone can cause with five wrong passwords).
    let mut r = app
        .clone()
        .oneshot(try_login("office", PASSWORD, Some("198.51.100.7")))
        .await
        .unwrap();
    if r.status() == StatusCode::TOO_MANY_REQUESTS {
        assert!(retry_after_s(&r) <= 1, "{}", retry_after_s(&r));
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("秒后再试"));
        tokio::time::sleep(std::time::Duration::from_millis(410)).await;
        r = app
            .clone()
            .oneshot(try_login("office", PASSWORD, Some("198.51.100.7")))
            .await
            .unwrap();
    }
    assert_eq!(r.status(), StatusCode::OK);
    let token = serde_json::from_slice::<serde_json::Value>(
        &axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap(),
    )
    .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Logging out is audited too.
    let r = app
        .clone()
        .oneshot(
            Request::delete("/api/v1/session")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let audit = f.st(|s| s.audit_log(100)).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.entry.action.as_str()).collect();
    assert!(actions.contains(&"session.login"), "{actions:?}");
    assert!(actions.contains(&"session.logout"), "{actions:?}");
    let failed = audit
        .iter()
        .find(|a| a.entry.action == "session.login_failed")
        .unwrap();
    assert_eq!(failed.entry.target, "user:office");
    assert!(failed.entry.detail.contains("203.0.113.9"));
    // Never the password.
    assert!(audit.iter().all(|a| !a.entry.detail.contains("wrong")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_checks_have_their_own_bounded_pool() {
    let f = fixture();
    let app = router(AppState::new(
        f.store().clone(),
        WebConfig {
            login_concurrency: 1,
            login_queue: 1,
            ..config()
        },
    ));
    // Sixteen logins at once: one hashes, one waits, the others are refused at once (503)
    // instead of queueing behind the store's gate.
    let mut all = Vec::new();
    for i in 0..16 {
        let app = app.clone();
        all.push(tokio::spawn(async move {
            app.oneshot(try_login(&format!("n{i}"), "x", None))
                .await
                .unwrap()
                .status()
        }));
    }
    let mut busy = 0;
    let mut checked = 0;
    for a in all {
        match a.await.unwrap() {
            StatusCode::SERVICE_UNAVAILABLE => busy += 1,
            StatusCode::UNAUTHORIZED => checked += 1,
            s => panic!("{s}"),
        }
    }
    eprintln!("16 concurrent logins: {checked} checked, {busy} refused as busy");
    assert!(busy >= 1 && checked >= 2, "{busy} busy, {checked} checked");
}

/// The default limits in figures (printed for `docs/security.md`).
#[test]
fn default_login_limits_in_figures() {
    let c = WebConfig::default();
    const HOUR: i64 = 3_600_000;
    let (addr_1h, ban_at) = c.login_by_address.guesses_within(HOUR);
    let (addr_24h, _) = c.login_by_address.guesses_within(24 * HOUR);
    let (name_1h, _) = c.login_by_name.guesses_within(HOUR);
    let (name_24h, _) = c.login_by_name.guesses_within(24 * HOUR);
    eprintln!(
        "defaults: per address {addr_1h} password checks in the first hour (banned after {:.0} s), {addr_24h} in 24 h; per name {name_1h} in the first hour, {name_24h} in 24 h",
        ban_at.unwrap_or(0) as f64 / 1000.0
    );
    // Spraying from one address: a handful an hour once banned; one name is slowed, never
    // locked: at most a minute between attempts.
    assert!(addr_24h < 50 + 4 * 24, "{addr_24h}");
    assert!(name_1h >= 60, "{name_1h}");
}
