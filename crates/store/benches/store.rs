//! Store benchmarks on a synthetic network: 300 stations × 6 pollutants × one year in a
//! SQLite file (and in PostgreSQL when `LANTIAN_TEST_PG` is set): writing a day of the whole
//! network, and reading one station-year.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use lantian_aq::Concentration;
use lantian_store::{DayItem, DayValues, Quantity, Station, StationLevel, Store};

const STATIONS: usize = 300;

fn day_items(day: Date, day_index: usize) -> Vec<DayItem> {
    let mut items = Vec::with_capacity(STATIONS * 6);
    for s in 0..STATIONS {
        for (qi, q) in Quantity::POLLUTANTS.into_iter().enumerate() {
            let mut values = DayValues::default();
            for h in 0..24 {
                let v = ((s * 7 + qi * 13 + h * 3 + day_index) % 150 + 1) as u32;
                values.values[h] = Some(Concentration::from_units(v));
            }
            items.push(DayItem {
                station: format!("S{s:04}"),
                quantity: q,
                day,
                values,
                origin: "bench".to_owned(),
            });
        }
    }
    items
}

fn fill(store: &Store) {
    let stations: Vec<Station> = (0..STATIONS)
        .map(|s| Station {
            level: StationLevel::National,
            ..Station::unclassified(&format!("S{s:04}"), "bench")
        })
        .collect();
    store.upsert_stations(&stations).unwrap();
    let import = store.begin_import("bench", "synthetic").unwrap();
    let mut batch = Vec::new();
    for (i, d) in date(2019, 1, 1)
        .series(jiff::Span::new().days(1))
        .take(365)
        .enumerate()
    {
        batch.extend(day_items(d, i));
        if batch.len() >= 60_000 {
            batch.sort_by(|a, b| {
                (&a.station, a.quantity, a.day).cmp(&(&b.station, b.quantity, b.day))
            });
            store.write_days(import, &batch).unwrap();
            batch.clear();
        }
    }
    store.write_days(import, &batch).unwrap();
}

fn bench_engine(c: &mut Criterion, name: &str, store: &Store) {
    fill(store);
    let mut g = c.benchmark_group(format!("store_{name}"));
    g.throughput(Throughput::Elements(6 * 365 * 24));
    g.bench_function("station_year_hourly_frame", |b| {
        b.iter(|| {
            store
                .hourly_frame(black_box("S0123"), date(2019, 1, 1), date(2019, 12, 31))
                .unwrap()
        })
    });
    let items = day_items(date(2020, 1, 1), 0);
    g.throughput(Throughput::Elements((STATIONS * 6 * 24) as u64));
    let mut n = 0;
    g.bench_function("write_network_day_new", |b| {
        b.iter(|| {
            // A new day each time: fresh rows, as a daily import writes them.
            n += 1;
            let day = date(2020, 1, 1)
                .checked_add(jiff::Span::new().days(n))
                .unwrap();
            let batch: Vec<DayItem> = items.iter().map(|i| DayItem { day, ..i.clone() }).collect();
            store.write_days(1, &batch).unwrap()
        })
    });
    g.sample_size(10);
    g.bench_function("rewrite_network_day_unchanged", |b| {
        b.iter(|| {
            store
                .write_days(1, &day_items(date(2019, 7, 1), 181))
                .unwrap()
        })
    });
    g.finish();
    bench_ingest(c, name, store);
}

/// `Store::ingest` of a receiver batch: 4,096 real-time frames (11 factors, 620 bytes) from
/// 4,096 of 10,000 devices, each a new reading appended to its device's hash chain.
fn bench_ingest(c: &mut Criterion, name: &str, store: &Store) {
    const DEVICES: usize = 10_000;
    const BATCH: usize = 4_096;
    let devices: Vec<lantian_core::Device> = (0..DEVICES)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "mn": format!("B{i:06}"), "password": "123456", "kind": "air_micro_station"
            }))
            .unwrap()
        })
        .collect();
    store.upsert_devices(&devices).unwrap();
    let ids: Vec<i64> = store.devices().unwrap().iter().map(|d| d.id).collect();
    let values: Vec<lantian_core::FactorValue> = (0..11)
        .map(|k| lantian_core::FactorValue {
            code: format!("a3400{k}"),
            value: Some(35_000_000 + k),
            flag: Some("N".to_owned()),
            ..Default::default()
        })
        .collect();
    let vals = lantian_core::reading::encode_values(&values);
    let raw = vec![b'x'; 620];
    let mut g = c.benchmark_group(format!("ingest_{name}"));
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sample_size(10);
    let mut round = 0i64;
    g.bench_function("batch_4096_realtime_frames", |b| {
        b.iter(|| {
            round += 1;
            let frames: Vec<lantian_store::IngestFrame> = (0..BATCH)
                .map(|k| {
                    let i = (k * 7 + round as usize * BATCH) % DEVICES;
                    lantian_store::IngestFrame {
                        device_id: ids[i],
                        received_at_ms: round * 1000,
                        cn: 2011,
                        qn: None,
                        data_time: Some(1_700_000_000 + round),
                        part: 0,
                        raw: raw.clone(),
                        vals: vals.clone(),
                    }
                })
                .collect();
            store.ingest(&frames).unwrap()
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(dir.path().join("bench.db").to_str().unwrap()).unwrap();
    bench_engine(c, "sqlite", &sqlite);
    if let Ok(url) = std::env::var("LANTIAN_TEST_PG") {
        let schema = format!("lantian_bench_{}", std::process::id());
        let pg = Store::open_postgres_schema(&url, &schema).unwrap();
        bench_engine(c, "postgres", &pg);
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
