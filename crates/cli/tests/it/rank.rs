//! `lantian rank` on the real 2019 data: Jiangsu's cities and Nantong's areas ranked by the
//! composite index from raw hourly values, each place's index the one `lantian assess` gives,
//! ties shared.

use crate::{lantian, run};

#[test]
fn nantong_areas_and_jiangsu_cities_rank_from_raw_hourly_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    crate::emergency::january_2019(&db);
    let period = ["--from", "2019-01-14", "--to", "2019-01-27"];
    let (out, areas, stderr) = run(lantian(&db)
        .args(["rank", "--areas", "320614,320600-urban-2019"])
        .args(period));
    assert!(out.status.success(), "{stderr}");
    // Each area's composite index is the one its assessment reports.
    for (key, station) in [("320614", "2008A"), ("320600-urban-2019", "1168A")] {
        let (_, json, _) = run(lantian(&db)
            .args(["assess", "--area", key, "--format", "json"])
            .args(period));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let index = v["composite_index"].as_str().unwrap().to_owned();
        let row: Vec<&str> = areas
            .lines()
            .find(|l| l.contains(station))
            .unwrap()
            .split('\t')
            .collect();
        assert_eq!(row[2].trim_end_matches("（数据不足）"), index, "{areas}");
    }
    let (out, cities, stderr) = run(lantian(&db)
        .args(["rank", "--province", "江苏"])
        .args(period));
    assert!(out.status.success(), "{stderr}");
    insta::assert_snapshot!(format!("{areas}\n{cities}"));
    // Ranks are 1..n with shared ranks skipping: every rank r is at most its line number.
    for (i, l) in cities.lines().skip(1).enumerate() {
        let r: usize = l.split('\t').next().unwrap().parse().unwrap();
        assert!(r <= i + 1, "{l}");
    }
    let (out, _, stderr) = run(lantian(&db).args(["rank", "--province", "江苏"]));
    assert!(!out.status.success());
    assert!(stderr.contains("give a period"), "{stderr}");
}
