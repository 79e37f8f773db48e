//! A province-sized inventory (the example district's 19 records repeated 5,264 times: 100,016
//! records of 84,224 sources) read from its rows, computed and totalled by category; and the
//! accounting against a baseline of the same size.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use lantian_inventory::analysis::{self, Grouping};
use lantian_inventory::exchange;
use lantian_inventory::{Categories, Library, Pollutant, compute};

fn rows(year: &str, copies: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/inventory/example")
            .join(format!("{year}.csv")),
    )
    .unwrap();
    let mut lines = text.lines();
    let headers: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let base: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let mut out = Vec::new();
    for i in 0..copies {
        for r in &base {
            let mut r = r.clone();
            r[1] = format!("{}-{i}", r[1]);
            out.push(r);
        }
    }
    (headers, out)
}

fn bench(c: &mut Criterion) {
    let (cats, lib) = (Categories::builtin(), Library::builtin());
    let copies = 100_000 / 19 + 1;
    let (h, r) = rows("2024", copies);
    let (hb, rb) = rows("2020", copies);
    let inv = exchange::from_rows(&h, &r, None, None).unwrap();
    let base = exchange::from_rows(&hb, &rb, None, None).unwrap();
    let eb = compute(&base, &lib, &cats).unwrap();
    let mut g = c.benchmark_group("inventory_100k_records");
    g.sample_size(10);
    g.bench_function("read_rows", |b| {
        b.iter(|| {
            exchange::from_rows(&h, &r, None, None)
                .unwrap()
                .records
                .len()
        })
    });
    g.bench_function("compute", |b| {
        b.iter(|| compute(&inv, &lib, &cats).unwrap().len())
    });
    let en = compute(&inv, &lib, &cats).unwrap();
    g.bench_function("totals_by_category", |b| {
        b.iter(|| analysis::totals(&inv, &en, Grouping::Category, &cats).len())
    });
    g.bench_function("accounting", |b| {
        b.iter(|| {
            analysis::accounting(
                (&base, &eb),
                (&inv, &en),
                &[
                    (Pollutant::NOx, (-10).into()),
                    (Pollutant::VOCs, (-10).into()),
                ],
            )
            .pollutants
            .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
