//! The assessment of a province's towns (1,200 towns, 8 indicators, a target and money for
//! PM2.5 each, a veto and two inspection thresholds) and the ranking of 3,000 places with ties.

#![allow(clippy::unwrap_used)]

use std::fmt::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use lantian_assessment::{Figures, Order, Rules, assess, rank};
use rust_decimal::Decimal;

const TOWNS: usize = 1_200;
const CODES: [&str; 8] = [
    "pm25",
    "good_day_pct",
    "fire_real",
    "reports_on_time_pct",
    "alarms_on_time_pct",
    "complaints",
    "composite",
    "pm25_change_pct",
];

fn rules() -> Rules {
    let mut t = String::from(
        "[rules]\ncode = \"bench\"\nversion = 1\nname = \"bench\"\nperiod = \"month\"\nvalid_from = \"2026-01-01\"\n",
    );
    for (i, code) in CODES.iter().enumerate() {
        let (better, full, zero) = if i % 2 == 0 {
            ("lower", 10, 90)
        } else {
            ("higher", 90, 10)
        };
        if *code == "pm25" {
            writeln!(t, "[[indicator]]\ncode = \"pm25\"\nname = \"PM2.5\"\nweight = \"30\"\nbetter = \"lower\"\nzero_margin = \"10\"").unwrap();
        } else {
            writeln!(t, "[[indicator]]\ncode = \"{code}\"\nname = \"{code}\"\nweight = \"10\"\nbetter = \"{better}\"\nfull_at = \"{full}\"\nzero_at = \"{zero}\"").unwrap();
        }
    }
    for n in 0..TOWNS {
        writeln!(
            t,
            "[[target]]\ntown = \"town{n}\"\nindicator = \"pm25\"\nvalue = \"{}\"",
            25 + n % 10
        )
        .unwrap();
    }
    t.push_str("[[money]]\nindicator = \"pm25\"\nreward_per_unit = \"10000\"\npenalty_per_unit = \"20000\"\npenalty_cap = \"200000\"\n");
    t.push_str("[[veto]]\nindicator = \"heavy_days_up\"\nabove = \"0\"\nreason = \"veto\"\n");
    t.push_str("[[inspection]]\nindicator = \"pm25_change_pct\"\nabove = \"5\"\nreason = \"a\"\n");
    t.push_str("[[inspection]]\nindicator = \"fire_real\"\nabove = \"2\"\nreason = \"b\"\n");
    Rules::from_toml(&t).unwrap()
}

fn figures() -> Figures {
    (0..TOWNS)
        .map(|n| {
            let values = CODES
                .iter()
                .enumerate()
                .map(|(i, c)| ((*c).to_owned(), Decimal::from((n * 7 + i * 13) % 100)))
                .chain([(
                    "heavy_days_up".to_owned(),
                    Decimal::from(n % 3) - Decimal::ONE,
                )])
                .collect();
            (format!("town{n}"), values)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = rules();
    let figures = figures();
    let mut g = c.benchmark_group("towns");
    g.sample_size(20);
    g.bench_function("assess_1200_towns_8_indicators", |b| {
        b.iter(|| assess(&rules, &figures, "2026-03").towns.len())
    });
    let places: Vec<(String, Option<Decimal>)> = (0..3_000)
        .map(|n| {
            (
                format!("p{n}"),
                (n % 17 != 0).then(|| Decimal::new((n * 37 % 900) as i64, 2)),
            )
        })
        .collect();
    g.bench_function("rank_3000_places", |b| {
        b.iter(|| rank(&places, Order::Ascending).len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
