//! `lantian rank` on the real 2019 data: Jiangsu's 13 prefecture-level cities (each on its own
//! urban stations), its county-level units and Nantong's areas ranked by the composite index
//! from raw hourly values, each place's index the one `lantian assess` gives, ties shared.

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

/// Each station's 2019 PM2.5 from the raw hourly values of the Nantong extract, computed here
/// on its own: an hour labelled 0 belongs to the day before (CNEMC labels the hour's end), a day
/// counts with at least 20 hours, the year is the mean of the days.
fn pm25_2019_by_hand() -> std::collections::BTreeMap<String, f64> {
    use std::collections::BTreeMap;
    use std::io::BufRead;
    let file = std::fs::File::open(lantian_testdata::path(
        "cnemc/extract_nantong_haimen_2019.csv.gz",
    ))
    .unwrap();
    let mut lines = std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let header = lines.next().unwrap().unwrap();
    let stations: Vec<String> = header.split(',').skip(3).map(str::to_owned).collect();
    // (station, day) → hourly values.
    let mut days: BTreeMap<(usize, jiff::civil::Date), Vec<f64>> = BTreeMap::new();
    for line in lines {
        let line = line.unwrap();
        let f: Vec<&str> = line.trim_end().split(',').collect();
        if f[2] != "PM2.5" {
            continue;
        }
        let mut day: jiff::civil::Date = jiff::civil::Date::strptime("%Y%m%d", f[0]).unwrap();
        if f[1] == "0" {
            day = day.yesterday().unwrap();
        }
        for (i, v) in f[3..].iter().enumerate() {
            if let Ok(v) = v.parse::<f64>() {
                days.entry((i, day)).or_default().push(v);
            }
        }
    }
    let mut sums: BTreeMap<usize, (f64, u32)> = BTreeMap::new();
    for ((i, day), v) in days {
        if day.year() == 2019 && v.len() >= 20 {
            let e = sums.entry(i).or_default();
            e.0 += v.iter().sum::<f64>() / v.len() as f64;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(i, (s, n))| (stations[i].clone(), s / f64::from(n)))
        .collect()
}

#[test]
fn the_district_and_the_city_rank_on_the_whole_of_2019() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    let data = lantian_testdata::path("");
    let list = data.join("stations/match1.csv");
    let (out, _, stderr) = run(lantian(&db).args(["import", "stations"]).arg(&list));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(lantian(&db).args(["import", "areas"]));
    assert!(out.status.success(), "{stderr}");
    // Jiangsu's national stations, the whole year (the other provinces' values are skipped).
    let list_text = std::fs::read_to_string(&list).unwrap();
    let jiangsu = stations_where(&list_text, 2, "江苏");
    assert_eq!(jiangsu.len(), 111);
    let (out, _, stderr) = run(lantian(&db)
        .args([
            "import",
            "cnemc",
            "--quiet",
            "--stations",
            &jiangsu.join(","),
        ])
        .arg(data.join("cnemc/china_sites_2019")));
    // Two rows of the source are short (02-20 and 04-24): named, left out, the rest stored.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("china_sites_20190220.csv.xz: line 107: 932 fields, header has 1608"),
        "{stderr}"
    );

    // Haimen among Nantong's areas with 2019 data: each composite index is the one
    // `lantian assess` gives for the area's year. No annual figure is valid: the 2019 files
    // lack days (08-22 to 10-31 above all), so every area is marked 数据不足 and still ranked.
    let (out, json, stderr) = run(lantian(&db).args([
        "rank",
        "--areas",
        "haimen,nantong",
        "--year",
        "2019",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    for (row, key) in rows
        .as_array()
        .unwrap()
        .iter()
        .zip(["320614", "320600-urban-2019"])
    {
        assert_eq!(row["figures"]["key"], key);
        let (_, a, _) = run(lantian(&db).args([
            "assess", "--area", key, "--year", "2019", "--format", "json",
        ]));
        let a: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(row["figures"]["composite"], a["composite_index"], "{key}");
        assert_eq!(row["figures"]["composite_valid"], false);
    }
    assert_eq!(rows[0]["composite_rank"], 1);
    assert_eq!(rows[1]["composite_rank"], 2);

    // Each station's PM2.5 agrees with the mean computed by hand from the raw hourly values.
    let by_hand = pm25_2019_by_hand();
    assert_eq!(by_hand.len(), 7);
    let codes: Vec<&str> = by_hand.keys().map(String::as_str).collect();
    let (out, json, stderr) = run(lantian(&db).args([
        "rank",
        "--stations",
        &codes.join(","),
        "--year",
        "2019",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    for row in rows.as_array().unwrap() {
        let code = row["figures"]["key"].as_str().unwrap();
        let ours: f64 = row["figures"]["pm25"].as_str().unwrap().parse().unwrap();
        let hand = by_hand[code];
        assert!((ours - hand).abs() <= 0.6, "{code}: {ours} vs {hand:.2}");
    }

    // Jiangsu's 13 prefecture-level cities, each on its own urban stations (issue #28): the
    // county-level units are not among them, and each city's PM2.5 agrees with a mean computed
    // here from the raw files.
    let (out, json, stderr) =
        run(lantian(&db).args(["rank", "--province", "江苏", "--year", "2019", "--json"]));
    assert!(out.status.success(), "{stderr}");
    let ranked: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ranked = ranked.as_array().unwrap();
    let names: std::collections::BTreeSet<&str> = ranked
        .iter()
        .map(|r| r["figures"]["name"].as_str().unwrap())
        .collect();
    let thirteen = [
        "南京",
        "无锡",
        "徐州",
        "常州",
        "苏州",
        "南通",
        "连云港",
        "淮安",
        "盐城",
        "扬州",
        "镇江",
        "泰州",
        "宿迁",
    ];
    assert_eq!(names, thirteen.into_iter().collect());
    let urban = |city: &str| stations_where(&list_text, 1, city);
    let cities: Vec<(String, Vec<String>)> = thirteen
        .iter()
        .map(|c| ((*c).to_owned(), urban(c)))
        .collect();
    let by_hand = city_pm25_2019_by_hand(&cities);
    for r in ranked {
        let name = r["figures"]["name"].as_str().unwrap();
        let mut stations: Vec<String> = r["figures"]["stations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        stations.sort();
        let mut expected = urban(name);
        expected.sort();
        assert_eq!(stations, expected, "{name}: its own urban stations");
        let ours: f64 = r["figures"]["pm25"].as_str().unwrap().parse().unwrap();
        let hand = by_hand[name];
        assert!((ours - hand).abs() <= 0.6, "{name}: {ours} vs {hand:.2}");
    }
    let (out, cities_table, stderr) =
        run(lantian(&db).args(["rank", "--province", "江苏", "--year", "2019"]));
    assert!(out.status.success(), "{stderr}");
    let row = |table: &str, name: &str| {
        table
            .lines()
            .find(|l| l.split('\t').nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no {name} in\n{table}"))
            .split('\t')
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    // 南通's row is the urban area's five stations, the same index as the configured area.
    assert_eq!(
        row(&cities_table, "南通")[2],
        format!("{}（数据不足）", rows_composite(&db, "nantong"))
    );
    insta::assert_snapshot!(cities_table);
    // The county-level units in their own table: 海门 in 2019 is 海门市 of 南通 (a district only
    // from 2020-07-03), on its own two stations.
    let (out, counties, stderr) =
        run(lantian(&db).args(["rank", "--province", "江苏", "--counties", "--year", "2019"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(counties.lines().count(), 1 + 11, "{counties}");
    assert_eq!(
        row(&counties, "海门市（南通）")[2],
        format!("{}（数据不足）", rows_composite(&db, "haimen"))
    );
    insta::assert_snapshot!("jiangsu_counties_2019", counties);
}

/// Each city's 2019 PM2.5 from the raw hourly values of the 364 national files, computed here on
/// its own (HJ 663): a station's day with at least 20 hours is the mean of its hours (an hour
/// labelled 0 belongs to the day before), the city's day is the mean of its stations' valid
/// days, the year is the mean of the city's days.
fn city_pm25_2019_by_hand(
    cities: &[(String, Vec<String>)],
) -> std::collections::BTreeMap<String, f64> {
    use std::collections::BTreeMap;
    // (station, day) → (sum, hours)
    let mut hours: BTreeMap<(String, jiff::civil::Date), (f64, u32)> = BTreeMap::new();
    let wanted: std::collections::BTreeSet<&str> = cities
        .iter()
        .flat_map(|(_, s)| s.iter().map(String::as_str))
        .collect();
    let dir = lantian_testdata::path("cnemc/china_sites_2019");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for f in files {
        let text = String::from_utf8(lantian_testdata::read(format!(
            "cnemc/china_sites_2019/{f}"
        )))
        .unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().trim_end().split(',').collect();
        // Columns by name (the column set changes over the year; 3207A is there twice).
        let cols: Vec<(usize, &str)> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| wanted.contains(*h))
            .map(|(i, h)| (i, *h))
            .collect();
        for line in lines {
            let mut head = line.splitn(4, ',');
            let (Some(date), Some(hour), Some("PM2.5")) = (head.next(), head.next(), head.next())
            else {
                continue;
            };
            let mut day = jiff::civil::Date::strptime("%Y%m%d", date).unwrap();
            if hour == "0" {
                day = day.yesterday().unwrap();
            }
            let fields: Vec<&str> = line.trim_end().split(',').collect();
            for (i, code) in &cols {
                if let Some(v) = fields.get(*i).and_then(|v| v.parse::<f64>().ok()) {
                    let e = hours.entry(((*code).to_owned(), day)).or_default();
                    e.0 += v;
                    e.1 += 1;
                }
            }
        }
    }
    cities
        .iter()
        .map(|(city, stations)| {
            let mut days: BTreeMap<jiff::civil::Date, Vec<f64>> = BTreeMap::new();
            for ((code, day), (sum, n)) in &hours {
                if day.year() == 2019 && *n >= 20 && stations.contains(code) {
                    days.entry(*day).or_default().push(sum / f64::from(*n));
                }
            }
            let daily: Vec<f64> = days
                .values()
                .map(|v| v.iter().sum::<f64>() / v.len() as f64)
                .collect();
            (city.clone(), daily.iter().sum::<f64>() / daily.len() as f64)
        })
        .collect()
}

/// The codes (without the list's `X`) of the station-list rows whose column `col` (1 city,
/// 2 province) is `value`.
fn stations_where(list: &str, col: usize, value: &str) -> Vec<String> {
    list.lines()
        .filter(|l| l.split(',').nth(col) == Some(value))
        .map(|l| {
            l.split(',')
                .next()
                .unwrap()
                .trim_start_matches('X')
                .to_owned()
        })
        .collect()
}

fn rows_composite(db: &std::path::Path, area: &str) -> String {
    let (_, a, _) = run(lantian(db).args([
        "assess", "--area", area, "--year", "2019", "--format", "json",
    ]));
    let a: serde_json::Value = serde_json::from_str(&a).unwrap();
    a["composite_index"].as_str().unwrap().to_owned()
}
