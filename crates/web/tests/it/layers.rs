//! Map layers (issue #22, finding 9): the boundary was embedded in every `/map` and `/fire`
//! page; now each layer has its own versioned URL, simplified once per version and cached.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lantian_store::{AuditEntry, MapLayer};
use lantian_web::{AppState, WebConfig, router};
use tower::ServiceExt as _;

use crate::{Answer, fixture, login};

fn put(f: &crate::Fixture, name: &str, geojson: &str, at_ms: i64) {
    f.st(|s| {
        s.put_map_layer(
            &MapLayer {
                name: name.into(),
                geojson: geojson.into(),
                source_crs: "gcj02".into(),
                source: "320000_full.json".into(),
            },
            &AuditEntry {
                at_ms,
                actor: "test".into(),
                action: "map.import".into(),
                target: format!("map:{name}"),
                detail: "{}".into(),
            },
        )
    })
    .unwrap();
}

async fn send(app: &axum::Router, uri: &str, token: Option<&str>, etag: Option<&str>) -> Answer {
    let mut b = Request::get(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(e) = etag {
        b = b.header(header::IF_NONE_MATCH, e);
    }
    let res = app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    Answer {
        status: res.status(),
        headers: res.headers().clone(),
        body: axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    }
}

fn positions(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) if a.first().is_some_and(serde_json::Value::is_number) => 1,
        serde_json::Value::Array(a) => a.iter().map(positions).sum(),
        serde_json::Value::Object(o) => o.values().map(positions).sum(),
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)]
async fn map_pages_fetch_each_layer_once_from_its_own_url() {
    let f = fixture();
    // The real Jiangsu boundary (13 cities, DataV) as the district layer.
    let text =
        std::fs::read_to_string(lantian_testdata::path("boundaries/320000_full.json")).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    let stored = stored.to_string();
    put(&f, "district", &stored, 1000);
    let state = AppState::new(f.store().clone(), WebConfig::default());
    let app = router(state.clone());
    let viewer = login(&f, "viewer").await;

    let map = send(&app, "/map", Some(&viewer), None).await;
    assert_eq!(map.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&map.body);
    // No coordinate of the layer is in the page: only its URL.
    assert!(!html.contains("\"coordinates\""), "the layer is embedded");
    let url = html
        .split("\"boundary_url\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(url.starts_with("/layers/district?v="), "{url}");
    let fire = send(&app, "/fire", Some(&viewer), None).await;
    assert!(!String::from_utf8_lossy(&fire.body).contains("\"coordinates\""));

    // Logged in only.
    assert_eq!(
        send(&app, &url, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let layer = send(&app, &url, Some(&viewer), None).await;
    assert_eq!(layer.status, StatusCode::OK);
    assert_eq!(layer.headers[header::CONTENT_TYPE], "application/geo+json");
    assert_eq!(
        layer.headers[header::CACHE_CONTROL],
        "private, max-age=31536000, immutable"
    );
    let etag = layer.headers[header::ETAG].to_str().unwrap().to_owned();
    let served = layer.json();
    let original: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(served["features"].as_array().unwrap().len(), 13);
    assert_eq!(served["features"][5]["properties"]["name"], "南通市");
    let (before, after) = (positions(&original), positions(&served));
    assert!(after < before, "{after} positions of {before}");
    eprintln!(
        "map layers: /map page {} bytes, /fire page {} bytes (the layer no longer in them: \
         stored layer {} bytes, {before} positions); served simplified {} bytes, {after} positions",
        map.body.len(),
        fire.body.len(),
        stored.len(),
        layer.body.len()
    );
    // Asked again (by this page or the next): the same body from memory, or 304 by its ETag.
    let again = send(&app, &url, Some(&viewer), None).await;
    assert_eq!(again.body, layer.body);
    let cached = send(&app, &url, Some(&viewer), Some(&etag)).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
    assert_eq!(state.map_layers_computed(), 1);

    // A new import: a new version, a new URL; the old URL gets the new layer, revalidated.
    let mut two = original.clone();
    two["features"].as_array_mut().unwrap().truncate(2);
    put(&f, "district", &two.to_string(), 2000);
    let html =
        String::from_utf8_lossy(&send(&app, "/map", Some(&viewer), None).await.body).into_owned();
    assert!(
        !html.contains(&url),
        "the page still asks for the old version"
    );
    let old = send(&app, &url, Some(&viewer), Some(&etag)).await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.headers[header::CACHE_CONTROL], "private, no-cache");
    assert_eq!(old.json()["features"].as_array().unwrap().len(), 2);
    assert_eq!(state.map_layers_computed(), 2);
    for missing in ["/layers/towns", "/layers/..%2Fetc", "/layers/DISTRICT"] {
        assert_eq!(
            send(&app, missing, Some(&viewer), None).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

/// Every edge of `v`'s rings split into `n` steps, each point moved by a ±2 m zigzag: a layer
/// as detailed as a surveyed one.
fn densify(v: &mut serde_json::Value, n: usize) {
    let is_ring = |a: &[serde_json::Value]| {
        a.first()
            .and_then(serde_json::Value::as_array)
            .and_then(|p| p.first())
            .is_some_and(serde_json::Value::is_number)
    };
    match v {
        serde_json::Value::Array(a) if is_ring(a) => {
            let pts: Vec<(f64, f64)> = a
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            let mut out = Vec::new();
            for w in pts.windows(2) {
                for k in 0..n {
                    let t = k as f64 / n as f64;
                    let wiggle = if k % 2 == 1 { 0.00002 } else { 0.0 };
                    out.push(serde_json::json!([
                        w[0].0 + (w[1].0 - w[0].0) * t,
                        w[0].1 + (w[1].1 - w[0].1) * t + wiggle
                    ]));
                }
            }
            out.push(serde_json::json!([pts[0].0, pts[0].1]));
            *a = out;
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| densify(x, n)),
        serde_json::Value::Object(o) if o.contains_key("coordinates") => {
            densify(&mut o["coordinates"], n);
        }
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| densify(x, n)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)]
async fn a_detailed_layer_is_served_simplified() {
    let f = fixture();
    let text =
        std::fs::read_to_string(lantian_testdata::path("boundaries/320000_full.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for feature in doc["features"].as_array_mut().unwrap() {
        densify(&mut feature["geometry"], 150);
    }
    let stored = doc.to_string();
    put(&f, "district", &stored, 1000);
    let state = AppState::new(f.store().clone(), WebConfig::default());
    let app = router(state.clone());
    let viewer = login(&f, "viewer").await;
    let map = send(&app, "/map", Some(&viewer), None).await;
    let started = std::time::Instant::now();
    let layer = send(&app, "/layers/district", Some(&viewer), None).await;
    let first = started.elapsed();
    let started = std::time::Instant::now();
    let again = send(&app, "/layers/district", Some(&viewer), None).await;
    let second = started.elapsed();
    assert_eq!(again.body, layer.body);
    let served = layer.json();
    let (before, after) = (positions(&doc), positions(&served));
    // The zigzag is under the tolerance: the outline is what is left.
    assert!(after * 20 < before, "{after} positions of {before}");
    assert_eq!(served["features"].as_array().unwrap().len(), 13);
    eprintln!(
        "detailed layer: stored {} bytes, {before} positions; /map page {} bytes; served {} \
         bytes, {after} positions; first request (simplify) {first:?}, next from memory {second:?}",
        stored.len(),
        map.body.len(),
        layer.body.len()
    );
}
