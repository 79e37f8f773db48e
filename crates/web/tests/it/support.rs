//! The fixture every API and console test starts from (a small store with a station, a device,
//! an alarm and users of each role, on SQLite or PostgreSQL) and the helpers that call the API
//! in process.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::civil::date;
use lantian_aq::{Concentration, Pollutant};
use lantian_core::{AlarmCandidate, AlarmKind, FactorValue};
use lantian_store::{
    AlarmUpdate, AuditEntry, DayItem, DayValues, IngestFrame, NewUser, Quantity, ReviewAction,
    ReviewMark, Station, StationLevel, Store,
};
use lantian_web::{AppState, WebConfig, router};
use serde_json::Value;
use tower::ServiceExt as _;

pub(crate) struct Fixture {
    // Dropped after the store: the PostgreSQL schema (if any), then the directory.
    db: lantian_store::testing::TestStore,
    _dir: tempfile::TempDir,
    pub(crate) alarm_id: i64,
}

pub(crate) const PASSWORD: &str = "correct horse";

pub(crate) fn user(store: &Store, name: &str, role: &str, scope: Option<&str>) {
    // Outside the test runtime's context: the PostgreSQL client blocks on a runtime of its own.
    tokio::task::block_in_place(|| {
        store
            .upsert_user(
                &NewUser {
                    username: name.to_owned(),
                    display_name: format!("{name}-显示名"),
                    password_hash: lantian_web::auth::hash_password(PASSWORD).unwrap(),
                    role: role.to_owned(),
                    scope: scope.map(str::to_owned),
                    active: true,
                },
                &AuditEntry {
                    at_ms: 1,
                    actor: "test".into(),
                    action: "user.upsert".into(),
                    target: format!("user:{name}"),
                    detail: "{}".into(),
                },
            )
            .unwrap();
    })
}

pub(crate) fn fixture() -> Fixture {
    // Outside the test runtime's context: the PostgreSQL client blocks on a runtime of its own.
    tokio::task::block_in_place(|| {
        let dir = tempfile::tempdir().unwrap();
        // SQLite, or PostgreSQL with LANTIAN_TEST_ENGINE=postgres (scripts/test runs both).
        let db = lantian_store::testing::TestStore::new(dir.path());
        let store = db.get();
        store
            .upsert_stations(&[Station {
                name: Some("测试站".into()),
                city: Some("南通市".into()),
                lat: Some(31.9),
                lon: Some(121.2),
                level: StationLevel::National,
                ..Station::unclassified("9001A", "test")
            }])
            .unwrap();
        let import = store.begin_import("test", "web fixture").unwrap();
        // Two days, every hour, all six pollutants; PM2.5 = 30 + hour on day 1, 50 on day 2.
        let mut items = Vec::new();
        for (d, day) in [date(2019, 1, 1), date(2019, 1, 2)].into_iter().enumerate() {
            for p in Pollutant::ALL {
                let mut values = DayValues::default();
                for h in 0..24 {
                    let v = match p {
                        Pollutant::Pm25 if d == 0 => 30 + h as i64,
                        Pollutant::Pm25 => 50,
                        Pollutant::Co => 1,
                        _ => 20,
                    };
                    values.values[h] = Some(Concentration::from_micros(v * 1_000_000).unwrap());
                }
                items.push(DayItem {
                    station: "9001A".into(),
                    quantity: Quantity::Pollutant(p),
                    day,
                    values,
                    origin: "fixture".into(),
                });
            }
        }
        store.write_days(import, &items).unwrap();
        // Hour 3 of day 1 reviewed out.
        store
            .add_review_mark(&ReviewMark {
                station: "9001A".into(),
                quantity: Quantity::Pollutant(Pollutant::Pm25),
                day: date(2019, 1, 1),
                hour: 3,
                action: ReviewAction::Invalidate,
                reviewer: "审核员".into(),
                at: 5,
                reason: "仪器故障".into(),
            })
            .unwrap();

        let device: lantian_core::Device = serde_json::from_value(serde_json::json!({
            "mn": "MNFUME0001", "password": "123456", "kind": "oil_fume", "name": "油烟监测仪",
            "owner": {"kind": "restaurant", "name": "测试饭店", "town": "海门街道"},
            "factors": [{"code": "a34041", "name": "油烟", "unit": "mg/m3"}],
            "limits": [{"factor": "a34041", "window": "sample", "max": "2.0"}]
        }))
        .unwrap();
        store.upsert_devices(&[device]).unwrap();
        let dev_id = store.devices().unwrap()[0].id;
        let raw = "##0100QN=20240101000000000;ST=32;CN=2011;PW=123456;MN=MNFUME0001;Flag=5;CP=&&DataTime=20240101000000;a34041-Rtd=2.5,a34041-Flag=N&&ABCD\r\n";
        let out = store
            .ingest(&[IngestFrame {
                device_id: dev_id,
                received_at_ms: 1_704_038_400_000,
                cn: 2011,
                qn: Some("20240101000000000".into()),
                data_time: Some(1_704_038_400),
                part: 0,
                raw: raw.as_bytes().to_vec(),
                vals: lantian_core::reading::encode_values(&[FactorValue {
                    code: "a34041".into(),
                    value: Some(2_500_000),
                    flag: Some("N".into()),
                    ..Default::default()
                }]),
            }])
            .unwrap();
        assert!(matches!(
            out[0],
            lantian_store::IngestOutcome::Stored { .. }
        ));
        let ids = store
            .apply_alarm_updates(
                &[AlarmUpdate::Raise(AlarmCandidate {
                    mn: "MNFUME0001".into(),
                    kind: AlarmKind::Exceedance,
                    factor: Some("a34041".into()),
                    start: 1_704_038_400,
                    end: 1_704_038_400,
                    value: Some(2_500_000),
                    limit: Some(2_000_000),
                    detail: "油烟 2.5 > 2.0".into(),
                    evidence: vec![1_704_038_400],
                    evidence_kind: Some(lantian_core::ReadingKind::RealTime),
                })],
                1_704_038_401_000,
            )
            .unwrap();
        user(store, "office", "office", None);
        user(store, "haimen", "town", Some("海门街道"));
        user(store, "sanchang", "town", Some("三厂街道"));
        user(store, "viewer", "viewer", None);
        Fixture {
            db,
            _dir: dir,
            alarm_id: ids[0],
        }
    })
}

impl Fixture {
    /// The store.
    pub(crate) fn store(&self) -> &Arc<Store> {
        self.db.get()
    }

    /// Store work outside the test runtime's context: the PostgreSQL engine's client blocks on a
    /// runtime of its own (the tests run on a multi-threaded runtime for this).
    pub(crate) fn st<T>(&self, work: impl FnOnce(&Store) -> T) -> T {
        self.db.st(work)
    }
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

pub(crate) async fn call(f: &Fixture, req: Request<Body>) -> Answer {
    let app = router(AppState::new(f.store().clone(), WebConfig::default()));
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

pub(crate) async fn get(f: &Fixture, uri: &str, token: Option<&str>) -> Answer {
    let mut b = Request::get(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    call(f, b.body(Body::empty()).unwrap()).await
}

pub(crate) async fn post(f: &Fixture, uri: &str, token: Option<&str>, body: &str) -> Answer {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    call(f, b.body(Body::from(body.to_owned())).unwrap()).await
}

pub(crate) async fn login(f: &Fixture, name: &str) -> String {
    let a = post(
        f,
        "/api/v1/session",
        None,
        &serde_json::json!({"username": name, "password": PASSWORD}).to_string(),
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let cookie = a.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    a.json()["token"].as_str().unwrap().to_owned()
}

pub(crate) fn error_field(a: &Answer) -> String {
    a.json()["error"]["field"].as_str().unwrap_or("").to_owned()
}

pub(crate) fn put_haimen(store: &Store) {
    // Outside the test runtime's context: the PostgreSQL client blocks on a runtime of its own.
    tokio::task::block_in_place(|| {
        store
            .put_area(&lantian_store::Area {
                code: "320684".into(),
                name: "海门区".into(),
                kind: "district".into(),
                alias: Some("haimen".into()),
                members: vec![lantian_store::AreaMember {
                    station: "9001A".into(),
                    counts: true,
                }],
            })
            .unwrap();
    })
}
