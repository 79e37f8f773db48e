//! Heavy-pollution weather over the API: proposals (and a forecast with a gap refused with its
//! place), the warning workflow by the office only, with reasons where judgement departs from
//! the forecast, the list in force, and the after-action report.

use axum::http::StatusCode;
use lantian_emergency::list::{self, GradeRules};

use super::{error_field, fixture, get, login, post, put_haimen};

/// 48 hours of 24-h AQI from 2026-01-10 00h: one hour above 200 (yellow), the rest 120.
fn yellow_csv() -> String {
    let mut s = String::from("time,aqi\n");
    for h in 0..48 {
        let t = jiff::civil::date(2026, 1, 10)
            .at(0, 0, 0, 0)
            .checked_add(jiff::Span::new().hours(h))
            .unwrap();
        s.push_str(&format!(
            "{},{}\n",
            t.strftime("%Y-%m-%d %H"),
            if h == 5 { 201 } else { 120 }
        ));
    }
    s
}

/// A valid 统一社会信用代码 ending in `n`.
fn code(n: u32) -> String {
    let first = format!("91320684MA1M{n:05}");
    format!("{first}{}", list::uscc_check_char(&first).unwrap())
}

/// A list row of the spreadsheet layout: baseline SO2 10, NOx 100, PM 20, VOCs 50; measure `m`
/// at every level, cutting NOx 20, 30, 50.
fn list_row(name: &str, c: &str, grade: &str, m: &str) -> String {
    let mut r = format!("{name},{c},海门街道,化工,{grade},1号线,,10,100,20,50");
    for cut in ["20", "30", "50"] {
        r.push_str(&format!(",{m},,0,{cut},0,0"));
    }
    r
}

fn list_csv(rows: &[String]) -> String {
    format!("{}\n{}\n", list::HEADERS.join(","), rows.join("\n"))
}

/// Uploads a list file as `token`.
async fn upload_list(f: &super::Fixture, token: &str, name: &str, body: Vec<u8>) -> super::Answer {
    let req = axum::http::Request::post(format!("/api/v1/emergency/list/upload?name={name}"))
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    super::call(f, req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_are_proposed_issued_and_lifted_by_the_office() {
    let f = fixture();
    put_haimen(f.store());
    let viewer = login(&f, "viewer").await;
    let office = login(&f, "office").await;
    let body = serde_json::json!({"area": "haimen", "forecast_csv": yellow_csv()}).to_string();

    // Anyone logged in gets a proposal; nobody else.
    assert_eq!(
        post(&f, "/api/v1/emergency/proposal", None, &body)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let p = post(&f, "/api/v1/emergency/proposal", Some(&viewer), &body).await;
    assert_eq!(p.status, StatusCode::OK);
    let p = p.json();
    assert_eq!(p["proposal"]["level"], "yellow");
    assert_eq!(p["proposal"]["grading"], "2024");
    assert_eq!(p["values"].as_array().unwrap().len(), 48);
    // A forecast with a gap, and a replay of measured days.
    let gap =
        serde_json::json!({"forecast_csv": "time,aqi\n2026-01-10 00,100\n2026-01-10 03,100\n"})
            .to_string();
    let e = post(&f, "/api/v1/emergency/proposal", Some(&viewer), &gap).await;
    assert_eq!(
        (e.status, error_field(&e).as_str()),
        (StatusCode::BAD_REQUEST, "forecast_csv")
    );
    assert!(String::from_utf8_lossy(&e.body).contains("nothing from 2026-01-10T01:00:00"));
    let replay =
        serde_json::json!({"replay_from": "2019-01-02", "replay_to": "2019-01-02"}).to_string();
    let r = post(&f, "/api/v1/emergency/proposal", Some(&viewer), &replay).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = r.json();
    assert_eq!(r["values"].as_array().unwrap().len(), 24);
    assert_eq!(r["proposal"]["grading"], "2017");

    // Only the office opens and changes warnings.
    assert_eq!(
        post(&f, "/api/v1/emergency/warnings", Some(&viewer), &body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let w = post(&f, "/api/v1/emergency/warnings", Some(&office), &body).await;
    assert_eq!(w.status, StatusCode::OK);
    let id = w.json()["warning"]["id"].as_i64().unwrap();
    assert_eq!(w.json()["warning"]["status_zh"], "研判中");
    let act = |json: serde_json::Value| {
        let office = office.clone();
        let f = &f;
        async move {
            post(
                f,
                &format!("/api/v1/emergency/warnings/{id}/actions"),
                Some(&office),
                &json.to_string(),
            )
            .await
        }
    };
    let a =
        act(serde_json::json!({"action": "issue", "level": "yellow", "at": "2026-01-10 05:00"}))
            .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.json()["warning"]["level_zh"], "黄色");
    assert_eq!(a.json()["periods"][0][1], "2026-01-10T05:00:00");
    // The same level again; raising without a reason; lifting early without one.
    let e = act(serde_json::json!({"action": "adjust", "level": "yellow", "reason": "x"})).await;
    assert_eq!(e.status, StatusCode::CONFLICT);
    let e = act(serde_json::json!({"action": "adjust", "level": "orange"})).await;
    assert_eq!(e.status, StatusCode::CONFLICT);
    let e = act(serde_json::json!({"action": "lift"})).await;
    assert_eq!(e.status, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&e.body).contains("提前解除须说明理由"));
    let e = act(serde_json::json!({"action": "halt"})).await;
    assert_eq!(
        (e.status, error_field(&e).as_str()),
        (StatusCode::BAD_REQUEST, "action")
    );
    let a =
        act(serde_json::json!({"action": "lift", "reason": "实况好转", "at": "2026-01-11 12:00"}))
            .await;
    assert_eq!(a.status, StatusCode::OK);
    let d = a.json();
    assert_eq!(d["warning"]["status"], "lifted");
    assert_eq!(d["periods"][0][2], "2026-01-11T12:00:00");
    let actions: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["assess", "issue", "lift"]);
    let e = post(
        &f,
        &format!("/api/v1/emergency/warnings/{id}/actions"),
        Some(&viewer),
        r#"{"action":"cancel","reason":"x"}"#,
    )
    .await;
    assert_eq!(e.status, StatusCode::FORBIDDEN);

    // Read by anyone logged in, also as CSV.
    let list = get(&f, "/api/v1/emergency/warnings?area=haimen", Some(&viewer))
        .await
        .json();
    assert_eq!(list[0]["status_zh"], "已解除");
    let csv = get(&f, "/api/v1/emergency/warnings?format=csv", Some(&viewer)).await;
    assert!(String::from_utf8_lossy(&csv.body).contains("已解除"));
    assert_eq!(
        get(&f, "/api/v1/emergency/warnings/999", Some(&viewer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // No list yet: verification and report say so; then a list in force.
    let v = get(
        &f,
        &format!("/api/v1/emergency/warnings/{id}/verification"),
        Some(&viewer),
    )
    .await;
    assert_eq!(v.status, StatusCode::NOT_FOUND);
    let code = code(1);
    let headers: Vec<String> = list::HEADERS.iter().map(|h| (*h).to_owned()).collect();
    let mut row = vec![
        "甲化工".to_owned(),
        code,
        "海门街道".into(),
        "化工".into(),
        "B级".into(),
        "1号线".into(),
        "MNFUME0001".into(),
        "10".into(),
        "100".into(),
        "20".into(),
        "50".into(),
    ];
    for (m, c) in [("限产20%", "20"), ("限产30%", "30"), ("限产50%", "50")] {
        row.extend([
            m.to_owned(),
            String::new(),
            "0".into(),
            c.to_owned(),
            "0".into(),
            "0".into(),
        ]);
    }
    let l = list::from_rows(&headers, &[row], &GradeRules::default()).unwrap();
    f.st(|s| {
        s.put_reduction_list(
            &lantian_store::ReductionListRecord {
                id: 0,
                sha256: "x".into(),
                name: "清单.xlsx".into(),
                body: serde_json::to_string(&l).unwrap(),
                enterprises: 1,
                loaded_at_ms: 1,
                loaded_by: "test".into(),
            },
            &lantian_store::AuditEntry {
                at_ms: 1,
                actor: "test".into(),
                action: "reduction_list.load".into(),
                target: String::new(),
                detail: "{}".into(),
            },
        )
    })
    .unwrap();
    let l = get(&f, "/api/v1/emergency/list", Some(&viewer))
        .await
        .json();
    assert_eq!(l["list"]["enterprises"][0]["name"], "甲化工");
    let yellow_nox = l["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["level"] == "yellow" && t["pollutant"] == "Nox")
        .unwrap();
    assert_eq!(
        (yellow_nox["share"].as_str(), yellow_nox["met"].as_bool()),
        (Some("20"), Some(true))
    );
    let x = get(&f, "/api/v1/emergency/list?format=xlsx", Some(&viewer)).await;
    assert!(
        x.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let v = get(
        &f,
        &format!("/api/v1/emergency/warnings/{id}/verification"),
        Some(&viewer),
    )
    .await;
    assert_eq!(v.status, StatusCode::OK);
    // The notification list: listed enterprises with their measure at the level in force.
    let d = get(
        &f,
        &format!("/api/v1/emergency/warnings/{id}"),
        Some(&viewer),
    )
    .await
    .json();
    let ent = d["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "enterprise")
        .unwrap();
    assert_eq!(
        (ent["name"].as_str(), ent["duty"].as_str()),
        (Some("甲化工"), Some("限产20%"))
    );
    let page = get(&f, &format!("/emergency/warnings/{id}"), Some(&viewer)).await;
    let page = String::from_utf8(page.body).unwrap();
    assert!(
        page.contains("通知名单") && page.contains("应减与实减"),
        "{page}"
    );
    let r = get(
        &f,
        &format!("/api/v1/emergency/warnings/{id}/report"),
        Some(&viewer),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = r.json();
    assert_eq!(r["hours"], 31);
    assert_eq!(r["enterprises"][0]["enterprise"], "甲化工");
    assert_eq!(r["total_expected"][1], "20");
    let x = get(
        &f,
        &format!("/api/v1/emergency/warnings/{id}/report?format=xlsx"),
        Some(&viewer),
    )
    .await;
    assert_eq!(x.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_pages_show_warnings_and_the_workflow_form_only_to_the_office() {
    let f = fixture();
    put_haimen(f.store());
    let office = login(&f, "office").await;
    let viewer = login(&f, "viewer").await;
    let body = serde_json::json!({"area": "haimen", "forecast_csv": yellow_csv()}).to_string();
    let id = post(&f, "/api/v1/emergency/warnings", Some(&office), &body)
        .await
        .json()["warning"]["id"]
        .as_i64()
        .unwrap();
    let html = |a: super::Answer| String::from_utf8(a.body).unwrap();
    let page = html(get(&f, "/emergency", Some(&office)).await);
    assert!(
        page.contains("研判中") && page.contains("黄色预警"),
        "{page}"
    );
    assert!(page.contains("id=\"assess-form\""));
    assert!(page.contains("尚未导入应急减排清单"));
    let page = html(get(&f, "/emergency", Some(&viewer)).await);
    assert!(!page.contains("id=\"assess-form\""));
    let page = html(get(&f, &format!("/emergency/warnings/{id}"), Some(&office)).await);
    assert!(page.contains("黄色预警（Ⅲ级响应）条件成立"), "{page}");
    assert!(page.contains("id=\"warning-act\""));
    assert!(page.contains("data-chart=\"forecast\""));
    let page = html(get(&f, &format!("/emergency/warnings/{id}"), Some(&viewer)).await);
    assert!(!page.contains("id=\"warning-act\""));
    assert_eq!(
        get(&f, "/emergency/warnings/999", Some(&viewer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_uploads_a_list_checked_whole() {
    let f = fixture();
    let office = login(&f, "office").await;
    let viewer = login(&f, "viewer").await;
    let row = list_row;
    let csv = list_csv;
    let send = |token: String, name: &'static str, body: String| {
        let f = &f;
        async move { upload_list(f, &token, name, body.into_bytes()).await }
    };
    let good = csv(&[row("甲化工", &code(1), "B级", "限产20%")]);
    assert_eq!(
        send(viewer.clone(), "l.csv", good.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    // A D-grade enterprise that would only limit, and the same enterprise twice: refused whole.
    let bad = csv(&[
        row("甲化工", &code(1), "B级", "限产20%"),
        row("乙建材", &code(2), "D级", "限产20%"),
        row("甲化工", &code(1), "B级", "限产20%"),
    ]);
    let e = send(office.clone(), "l.csv", bad).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    let msg = String::from_utf8_lossy(&e.body).into_owned();
    assert!(
        msg.contains("第3行 黄色措施：D级企业不适用“限产20%”"),
        "{msg}"
    );
    assert!(msg.contains("第4行 统一社会信用代码"), "{msg}");
    assert_eq!(
        get(&f, "/api/v1/emergency/list", Some(&viewer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let ok = send(office.clone(), "l.csv", good).await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&ok.body)
    );
    assert_eq!(ok.json()["list"]["enterprises"][0]["name"], "甲化工");
    // The export reads back as the same list.
    let x = get(&f, "/api/v1/emergency/list?format=xlsx", Some(&viewer)).await;
    let again = send(office, "l.xlsx", String::new()).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "an empty file");
    let r = upload_list(&f, &login(&f, "office").await, "l.xlsx", x.body).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.json()["id"],
        ok.json()["id"],
        "the same list: not stored twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_and_gate_records_are_checked_from_uploaded_tables() {
    let f = fixture();
    put_haimen(f.store());
    let office = login(&f, "office").await;
    // No list yet.
    let body = serde_json::json!({"registry_csv": "统一社会信用代码,企业名称,涉气\n"}).to_string();
    assert_eq!(
        post(&f, "/api/v1/emergency/list/check", Some(&office), &body)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let csv = list_csv(&[list_row("甲化工", &code(1), "B级", "限产20%")]);
    let up = upload_list(&f, &office, "l.csv", csv.into_bytes()).await;
    assert_eq!(up.status, StatusCode::OK);
    let registry = format!(
        "统一社会信用代码,企业名称,涉气,未列入原因\n{},甲化工,是,\n{},丙印染,是,\n{},丁商贸,否,\n",
        code(1),
        code(3),
        code(4)
    );
    let c = post(
        &f,
        "/api/v1/emergency/list/check",
        Some(&office),
        &serde_json::json!({"registry_csv": registry}).to_string(),
    )
    .await;
    assert_eq!(
        c.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&c.body)
    );
    let c = c.json();
    assert_eq!(c["passed"], false);
    assert_eq!(c["missing"][0]["name"], "丙印染");
    // A stricter orange share: NOx 30 of 100 is below 40 %.
    let strict = post(
        &f,
        "/api/v1/emergency/list/check",
        Some(&office),
        &serde_json::json!({"shares": ["10", "40", "30"]}).to_string(),
    )
    .await
    .json();
    let orange = strict["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["level"] == "orange" && t["pollutant"] == "Nox")
        .unwrap();
    assert_eq!(
        (orange["required"].as_str(), orange["met"].as_bool()),
        (Some("40"), Some(false))
    );
    let bad = serde_json::json!({"registry_csv": "统一社会信用代码,企业名称,涉气\nX,Y,也许\n"})
        .to_string();
    let e = post(&f, "/api/v1/emergency/list/check", Some(&office), &bad).await;
    assert_eq!(
        (e.status, error_field(&e).as_str()),
        (StatusCode::BAD_REQUEST, "registry_csv")
    );

    // A yellow warning from 2026-01-10 05:00, lifted 2026-01-11 12:00: an unregistered truck
    // entering during it is reported, one entering after is not.
    let w = post(
        &f,
        "/api/v1/emergency/warnings",
        Some(&office),
        &serde_json::json!({"area": "haimen", "forecast_csv": yellow_csv()}).to_string(),
    )
    .await
    .json();
    let id = w["warning"]["id"].as_i64().unwrap();
    for step in [
        serde_json::json!({"action": "issue", "level": "yellow", "at": "2026-01-10 05:00"}),
        serde_json::json!({"action": "lift", "reason": "好转", "at": "2026-01-11 12:00"}),
    ] {
        let a = post(
            &f,
            &format!("/api/v1/emergency/warnings/{id}/actions"),
            Some(&office),
            &step.to_string(),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let g = post(
        &f,
        "/api/v1/emergency/gate-check",
        Some(&office),
        &serde_json::json!({
            "vehicles_csv": "单位,车牌,燃料,排放阶段\n甲化工,苏F12345,柴油,国六\n",
            "records_csv": "单位,车牌,时间\n甲化工,苏F12345,2026-01-10 09:00\n甲化工,苏A00001,2026-01-10 09:30\n甲化工,苏A00001,2026-01-12 09:30\n",
        })
        .to_string(),
    )
    .await;
    assert_eq!(
        g.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&g.body)
    );
    let g = g.json();
    assert_eq!(g["violations"].as_array().unwrap().len(), 1);
    assert_eq!(g["violations"][0]["record"]["row"], 3);
    let page = String::from_utf8(get(&f, "/emergency", Some(&office)).await.body).unwrap();
    assert!(page.contains("id=\"gate-form\"") && page.contains("id=\"coverage-form\""));
}
