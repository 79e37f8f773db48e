//! The JSON the store keeps of cases and credit records, pinned (issue #23 item 4): every
//! variant serialised once and snapshotted, so a renamed field or variant fails here instead of
//! silently changing how stored history reads; and the snapshot's text read back gives the same
//! values, so stored history stays readable.

use jiff::civil::date;
use lantian_enforcement::case::{CaseEvent, Decision, Origin, Step};
use lantian_enforcement::credit::{CreditEvent, CreditRecord, Dated};
use lantian_enforcement::{Party, PartyKind, Violation};
use rust_decimal::Decimal;

fn party() -> Party {
    Party {
        kind: PartyKind::Enterprise,
        name: "某化工有限公司".into(),
        credit_code: Some("91320684MA1M000010".into()),
    }
}

fn origins() -> Vec<Origin> {
    vec![
        Origin::Alarm { id: 3 },
        Origin::Fire { id: 7 },
        Origin::Complaint {
            channel: "12369".into(),
            reference: "A0001".into(),
        },
        Origin::Inspection {
            note: "双随机检查".into(),
        },
    ]
}

fn parties() -> Vec<Party> {
    [
        PartyKind::Enterprise,
        PartyKind::Site,
        PartyKind::Restaurant,
        PartyKind::Agency,
    ]
    .into_iter()
    .map(|kind| Party {
        kind,
        name: "甲".into(),
        credit_code: None,
    })
    .chain([party()])
    .collect()
}

fn case_events() -> Vec<CaseEvent> {
    let steps = vec![
        Step::Register,
        Step::File,
        Step::NotFile {
            reason: "不属于管辖".into(),
        },
        Step::Investigate,
        Step::Decide(Decision::Penalty {
            amount: Decimal::new(2_000_000, 2),
            order_to_correct: true,
        }),
        Step::Decide(Decision::OrderToCorrect),
        Step::Decide(Decision::NoPenalty {
            reason: "首违不罚".into(),
        }),
        Step::Close,
        Step::Join {
            department: "公安局".into(),
        },
        Step::Evidence {
            note: "现场照片".into(),
            attachment: Some(12),
            sha256: Some("ab".repeat(32)),
        },
    ];
    steps
        .into_iter()
        .map(|step| CaseEvent {
            on: date(2026, 1, 2),
            step,
            actor: "office".into(),
        })
        .collect()
}

fn credit_events() -> Vec<Dated> {
    [
        CreditEvent::Publish,
        CreditEvent::RepairApplied {
            note: "已整改".into(),
        },
        CreditEvent::Repaired,
        CreditEvent::RepairRefused {
            reason: "未满12个月".into(),
        },
        CreditEvent::Appeal {
            grounds: "数据有误".into(),
        },
        CreditEvent::AppealUpheld {
            reason: "核实有误".into(),
        },
        CreditEvent::AppealRejected {
            reason: "证据充分".into(),
        },
        CreditEvent::Correct {
            note: "更正文号".into(),
        },
    ]
    .into_iter()
    .map(|event| Dated {
        on: date(2026, 2, 3),
        event,
        actor: "office".into(),
    })
    .collect()
}

fn credit_record() -> CreditRecord {
    CreditRecord {
        party: party(),
        violation: Violation::DataFraud,
        case_id: 5,
        decision_ref: "海环罚〔2026〕3号".into(),
        summary: "篡改监测数据".into(),
        events: credit_events(),
    }
}

/// One JSON line per value.
fn lines<T: serde::Serialize>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each line read back is the value it was written from.
fn reads_back<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    text: &str,
    values: &[T],
) {
    let read: Vec<T> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(read, values);
}

#[test]
fn stored_case_and_credit_json_is_pinned() {
    let (o, p, e, c) = (origins(), parties(), case_events(), vec![credit_record()]);
    let text = format!(
        "# origins\n{}\n# parties\n{}\n# case events\n{}\n# credit records\n{}",
        lines(&o),
        lines(&p),
        lines(&e),
        lines(&c)
    );
    insta::assert_snapshot!(text);
    let section = |name: &str| {
        text.split(&format!("# {name}\n"))
            .nth(1)
            .unwrap()
            .split("\n# ")
            .next()
            .unwrap()
            .to_owned()
    };
    reads_back(&section("origins"), &o);
    reads_back(&section("parties"), &p);
    reads_back(&section("case events"), &e);
    reads_back(&section("credit records"), &c);
}
