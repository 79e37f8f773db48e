//! Enforcement over the API: the office opens a case from the fixture's alarm (its evidence
//! frames with their hashes shown), a department takes the steps of its own cases only, a step
//! out of order is refused with the reason, the deadline follows the steps; credit records are
//! kept by the office; a project is screened; viewers only read.

use axum::http::StatusCode;

use super::{error_field, fixture, get, login, post, user};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_from_an_alarm_to_a_published_credit_record() {
    let f = fixture();
    user(f.store(), "huanbao", "department", Some("生态环境局"));
    user(f.store(), "jiaotong", "department", Some("交通运输局"));
    let office = login(&f, "office").await;
    let dept = login(&f, "huanbao").await;
    let other = login(&f, "jiaotong").await;
    let viewer = login(&f, "viewer").await;
    let open = serde_json::json!({
        "origin": {"kind": "alarm", "id": f.alarm_id},
        "party": {"kind": "restaurant", "name": "测试饭店"},
        "department": "生态环境局", "town": "海门街道", "source": "MNFUME0001",
        "detected_on": "2024-01-01", "title": "油烟超标排放", "on": "2024-01-02"
    })
    .to_string();
    let a = post(&f, "/api/v1/cases", Some(&viewer), &open).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = post(&f, "/api/v1/cases", Some(&other), &open).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "another department's case");
    let a = post(&f, "/api/v1/cases", Some(&office), &open).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let case = a.json();
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["state"], "registered");
    assert_eq!(case["deadline"]["step"], "立案");
    assert_eq!(case["deadline"]["due"], "2024-01-17");
    // The alarm's evidence, frame by frame with the chain's hashes.
    let d = get(&f, &format!("/api/v1/cases/{id}"), Some(&viewer))
        .await
        .json();
    assert_eq!(d["evidence"][0]["seq"], 1);
    assert_eq!(d["evidence"][0]["hash"].as_str().unwrap().len(), 64);
    let raw = d["evidence"][0]["raw"].as_str().unwrap();
    assert!(raw.contains("MN=MNFUME0001"));
    assert!(
        raw.contains(";PW=******;") && !raw.contains("123456"),
        "{raw}"
    );
    let page = get(&f, &format!("/enforcement/cases/{id}"), Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("MN=MNFUME0001") && html.contains(";PW=******;") && !html.contains("123456"),
        "the case page shows its evidence without the password"
    );

    // Issue #22: who reads the case. Its town and the department in charge do; another town
    // and another department do not (list, API and page); the office and viewers do.
    let sanchang = login(&f, "sanchang").await;
    let haimen = login(&f, "haimen").await;
    for (token, reads) in [
        (&haimen, true),
        (&dept, true),
        (&sanchang, false),
        (&other, false),
        (&viewer, true),
        (&office, true),
    ] {
        let list = get(&f, "/api/v1/cases", Some(token)).await.json();
        assert_eq!(list.as_array().unwrap().len(), usize::from(reads));
        let one = get(&f, &format!("/api/v1/cases/{id}"), Some(token)).await;
        let page = get(&f, &format!("/enforcement/cases/{id}"), Some(token)).await;
        let expect = if reads {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!((one.status, page.status), (expect, expect));
        let index = get(&f, "/enforcement", Some(token)).await;
        assert_eq!(
            String::from_utf8_lossy(&index.body).contains("油烟超标排放"),
            reads
        );
    }
    let a = get(&f, "/api/v1/cases?town=海门街道", Some(&sanchang)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let step = |body: serde_json::Value| body.to_string();
    let url = format!("/api/v1/cases/{id}/steps");
    let a = post(
        &f,
        &url,
        Some(&dept),
        &step(serde_json::json!({"step": "close", "on": "2024-01-03"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&a.body).contains("不能结案"));
    let a = post(
        &f,
        &url,
        Some(&other),
        &step(serde_json::json!({"step": "file", "on": "2024-01-03"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = post(
        &f,
        &url,
        Some(&dept),
        &step(serde_json::json!({"step": "fly"})),
    )
    .await;
    assert_eq!(error_field(&a), "step");
    for body in [
        serde_json::json!({"step": "file", "on": "2024-01-03"}),
        serde_json::json!({"step": "investigate", "on": "2024-01-10"}),
        serde_json::json!({"step": "decide", "decision": "penalty", "amount": "20000", "order_to_correct": true, "on": "2024-01-12"}),
    ] {
        let a = post(&f, &url, Some(&dept), &body.to_string()).await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&a.body)
        );
    }
    let a = post(
        &f,
        &url,
        Some(&dept),
        &step(serde_json::json!({"step": "decide", "decision": "penalty"})),
    )
    .await;
    assert_eq!(error_field(&a), "amount");
    let c = get(&f, &format!("/api/v1/cases/{id}"), Some(&viewer))
        .await
        .json();
    assert_eq!(c["case"]["state"], "decided");
    assert_eq!(c["case"]["deadline"]["due"], "2024-03-12");
    let listed = get(&f, "/api/v1/cases?town=海门街道", Some(&viewer))
        .await
        .json();
    assert_eq!(listed[0]["id"], id);
    let effect = get(&f, "/api/v1/cases/effect?by=town", Some(&viewer))
        .await
        .json();
    assert_eq!(effect["海门街道"]["cases"], 1);
    assert_eq!(
        error_field(&get(&f, "/api/v1/cases/effect?by=year", Some(&viewer)).await),
        "by"
    );

    // Credit: the office only, for the decided case.
    let credit = serde_json::json!({"case_id": id, "violation": "other",
        "decision_ref": "海环罚〔2024〕1号", "summary": "油烟超标排放"})
    .to_string();
    assert_eq!(
        post(&f, "/api/v1/credit", Some(&dept), &credit)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = post(&f, "/api/v1/credit", Some(&office), &credit).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let rid = a.json()["id"].as_i64().unwrap();
    let ev =
        |e: &str, on: &str| serde_json::json!({"event": e, "on": on, "text": "说明"}).to_string();
    let a = post(
        &f,
        &format!("/api/v1/credit/{rid}/events"),
        Some(&office),
        &ev("publish", "2024-01-20"),
    )
    .await;
    assert_eq!(a.json()["status"], "公示中");
    let a = post(
        &f,
        &format!("/api/v1/credit/{rid}/events"),
        Some(&office),
        &ev("repaired", "2024-01-21"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    let all = get(&f, "/api/v1/credit", Some(&viewer)).await.json();
    assert_eq!(all[0]["record"]["events"].as_array().unwrap().len(), 1);

    // Screening.
    let s = post(&f, "/api/v1/screening", Some(&viewer),
        &serde_json::json!({"name": "电解铝扩建", "industry": "electrolytic_aluminium", "new_capacity": true}).to_string()).await.json();
    assert_eq!(s["banned"], true);
    let a = post(
        &f,
        "/api/v1/screening",
        Some(&viewer),
        &serde_json::json!({"name": "x", "industry": "chemical", "lon": 121.2, "lat": 31.8})
            .to_string(),
    )
    .await;
    assert_eq!(error_field(&a), "lon", "no border layer yet");
}
