//! Parsing and verifying one real CNEMC day file, from memory (decompression excluded).
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lantian_cnemc::verify::needed_types;
use lantian_cnemc::{DayFile, Options, Verification};

fn day() -> Vec<u8> {
    lantian_testdata::read("cnemc/china_sites_2019/china_sites_20190715.csv.xz")
}

fn bench(c: &mut Criterion) {
    let bytes = day();
    let mut g = c.benchmark_group("cnemc_day");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| DayFile::parse(black_box(&bytes), needed_types()))
    });
    let parsed = DayFile::parse(&bytes, needed_types());
    let options = Options::default();
    g.bench_function("verify_parsed", |b| {
        b.iter(|| {
            let mut v = Verification::default();
            v.add_file("day", black_box(&parsed), &options);
            v
        })
    });
    g.bench_function("parse_and_verify", |b| {
        b.iter(|| {
            let f = DayFile::parse(black_box(&bytes), needed_types());
            let mut v = Verification::default();
            v.add_file("day", &f, &options);
            v
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
