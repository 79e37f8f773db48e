//! Issue #22, the web surface: where a hostile user or page could send a browser after the
//! login, a login posted from `Origin: null`, the security headers every response carries and
//! templates free of inline script (which the Content-Security-Policy would block).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::{PASSWORD, call, fixture, get};

/// `next` values that start with one `/` but that a browser resolves to another site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_next_never_leaves_the_site() {
    let f = fixture();
    for next in [
        "//evil.com",
        "/%5Cevil.com",
        "/%5C%5Cevil.com",
        "/%09/evil.com",
        "/%0A/evil.com",
        "/%0D/evil.com",
        "/%20/evil.com",
        "%5C%5Cevil.com",
        "https://evil.com",
        "https:evil.com",
        "javascript:alert(1)",
        "/.//evil.com",
    ] {
        let page = get(&f, &format!("/login?next={next}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "{next}");
        let html = String::from_utf8_lossy(&page.body);
        assert!(html.contains(r#"data-next="/""#), "{next}: {html}");
    }
    // A local path (what a page's redirect to the login sends) is kept.
    let page = get(&f, "/login?next=/alarms%3Fopen%3Dtrue", None).await;
    assert!(String::from_utf8_lossy(&page.body).contains(r#"data-next="/alarms?open=true""#));
}

/// A login posted from a sandboxed iframe or a data: URL carries `Origin: null`: refused,
/// while the same login from this site's origin or without an Origin (API clients) passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_from_origin_null_is_refused() {
    let f = fixture();
    let login = |origin: Option<&str>| {
        let mut b = Request::post("/api/v1/session")
            .header(header::HOST, "lantian.example")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(
            serde_json::json!({"username": "office", "password": PASSWORD}).to_string(),
        ))
        .unwrap()
    };
    let a = call(&f, login(Some("null"))).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(!a.headers.contains_key(header::SET_COOKIE));
    let a = call(&f, login(Some("https://evil.example"))).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = call(&f, login(Some("http://lantian.example"))).await;
    assert_eq!(a.status, StatusCode::OK);
    let a = call(&f, login(None)).await;
    assert_eq!(a.status, StatusCode::OK);
}

/// Pages, API answers, assets, redirects and errors all carry the security headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let f = fixture();
    let big = "x".repeat(lantian_web::WebConfig::default().max_body + 1);
    let answers = [
        ("/login", get(&f, "/login", None).await),
        ("/public", get(&f, "/public", None).await),
        ("/ (redirect)", get(&f, "/", None).await),
        ("/api/v1/stations", get(&f, "/api/v1/stations", None).await),
        (
            "/api/v1/devices (401)",
            get(&f, "/api/v1/devices", None).await,
        ),
        (
            "/api/openapi.json",
            get(&f, "/api/openapi.json", None).await,
        ),
        (
            "/assets/console.js",
            get(&f, "/assets/console.js", None).await,
        ),
        ("/nowhere (404)", get(&f, "/nowhere", None).await),
        (
            "/api/v1/session (413)",
            super::post(&f, "/api/v1/session", None, &big).await,
        ),
    ];
    for (what, a) in &answers {
        let h = |name: header::HeaderName| {
            a.headers
                .get(&name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{what} ({}): no {name}", a.status))
                .to_owned()
        };
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert_eq!(csp, lantian_web::CONTENT_SECURITY_POLICY, "{what}");
        assert_eq!(h(header::X_FRAME_OPTIONS), "DENY", "{what}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
        assert_eq!(h(header::REFERRER_POLICY), "same-origin", "{what}");
    }
    let statuses: Vec<u16> = answers.iter().map(|(_, a)| a.status.as_u16()).collect();
    assert!(statuses.contains(&303) || statuses.contains(&307) || statuses.contains(&302));
    assert!(statuses.contains(&404) && statuses.contains(&413) && statuses.contains(&401));
    // The policy runs no inline script and lets no other site frame the console.
    let csp = lantian_web::CONTENT_SECURITY_POLICY;
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {csp}"))
            .to_owned()
    };
    assert_eq!(directive("script-src"), "script-src 'self'");
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    assert_eq!(directive("object-src"), "object-src 'none'");
}

/// The policy blocks inline script, so no template may rely on it: every `<script>` loads a
/// file or is a JSON data block, and no element has an `on…=` handler or a `javascript:` URL.
#[test]
fn templates_have_no_inline_script() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let handler = |s: &str| {
        s.match_indices(" on").any(|(i, _)| {
            let rest = &s[i + 3..];
            let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        })
    };
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let at = format!("{}:{}", path.display(), n + 1);
            let lower = line.to_ascii_lowercase();
            for (i, _) in lower.match_indices("<script") {
                let tag = &lower[i..lower[i..].find('>').map_or(lower.len(), |e| i + e)];
                assert!(
                    tag.contains(" src=") || tag.contains(r#"type="application/json""#),
                    "{at}: inline script: {line}"
                );
            }
            assert!(!handler(&lower), "{at}: inline event handler: {line}");
            assert!(!lower.contains("javascript:"), "{at}: javascript: URL");
        }
        checked += 1;
    }
    assert!(checked > 20, "templates read: {checked}");
}
