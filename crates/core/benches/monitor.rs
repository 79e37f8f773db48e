//! The alarm rules per reading: one air micro-station (11 factors, real-time every 60 s, a
//! PM2.5 limit on 10-minute means) fed a day of readings.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lantian_core::{DeviceMonitor, FactorValue, Reading, ReadingKind};

fn device() -> lantian_core::Device {
    let codes = [
        "a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01001", "a01002", "a01006",
        "a01007", "a01008",
    ];
    serde_json::from_value(serde_json::json!({
        "mn": "BENCH1", "password": "123456", "kind": "air_micro_station",
        "factors": codes.iter().map(|c| serde_json::json!({"code": c, "unit": "ug/m3", "range_max": "1000"})).collect::<Vec<_>>(),
        "intervals": {"realtime_s": 60, "minute_s": null, "hourly": false, "offline_after": 3},
        "limits": [{"factor": "a34004", "window": "minutes", "minutes": 10, "max": "75"}]
    }))
    .unwrap()
}

fn readings() -> Vec<Reading> {
    let dev = device();
    (0..1440)
        .map(|m| Reading {
            mn: "BENCH1".to_owned(),
            kind: ReadingKind::RealTime,
            data_time: 1_700_000_000 + m * 60,
            st: "22".to_owned(),
            values: dev
                .factors
                .iter()
                .enumerate()
                .map(|(k, f)| FactorValue {
                    code: f.code.clone(),
                    value: Some(((m * 7 + k as i64 * 13) % 120 + 1) * 1_000_000),
                    flag: Some("N".to_owned()),
                    ..FactorValue::default()
                })
                .collect(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dev = device();
    let day = readings();
    let mut g = c.benchmark_group("monitor");
    g.throughput(Throughput::Elements(day.len() as u64));
    g.bench_function("on_reading_day_of_realtime_11_factors", |b| {
        b.iter(|| {
            let mut m = DeviceMonitor::new(lantian_core::AbnormalRules::default());
            let mut n = 0;
            for r in &day {
                n += m.on_reading(black_box(&dev), r, r.data_time + 5).len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
