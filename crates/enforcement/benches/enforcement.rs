//! A province's year of enforcement: the effectiveness of 50,000 cases (each of five steps,
//! one party in ten a repeat offender, 20,000 exceedances for recurrence), the status of
//! 100,000 credit records, and 10,000 projects screened.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use lantian_enforcement::case::{CaseEvent, Decision, Limits, Step};
use lantian_enforcement::credit::{CreditEvent, CreditRecord, CreditRules, Dated};
use lantian_enforcement::effect::{CaseFacts, evaluate};
use lantian_enforcement::screening::{BorderGeometry, Project, ScreeningRules, screen};
use lantian_enforcement::{Party, PartyKind, Violation};

fn day(n: i64) -> Date {
    date(2026, 1, 1)
        .checked_add(jiff::Span::new().days(n % 300))
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let parties: Vec<Party> = (0..45_000)
        .map(|i| Party {
            kind: PartyKind::Enterprise,
            name: format!("企业{i}"),
            credit_code: Some(format!("9132{i:014}")),
        })
        .collect();
    let events: Vec<Vec<CaseEvent>> = (0..50_000i64)
        .map(|i| {
            let ev = |d: i64, step| CaseEvent {
                on: day(i + d),
                step,
                actor: "office".into(),
            };
            vec![
                ev(0, Step::Register),
                ev(10, Step::File),
                ev(40, Step::Investigate),
                ev(60, Step::Decide(Decision::OrderToCorrect)),
                ev(90, Step::Close),
            ]
        })
        .collect();
    let sources: Vec<String> = (0..50_000).map(|i| format!("MN{i}")).collect();
    let groups = ["生态环境局", "城管局", "住建局", "交通运输局", "市场监管局"];
    let facts: Vec<CaseFacts<'_>> = (0..50_000usize)
        .map(|i| CaseFacts {
            group: groups[i % 5],
            party: &parties[i % 45_000],
            detected: None,
            events: &events[i],
            source: Some(&sources[i]),
        })
        .collect();
    let exceed: Vec<(&str, Date)> = (0..20_000usize)
        .map(|i| (sources[i * 2].as_str(), day(i as i64 + 120)))
        .collect();
    let records: Vec<CreditRecord> = (0..100_000i64)
        .map(|i| CreditRecord {
            party: parties[(i % 45_000) as usize].clone(),
            violation: Violation::DataFraud,
            case_id: i,
            decision_ref: format!("罚〔2026〕{i}号"),
            summary: "篡改监测数据".into(),
            events: vec![
                Dated {
                    on: day(i),
                    event: CreditEvent::Publish,
                    actor: "office".into(),
                },
                Dated {
                    on: day(i + 10),
                    event: CreditEvent::Appeal {
                        grounds: "异议".into(),
                    },
                    actor: "office".into(),
                },
            ],
        })
        .collect();
    let rules =
        ScreeningRules::from_toml(include_str!("../../../config/screening/rules.toml")).unwrap();
    let projects: Vec<(Project, BorderGeometry)> = (0..10_000)
        .map(|i| {
            (
                Project {
                    name: format!("项目{i}"),
                    industry: ["coking", "chemical", "food", "flat_glass"][i % 4].to_owned(),
                    exception: None,
                    new_capacity: i % 2 == 0,
                    stack_m: Some((i % 150) as f64),
                },
                BorderGeometry {
                    km: (i % 60) as f64,
                    bearing_deg: (i % 360) as f64,
                },
            )
        })
        .collect();
    let mut g = c.benchmark_group("enforcement");
    g.sample_size(20);
    g.bench_function("effect_50000_cases", |b| {
        b.iter(|| evaluate(&facts, &exceed, &Limits::default(), 365).len())
    });
    let credit = CreditRules::default();
    g.bench_function("credit_status_100000_records", |b| {
        b.iter(|| {
            records
                .iter()
                .filter(|r| r.status(&credit, date(2026, 12, 6)).shown())
                .count()
        })
    });
    g.bench_function("screen_10000_projects", |b| {
        b.iter(|| {
            projects
                .iter()
                .filter(|(p, geo)| screen(&rules, p, Some(*geo)).consultation)
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
