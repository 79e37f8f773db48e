//! The emission inventory over the API: the office imports the example years (a bad file
//! refused with its rows named, other roles refused), the accounting and comparison read back,
//! a year rolls forward, the emergency list's shares take the inventory's totals, and the
//! console page shows the accounting.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::{Answer, Fixture, call, error_field, fixture, get, login, post};

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/inventory/example")
            .join(name),
    )
    .unwrap()
}

async fn upload(f: &Fixture, token: &str, query: &str, body: Vec<u8>) -> Answer {
    call(
        f,
        Request::post(format!("/api/v1/inventory/import?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn text(a: &Answer) -> String {
    String::from_utf8_lossy(&a.body).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_keeps_the_inventory_and_everyone_reads_the_accounting() {
    let f = fixture();
    let office = login(&f, "office").await;
    let viewer = login(&f, "viewer").await;
    assert_eq!(
        upload(&f, &viewer, "name=2020.csv", example("2020.csv"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A bad row: nothing stored, the row and column named.
    let bad = String::from_utf8(example("2020.csv")).unwrap().replacen(
        ",30,万吨,nox-coal-power-le100mw",
        ",-30,万吨,nox-coal-power-le100mw",
        1,
    );
    let a = upload(&f, &office, "name=2020.csv", bad.into_bytes()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&a), "body");
    assert!(
        text(&a).contains("第2行 活动水平：negative activity -30"),
        "{}",
        text(&a)
    );
    assert_eq!(
        get(&f, "/api/v1/inventory/years", Some(&viewer))
            .await
            .json(),
        serde_json::json!([])
    );

    let a = upload(
        &f,
        &office,
        "name=2020.csv&example=true",
        example("2020.csv"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));
    assert_eq!(a.json()["totals"]["NOx"], "6722.22");
    let a = upload(
        &f,
        &office,
        "name=2024.csv&example=true",
        example("2024.csv"),
    )
    .await;
    assert_eq!(a.json()["year"], 2024);
    // The projects of 2024, alone: a new version of 2024.
    let a = upload(
        &f,
        &office,
        "name=projects-2024.csv&projects=true&year=2024&example=true",
        example("projects-2024.csv"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));
    assert_eq!(a.json()["projects"], 9);

    let years = get(&f, "/api/v1/inventory/years", Some(&viewer))
        .await
        .json();
    assert_eq!(years.as_array().unwrap().len(), 2);
    assert_eq!(years[0]["year"], 2024);
    let acc = get(&f, "/api/v1/inventory/accounting", Some(&viewer))
        .await
        .json();
    assert_eq!(acc["example"], true);
    let nox = &acc["accounting"]["pollutants"][0];
    assert_eq!(
        (
            nox["pollutant"].as_str(),
            nox["change_pct"].as_str(),
            nox["met"].as_bool()
        ),
        (Some("NOx"), Some("-28.8"), Some(true))
    );
    assert_eq!(acc["accounting"]["projects"].as_array().unwrap().len(), 9);
    let x = get(
        &f,
        "/api/v1/inventory/accounting?format=xlsx",
        Some(&viewer),
    )
    .await;
    assert!(x.body.starts_with(b"PK"));
    let y = get(&f, "/api/v1/inventory/years/2024?by=town", Some(&viewer))
        .await
        .json();
    assert!(
        y["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["key"] == "临江镇" && g["pollutant"] == "VOCs" && g["tonnes"] == "64.3")
    );
    assert_eq!(
        get(&f, "/api/v1/inventory/years/2019", Some(&viewer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        error_field(&get(&f, "/api/v1/inventory/years/2024?by=colour", Some(&viewer)).await),
        "by"
    );
    let c = get(
        &f,
        "/api/v1/inventory/compare?a=2020&b=2024&by=category",
        Some(&viewer),
    )
    .await
    .json();
    assert!(
        c.as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == "3" && r["pollutant"] == "NOx" && r["change"] == "-679")
    );

    // Roll 2025 from 2024; a second time is refused.
    let a = post(&f, "/api/v1/inventory/years/2025/roll", Some(&office), "{}").await;
    assert_eq!(a.json()["from"], 2024);
    assert_eq!(
        post(&f, "/api/v1/inventory/years/2025/roll", Some(&office), "{}")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&f, "/api/v1/inventory/years/2026/roll", Some(&viewer), "{}")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = post(
        &f,
        "/api/v1/inventory/years/2025/measure",
        Some(&office),
        r#"{"min_coverage":"80"}"#,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));

    // The plan's NOx indicator takes its values from the inventory: 2020 is the baseline.
    super::plan::load_plan(f.store());
    let all = get(&f, "/api/v1/plan/indicators", Some(&viewer))
        .await
        .json();
    let nox = all
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "nox_total")
        .unwrap()
        .clone();
    assert_eq!(nox["source"], "inventory:NOx");
    assert_eq!(nox["baseline"], "6722.22", "{nox}");
    assert!(nox["values"].as_array().unwrap().len() >= 2, "{nox}");
    // A value reported by hand is refused: it is computed.
    let a = post(
        &f,
        "/api/v1/plan/indicators/nox_total/values",
        Some(&office),
        r#"{"as_of":"2024-12-31","value":"1"}"#,
    )
    .await;
    assert_ne!(a.status, StatusCode::OK);

    let page = get(&f, "/inventory", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = text(&page);
    assert!(
        html.contains("示例数据") && html.contains("2025年对比2020年"),
        "{html}"
    );
    assert!(!html.contains("id=\"inventory-import\""));
    assert!(text(&get(&f, "/inventory", Some(&office)).await).contains("id=\"inventory-import\""));
}
