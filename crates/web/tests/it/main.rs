//! The API in process (`tower::ServiceExt::oneshot`, no port): every endpoint on a small
//! fixture (`support`; SQLite, or PostgreSQL with `LANTIAN_TEST_ENGINE=postgres`), including the
//! error cases, and the OpenAPI document as a snapshot.

#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::civil::date;
use lantian_aq::Pollutant;
use lantian_core::{AlarmCandidate, AlarmKind, FactorValue};
use lantian_store::{AlarmUpdate, AuditEntry, IngestFrame, NewUser, Store};
use lantian_web::{AppState, WebConfig, router};
use serde_json::Value;
use tower::ServiceExt as _;

mod emergency;
mod enforcement;
mod files;
mod fire;
mod hardening;
mod inventory;
mod layers;
mod login;
mod plan;
mod public;
mod support;
mod towns;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document() {
    let doc = serde_json::to_value(lantian_web::openapi()).unwrap();
    insta::assert_json_snapshot!("openapi", doc);
    let f = fixture();
    let served = get(&f, "/api/openapi.json", None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.json(), doc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_paging_formats_and_errors() {
    let f = fixture();
    let a = get(&f, "/api/v1/stations", None).await;
    assert_eq!(a.status, StatusCode::OK);
    let j = a.json();
    assert_eq!(j["meta"]["found"], 1);
    assert_eq!(j["results"][0]["code"], "9001A");
    assert_eq!(j["results"][0]["level_zh"], "国控点");
    assert_eq!(j["results"][0]["coordinates"]["latitude"], 31.9);

    let csv = get(&f, "/api/v1/stations?format=csv", None).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.body.clone()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("9001A,测试站,南通市"), "{text}");
    let xlsx = get(&f, "/api/v1/stations?format=xlsx", None).await;
    assert!(xlsx.body.starts_with(b"PK"));

    let none = get(&f, "/api/v1/stations?city=上海市", None).await;
    assert_eq!(none.json()["meta"]["found"], 0);

    for (uri, field) in [
        ("/api/v1/stations?limit=0", "limit"),
        ("/api/v1/stations?limit=100000", "limit"),
    ] {
        let e = get(&f, uri, None).await;
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(error_field(&e), field, "{uri}");
    }
    for uri in [
        "/api/v1/stations?limit=abc",
        "/api/v1/stations?format=pdf",
        "/api/v1/stations?colour=red",
    ] {
        let e = get(&f, uri, None).await;
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(e.json()["error"]["code"], "bad_request");
    }
    let e = get(&f, "/api/v1/nothing", None).await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measurements_with_review_flags_and_coverage() {
    let f = fixture();
    let a = get(
        &f,
        "/api/v1/stations/9001A/measurements?from=2019-01-01&to=2019-01-02&parameter=PM2.5",
        None,
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let j = a.json();
    let rows = j["results"].as_array().unwrap();
    assert_eq!(rows.len(), 48);
    assert_eq!(rows[0]["from"]["local"], "2019-01-01T00:00:00+08:00");
    assert_eq!(rows[0]["from"]["utc"], "2018-12-31T16:00:00Z");
    assert_eq!(rows[0]["value"], "30");
    assert_eq!(rows[3]["flag"], "invalidated");
    assert_eq!(rows[3]["value"], "33");
    assert_eq!(rows[3]["reviewed"], Value::Null);
    assert_eq!(j["coverage"][0]["observed"], 47);
    assert_eq!(j["coverage"][0]["expected"], 48);

    for (uri, status, field) in [
        (
            "/api/v1/stations/9001A/measurements?from=2019-01-02&to=2019-01-01",
            400,
            "to",
        ),
        (
            "/api/v1/stations/9001A/measurements?from=2019-02-30&to=2019-03-01",
            400,
            "from",
        ),
        (
            "/api/v1/stations/9001A/measurements?to=2019-03-01",
            400,
            "from",
        ),
        (
            "/api/v1/stations/9001A/measurements?from=2018-01-01&to=2019-03-01",
            400,
            "to",
        ),
        (
            "/api/v1/stations/9001A/measurements?from=2019-01-01&to=2019-01-01&parameter=NH3",
            400,
            "parameter",
        ),
        (
            "/api/v1/stations/NOPE/measurements?from=2019-01-01&to=2019-01-01",
            404,
            "",
        ),
    ] {
        let e = get(&f, uri, None).await;
        assert_eq!(e.status.as_u16(), status, "{uri}");
        assert_eq!(error_field(&e), field, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aqi_and_assessment_equal_the_report() {
    let f = fixture();
    let daily = get(
        &f,
        "/api/v1/stations/9001A/aqi/daily?from=2019-01-01&to=2019-01-02",
        None,
    )
    .await;
    assert_eq!(daily.status, StatusCode::OK);
    let rows = daily.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    // Day 2: PM2.5 50 µg/m³ → IAQI 69 (HJ 633: 35–75 maps to 50–100).
    assert_eq!(rows[1]["aqi"], 69);
    assert_eq!(rows[1]["primary"], "PM2.5_24h");
    let hourly = get(
        &f,
        "/api/v1/stations/9001A/aqi/hourly?from=2019-01-02&to=2019-01-02",
        None,
    )
    .await;
    assert_eq!(hourly.json().as_array().unwrap().len(), 24);

    // The assessment is what `lantian assess --format json` prints for the same scope.
    let a = get(
        &f,
        "/api/v1/assessment?station=9001A&from=2019-01-01&to=2019-01-02",
        None,
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let report = f.st(|store| {
        lantian_report::build(
            store,
            lantian_report::Scope::station(store, "9001A").unwrap(),
            lantian_aq::assess::Period::Range(date(2019, 1, 1), date(2019, 1, 2)),
            "27".parse().unwrap(),
            "80".parse().unwrap(),
            &lantian_aq::Config::default(),
        )
        .unwrap()
    });
    // Without `hourly=true` the hourly rows are left out (and counted).
    let mut whole = serde_json::to_value(&report).unwrap();
    let hourly_rows = whole.as_object_mut().unwrap().remove("hourly").unwrap();
    assert_eq!(hourly_rows.as_array().unwrap().len(), 48);
    assert_eq!(a.json(), whole);
    assert_eq!(a.json()["hourly_rows"], 48);
    let with_hourly = get(
        &f,
        "/api/v1/assessment?station=9001A&from=2019-01-01&to=2019-01-02&hourly=true",
        None,
    )
    .await;
    assert_eq!(with_hourly.json(), serde_json::to_value(&report).unwrap());
    let xlsx = get(
        &f,
        "/api/v1/assessment?station=9001A&year=2019&format=xlsx",
        None,
    )
    .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    let csv = get(
        &f,
        "/api/v1/assessment?station=9001A&year=2019&format=csv&table=daily",
        None,
    )
    .await;
    assert!(String::from_utf8_lossy(&csv.body).contains("2019-01-02,69,良,PM2.5_24h"));

    for (uri, status, field) in [
        (
            "/api/v1/assessment?from=2019-01-01&to=2019-01-02",
            400,
            "station",
        ),
        ("/api/v1/assessment?station=9001A&year=1900", 400, "year"),
        (
            "/api/v1/assessment?station=9001A&year=2019&from=2019-01-01",
            400,
            "year",
        ),
        (
            "/api/v1/assessment?station=9001A&year=2019&table=quarterly",
            400,
            "table",
        ),
        ("/api/v1/assessment?area=nowhere&year=2019", 404, ""),
    ] {
        let e = get(&f, uri, None).await;
        assert_eq!(e.status.as_u16(), status, "{uri}");
        assert_eq!(error_field(&e), field, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_log_in_and_out() {
    let f = fixture();
    assert_eq!(
        get(&f, "/api/v1/devices", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&f, "/api/v1/devices", Some("forged")).await.status,
        StatusCode::UNAUTHORIZED
    );
    for body in [
        r#"{"username":"office","password":"wrong"}"#,
        r#"{"username":"nobody","password":"correct horse"}"#,
    ] {
        let a = post(&f, "/api/v1/session", None, body).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(a.json()["error"]["message"], "用户名或密码错误");
    }
    let bad = post(&f, "/api/v1/session", None, r#"{"username":"office"}"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password")
    );

    let token = login(&f, "office").await;
    let me = get(&f, "/api/v1/session", Some(&token)).await;
    assert_eq!(me.json()["role_zh"], "攻坚办");
    // The cookie works as well as the bearer token.
    let by_cookie = call(
        &f,
        Request::get("/api/v1/session")
            .header(header::COOKIE, format!("other=1; lantian_session={token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(by_cookie.status, StatusCode::OK);
    let out = call(
        &f,
        Request::delete("/api/v1/session")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&f, "/api/v1/session", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_and_readings() {
    let f = fixture();
    let t = login(&f, "viewer").await;
    let d = get(&f, "/api/v1/devices", Some(&t)).await.json();
    assert_eq!(d["meta"]["found"], 1);
    let dev = &d["results"][0];
    assert_eq!(
        (dev["mn"].as_str(), dev["status"].as_str()),
        (Some("MNFUME0001"), Some("online"))
    );
    assert_eq!(dev["open_alarms"], 1);
    assert_eq!(dev["limits"][0]["max"], "2");
    assert_eq!(
        get(&f, "/api/v1/devices?kind=construction_dust", Some(&t))
            .await
            .json()["meta"]["found"],
        0
    );
    let e = get(&f, "/api/v1/devices?kind=laser", Some(&t)).await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "kind"));

    let r = get(
        &f,
        "/api/v1/devices/MNFUME0001/readings?cn=2011&from=2024-01-01&to=2024-01-01",
        Some(&t),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = r.json();
    assert_eq!(r[0]["values"][0]["value"], "2.5");
    assert_eq!(r[0]["data_time"]["local"], "2024-01-01T00:00:00+08:00");
    let e = get(
        &f,
        "/api/v1/devices/MNFUME0001/readings?cn=2011&from=2024-01-01&to=2024-02-01",
        Some(&t),
    )
    .await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "to"));
    let e = get(
        &f,
        "/api/v1/devices/MNFUME0001/readings?cn=9999&from=2024-01-01&to=2024-01-01",
        Some(&t),
    )
    .await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "cn"));
    let e = get(
        &f,
        "/api/v1/devices/NOPE/readings?from=2024-01-01&to=2024-01-01",
        Some(&t),
    )
    .await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarm_lifecycle_with_roles_scope_and_audit() {
    let f = fixture();
    let id = f.alarm_id;
    let uri = format!("/api/v1/alarms/{id}/actions");
    let office = login(&f, "office").await;
    let haimen = login(&f, "haimen").await;
    let sanchang = login(&f, "sanchang").await;
    let viewer = login(&f, "viewer").await;

    let list = get(&f, "/api/v1/alarms?open=true", Some(&viewer))
        .await
        .json();
    assert_eq!(list["meta"]["found"], 1);
    assert_eq!(list["results"][0]["kind_zh"], "超标");
    let detail = get(&f, &format!("/api/v1/alarms/{id}"), Some(&viewer))
        .await
        .json();
    let raw = detail["evidence"][0]["raw"].as_str().unwrap();
    assert!(raw.starts_with("##0100QN="));
    // Issue #22, finding 3: the device's password is never shown, to any role.
    assert!(
        raw.contains(";PW=******;") && !raw.contains("123456"),
        "{raw}"
    );
    assert_eq!(detail["evidence"][0]["hash"].as_str().unwrap().len(), 64);

    let ack = r#"{"action":"acknowledge"}"#;
    assert_eq!(
        post(&f, &uri, None, ack).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&f, &uri, Some(&viewer), ack).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&f, &uri, Some(&sanchang), ack).await.status,
        StatusCode::FORBIDDEN,
        "other town"
    );
    // The town may acknowledge its own alarm but not close it.
    assert_eq!(
        post(&f, &uri, Some(&haimen), ack).await.status,
        StatusCode::OK
    );
    assert_eq!(
        post(&f, &uri, Some(&haimen), r#"{"action":"close"}"#)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Not allowed in this state: 409.
    assert_eq!(
        post(&f, &uri, Some(&office), r#"{"action":"close"}"#)
            .await
            .status,
        StatusCode::CONFLICT
    );
    // Filters by town, kind and start day.
    for (q, found) in [
        ("town=%E6%B5%B7%E9%97%A8%E8%A1%97%E9%81%93", 1),
        ("town=%E4%B8%89%E5%8E%82%E8%A1%97%E9%81%93", 0),
        ("kind=exceedance", 1),
        ("kind=offline", 0),
        ("from=2024-01-01&to=2024-01-01", 1),
        ("from=2024-01-02", 0),
        ("to=2023-12-31", 0),
    ] {
        let l = get(&f, &format!("/api/v1/alarms?{q}"), Some(&viewer)).await;
        assert_eq!(l.json()["meta"]["found"], found, "{q}");
    }
    for (q, field) in [("kind=fire", "kind"), ("from=2024-13-01", "from")] {
        let e = get(&f, &format!("/api/v1/alarms?{q}"), Some(&viewer)).await;
        assert_eq!(
            (e.status.as_u16(), error_field(&e).as_str()),
            (400, field),
            "{q}"
        );
    }
    // Issue #22: who reads the alarm. The device's town does (list, API, page); another town
    // does not until the alarm is dispatched to it; a department reads only what is
    // dispatched to it; the office and viewers read everything.
    user(f.store(), "huanbao", "department", Some("生态环境局"));
    let dept = login(&f, "huanbao").await;
    let reads = |token: String, expect: bool| {
        let f = &f;
        async move {
            let list = get(f, "/api/v1/alarms", Some(&token)).await.json();
            assert_eq!(list["meta"]["found"], u64::from(expect));
            let status = if expect {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            let one = get(f, &format!("/api/v1/alarms/{id}"), Some(&token)).await;
            let page = get(f, &format!("/alarms/{id}"), Some(&token)).await;
            assert_eq!((one.status, page.status), (status, status));
            let listed = get(f, "/alarms", Some(&token)).await;
            assert_eq!(
                String::from_utf8_lossy(&listed.body).contains(&format!("/alarms/{id}\"")),
                expect
            );
        }
    };
    reads(haimen.clone(), true).await;
    reads(sanchang.clone(), false).await;
    reads(dept.clone(), false).await;
    reads(viewer.clone(), true).await;
    reads(office.clone(), true).await;
    let dispatch_to = |to: &str| {
        let (f, uri, office) = (&f, &uri, &office);
        let body = format!(r#"{{"action":"dispatch","to":"{to}"}}"#);
        async move { post(f, uri, Some(office), &body).await }
    };
    // A dispatch without a target goes to the device's town.
    let d = post(&f, &uri, Some(&office), r#"{"action":"dispatch"}"#).await;
    assert_eq!(d.json()["state"], "dispatched");
    reads(sanchang.clone(), false).await;
    let d = dispatch_to("三厂街道").await;
    assert_eq!(d.json()["state"], "dispatched");
    reads(sanchang.clone(), true).await;
    let d = dispatch_to("生态环境局").await;
    assert_eq!(d.status, StatusCode::OK);
    reads(dept.clone(), true).await;
    reads(sanchang.clone(), false).await;
    let d = dispatch_to("海门街道").await;
    assert_eq!(d.json()["state"], "dispatched");
    // Bad bodies name the field.
    let e = post(
        &f,
        &uri,
        Some(&haimen),
        r#"{"action":"handle","note":"  "}"#,
    )
    .await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "note"));
    let e = post(&f, &uri, Some(&haimen), r#"{"action":"explode"}"#).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    let e = post(&f, &uri, Some(&haimen), "{not json").await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    let big = format!(r#"{{"action":"comment","note":"{}"}}"#, "x".repeat(100_000));
    assert_eq!(
        post(&f, &uri, Some(&haimen), &big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let e = post(&f, "/api/v1/alarms/abc/actions", Some(&office), ack).await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "id"));
    assert_eq!(
        post(&f, "/api/v1/alarms/999999/actions", Some(&office), ack)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let h = post(
        &f,
        &uri,
        Some(&haimen),
        r#"{"action":"handle","note":"已清洗油烟净化器","attachments":["photo1.jpg"]}"#,
    )
    .await;
    assert_eq!(h.json()["state_zh"], "已处置");
    let c = post(&f, &uri, Some(&office), r#"{"action":"close"}"#).await;
    assert_eq!(c.json()["state"], "closed");

    let detail = get(&f, &format!("/api/v1/alarms/{id}"), Some(&viewer))
        .await
        .json();
    let steps: Vec<(String, String)> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps[1..],
        [
            ("acknowledge".to_owned(), "haimen".to_owned()),
            // To the device's town, then 三厂街道, 生态环境局 and back (the read-scope checks).
            ("dispatch".to_owned(), "office".to_owned()),
            ("dispatch".to_owned(), "office".to_owned()),
            ("dispatch".to_owned(), "office".to_owned()),
            ("dispatch".to_owned(), "office".to_owned()),
            ("handle".to_owned(), "haimen".to_owned()),
            ("close".to_owned(), "office".to_owned()),
        ]
    );
    assert_eq!(
        (
            &detail["events"][2]["note"],
            &detail["events"][3]["note"],
            &detail["events"][4]["note"],
            &detail["events"][5]["note"]
        ),
        (
            &serde_json::json!("海门街道"),
            &serde_json::json!("三厂街道"),
            &serde_json::json!("生态环境局"),
            &serde_json::json!("海门街道")
        ),
        "the first dispatch goes to the device's town; each names its assignee"
    );
    let audit = f.st(|s| s.audit_log(4)).unwrap();
    assert_eq!(audit[0].entry.action, "alarm.close");
    assert_eq!(audit[0].entry.actor, "office");
    assert_eq!(
        get(&f, "/api/v1/alarms?open=true", Some(&viewer))
            .await
            .json()["meta"]["found"],
        0
    );
}

// Finding 9 of issue #22: alarm lists loaded every alarm and paged in memory; the console's
// list said "共 500 条" whatever the number. The page is now cut by the database, with the
// count beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarm_lists_are_paged_by_the_database_with_the_whole_count() {
    let f = fixture();
    let raise = |i: usize| {
        AlarmUpdate::Raise(AlarmCandidate {
            mn: "MNFUME0001".into(),
            kind: AlarmKind::Exceedance,
            // One open alarm per factor: each is a new alarm.
            factor: Some(format!("f{i}")),
            start: 1_704_038_400,
            end: 1_704_038_400,
            value: Some(2_500_000),
            limit: Some(2_000_000),
            detail: "油烟 2.5 > 2.0".into(),
            evidence: vec![],
            evidence_kind: None,
        })
    };
    let updates: Vec<AlarmUpdate> = (0..600).map(raise).collect();
    let ids = f
        .st(|s| s.apply_alarm_updates(&updates, 1_704_038_402_000))
        .unwrap();
    assert_eq!(ids.len(), 600);
    let viewer = login(&f, "viewer").await;
    let l = get(&f, "/api/v1/alarms?limit=7&offset=595", Some(&viewer))
        .await
        .json();
    assert_eq!(l["meta"]["found"], 601);
    let got: Vec<i64> = l["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    // Newest first: the 596th to the 601st newest are the fixture's alarm and the five
    // oldest of these.
    let mut want: Vec<i64> = ids[..5].iter().rev().copied().collect();
    want.push(f.alarm_id);
    assert_eq!(got, want);
    let l = get(
        &f,
        "/api/v1/alarms?kind=exceedance&open=true&limit=2",
        Some(&viewer),
    )
    .await
    .json();
    assert_eq!(l["meta"]["found"], 601);
    assert_eq!(l["results"][0]["id"], ids[599]);
    let page = get(&f, "/alarms", Some(&viewer)).await;
    assert!(
        String::from_utf8_lossy(&page.body).contains("共 601 条"),
        "the console counts every alarm, not the 500 it shows"
    );
    let d = get(&f, "/api/v1/devices", Some(&viewer)).await.json();
    let dev = d["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mn"] == "MNFUME0001")
        .unwrap()
        .clone();
    assert_eq!(dev["open_alarms"], 601, "{dev}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_need_a_login_and_render() {
    let f = fixture();
    let a = get(&f, "/alarms?open=true", None).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.headers[header::LOCATION].to_str().unwrap(),
        "/login?next=/alarms%3Fopen%3Dtrue"
    );
    let page = get(&f, "/login?next=//evil.example", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.body).contains(r#"data-next="/""#));

    let t = login(&f, "office").await;
    for (uri, expect) in [
        ("/", "区域 haimen 尚未导入"),
        ("/monitoring", "MNFUME0001"),
        ("/alarms", "测试饭店"),
        ("/alarms?open=true", "超标"),
        ("/map", "尚未配置行政区边界"),
    ] {
        let a = get(&f, uri, Some(&t)).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        let html = String::from_utf8(a.body).unwrap();
        assert!(html.contains(expect), "{uri}: {expect} not in page");
        assert!(html.contains("攻坚办"), "{uri}: the role is shown");
    }
    let page = get(&f, &format!("/alarms/{}", f.alarm_id), Some(&t)).await;
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("##0100QN=20240101000000000;ST=32;CN=2011"));
    assert!(html.contains(";PW=******;") && !html.contains("123456"));
    assert!(html.contains(r#"id="alarm-state">待处理"#));
    let e = get(&f, "/alarms/x", Some(&t)).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    let e = get(&f, "/alarms/424242", Some(&t)).await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    // Text is escaped: an owner's name cannot inject markup.
    let evil: lantian_core::Device = serde_json::from_value(serde_json::json!({
        "mn": "MNEVIL0001", "password": "123456", "kind": "oil_fume",
        "owner": {"kind": "restaurant", "name": "<script>alert(1)</script>", "town": "海门街道"},
    }))
    .unwrap();
    f.st(|s| s.upsert_devices(&[evil])).unwrap();
    let html = String::from_utf8(get(&f, "/monitoring", Some(&t)).await.body).unwrap();
    assert!(html.contains("MNEVIL0001"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;alert(1)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monthly_profiles_areas_and_targets() {
    let f = fixture();
    // No home area yet: the targets say so.
    let e = get(&f, "/api/v1/targets", None).await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    put_haimen(f.store());

    let areas = get(&f, "/api/v1/areas", None).await.json();
    assert_eq!(areas[0]["alias"], "haimen");
    assert_eq!(areas[0]["stations"][0], "9001A");
    let e = get(&f, "/api/v1/areas?format=pdf", None).await;
    assert_eq!(
        (e.status.as_u16(), error_field(&e).as_str()),
        (400, "format")
    );
    let st = get(&f, "/api/v1/stations?area=haimen", None).await.json();
    assert_eq!(st["meta"]["found"], 1);
    let e = get(&f, "/api/v1/stations?area=nowhere", None).await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    let csv = get(&f, "/api/v1/areas?format=csv", None).await;
    assert!(String::from_utf8_lossy(&csv.body).contains("320684,海门区,district,haimen,9001A"));

    // A one-station area has its station's values.
    let daily = get(
        &f,
        "/api/v1/areas/haimen/aqi/daily?from=2019-01-01&to=2019-01-02",
        None,
    )
    .await
    .json();
    assert_eq!(daily[1]["aqi"], 69);
    let hourly = get(
        &f,
        "/api/v1/areas/320684/aqi/hourly?from=2019-01-01&to=2019-01-01",
        None,
    )
    .await
    .json();
    assert_eq!(hourly.as_array().unwrap().len(), 24);
    let e = get(
        &f,
        "/api/v1/areas/nowhere/aqi/daily?from=2019-01-01&to=2019-01-02",
        None,
    )
    .await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    let e = get(&f, "/api/v1/areas/haimen/aqi/daily?from=2019-01-01", None).await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "to"));

    let a = get(
        &f,
        "/api/v1/assessment?area=haimen&from=2019-01-01&to=2019-01-02",
        None,
    )
    .await
    .json();
    // One partial month: day 1 (hour 3 reviewed out) 963/23 = 41.87, day 2 50 → 46.
    assert_eq!(a["monthly"].as_array().unwrap().len(), 1);
    assert_eq!(a["monthly"][0]["month"], "2019-01");
    assert_eq!(a["monthly"][0]["days"], 2);
    assert_eq!(a["monthly"][0]["values"][0], "46");
    assert_eq!(a["monthly"][0]["previous_pm25"], Value::Null);
    // Diurnal: hour 0 is (30 + 50) / 2; hour 3 has day 2 only (the review mark applies).
    let pm25 = Pollutant::ALL.len() - 1;
    assert_eq!(a["diurnal"][0]["values"][pm25], "40.0");
    assert_eq!(a["diurnal"][3]["values"][pm25], "50.0");
    assert_eq!(a["diurnal"][3]["counts"][pm25], 1);
    assert_eq!(a["diurnal"][23]["label"], "23时");
    // Weekday: 2019-01-01 is a Tuesday, 2019-01-02 a Wednesday.
    assert_eq!(a["weekday"][1]["label"], "周二");
    assert_eq!(a["weekday"][1]["values"][pm25], "41.9");
    assert_eq!(a["weekday"][2]["values"][pm25], "50.0");
    assert_eq!(a["weekday"][0]["values"][pm25], Value::Null);
    let csv = get(
        &f,
        "/api/v1/assessment?area=haimen&from=2019-01-01&to=2019-01-02&format=csv&table=monthly",
        None,
    )
    .await;
    let text = String::from_utf8_lossy(&csv.body).into_owned();
    assert!(text.contains("月份,天数"), "{text}");
    assert!(text.contains("2019-01,2,2,"), "{text}");
    let csv = get(
        &f,
        "/api/v1/assessment?area=haimen&from=2019-01-01&to=2019-01-02&format=csv&table=diurnal",
        None,
    )
    .await;
    assert!(String::from_utf8_lossy(&csv.body).contains("3时,"));

    let t = get(&f, "/api/v1/targets", None).await;
    assert_eq!(t.status, StatusCode::OK);
    let t = t.json();
    assert_eq!(t["area"], "320684");
    assert_eq!(t["targets"]["pm25_target"], "27");
    assert_eq!(t["targets"]["good_target_percent"], "80");

    // The air page shows the new sections.
    let token = login(&f, "office").await;
    let html = String::from_utf8(
        get(&f, "/air?scope=area:haimen&year=2019", Some(&token))
            .await
            .body,
    )
    .unwrap();
    for needle in [
        r#"id="monthly""#,
        "<td>2019-01</td>",
        r#"data-chart="diurnal""#,
        r#"data-chart="weekday""#,
        r#"id="yoy-none""#,
    ] {
        assert!(html.contains(needle), "{needle} not in the air page");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_values_device_page_and_town_filter() {
    let f = fixture();
    let dev_id = f.st(|s| s.devices()).unwrap()[0].id;
    // A real-time upload a minute ago.
    let now = jiff::Timestamp::now().as_second() / 60 * 60 - 60;
    f.st(|s| {
        s.ingest(&[IngestFrame {
            device_id: dev_id,
            received_at_ms: now * 1000,
            cn: 2011,
            qn: Some("live-1".into()),
            data_time: Some(now),
            part: 0,
            raw: b"##live".to_vec(),
            vals: lantian_core::reading::encode_values(&[FactorValue {
                code: "a34041".into(),
                value: Some(1_500_000),
                flag: Some("N".into()),
                ..Default::default()
            }]),
        }])
    })
    .unwrap();
    let t = login(&f, "viewer").await;
    let d = get(&f, "/api/v1/devices", Some(&t)).await.json();
    let latest = &d["results"][0]["latest"];
    assert_eq!(latest["cn"], 2011);
    assert_eq!(latest["values"][0]["value"], "1.5");
    assert_eq!(latest["data_time"]["utc"], crate_moment(now));

    let html = String::from_utf8(get(&f, "/monitoring", Some(&t)).await.body).unwrap();
    assert!(
        html.contains("油烟 1.5（2）"),
        "latest value against the limit"
    );
    assert!(html.contains(r#"href="/monitoring/MNFUME0001""#));
    assert!(html.contains("海门街道 1"));
    let other = String::from_utf8(
        get(
            &f,
            "/monitoring?town=%E4%B8%89%E5%8E%82%E8%A1%97%E9%81%93",
            Some(&t),
        )
        .await
        .body,
    )
    .unwrap();
    assert!(other.contains("无设备"), "no device in 三厂街道");

    let page = get(&f, "/monitoring/MNFUME0001", Some(&t)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains(r#"data-chart="history""#));
    assert!(html.contains(r#""limit":"2""#));
    assert!(html.contains("1 条数据"));
    assert!(html.contains(r#"class="big status online""#));
    // The open alarm of 2024 is listed.
    assert!(html.contains(&format!(r#"data-alarm="{}""#, f.alarm_id)));
    let hourly = String::from_utf8(
        get(&f, "/monitoring/MNFUME0001?cn=2061", Some(&t))
            .await
            .body,
    )
    .unwrap();
    assert!(hourly.contains(r#"id="no-history""#));
    assert_eq!(
        get(&f, "/monitoring/NOPE", Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );
    let e = get(&f, "/monitoring/MNFUME0001?hours=0", Some(&t)).await;
    assert_eq!(
        (e.status.as_u16(), error_field(&e).as_str()),
        (400, "hours")
    );
    let e = get(&f, "/monitoring/MNFUME0001?cn=2031", Some(&t)).await;
    assert_eq!((e.status.as_u16(), error_field(&e).as_str()), (400, "cn"));
}

fn crate_moment(unix_s: i64) -> String {
    jiff::Timestamp::from_second(unix_s)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Without a login only the public endpoints answer: every other path of the OpenAPI document,
/// whatever its method, is a 401, and every console page redirects to the login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_login_only_public_data_is_reachable() {
    let f = fixture();
    const PUBLIC: [&str; 9] = [
        "/api/v1/stations",
        "/api/v1/stations/{code}/measurements",
        "/api/v1/stations/{code}/aqi/hourly",
        "/api/v1/stations/{code}/aqi/daily",
        "/api/v1/assessment",
        "/api/v1/areas",
        "/api/v1/areas/{key}/aqi/hourly",
        "/api/v1/areas/{key}/aqi/daily",
        "/api/v1/targets",
    ];
    let doc = serde_json::to_value(lantian_web::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{code}", "9001A")
            .replace("{key}", "haimen")
            .replace("{mn}", "MNFUME0001")
            .replace("{id}", &f.alarm_id.to_string())
            .replace("{number}", "1");
        for method in item.as_object().unwrap().keys() {
            let public =
                (PUBLIC.contains(&path.as_str()) || path == "/api/v1/plan") && method == "get";
            let login = path == "/api/v1/session" && method == "post";
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let a = call(&f, req).await;
            if public || login {
                assert_ne!(a.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            } else {
                assert_eq!(
                    a.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is not public"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked} operations");
    for page in [
        "/",
        "/air",
        "/monitoring",
        "/monitoring/MNFUME0001",
        "/alarms",
        "/map",
        "/plan",
        "/plan/tasks/1",
        "/plan/indicators",
        "/plan/scorecards",
        "/fire",
        "/fire/incidents/1",
        "/inventory",
    ] {
        let a = get(&f, page, None).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rankings_of_areas_from_raw_hours() {
    let f = fixture();
    put_haimen(f.store());
    let t = login(&f, "viewer").await;
    let a = get(
        &f,
        "/api/v1/rankings?areas=haimen&from=2019-01-01&to=2019-01-02",
        Some(&t),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let rows = a.json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["figures"]["key"], "320684");
    assert_eq!(rows[0]["composite_rank"], 1);
    // The same figures as the area's assessment.
    let r = get(
        &f,
        "/api/v1/assessment?area=haimen&from=2019-01-01&to=2019-01-02",
        None,
    )
    .await
    .json();
    assert_eq!(rows[0]["figures"]["composite"], r["composite_index"]);
    for (q, field) in [
        ("areas=haimen&province=江苏&month=2019-01", "province"),
        ("areas=haimen&month=2019-13", "month"),
        ("areas=haimen", "year"),
    ] {
        let a = get(&f, &format!("/api/v1/rankings?{q}"), Some(&t)).await;
        assert_eq!(error_field(&a), field, "{q}");
    }
    let a = get(&f, "/api/v1/rankings?areas=nowhere&month=2019-01", Some(&t)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // A day and the year to date are ranges; an hour ranks by hourly AQI.
    let day = get(
        &f,
        "/api/v1/rankings?stations=9001A&day=2019-01-02",
        Some(&t),
    )
    .await
    .json();
    let range = get(
        &f,
        "/api/v1/rankings?stations=9001A&from=2019-01-02&to=2019-01-02",
        Some(&t),
    )
    .await
    .json();
    assert_eq!(day, range);
    let ytd = get(&f, "/api/v1/rankings?areas=haimen&ytd=2019-01-02", Some(&t))
        .await
        .json();
    assert_eq!(ytd, rows);
    let hour = get(
        &f,
        "/api/v1/rankings?stations=9001A&hour=2019-01-01%2012",
        Some(&t),
    )
    .await;
    assert_eq!(hour.status, StatusCode::OK, "{:?}", hour.json());
    let hour = hour.json();
    assert_eq!(hour[0]["key"], "9001A");
    assert!(hour[0]["aqi"].is_u64(), "{hour}");
    for (q, field) in [
        ("stations=9001A&hour=2019-01-01%2025", "hour"),
        ("stations=9001A&day=2019-1-1", "day"),
        ("stations=9001A&towns=true&day=2019-01-01", "province"),
    ] {
        let a = get(&f, &format!("/api/v1/rankings?{q}"), Some(&t)).await;
        assert_eq!(error_field(&a), field, "{q}");
    }
    // No town areas yet.
    let a = get(&f, "/api/v1/rankings?towns=true&year=2019", Some(&t)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}
