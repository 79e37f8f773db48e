//! Fire points on the real data: the FIRMS detections in the Jiangsu/Shanghai rectangle
//! attributed to the cities of Jiangsu and the districts of Nantong (DataV polygons, GCJ-02,
//! converted to WGS-84 first), pinned and hand-checked; the FIRMS files of every layout read.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use lantian_fire::{Region, Regions, parse};

/// The features of a DataV GeoJSON (GCJ-02), in WGS-84.
fn regions(rel: &str, level: &str) -> Vec<Region> {
    let text = String::from_utf8(lantian_testdata::read(rel)).unwrap();
    lantian_fire::regions_from_geojson(&text, level, lantian_core::geo::gcj02_to_wgs84).unwrap()
}

#[test]
fn jiangsu_detections_fall_in_the_right_cities_and_districts() {
    let mut all = regions("boundaries/320000_full.json", "city");
    all.extend(regions("boundaries/320600_full.json", "district"));
    let r = Regions::new(all);
    let text = String::from_utf8(lantian_testdata::read(
        "firms/jiangsu_shanghai_bbox_extract.csv",
    ))
    .unwrap();
    let p = parse(&text).unwrap();
    assert_eq!((p.detections.len(), p.errors.len()), (197, 0));
    let mut per: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut outside = 0;
    let mut near = 0;
    for d in &p.detections {
        let a = r.attribute(d.lon, d.lat, 5.0);
        if a.inside.is_empty() {
            outside += 1;
            near += usize::from(a.near.is_some());
        }
        for code in a.inside {
            let name = r.get(&code).unwrap().name.clone();
            *per.entry(name).or_default() += 1;
        }
    }
    eprintln!("{per:?}; outside Jiangsu {outside} (within 5 km: {near})");
    // Nantong's districts: as the data README counts them (海安 6, 如皋 3, 如东 3).
    assert_eq!(per.get("海安市"), Some(&6));
    assert_eq!(per.get("如皋市"), Some(&3));
    assert_eq!(per.get("如东县"), Some(&3));
    assert_eq!(
        per.get("南通市"),
        Some(&12),
        "the city holds its districts' points"
    );
    assert_eq!(per.get("海门区"), None, "no point inside Haimen");
    // Hand-checked against the map: 32.4925 N 120.4544 E is some 4 km south of 海安's town
    // centre (32.53 N 120.46 E), well inside the 海安市 polygon.
    let hai_an = p
        .detections
        .iter()
        .find(|d| {
            r.attribute(d.lon, d.lat, 0.0)
                .inside
                .iter()
                .any(|c| r.get(c).unwrap().name == "海安市")
        })
        .unwrap();
    assert_eq!(
        (
            format!("{:.4},{:.4}", hai_an.lat, hai_an.lon),
            hai_an.at.to_string()
        ),
        (
            "32.4925,120.4544".to_owned(),
            "2023-08-01T05:14:00Z".to_owned()
        )
    );
}

#[test]
fn the_jiangsu_extract_merges_into_incidents() {
    let text = String::from_utf8(lantian_testdata::read(
        "firms/jiangsu_shanghai_bbox_extract.csv",
    ))
    .unwrap();
    let p = parse(&text).unwrap();
    let m = lantian_fire::merge(&p.detections, lantian_fire::MergeRule::default());
    let multi = m.iter().filter(|i| i.detections.len() > 1).count();
    eprintln!(
        "{} detections, {} incidents, {multi} with more than one detection",
        p.detections.len(),
        m.len()
    );
    // Every detection is in exactly one incident.
    let mut all: Vec<usize> = m
        .iter()
        .flat_map(|i| i.detections.iter().copied())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..p.detections.len()).collect::<Vec<_>>());
    // Hand-checked: the pairs within 1 km and 24 h are four of neighbouring pixels of one pass
    // (2021-02-12 04:40 A, 2021-02-13 05:25 A, 2023-08-02 01:58 T, 2025-11-24 06:29 A) and two
    // of Terra and Aqua passes (2025-11-23 13:14 T with 19:29 A; 2025-11-23 19:32 A with
    // 2025-11-24 01:17 T). Points 0.97 km apart on 2021-02-12 04:40 and 2021-02-13 05:25 are
    // 24 h 45 min apart: two fires. Same places in other years are other fires.
    assert_eq!((m.len(), multi), (191, 6));
    assert!(
        m.iter()
            .all(|i| (i.last.as_second() - i.first.as_second()) <= 24 * 3600)
    );
}

#[test]
fn every_firms_layout_reads_without_error() {
    for f in [
        "firms/MODIS_C6_Global_MCD14DL_NRT_2019052.csv.gz",
        "firms/MODIS_C6_Global_24h__2020-09-30.csv.gz",
        "firms/MODIS_C6_1_Global_24h__2023-08-01.csv.gz",
        "firms/fire_nrt_V1_157511.csv.gz",
        "firms/fire_nrt_J1V-C2_157510.csv.gz",
        "firms/fire_nrt_M6_157509.csv.gz",
    ] {
        let text = String::from_utf8(lantian_testdata::read(f)).unwrap();
        let p = parse(&text).unwrap();
        assert!(
            p.errors.is_empty(),
            "{f}: {:?}",
            &p.errors[..p.errors.len().min(3)]
        );
        assert!(p.detections.len() > 5000, "{f}: {}", p.detections.len());
        let viirs = p.detections.iter().filter(|d| d.source == "VIIRS").count();
        if f.contains("V1_") || f.contains("J1V") {
            assert_eq!(viirs, p.detections.len(), "{f}");
        } else {
            assert_eq!(viirs, 0, "{f}");
        }
    }
}
