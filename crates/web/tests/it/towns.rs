//! The town assessment over the API and in the console: the office loads the example rules
//! (the same version with another text refused, other roles refused) and assesses a month with
//! figures it gives; the result keeps every item's source (the fixture's alarm of a device in
//! 海门街道 counted, given figures named), reads back as JSON, workbook and circular, reruns to
//! the same figures, and the console shows the ranking, a town's items and the circular.

use axum::http::StatusCode;

use super::{Answer, error_field, fixture, get, login, post};

fn text(a: &Answer) -> String {
    String::from_utf8_lossy(&a.body).into_owned()
}

fn rules_text() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/assessment/example-rules.toml"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_assesses_the_towns_and_everyone_reads_how() {
    let f = fixture();
    super::plan::load_plan(f.store());
    let office = login(&f, "office").await;
    let town = login(&f, "haimen").await;
    let body = |text: &str| serde_json::json!({"name": "rules.toml", "text": text}).to_string();
    let a = post(
        &f,
        "/api/v1/town-assessment/rules",
        Some(&town),
        &body(&rules_text()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = post(
        &f,
        "/api/v1/town-assessment/rules",
        Some(&office),
        &body(&rules_text()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));
    assert_eq!(a.json()["new"], true);
    let again = post(
        &f,
        "/api/v1/town-assessment/rules",
        Some(&office),
        &body(&rules_text()),
    )
    .await;
    assert_eq!(again.json()["new"], false);
    let changed = rules_text().replace("weight = \"50\"", "weight = \"60\"");
    let a = post(
        &f,
        "/api/v1/town-assessment/rules",
        Some(&office),
        &body(&changed),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    let bad = rules_text().replace("period = \"month\"", "period = \"week\"");
    let a = post(
        &f,
        "/api/v1/town-assessment/rules",
        Some(&office),
        &body(&bad),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(text(&a).contains("rules.period"), "{}", text(&a));

    // January 2024 (the fixture's alarm was raised at 2024-01-01 00:00, Beijing).
    let run = serde_json::json!({"period": "2024-01", "figures": [
        {"town": "海门街道", "indicator": "pm25", "value": "26"},
        {"town": "海门街道", "indicator": "good_day_pct", "value": "85"},
    ]})
    .to_string();
    let a = post(&f, "/api/v1/town-assessment/results", Some(&town), &run).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = post(
        &f,
        "/api/v1/town-assessment/results",
        Some(&office),
        r#"{"period": "2024-13"}"#,
    )
    .await;
    assert_eq!(error_field(&a), "period");
    let a = post(
        &f,
        "/api/v1/town-assessment/results",
        Some(&office),
        r#"{"period": "2018-12"}"#,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "before the rules apply");
    let a = post(&f, "/api/v1/town-assessment/results", Some(&office), &run).await;
    assert_eq!(a.status, StatusCode::OK, "{}", text(&a));
    let stored = a.json();
    let id = stored["id"].as_i64().unwrap();
    assert_eq!(stored["rules_version"], 1);
    // 海门街道 by hand: 26 ≤ 28 → 100 × 50; 85 → 75 × 20; no fire → 100 × 15; no reports due:
    // 8,000 / 85 = 94.12; 2 µg/m³ better × 10,000 yuan.
    let t = get(
        &f,
        &format!("/api/v1/town-assessment/results/{id}/towns/%E6%B5%B7%E9%97%A8%E8%A1%97%E9%81%93"),
        Some(&town),
    )
    .await
    .json();
    assert_eq!(t["total"], "94.12");
    assert_eq!(t["rank"], 1);
    assert_eq!(t["money_total"], "20000");
    assert_eq!(t["items"][0]["source"], "office 录入第1项");
    // The alarm of its restaurant's fume monitor: raised, not handled within 24 hours.
    let g = &stored["gathered"];
    assert_eq!(g["figures"]["海门街道"]["alarms"], "1");
    assert_eq!(g["figures"]["海门街道"]["alarms_on_time_pct"], "0");
    assert_eq!(
        g["sources"]["海门街道"]["alarms_on_time_pct"],
        "1 条告警中 0 条在 24 小时内处置、办结或驳回"
    );

    let list = get(
        &f,
        "/api/v1/town-assessment/results?period=2024-01",
        Some(&town),
    )
    .await
    .json();
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["first"][0], "海门街道");
    let md = get(
        &f,
        &format!("/api/v1/town-assessment/results/{id}/circular"),
        Some(&town),
    )
    .await;
    assert!(text(&md).starts_with("# 关于2024年1月各区镇大气环境质量考核结果的通报"));
    let x = get(
        &f,
        &format!("/api/v1/town-assessment/results/{id}?format=xlsx"),
        Some(&town),
    )
    .await;
    assert!(x.body.starts_with(b"PK"));
    let c = get(
        &f,
        &format!("/api/v1/town-assessment/results/{id}/check"),
        Some(&town),
    )
    .await
    .json();
    assert_eq!(c, serde_json::json!({"same": true, "differences": []}));
    let a = get(&f, "/api/v1/town-assessment/results/999", Some(&town)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let r = get(&f, "/api/v1/town-assessment/rules", Some(&town))
        .await
        .json();
    assert_eq!(r[0]["code"], "haimen-towns-example");

    // The console.
    let page = text(&get(&f, "/towns", Some(&town)).await);
    assert!(
        page.contains("id=\"no-town-areas\""),
        "no town areas in the fixture"
    );
    assert!(
        page.contains(&format!("href=\"/towns/results/{id}\"")),
        "{page}"
    );
    assert!(!page.contains("id=\"towns-run\""), "a town does not run it");
    assert!(text(&get(&f, "/towns", Some(&office)).await).contains("id=\"towns-run\""));
    let page = text(&get(&f, "/towns?ytd=2024-01-31", Some(&town)).await);
    assert!(page.contains("2024年1月1日至2024-01-31"), "{page}");
    let a = get(&f, "/towns?year=1999", Some(&town)).await;
    assert_eq!(error_field(&a), "year");
    let page = text(&get(&f, &format!("/towns/results/{id}"), Some(&town)).await);
    assert!(
        page.contains("94.12") && page.contains("id=\"example-banner\""),
        "{page}"
    );
    let page = text(
        &get(
            &f,
            &format!("/towns/results/{id}/towns/%E6%B5%B7%E9%97%A8%E8%A1%97%E9%81%93"),
            Some(&town),
        )
        .await,
    );
    assert!(
        page.contains("office 录入第1项") && page.contains("低于等于28得100分"),
        "{page}"
    );
    let page = text(&get(&f, &format!("/towns/results/{id}/circular"), Some(&town)).await);
    assert!(
        page.contains("关于2024年1月各区镇大气环境质量考核结果的通报"),
        "{page}"
    );
}
