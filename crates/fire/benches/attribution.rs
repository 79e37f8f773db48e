//! Attribution of a whole day's global FIRMS file (MODIS, 2020-09-30: 40,196 detections) to the
//! cities of Jiangsu and the districts of Nantong, with the R-tree; parsing measured apart.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};

fn regions(rel: &str, level: &str) -> Vec<lantian_fire::Region> {
    let text = String::from_utf8(lantian_testdata::read(rel)).unwrap();
    lantian_fire::regions_from_geojson(&text, level, lantian_core::geo::gcj02_to_wgs84).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut all = regions("boundaries/320000_full.json", "city");
    all.extend(regions("boundaries/320600_full.json", "district"));
    let regions = lantian_fire::Regions::new(all);
    let text = String::from_utf8(lantian_testdata::read(
        "firms/MODIS_C6_Global_24h__2020-09-30.csv.gz",
    ))
    .unwrap();
    let parsed = lantian_fire::parse(&text).unwrap();
    let mut g = c.benchmark_group("firms_global_day");
    g.sample_size(20);
    g.bench_function("parse", |b| {
        b.iter(|| lantian_fire::parse(&text).unwrap().detections.len())
    });
    g.bench_function("attribute_with_near_5km", |b| {
        b.iter(|| {
            parsed
                .detections
                .iter()
                .filter(|d| !regions.attribute(d.lon, d.lat, 5.0).inside.is_empty())
                .count()
        })
    });
    g.bench_function("merge_into_incidents", |b| {
        b.iter(|| lantian_fire::merge(&parsed.detections, lantian_fire::MergeRule::default()).len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
