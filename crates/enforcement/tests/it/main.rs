//! The case lifecycle and its time limits, the credit record's history, the screening rules at
//! their edges, and the effectiveness figures, each against values worked out by hand.

#![allow(clippy::unwrap_used)]

use jiff::civil::{Date, date};
use lantian_enforcement::case::{self, CaseEvent, CaseState, Decision, Limits, Step};
use lantian_enforcement::credit::{CreditEvent, CreditRecord, CreditRules, CreditStatus, Dated};
use lantian_enforcement::effect::{CaseFacts, evaluate};
use lantian_enforcement::screening::{BorderGeometry, Project, ScreeningRules, screen};
use lantian_enforcement::{Party, PartyKind, Violation};
use rust_decimal::Decimal;

mod persisted;

fn ev(on: Date, step: Step) -> CaseEvent {
    CaseEvent {
        on,
        step,
        actor: "office".into(),
    }
}

/// Appends `event` after checking it, as the store does.
fn push(events: &mut Vec<CaseEvent>, event: CaseEvent) -> Result<CaseState, case::Refused> {
    let s = case::apply(events, &event)?;
    events.push(event);
    Ok(s)
}

#[test]
fn a_case_goes_step_by_step_and_refuses_the_rest() {
    let mut e = Vec::new();
    // Nothing before registration.
    assert!(push(&mut e, ev(date(2026, 3, 1), Step::File)).is_err());
    assert_eq!(
        push(&mut e, ev(date(2026, 3, 1), Step::Register)),
        Ok(CaseState::Registered)
    );
    // No decision before filing and investigating.
    let fine = |amount: i64| {
        Step::Decide(Decision::Penalty {
            amount: Decimal::from(amount),
            order_to_correct: true,
        })
    };
    let err = push(&mut e, ev(date(2026, 3, 2), fine(50_000))).unwrap_err();
    assert_eq!(err.to_string(), "案件当前为“已登记”，不能作出决定");
    // Not earlier than the step before.
    assert!(matches!(
        push(&mut e, ev(date(2026, 2, 28), Step::File)),
        Err(case::Refused::BeforePrevious(..))
    ));
    push(&mut e, ev(date(2026, 3, 10), Step::File)).unwrap();
    push(&mut e, ev(date(2026, 4, 1), Step::Investigate)).unwrap();
    assert_eq!(
        push(&mut e, ev(date(2026, 4, 2), fine(0))),
        Err(case::Refused::Amount)
    );
    assert_eq!(
        push(&mut e, ev(date(2026, 4, 2), fine(50_000))),
        Ok(CaseState::Decided)
    );
    assert_eq!(
        push(&mut e, ev(date(2026, 5, 1), Step::Close)),
        Ok(CaseState::Closed)
    );
    assert!(push(&mut e, ev(date(2026, 5, 2), Step::Close)).is_err());
    // Nothing is added to an ended case, and evidence needs its description.
    assert!(
        push(
            &mut e,
            ev(
                date(2026, 5, 2),
                Step::Join {
                    department: "公安局".into()
                }
            )
        )
        .is_err()
    );
    let mut open = vec![ev(date(2026, 3, 1), Step::Register)];
    assert_eq!(
        push(
            &mut open,
            ev(
                date(2026, 3, 1),
                Step::Evidence {
                    note: " ".into(),
                    attachment: None,
                    sha256: None
                }
            )
        ),
        Err(case::Refused::Reason)
    );
    assert_eq!(
        case::deadline(&e, &Limits::default(), date(2026, 5, 2)),
        None
    );
    // Not filing needs a reason, and ends the case.
    let mut n = vec![ev(date(2026, 3, 1), Step::Register)];
    assert_eq!(
        push(
            &mut n,
            ev(date(2026, 3, 2), Step::NotFile { reason: " ".into() })
        ),
        Err(case::Refused::Reason)
    );
    assert_eq!(
        push(
            &mut n,
            ev(
                date(2026, 3, 2),
                Step::NotFile {
                    reason: "不属实".into()
                }
            )
        ),
        Ok(CaseState::NotFiled)
    );
}

#[test]
fn days_between_agrees_with_the_calendar() {
    let base = date(1999, 12, 25);
    for n in [0i64, 1, 59, 60, 365, 366, 1_461, 10_000, -1, -400] {
        let later = base.checked_add(jiff::Span::new().days(n)).unwrap();
        assert_eq!(i64::from(case::days_between(base, later)), n, "{later}");
    }
    assert_eq!(case::days_between(date(2028, 2, 28), date(2028, 3, 1)), 2);
}

#[test]
fn time_limits_count_calendar_days_and_remind_before() {
    let limits = Limits::default();
    let registered = vec![ev(date(2026, 3, 1), Step::Register)];
    // Filing within 15 days: due 16 March; reminded from 5 days before.
    let d = |today| case::deadline(&registered, &limits, today).unwrap();
    assert_eq!(d(date(2026, 3, 1)).due, date(2026, 3, 16));
    assert_eq!(d(date(2026, 3, 10)).days_left, 6);
    assert!(!d(date(2026, 3, 10)).remind);
    assert!(d(date(2026, 3, 11)).remind);
    assert_eq!(d(date(2026, 3, 16)).days_left, 0);
    assert_eq!(d(date(2026, 3, 17)).days_left, -1);
    // The decision's 90 days run from filing, through the investigation.
    let mut e = registered.clone();
    e.push(ev(date(2026, 3, 16), Step::File));
    e.push(ev(date(2026, 5, 1), Step::Investigate));
    let dl = case::deadline(&e, &limits, date(2026, 5, 1)).unwrap();
    assert_eq!((dl.step, dl.due), ("作出决定", date(2026, 6, 14)));
    // Evidence and a joined department do not move the limit.
    let mut with = e.clone();
    with.push(ev(
        date(2026, 5, 20),
        Step::Evidence {
            note: "现场照片".into(),
            attachment: Some(4),
            sha256: Some("ab".into()),
        },
    ));
    with.push(ev(
        date(2026, 5, 21),
        Step::Join {
            department: "市场监管局".into(),
        },
    ));
    assert_eq!(case::state_of(&with), Some(CaseState::Investigated));
    assert_eq!(
        case::deadline(&with, &limits, date(2026, 5, 21))
            .unwrap()
            .due,
        date(2026, 6, 14)
    );
    assert_eq!(case::joined(&with), ["市场监管局"]);
    // Filed on day 15 is on time; a day later is one day late.
    assert!(case::late_steps(&e, &limits).is_empty());
    let mut late = registered.clone();
    late.push(ev(date(2026, 3, 17), Step::File));
    assert_eq!(case::late_steps(&late, &limits), [("立案", 1)]);
}

fn party() -> Party {
    Party {
        kind: PartyKind::Agency,
        name: "某环境检测有限公司".into(),
        credit_code: Some("91320684MA1XXXXXXX".into()),
    }
}

fn record() -> CreditRecord {
    CreditRecord {
        party: party(),
        violation: Violation::DataFraud,
        case_id: 7,
        decision_ref: "海环罚〔2026〕7号".into(),
        summary: "篡改在线监测数据".into(),
        events: Vec::new(),
    }
}

fn add(r: &mut CreditRecord, on: Date, event: CreditEvent) -> Result<(), String> {
    r.check(&event, on, &CreditRules::default())
        .map_err(|e| e.to_string())?;
    r.events.push(Dated {
        on,
        event,
        actor: "office".into(),
    });
    Ok(())
}

#[test]
fn a_credit_record_is_only_added_to() {
    let rules = CreditRules::default();
    let mut r = record();
    assert_eq!(r.status(&rules, date(2026, 4, 1)), CreditStatus::Draft);
    add(&mut r, date(2026, 4, 1), CreditEvent::Publish).unwrap();
    assert!(r.status(&rules, date(2026, 4, 1)).shown());
    // Repair after a full year, not a day before.
    let apply = || CreditEvent::RepairApplied {
        note: "已整改并通过复核".into(),
    };
    let early = add(&mut r, date(2027, 3, 31), apply()).unwrap_err();
    assert_eq!(early, "公示满 12 个月后方可申请信用修复（最早 2027-04-01）");
    add(&mut r, date(2027, 4, 1), apply()).unwrap();
    assert_eq!(
        r.status(&rules, date(2027, 4, 1)),
        CreditStatus::RepairPending
    );
    assert!(r.status(&rules, date(2027, 4, 1)).shown());
    // A correction is a new entry; the status stands and the original text is kept.
    add(
        &mut r,
        date(2027, 4, 2),
        CreditEvent::Correct {
            note: "决定书文号更正".into(),
        },
    )
    .unwrap();
    assert_eq!(
        r.status(&rules, date(2027, 4, 2)),
        CreditStatus::RepairPending
    );
    assert_eq!(r.decision_ref, "海环罚〔2026〕7号");
    add(&mut r, date(2027, 4, 10), CreditEvent::Repaired).unwrap();
    assert_eq!(r.status(&rules, date(2027, 4, 10)), CreditStatus::Repaired);
    assert!(!r.status(&rules, date(2027, 4, 10)).shown());
    assert_eq!(r.events.len(), 4, "every step kept");
    // Nothing dated before the last entry; nothing out of order.
    assert!(add(&mut r, date(2027, 4, 9), CreditEvent::Publish).is_err());
    let again = add(&mut r, date(2027, 5, 1), CreditEvent::Publish).unwrap_err();
    assert_eq!(again, "信用记录当前为“已修复”，不能公示");
}

#[test]
fn an_appeal_and_the_end_of_disclosure() {
    let rules = CreditRules::default();
    let mut r = record();
    assert!(
        add(
            &mut r,
            date(2026, 4, 1),
            CreditEvent::Appeal {
                grounds: "数据系仪器故障".into()
            }
        )
        .is_err(),
        "only a published record is appealed"
    );
    add(&mut r, date(2026, 4, 1), CreditEvent::Publish).unwrap();
    assert!(
        add(
            &mut r,
            date(2026, 4, 2),
            CreditEvent::Appeal { grounds: "".into() }
        )
        .is_err()
    );
    add(
        &mut r,
        date(2026, 4, 2),
        CreditEvent::Appeal {
            grounds: "数据系仪器故障".into(),
        },
    )
    .unwrap();
    assert_eq!(
        r.status(&rules, date(2026, 4, 2)),
        CreditStatus::AppealPending
    );
    add(
        &mut r,
        date(2026, 4, 20),
        CreditEvent::AppealRejected {
            reason: "运维记录不支持".into(),
        },
    )
    .unwrap();
    assert_eq!(r.status(&rules, date(2026, 4, 20)), CreditStatus::Published);
    // Shown for 36 months from publication: the last day shown is the day before.
    assert!(r.status(&rules, date(2029, 3, 31)).shown());
    assert_eq!(r.status(&rules, date(2029, 4, 1)), CreditStatus::Expired);
    let mut w = record();
    add(&mut w, date(2026, 4, 1), CreditEvent::Publish).unwrap();
    add(
        &mut w,
        date(2026, 4, 2),
        CreditEvent::Appeal {
            grounds: "非本单位".into(),
        },
    )
    .unwrap();
    add(
        &mut w,
        date(2026, 4, 3),
        CreditEvent::AppealUpheld {
            reason: "主体认定错误".into(),
        },
    )
    .unwrap();
    assert_eq!(w.status(&rules, date(2026, 4, 3)), CreditStatus::Withdrawn);
    assert!(!w.status(&rules, date(2026, 4, 3)).shown());
}

fn rules() -> ScreeningRules {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/screening/rules.toml"),
    )
    .unwrap();
    ScreeningRules::from_toml(&text).unwrap()
}

fn project(
    industry: &str,
    exception: Option<&str>,
    new_capacity: bool,
    stack_m: Option<f64>,
) -> Project {
    Project {
        name: "新建项目".into(),
        industry: industry.into(),
        exception: exception.map(Into::into),
        new_capacity,
        stack_m,
    }
}

#[test]
fn screening_at_its_edges() {
    let r = rules();
    let far = Some(BorderGeometry {
        km: 60.0,
        bearing_deg: 180.0,
    });
    // Banned industries: new capacity refused, unless the named exception.
    assert!(screen(&r, &project("coking", None, true, None), far).banned);
    assert!(!screen(&r, &project("coking", None, false, None), far).banned);
    let pv = screen(
        &r,
        &project("flat_glass", Some("光伏平板玻璃"), true, None),
        far,
    );
    assert!(!pv.banned);
    assert_eq!(
        pv.reasons,
        ["平板玻璃行业，属“光伏平板玻璃”例外，不在禁止之列"]
    );
    // An exception another industry has does not count.
    assert!(
        screen(
            &r,
            &project("coking", Some("光伏平板玻璃"), true, None),
            far
        )
        .banned
    );
    // The 两高 catalogue.
    assert!(screen(&r, &project("chemical", None, true, None), far).two_high);
    // Within 20 km of the border, 20 km itself included.
    let at = |km: f64, bearing_deg: f64| Some(BorderGeometry { km, bearing_deg });
    assert!(screen(&r, &project("chemical", None, true, None), at(20.0, 0.0)).consultation);
    assert!(
        !screen(
            &r,
            &project("chemical", None, true, None),
            at(20.000_001, 0.0)
        )
        .consultation
    );
    assert!(!screen(&r, &project("food", None, true, None), at(5.0, 0.0)).consultation);
    // A tall stack with the border downwind (sector 112.5°–247.5°, edges included).
    let stack = |h: f64, km: f64, b: f64| {
        screen(&r, &project("food", None, true, Some(h)), at(km, b)).consultation
    };
    assert!(stack(100.0, 45.0, 180.0));
    assert!(stack(100.0, 45.0, 112.5));
    assert!(!stack(100.0, 45.0, 112.4));
    assert!(!stack(99.9, 45.0, 180.0), "below the height");
    assert!(!stack(100.0, 50.1, 180.0), "beyond the distance");
    // Without a place, the border is not judged, and says so.
    let none = screen(&r, &project("chemical", None, true, None), None);
    assert!(!none.consultation);
    assert!(none.reasons.iter().any(|x| x.contains("未判定省界距离")));
    // A sector across north wraps.
    let mut wrap = r.clone();
    wrap.downwind_sectors = vec![[315.0, 45.0]];
    let s = |b: f64| {
        screen(
            &wrap,
            &project("food", None, true, Some(120.0)),
            at(10.0, b),
        )
        .consultation
    };
    assert!(s(350.0) && s(10.0) && !s(90.0));
    // Bad rules are named.
    let bad = ScreeningRules::from_toml(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../config/screening/rules.toml"),
        )
        .unwrap()
        .replace("border_km = 20.0", "border_km = 0.0"),
    )
    .unwrap_err();
    assert_eq!(bad, ["border_km must be above 0"]);
}

#[test]
fn effectiveness_by_group() {
    let p = party();
    let other = Party {
        kind: PartyKind::Restaurant,
        name: "某饭店".into(),
        credit_code: None,
    };
    let closed = |reg: Date, close: Date| {
        vec![
            ev(reg, Step::Register),
            ev(reg, Step::File),
            ev(reg, Step::Investigate),
            ev(reg, Step::Decide(Decision::OrderToCorrect)),
            ev(close, Step::Close),
        ]
    };
    let a = closed(date(2026, 1, 10), date(2026, 1, 20));
    let b = closed(date(2026, 6, 1), date(2026, 9, 29));
    let c = vec![ev(date(2026, 2, 1), Step::Register)];
    let cases = [
        CaseFacts {
            group: "海门街道",
            party: &p,
            detected: Some(date(2026, 1, 8)),
            events: &a,
            source: Some("MN1"),
        },
        CaseFacts {
            group: "海门街道",
            party: &p,
            detected: None,
            events: &b,
            source: None,
        },
        CaseFacts {
            group: "三厂街道",
            party: &other,
            detected: None,
            events: &c,
            source: None,
        },
    ];
    let exceed = [("MN1", date(2026, 2, 1)), ("MN2", date(2026, 2, 1))];
    let r = evaluate(&cases, &exceed, &Limits::default(), 365);
    let h = &r["海门街道"];
    // 12 days (detected 8 January) and 120 days: the lower middle is 12.
    assert_eq!(
        (h.cases, h.ended, h.median_days, h.max_days),
        (2, 2, Some(12), Some(120))
    );
    // Decided the day it was filed and closed 120 days later: 60 days over the closing limit.
    assert_eq!(h.late_steps, 1);
    assert_eq!(h.repeat_parties, ["91320684MA1XXXXXXX"]);
    assert_eq!(h.recurred, 1, "MN1 exceeded 12 days after its case closed");
    let s = &r["三厂街道"];
    assert_eq!((s.cases, s.ended, s.median_days), (1, 0, None));
    assert!(s.repeat_parties.is_empty());
}
