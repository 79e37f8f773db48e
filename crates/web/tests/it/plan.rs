//! The plan's endpoints: reports and their review, attachments, indicator values, scorecards,
//! and that nobody reads or changes what is not theirs through any of them.

use super::*;

pub(super) fn load_plan(store: &Store) {
    // Outside the test runtime's context: the PostgreSQL client blocks on a runtime of its own.
    tokio::task::block_in_place(|| {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/plans/haimen.toml"),
        )
        .unwrap();
        lantian_plan::load(&text).unwrap();
        store
            .put_plan_version(
                &lantian_store::PlanVersion {
                    id: 0,
                    code: "haimen-aq-2024".into(),
                    version: 1,
                    sha256: "test".into(),
                    source: text,
                    loaded_at_ms: 1,
                    loaded_by: "test".into(),
                },
                &AuditEntry {
                    at_ms: 1,
                    actor: "test".into(),
                    action: "plan.load".into(),
                    target: "plan:haimen-aq-2024".into(),
                    detail: "{}".into(),
                },
            )
            .unwrap();
    })
}

async fn upload(f: &Fixture, token: &str, name: &str, bytes: Vec<u8>) -> Answer {
    call(
        f,
        Request::post(format!(
            "/api/v1/attachments?name={}",
            name.bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        ))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap(),
    )
    .await
}

/// The quarter before the current one: its report is due (and late now).
fn last_quarter() -> String {
    let d = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .date()
        .checked_sub(jiff::Span::new().months(3))
        .unwrap();
    format!("{}Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

fn report_body(task: u32, period: &str, attachments: &[i64]) -> String {
    serde_json::json!({
        "task": task, "period": period, "body": "推进公转铁、公转水",
        "numbers": {"水路货运量(万吨)": 1234.5}, "attachments": attachments
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_submitted_reviewed_and_stay_within_their_department() {
    let f = fixture();
    load_plan(f.store());
    user(f.store(), "jiaotong", "department", Some("交通运输局"));
    user(f.store(), "gongan", "department", Some("公安局"));
    let jt = login(&f, "jiaotong").await;
    let ga = login(&f, "gongan").await;
    let office = login(&f, "office").await;
    let viewer = login(&f, "viewer").await;
    let town = login(&f, "haimen").await;
    let q = last_quarter();

    // The plan is public; its tasks need a login.
    let p = get(&f, "/api/v1/plan", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.json()["sections"][1]["measures"][0]["number"], 1);
    assert_eq!(
        get(&f, "/api/v1/plan/tasks", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let tasks = get(&f, "/api/v1/plan/tasks", Some(&viewer)).await.json();
    assert_eq!(tasks.as_array().unwrap().len(), 48);
    assert_eq!(tasks[2]["status"], "overdue", "task 3 was due 2024-09-30");
    let mine = get(
        &f,
        "/api/v1/plan/tasks?department=%E4%BA%A4%E9%80%9A%E8%BF%90%E8%BE%93%E5%B1%80",
        Some(&viewer),
    )
    .await
    .json();
    assert_eq!(
        mine.as_array().unwrap().len(),
        18,
        "交通运输局 leads 14 tasks and cooperates on 4"
    );
    let e = get(&f, "/api/v1/plan/tasks?status=late", Some(&viewer)).await;
    assert_eq!(
        (e.status.as_u16(), error_field(&e).as_str()),
        (400, "status")
    );

    // Attachments: typed by content, limited in size, not by viewers.
    let pdf = b"%PDF-1.4 evidence".to_vec();
    let a = upload(&f, &jt, "现场照片说明.pdf", pdf.clone()).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let att = a.json()["id"].as_i64().unwrap();
    for (name, bytes, status) in [
        ("fake.pdf", b"\x89PNG\r\n\x1A\nxx".to_vec(), 400),
        ("tool.exe", b"MZ".to_vec(), 400),
        ("empty.pdf", Vec::new(), 400),
        ("../x.pdf", pdf.clone(), 400),
        ("big.pdf", vec![b'%'; 11 * 1024 * 1024], 413),
        // Over axum's default extractor limit (2 MiB), under ours (10 MiB).
        (
            "scan.pdf",
            [b"%PDF-".as_slice(), &vec![b'x'; 5 * 1024 * 1024]].concat(),
            200,
        ),
    ] {
        let e = upload(&f, &jt, name, bytes).await;
        assert_eq!(e.status.as_u16(), status, "{name}");
    }
    for who in [&viewer, &office] {
        assert_eq!(
            upload(&f, who, "a.pdf", pdf.clone()).await.status,
            StatusCode::FORBIDDEN,
            "only departments and towns upload evidence"
        );
    }
    let police_att = upload(&f, &ga, "公安.pdf", pdf.clone()).await.json()["id"]
        .as_i64()
        .unwrap();

    // Submitting: only one's own tasks, periods and attachments.
    let r = post(
        &f,
        "/api/v1/plan/reports",
        Some(&jt),
        &report_body(13, &q, &[att]),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = r.json();
    let id = r["id"].as_i64().unwrap();
    assert_eq!(
        (r["state"].as_str(), r["party"].as_str()),
        (Some("submitted"), Some("交通运输局"))
    );
    assert_eq!(r["attachments"][0]["name"], "现场照片说明.pdf");
    for (who, body, status, field) in [
        (&jt, report_body(5, &q, &[]), 403, ""),
        (&office, report_body(13, &q, &[]), 403, ""),
        (&viewer, report_body(13, &q, &[]), 403, ""),
        (&town, report_body(13, &q, &[]), 403, ""),
        (&jt, report_body(999, &q, &[]), 400, "task"),
        (&jt, report_body(13, "2099Q1", &[]), 400, "period"),
        (&jt, report_body(13, "2024-07", &[]), 400, "period"),
        (&jt, report_body(13, &q, &[police_att]), 400, "attachments"),
        (&jt, report_body(13, &q, &[424_242]), 400, "attachments"),
        (&jt, report_body(13, "2023Q4", &[]), 400, "period"),
        (
            &jt,
            r#"{"task":2,"period":"2024Q3","body":"x","completed":true}"#.to_owned(),
            400,
            "completed",
        ),
        (
            &jt,
            r#"{"task":11,"period":"2024Q3","body":"x","completed":true}"#.to_owned(),
            403,
            "",
        ),
        (
            &jt,
            r#"{"task":21,"period":"2024Q3","body":"x","completed":true,"numbers":{"x":1e999}}"#
                .to_owned(),
            400,
            "",
        ),
        (
            &jt,
            r#"{"task":13,"period":"2024Q3","body":"  "}"#.to_owned(),
            400,
            "body",
        ),
        (
            &jt,
            r#"{"task":13,"period":"2024Q3","body":"x","owner":"y"}"#.to_owned(),
            400,
            "",
        ),
        (
            &jt,
            r#"{"task":13,"period":"2024Q3","body":"x","numbers":{"a":"1"}}"#.to_owned(),
            400,
            "numbers",
        ),
    ] {
        let e = post(&f, "/api/v1/plan/reports", Some(who), &body).await;
        assert_eq!(
            e.status.as_u16(),
            status,
            "{body}: {}",
            String::from_utf8_lossy(&e.body)
        );
        assert_eq!(error_field(&e), field, "{body}");
    }
    // A town reports on a town task.
    let t = post(
        &f,
        "/api/v1/plan/reports",
        Some(&town),
        &report_body(22, &q, &[]),
    )
    .await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json()["party_kind"], "town");

    // A cooperating department may report, but not report the task completed.
    let e = post(
        &f,
        "/api/v1/plan/reports",
        Some(&jt),
        &format!(r#"{{"task":19,"period":"{q}","body":"配合路检路查","completed":true}}"#),
    )
    .await;
    assert_eq!(
        (e.status.as_u16(), error_field(&e).as_str()),
        (400, "completed")
    );

    // Reading: the office and viewers all; a department or town only its own.
    let uri = format!("/api/v1/plan/reports/{id}");
    assert_eq!(get(&f, &uri, Some(&office)).await.status, StatusCode::OK);
    assert_eq!(get(&f, &uri, Some(&viewer)).await.status, StatusCode::OK);
    assert_eq!(get(&f, &uri, Some(&ga)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&f, &uri, Some(&town)).await.status,
        StatusCode::FORBIDDEN
    );
    let list = get(&f, "/api/v1/plan/reports", Some(&ga)).await.json();
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "公安局 sees only its own"
    );
    let e = get(
        &f,
        "/api/v1/plan/reports?department=%E4%BA%A4%E9%80%9A%E8%BF%90%E8%BE%93%E5%B1%80",
        Some(&ga),
    )
    .await;
    assert_eq!(e.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&f, "/api/v1/plan/reports", Some(&office))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let t13 = get(&f, "/api/v1/plan/tasks/13", Some(&ga)).await.json();
    assert_eq!(t13["reports"].as_array().unwrap().len(), 0);
    assert_eq!(
        t13["may_report_as"],
        Value::Null,
        "公安局 has no part in task 13"
    );
    let t13 = get(&f, "/api/v1/plan/tasks/13", Some(&jt)).await.json();
    assert_eq!(
        (
            t13["reports"].as_array().unwrap().len(),
            t13["may_report_as"].as_str()
        ),
        (1, Some("交通运输局"))
    );
    let dl = format!("/api/v1/attachments/{att}");
    assert_eq!(get(&f, &dl, Some(&ga)).await.status, StatusCode::FORBIDDEN);
    let file = get(&f, &dl, Some(&office)).await;
    assert_eq!(
        (file.status, file.body.clone()),
        (StatusCode::OK, pdf.clone())
    );
    assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(get(&f, &dl, Some(&jt)).await.status, StatusCode::OK);

    // Review: the office only; a return needs a reason.
    let review = format!("/api/v1/plan/reports/{id}/review");
    assert_eq!(
        post(&f, &review, Some(&jt), r#"{"action":"accept"}"#)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&f, &review, Some(&viewer), r#"{"action":"accept"}"#)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let e = post(&f, &review, Some(&office), r#"{"action":"return"}"#).await;
    assert_eq!(
        (e.status.as_u16(), error_field(&e).as_str()),
        (400, "comment")
    );
    let e = post(&f, &review, Some(&office), r#"{"action":"approve"}"#).await;
    assert_eq!(
        (e.status.as_u16(), error_field(&e).as_str()),
        (400, "action")
    );
    let back = post(
        &f,
        &review,
        Some(&office),
        r#"{"action":"return","comment":"请补充货运量数据来源"}"#,
    )
    .await;
    assert_eq!(back.json()["state"], "returned");
    // Returned: the office cannot accept it until it is resubmitted.
    assert_eq!(
        post(&f, &review, Some(&office), r#"{"action":"accept"}"#)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let again = post(
        &f,
        "/api/v1/plan/reports",
        Some(&jt),
        &report_body(13, &q, &[att]),
    )
    .await
    .json();
    assert_eq!(
        (again["id"].as_i64(), again["state"].as_str()),
        (Some(id), Some("submitted"))
    );
    let ok = post(&f, &review, Some(&office), r#"{"action":"accept"}"#)
        .await
        .json();
    assert_eq!(ok["state"], "accepted");
    let actions: Vec<&str> = ok["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "return", "resubmit", "accept"]);
    assert_eq!(
        post(
            &f,
            "/api/v1/plan/reports",
            Some(&jt),
            &report_body(13, &q, &[att])
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "an accepted report is final"
    );

    // The scorecard counts it.
    let cards = get(&f, "/api/v1/plan/scorecards", Some(&viewer))
        .await
        .json();
    let jt_card = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "交通运输局")
        .unwrap();
    // Submitted now for last quarter: after its due day, so not on time.
    assert_eq!(jt_card["reports_submitted"], 1);
    assert_eq!(jt_card["reports_on_time"], 0);
    let reminders = get(&f, "/api/v1/plan/reminders", Some(&jt)).await.json();
    assert!(
        reminders
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["party"].as_str().unwrap().contains("交通运输局"))
    );

    // Every write is in the audit log.
    let log = f.st(|s| s.audit_log(50)).unwrap();
    for action in [
        "attachment.upload",
        "task_report.submit",
        "task_report.return",
        "task_report.resubmit",
        "task_report.accept",
    ] {
        assert!(
            log.iter().any(|a| a.entry.action == action),
            "{action} not audited"
        );
    }
    let export = get(&f, "/api/v1/plan/export", Some(&viewer)).await;
    assert!(export.body.starts_with(b"PK"));
    // The task table another department gets does not show 交通运输局's report.
    let csv = get(&f, "/api/v1/plan/tasks?format=csv", Some(&ga)).await;
    let text = String::from_utf8_lossy(&csv.body).into_owned();
    assert!(!text.contains(&format!("{q} 交通运输局")), "{text}");
    let csv = get(&f, "/api/v1/plan/tasks?format=csv", Some(&office)).await;
    assert!(String::from_utf8_lossy(&csv.body).contains(&format!("{q} 交通运输局")));
    // A department user without a scope (only by editing the store) sees nothing.
    f.st(|s| {
        s.upsert_user(
            &NewUser {
                username: "noscope".into(),
                display_name: "x".into(),
                password_hash: lantian_web::auth::hash_password(PASSWORD).unwrap(),
                role: "department".into(),
                scope: None,
                active: true,
            },
            &AuditEntry {
                at_ms: 1,
                actor: "test".into(),
                action: "user.upsert".into(),
                target: "user:noscope".into(),
                detail: "{}".into(),
            },
        )
    })
    .unwrap();
    let ns = login(&f, "noscope").await;
    for uri in [
        "/api/v1/plan/reports",
        "/api/v1/plan/reminders",
        "/api/v1/plan/tasks",
    ] {
        assert_eq!(
            get(&f, uri, Some(&ns)).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicator_values_by_the_responsible_department() {
    let f = fixture();
    load_plan(f.store());
    user(f.store(), "jiaotong", "department", Some("交通运输局"));
    user(f.store(), "gongan", "department", Some("公安局"));
    let jt = login(&f, "jiaotong").await;
    let ga = login(&f, "gongan").await;
    let office = login(&f, "office").await;
    let value = |as_of: &str, v: &str, base: bool| {
        serde_json::json!({"as_of": as_of, "value": v, "baseline": base, "note": "统计年鉴"})
            .to_string()
    };
    let uri = "/api/v1/plan/indicators/water_freight/values";
    let b = post(&f, uri, Some(&jt), &value("2020-12-31", "1000", true)).await;
    assert_eq!(
        b.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&b.body)
    );
    let v = post(&f, uri, Some(&jt), &value("2024-12-31", "1130", false))
        .await
        .json();
    // +12 % about (±0.5 points): 1130 ≥ 1115 → met.
    assert_eq!(
        (v["status"].as_str(), v["goal"].as_str()),
        (Some("met"), Some("1120"))
    );
    assert_eq!(v["change_percent"], "13");
    for (who, body, status, field) in [
        (&ga, value("2024-12-31", "1", false), 403, ""),
        (&office, value("2024-12-31", "1", false), 403, ""),
        (&jt, value("2024-12-31", "abc", false), 400, "value"),
        (&jt, value("2024-13-01", "1", false), 400, "as_of"),
        (&jt, value("2099-12-31", "1", false), 400, "as_of"),
        (&jt, value("2021-12-31", "1", true), 400, "baseline"),
        (
            &jt,
            value("2024-12-31", "-79228162514264337593543950335", false),
            400,
            "value",
        ),
        (&jt, value("2024-12-31", "1.0000001", false), 400, "value"),
    ] {
        let e = post(&f, uri, Some(who), &body).await;
        assert_eq!(e.status.as_u16(), status, "{body}");
        assert_eq!(error_field(&e), field, "{body}");
    }
    // PM2.5 comes from the monitoring data.
    let e = post(
        &f,
        "/api/v1/plan/indicators/pm25/values",
        Some(&jt),
        &value("2024-12-31", "1", false),
    )
    .await;
    assert_eq!(e.status, StatusCode::CONFLICT);
    assert_eq!(
        post(
            &f,
            "/api/v1/plan/indicators/nope/values",
            Some(&jt),
            &value("2024-12-31", "1", false)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let all = get(&f, "/api/v1/plan/indicators", Some(&ga)).await.json();
    let pm = all
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "pm25")
        .unwrap();
    assert_eq!(
        pm["status"], "no_data",
        "the fixture has no 2020 or later station data"
    );
    assert!(
        f.st(|s| s.audit_log(10))
            .unwrap()
            .iter()
            .any(|a| a.entry.action == "indicator.value")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token() {
    let f = fixture();
    let app = router(AppState::new(f.store().clone(), WebConfig::default()));
    let t = login(&f, "office").await;
    let act = |csrf: Option<String>| {
        let mut b = Request::post(format!("/api/v1/alarms/{}/actions", f.alarm_id))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, format!("lantian_session={t}"));
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(r#"{"action":"comment","note":"看过"}"#))
            .unwrap()
    };
    let r = app.clone().oneshot(act(None)).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .clone()
        .oneshot(act(Some("0".repeat(64))))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .clone()
        .oneshot(act(Some(lantian_web::auth::csrf_token(&t))))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Pages carry the token.
    let page = app
        .clone()
        .oneshot(
            Request::get("/alarms")
                .header(header::COOKIE, format!("lantian_session={t}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let html = axum::body::to_bytes(page.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&html).contains(&lantian_web::auth::csrf_token(&t)));
    // A login posted from another site is refused.
    let r = app
        .oneshot(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://evil.example")
                .body(Body::from(
                    r#"{"username":"office","password":"correct horse"}"#,
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Behind a reverse proxy that forwards the host it was asked for: accepted.
    let r = router(AppState::new(f.store().clone(), WebConfig::default()))
        .oneshot(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::HOST, "127.0.0.1:8080")
                .header("x-forwarded-host", "aq.haimen.gov.cn")
                .header(header::ORIGIN, "https://aq.haimen.gov.cn")
                .body(Body::from(
                    r#"{"username":"office","password":"correct horse"}"#,
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
