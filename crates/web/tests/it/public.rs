//! The public pages without a login: the district's air quality, warnings in force, the credit
//! disclosures the public may see (a record not yet published is not), the Atom feed; and
//! nothing else: no device, alarm, case detail or user reaches them, and the API stays closed.

use axum::http::StatusCode;
use jiff::civil::date;
use lantian_enforcement::case::{CaseEvent, Decision, Step};
use lantian_enforcement::credit::{CreditEvent, CreditRecord, CreditRules, Dated};
use lantian_enforcement::{Origin, Party, PartyKind, Violation};
use lantian_store::{AuditEntry, NewCase, NewCredit, Store};

use super::{fixture, get, put_haimen};

fn audit() -> AuditEntry {
    AuditEntry {
        at_ms: 1,
        actor: "office".into(),
        action: "test".into(),
        target: String::new(),
        detail: String::new(),
    }
}

/// A decided case against `name` and its credit record, published when `publish`.
fn disclosed(store: &Store, name: &str, reference: &str, publish: bool) {
    // Outside the test runtime's context: the PostgreSQL client blocks on a runtime of its own.
    tokio::task::block_in_place(|| {
        let ev = |m, d, step| CaseEvent {
            on: date(2026, m, d),
            step,
            actor: "office".into(),
        };
        let party = Party {
            kind: PartyKind::Agency,
            name: name.into(),
            credit_code: None,
        };
        let id = store
            .open_case(
                &NewCase {
                    origin: Origin::Inspection {
                        note: "双随机检查，内部线索编号 X-17".into(),
                    },
                    party: party.clone(),
                    department: "生态环境局".into(),
                    town: "海门街道".into(),
                    source: Some("MNFUME0001".into()),
                    detected_on: None,
                    title: "内部案件标题".into(),
                    registered: ev(3, 1, Step::Register),
                },
                1,
                &audit(),
            )
            .unwrap();
        for (d, step) in [
            (2, Step::File),
            (3, Step::Investigate),
            (4, Step::Decide(Decision::OrderToCorrect)),
        ] {
            store
                .case_step(id, &ev(3, d, step), &|_| Ok(()), 1, &audit())
                .unwrap();
        }
        let rid = store
            .add_credit(
                &NewCredit {
                    record: CreditRecord {
                        party,
                        violation: Violation::DataFraud,
                        case_id: id,
                        decision_ref: reference.into(),
                        summary: "出具虚假检测报告".into(),
                        events: Vec::new(),
                    },
                },
                1,
                "office",
                &audit(),
            )
            .unwrap();
        if publish {
            store
                .credit_step(
                    rid,
                    &Dated {
                        on: date(2026, 3, 10),
                        event: CreditEvent::Publish,
                        actor: "office".into(),
                    },
                    &CreditRules::default(),
                    1,
                    &audit(),
                )
                .unwrap();
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_sees_air_quality_and_disclosures_and_nothing_else() {
    let f = fixture();
    put_haimen(f.store());
    disclosed(f.store(), "某检测有限公司", "海环罚〔2026〕9号", true);
    disclosed(f.store(), "某未公示公司", "海环罚〔2026〕10号", false);
    let page = get(&f, "/public", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("海门区大气环境信息公开"), "{html}");
    assert!(html.contains("id=\"public-stations\""));
    assert!(html.contains("id=\"public-district\""), "{html}");
    assert!(html.contains("当前无重污染天气预警"));
    assert!(
        html.contains("<td>某检测有限公司</td><td>弄虚作假</td><td>海环罚〔2026〕9号</td><td>2026-03-10</td><td>公示中</td>"),
        "{html}"
    );
    // Not published: not shown. Nothing internal: no device, owner, case title or clue,
    // department, user, or link into the console.
    for secret in [
        "某未公示公司",
        "MNFUME0001",
        "测试饭店",
        "内部案件标题",
        "X-17",
        "office",
        "csrf",
        "href=\"/alarms",
        "href=\"/api/v1",
    ] {
        assert!(!html.contains(secret), "{secret} on the public page");
    }
    let feed = get(&f, "/public/feed.atom", None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(
        feed.headers.get("content-type").unwrap(),
        "application/atom+xml; charset=utf-8"
    );
    let xml = String::from_utf8(feed.body).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<entry>").count(), 1, "{xml}");
    assert!(
        xml.contains("<title>信用信息公示：某检测有限公司（弄虚作假）</title>"),
        "{xml}"
    );
    assert!(
        xml.contains("<updated>2026-03-10T00:00:00+08:00</updated>"),
        "{xml}"
    );
    // The API and the console stay closed without a login.
    for uri in [
        "/api/v1/alarms",
        "/api/v1/town-assessment/results",
        "/api/v1/fire/incidents",
    ] {
        assert_eq!(
            get(&f, uri, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{uri}"
        );
    }
    let console = get(&f, "/alarms", None).await;
    assert!(console.status.is_redirection(), "{}", console.status);
}
