//! criterion benches: the hourly AQI, daily aggregation of a station-year, and the annual
//! HJ 663 assessment.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jiff::civil::date;
use lantian_aq::assess::{Period, assess};
use lantian_aq::time::midnight;
use lantian_aq::{
    Concentration, Config, HourlyFrame, HourlyInputs, Pollutant, RuleSet, daily_records,
    hourly_aqi, hourly_aqi_value,
};

/// A full station-year of integer hourly values following smooth daily and seasonal cycles.
fn year() -> HourlyFrame<Concentration> {
    let hours = 365 * 24;
    let mut f = HourlyFrame::empty(midnight(date(2019, 1, 1)), hours);
    for i in 0..hours {
        let t = i as f64;
        let wave = |period: f64, amp: f64, mid: f64| {
            mid + amp * (t / period * std::f64::consts::TAU).sin()
        };
        let v = |p: Pollutant| match p {
            Pollutant::So2 => wave(24.0, 4.0, 9.0),
            Pollutant::No2 => wave(24.0, 15.0, 30.0),
            Pollutant::Pm10 => wave(8760.0, 40.0, 70.0) + wave(24.0, 10.0, 0.0),
            Pollutant::Co => wave(8760.0, 0.4, 0.9),
            Pollutant::O3 => wave(24.0, 70.0, 90.0),
            Pollutant::Pm25 => wave(8760.0, 30.0, 45.0) + wave(24.0, 8.0, 0.0),
        };
        for p in Pollutant::ALL {
            let micros = (v(p).max(0.0) * 10.0).round() as i64 * 100_000;
            f.columns[p][i] = Some(Concentration::from_micros(micros).unwrap());
        }
    }
    f
}

fn bench(c: &mut Criterion) {
    let cfg = Config::default();
    let frame = year();
    let inputs: Vec<HourlyInputs> = (0..frame.len())
        .map(|i| {
            let mut h = HourlyInputs::default();
            for p in Pollutant::ALL {
                h.hour[p] = frame.columns[p][i];
            }
            h
        })
        .collect();

    let mut g = c.benchmark_group("hourly_aqi");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    for (name, rules) in [
        ("gb2012", RuleSet::Gb2012),
        ("gb2026", RuleSet::Gb2026Transitional),
    ] {
        g.bench_function(format!("report_{name}"), |b| {
            b.iter(|| {
                for h in &inputs {
                    black_box(hourly_aqi(black_box(h), rules, &cfg).unwrap());
                }
            })
        });
        g.bench_function(format!("value_{name}"), |b| {
            b.iter(|| {
                for h in &inputs {
                    black_box(hourly_aqi_value(black_box(h), rules, &cfg).unwrap());
                }
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("station_year");
    g.throughput(Throughput::Elements(frame.len() as u64));
    g.bench_function("daily_records", |b| {
        b.iter(|| daily_records(black_box(&frame), &cfg))
    });
    let days = daily_records(&frame, &cfg);
    g.bench_function("annual_assessment", |b| {
        b.iter_batched(
            || days.clone(),
            |d| assess(black_box(&d), Period::Year(2019), &cfg).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
