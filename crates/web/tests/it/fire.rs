//! Fire points over the API: the office imports (refused without a district boundary, and for
//! other roles), incidents are dispatched to their towns, a town verifies only its own with its
//! own photos, the office closes, and the statistics and workbook count it; the console pages
//! show it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lantian_store::{AuditEntry, MapLayer, Store};

use super::{Answer, Fixture, call, error_field, fixture, get, login, post};

fn fixture_file(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../web/e2e/fixtures")
            .join(name),
    )
    .unwrap()
}

fn layer(store: &Store, name: &str, geojson: String) {
    // Outside the test runtime's context: the PostgreSQL client blocks on a runtime of its own.
    tokio::task::block_in_place(|| {
        store
            .put_map_layer(
                &MapLayer {
                    name: name.into(),
                    geojson,
                    source_crs: "wgs84".into(),
                    source: "test".into(),
                },
                &AuditEntry {
                    at_ms: 1,
                    actor: "test".into(),
                    action: "map.import".into(),
                    target: name.into(),
                    detail: "{}".into(),
                },
            )
            .unwrap();
    })
}

async fn send(f: &Fixture, uri: &str, token: &str, ctype: &str, body: Vec<u8>) -> Answer {
    call(
        f,
        Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn text(a: &Answer) -> String {
    String::from_utf8_lossy(&a.body).into_owned()
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_are_dispatched_verified_by_their_town_and_counted() {
    let f = fixture();
    let office = login(&f, "office").await;
    let haimen = login(&f, "haimen").await;
    let sanchang = login(&f, "sanchang").await;
    let viewer = login(&f, "viewer").await;
    let csv = fixture_file("fires_generic.csv").into_bytes();
    let import = "/api/v1/fire/import?name=fires.csv";

    // No district boundary yet: refused, saying what to do; other roles may not import.
    let a = send(&f, import, &office, "text/csv", csv.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no district boundary")
    );
    let square = serde_json::json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "海门区", "adcode": "320684"},
        "geometry": {"type": "Polygon", "coordinates": [[[121.0, 31.75], [121.5, 31.75], [121.5, 32.15], [121.0, 32.15], [121.0, 31.75]]]}}]});
    layer(f.store(), "district", square.to_string());
    layer(f.store(), "towns", fixture_file("towns_synthetic.geojson"));
    let a = send(&f, import, &viewer, "text/csv", csv.clone()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = send(
        &f,
        "/api/v1/fire/import?name=x.csv",
        &office,
        "text/csv",
        b"a,b\n1,2\n".to_vec(),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(text(&a).contains("x.csv: line 1: header"), "{}", text(&a));

    let a = send(&f, import, &office, "text/csv", csv.clone()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));
    let s = a.json();
    assert_eq!(
        (s["inside"].as_u64(), s["elsewhere"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(
        s["files"][0]["errors"][0],
        "fires.csv: line 7: time \"not-a-time\" (RFC 3339, or Beijing YYYY-MM-DD HH:MM)"
    );
    assert_eq!(s["outcome"]["dispatched"].as_array().unwrap().len(), 2);
    // Again: all duplicates.
    let a = send(&f, import, &office, "text/csv", csv).await;
    assert_eq!(a.json()["outcome"]["duplicates"], 4);

    let list = get(&f, "/api/v1/fire/incidents", Some(&viewer))
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    let mine = get(
        &f,
        "/api/v1/fire/incidents?town=%E6%B5%B7%E9%97%A8%E8%A1%97%E9%81%93",
        Some(&haimen),
    )
    .await
    .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let id = mine[0]["id"].as_i64().unwrap();
    assert_eq!(mine[0]["state"], "dispatched");
    assert_eq!(mine[0]["sources"], serde_json::json!(["无人机", "视频塔"]));
    // Issue #22: a town reads its own town's fire points only.
    let own = get(&f, "/api/v1/fire/incidents", Some(&haimen))
        .await
        .json();
    assert_eq!(own.as_array().unwrap().len(), 1, "haimen's own, unasked");
    let theirs = get(
        &f,
        "/api/v1/fire/incidents?town=%E6%B5%B7%E9%97%A8%E8%A1%97%E9%81%93",
        Some(&sanchang),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let sanchang_list = get(&f, "/api/v1/fire/incidents", Some(&sanchang))
        .await
        .json();
    assert!(
        sanchang_list
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"].as_i64() != Some(id)),
        "another town's incident is not listed"
    );
    let one = get(&f, &format!("/api/v1/fire/incidents/{id}"), Some(&sanchang)).await;
    assert_eq!(one.status, StatusCode::FORBIDDEN);
    let page = get(&f, &format!("/fire/incidents/{id}"), Some(&sanchang)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let one = get(&f, &format!("/api/v1/fire/incidents/{id}"), Some(&haimen)).await;
    assert_eq!(one.status, StatusCode::OK);
    // The map pins only the fire points the user reads.
    let pin = format!("火点事件 {id}");
    let map = |token: String| {
        let f = &f;
        async move { String::from_utf8_lossy(&get(f, "/map", Some(&token)).await.body).into_owned() }
    };
    assert!(map(haimen.clone()).await.contains(&pin));
    assert!(!map(sanchang.clone()).await.contains(&pin));
    assert!(map(viewer.clone()).await.contains(&pin));
    let pending = get(&f, "/api/v1/fire/incidents?state=pending", Some(&viewer))
        .await
        .json();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let bad = get(&f, "/api/v1/fire/incidents?state=burning", Some(&viewer)).await;
    assert_eq!(error_field(&bad), "state");

    let act = |id: i64| format!("/api/v1/fire/incidents/{id}/actions");
    let real = |photos: &str| {
        format!(
            r#"{{"action":"verify","finding":"real_fire","burned_mu":2.5,"text":"已扑灭，约谈农户","photos":[{photos}]}}"#
        )
    };
    // Another town may not verify it; its own town must bring a photo for a real fire.
    let a = post(&f, &act(id), Some(&sanchang), &real("")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", text(&a));
    let a = post(&f, &act(id), Some(&haimen), &real("")).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", text(&a));
    let upload = |token: String| {
        let f = &f;
        async move {
            send(
                f,
                "/api/v1/attachments?name=fire.png",
                &token,
                "application/octet-stream",
                PNG.to_vec(),
            )
            .await
            .json()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let theirs = upload(sanchang.clone()).await;
    let a = post(&f, &act(id), Some(&haimen), &real(&theirs.to_string())).await;
    assert_eq!(error_field(&a), "photos", "{}", text(&a));
    let photo = upload(haimen.clone()).await;
    // Towns do not dispatch or close.
    let a = post(&f, &act(id), Some(&haimen), r#"{"action":"close"}"#).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = post(&f, &act(id), Some(&haimen), &real(&photo.to_string())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));
    let d = a.json();
    assert_eq!(d["incident"]["state"], "verified");
    assert_eq!(
        d["incident"]["verification"]["photos"],
        serde_json::json!([photo])
    );
    assert!(d["incident"]["response_min"].as_i64().unwrap() >= 0);
    let a = post(&f, &act(id), Some(&office), r#"{"action":"close"}"#).await;
    assert_eq!(a.json()["incident"]["state"], "closed");
    let actions: Vec<&str> = a.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned().leak() as &str)
        .collect();
    assert_eq!(actions, ["create", "dispatch", "verify", "close"]);
    // The pending incident is dispatched by the office, then once more is a conflict.
    let p = pending[0]["id"].as_i64().unwrap();
    let a = post(
        &f,
        &act(p),
        Some(&office),
        r#"{"action":"dispatch","town":"三厂街道"}"#,
    )
    .await;
    assert_eq!(a.json()["incident"]["assignee"], "三厂街道");
    let a = post(
        &f,
        &act(p),
        Some(&office),
        r#"{"action":"dispatch","town":"三厂街道"}"#,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);

    let stats = get(
        &f,
        "/api/v1/fire/statistics?from=2019-01-01&to=2019-01-31",
        Some(&viewer),
    )
    .await
    .json();
    let row = stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["town"] == "海门街道")
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["incidents"].as_u64(),
            row["real"].as_u64(),
            row["open"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(row["by_source"]["视频塔"], 1);
    let sc = stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["town"] == "三厂街道")
        .unwrap()
        .clone();
    assert_eq!(sc["incidents"], 2);
    let x = get(&f, "/api/v1/fire/statistics?format=xlsx", Some(&viewer)).await;
    assert_eq!(x.status, StatusCode::OK);
    let none = get(&f, "/api/v1/fire/statistics?from=2019-02-01", Some(&viewer))
        .await
        .json();
    assert!(none["rows"].as_array().unwrap().is_empty());

    // The console: the list with the statistics; the incident with its history; the verify
    // form only for its town while dispatched.
    let page = get(&f, "/fire", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        text(&page).contains("火点事件") && text(&page).contains("海门街道"),
        "{}",
        text(&page)
    );
    assert!(!text(&page).contains("id=\"fire-import\""));
    let page = get(&f, &format!("/fire/incidents/{p}"), Some(&sanchang)).await;
    assert!(text(&page).contains("id=\"verify-form\""));
    let page = get(&f, &format!("/fire/incidents/{p}"), Some(&haimen)).await;
    assert!(!text(&page).contains("id=\"verify-form\""));
    let page = get(&f, &format!("/fire/incidents/{id}"), Some(&office)).await;
    assert!(
        text(&page).contains("已办结") && text(&page).contains("核查反馈"),
        "{}",
        text(&page)
    );
}
