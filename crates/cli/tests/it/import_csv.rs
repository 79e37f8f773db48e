//! `lantian import csv` end to end: small hand-made vendor files into a temporary SQLite store.

use crate::{lantian, number_after, run};
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::civil::{Date, date};
use lantian_aq::{Concentration, Pollutant};
use lantian_store::{Quantity, StationLevel, Store};

/// A temporary store with the town station T01 registered.
fn store_with_t01() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lantian.db");
    let stations = dir.path().join("stations.csv");
    std::fs::write(&stations, "code,name,level\nT01,常乐镇站,town\n").unwrap();
    let (o, _, e) = run(lantian(&db).args(["import", "stations"]).arg(&stations));
    assert!(o.status.success(), "{e}");
    (dir, db)
}

/// Imports `files` with extra arguments; returns (exit code, stdout, stderr).
fn import(db: &Path, files: &[&Path], extra: &[&str]) -> (i32, String, String) {
    let (o, out, err) = run(lantian(db).args(["import", "csv"]).args(extra).args(files));
    (o.status.code().unwrap(), out, err)
}

/// The stored values of a station's pollutant on a day, by hour (the hour starting then).
fn day(db: &Path, station: &str, p: Pollutant, d: Date) -> Vec<(usize, String, u8)> {
    let store = Store::open(db.to_str().unwrap()).unwrap();
    let days = store
        .read_days(station, Quantity::Pollutant(p), d, d)
        .unwrap();
    let mut out = Vec::new();
    for (_, v) in days {
        for h in 0..24 {
            if let Some(c) = v.values[h] {
                out.push((h, c.to_string(), v.flags[h]));
            }
        }
    }
    out
}

const VENDOR: &str = "\
station,time,pollutant,value,flag
T01,2024-03-01 01:00,PM2.5,35,N
T01,2024-03-01 02:00,PM2.5,36.5,
T01,2024-03-02 00:00,PM2.5,40,
T01,2024-03-01 01:00,CO,0.8,
T01,2024-03-01 02:00,O3,,
";

#[test]
fn utf8_file_is_stored_once() {
    let (dir, db) = store_with_t01();
    let file = dir.path().join("vendor.csv");
    std::fs::write(&file, VENDOR).unwrap();
    let (code, out, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert_eq!(number_after(&out, "values in the files:"), 4, "{out}");
    assert_eq!(number_after(&out, "stored now:"), 4, "{out}");
    assert!(
        out.contains("vendor.csv: UTF-8, 5 rows, 0 rejected"),
        "{out}"
    );
    assert!(out.contains("(rows without a value, skipped: 1)"), "{out}");
    assert!(
        out.contains("hours starting 2024-03-01 00:00 … 2024-03-01 23:00"),
        "{out}"
    );
    // End labels: "01:00" is the hour starting 00:00; "03-02 00:00" the last hour of 03-01.
    let d = date(2024, 3, 1);
    assert_eq!(
        day(&db, "T01", Pollutant::Pm25, d),
        [
            (0, "35".to_owned(), b'N'),
            (1, "36.5".to_owned(), 0),
            (23, "40".to_owned(), 0)
        ]
    );
    assert_eq!(
        day(&db, "T01", Pollutant::Co, d),
        [(0, "0.8".to_owned(), 0)]
    );
    {
        let store = Store::open(db.to_str().unwrap()).unwrap();
        let runs = store.import_runs().unwrap();
        let last = runs.last().unwrap();
        assert_eq!(last.kind, "csv");
        let summary = last.summary.as_deref().unwrap();
        assert!(summary.contains("\"values_stored\":4"), "{summary}");
        assert!(summary.contains("\"encoding\":\"UTF-8\""), "{summary}");
    }

    // The same file again: nothing new, and it says so.
    let (code, again, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 0, "{err}\n{again}");
    assert_eq!(number_after(&again, "stored now:"), 0, "{again}");
    assert_eq!(number_after(&again, "already stored (unchanged):"), 4);
    assert!(
        again.contains("nothing new: every value was already stored"),
        "{again}"
    );
    let store = Store::open(db.to_str().unwrap()).unwrap();
    assert_eq!(store.value_count(None).unwrap(), 4);
    assert!(store.conflicts(None).unwrap().is_empty());
}

#[test]
fn gbk_file_with_chinese_header_and_start_labels() {
    let (dir, db) = store_with_t01();
    let text = "\
站点编码,站点名称,监测时间,污染物,浓度(μg/m3),数据标记
T01,常乐镇站,2024/03/01 00:00,细颗粒物,35,
T01,常乐镇站,2024/03/01 01:00,二氧化氮,20,
T01,常乐镇站,2024030102,a34002,60,
";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let file = dir.path().join("镇站.csv");
    std::fs::write(&file, &gbk).unwrap();
    let (code, out, err) = import(&db, &[&file], &["--time-label", "start"]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(
        out.contains("镇站.csv: GB18030, 3 rows, 0 rejected"),
        "{out}"
    );
    assert!(
        out.contains("columns station=站点编码, time=监测时间"),
        "{out}"
    );
    assert_eq!(number_after(&out, "stored now:"), 3, "{out}");
    let d = date(2024, 3, 1);
    assert_eq!(
        day(&db, "T01", Pollutant::Pm25, d),
        [(0, "35".to_owned(), 0)]
    );
    assert_eq!(
        day(&db, "T01", Pollutant::No2, d),
        [(1, "20".to_owned(), 0)]
    );
    assert_eq!(
        day(&db, "T01", Pollutant::Pm10, d),
        [(2, "60".to_owned(), 0)]
    );
}

#[test]
fn undecodable_bytes_reject_only_their_rows() {
    let (dir, db) = store_with_t01();
    let (bytes, _, _) =
        encoding_rs::GBK.encode("站点编码,监测时间,污染物,浓度\nT01,2024-03-01 01:00,臭氧,80\n");
    let mut bytes = bytes.into_owned();
    bytes.extend_from_slice(b"T01,2024-03-01 02:00,O3,8\xFF\n");
    bytes.extend_from_slice(b"T01,2024-03-01 03:00,O3,82\n");
    let file = dir.path().join("bad-bytes.csv");
    std::fs::write(&file, &bytes).unwrap();
    let (code, out, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 1, "{err}\n{out}");
    assert!(
        err.contains("bad-bytes.csv: line 3: undecodable bytes"),
        "{err}"
    );
    assert!(
        err.contains("bad-bytes.csv: line 3: 1 character undecodable, neither UTF-8 nor GBK"),
        "{err}"
    );
    assert!(out.contains("GB18030 (1 character undecodable)"), "{out}");
    assert_eq!(number_after(&out, "stored now:"), 2, "{out}");
}

#[test]
fn conflicting_reimport_keeps_the_first_value() {
    let (dir, db) = store_with_t01();
    let first = dir.path().join("vendor.csv");
    std::fs::write(&first, VENDOR).unwrap();
    let (code, _, err) = import(&db, &[&first], &[]);
    assert_eq!(code, 0, "{err}");
    let later = dir.path().join("later.csv");
    std::fs::write(
        &later,
        "station,time,pollutant,value\n\
         T01,2024-03-01 03:00,PM2.5,37\n\
         T01,2024-03-01 02:00,PM2.5,36\n\
         T01,2024-03-01 01:00,PM2.5,35\n",
    )
    .unwrap();
    let (code, out, err) = import(&db, &[&later], &[]);
    assert_eq!(code, 1, "{err}\n{out}");
    assert!(
        err.contains(
            "later.csv: line 3: T01 PM2.5 the hour 2024-03-01 01:00–02:00: 36 differs from the \
             stored 36.5, which is kept"
        ),
        "{err}"
    );
    assert_eq!(number_after(&out, "stored now:"), 1, "{out}");
    assert_eq!(
        number_after(&out, "already stored (unchanged):"),
        1,
        "{out}"
    );
    assert_eq!(number_after(&out, "conflicting with stored (kept):"), 1);
    let stored = day(&db, "T01", Pollutant::Pm25, date(2024, 3, 1));
    assert_eq!(stored[1], (1, "36.5".to_owned(), 0));
    assert_eq!(stored[2], (2, "37".to_owned(), 0));
    let store = Store::open(db.to_str().unwrap()).unwrap();
    let conflicts = store.conflicts(None).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].origin, "later.csv");
    assert_eq!(conflicts[0].hour, 1);
    assert_eq!(conflicts[0].kept, Concentration::parse("36.5").unwrap());
}

#[test]
fn bad_rows_are_reported_with_file_and_line() {
    let (dir, db) = store_with_t01();
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "station,time,pollutant,value,flag\n\
         T01,2024-03-01 01:00,PM10,50,\n\
         T01,2024-03-01 01:30,PM10,51,\n\
         T01,2024-03-01 02:00,PM10,-5,\n\
         T01,2024-03-01 03:00,TSP,120,\n\
         T01,2024-03-01 04:00,PM10\n\
         T01,2024-13-01 05:00,PM10,52,\n\
         T01,2024-03-01 01:00,PM10,55,\n\
         T01,2024-03-01 01:00,PM10,50,\n\
         T01,2024-03-01 06:00,PM10,53,XY\n\
         T01,2024-03-01 07:00,PM10,54,\n\
         T01,2024-03-05 07:00,PM10,54,\n",
    )
    .unwrap();
    let (code, out, err) = import(&db, &[&file], &["--to", "2024-03-04"]);
    assert_eq!(code, 1, "{err}\n{out}");
    for expected in [
        "bad.csv: line 3: time \"2024-03-01 01:30\" is not on the hour",
        "bad.csv: line 4: value \"-5\": negative concentration",
        "bad.csv: line 5: pollutant \"TSP\" is not one of the six basic pollutants",
        "bad.csv: line 6: 3 fields, the header has 5",
        "bad.csv: line 7: time \"2024-13-01 05:00\": no such date",
        "bad.csv: line 8: T01 PM10 the hour 2024-03-01 00:00–01:00: 55 differs from 50 on \
         line 2 of bad.csv (the first is kept)",
        "bad.csv: line 10: flag \"XY\"",
        "bad.csv: line 12: time \"2024-03-05 07:00\" (the hour 2024-03-05 06:00–07:00) is \
         outside the expected period (up to 2024-03-04)",
    ] {
        assert!(err.contains(expected), "{expected}\n---\n{err}");
    }
    assert_eq!(number_after(&out, "stored now:"), 2, "{out}");
    assert_eq!(number_after(&out, "repeated in the input, same value:"), 1);
    assert_eq!(
        number_after(&out, "conflicting within the input (first kept):"),
        1
    );
    assert_eq!(number_after(&out, "rejected:"), 7, "{out}");
    assert_eq!(
        day(&db, "T01", Pollutant::Pm10, date(2024, 3, 1)),
        [(0, "50".to_owned(), 0), (6, "54".to_owned(), 0)]
    );
}

#[test]
fn unknown_stations_are_rejected_or_registered() {
    let (dir, db) = store_with_t01();
    let file = dir.path().join("micro.csv");
    std::fs::write(
        &file,
        "code,datetime,factor,value\n\
         T01,2024030101,SO2,5\n\
         W07,2024030101,SO2,6\n\
         W07,2024030102,SO2,7\n",
    )
    .unwrap();
    let (code, out, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 1, "{err}\n{out}");
    assert!(
        err.contains("micro.csv: line 3: station W07 is not registered: 2 values not imported"),
        "{err}"
    );
    assert_eq!(number_after(&out, "stored now:"), 1, "{out}");

    let (code, out, err) = import(&db, &[&file], &["--register-unknown"]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(
        out.contains("stations registered (unclassified): W07"),
        "{out}"
    );
    assert_eq!(number_after(&out, "stored now:"), 2, "{out}");
    let store = Store::open(db.to_str().unwrap()).unwrap();
    let w07 = store
        .stations()
        .unwrap()
        .into_iter()
        .find(|s| s.code == "W07")
        .unwrap();
    assert_eq!(w07.level, StationLevel::Unclassified);
    assert_eq!(w07.source, "micro.csv");
}

#[test]
fn column_mapping() {
    let (dir, db) = store_with_t01();
    let file = dir.path().join("mapped.csv");
    std::fs::write(&file, "站,采样时间,因子,值\nT01,2024-03-01 01:00,NO2,30\n").unwrap();
    // Unknown names: the file is not imported, and nothing could be: an error.
    let (code, _, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("mapped.csv: line 1: no station column (looked for station, code, 站点编码"),
        "{err}"
    );
    assert!(
        err.contains("the header has: 站, 采样时间, 因子, 值"),
        "{err}"
    );
    let (code, _, err) = import(&db, &[&file], &["--columns", "station=站,time=时间"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--columns time=时间: no such column; the header has: 站, 采样时间, 因子, 值"),
        "{err}"
    );
    let (code, _, err) = import(&db, &[&file], &["--columns", "site=站"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field \"site\""), "{err}");
    let (code, out, err) = import(
        &db,
        &[&file],
        &[
            "--columns",
            "station=站,time=采样时间,pollutant=因子,value=值",
        ],
    );
    assert_eq!(code, 0, "{err}\n{out}");
    assert_eq!(
        day(&db, "T01", Pollutant::No2, date(2024, 3, 1)),
        [(0, "30".to_owned(), 0)]
    );
}

#[test]
fn truncated_compressed_file_keeps_the_rows_before_the_cut() {
    let (dir, db) = store_with_t01();
    let mut text = String::from("station,time,pollutant,value\n");
    let mut rows = 0;
    for d in 1..=28 {
        for h in 1..=24 {
            for p in ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3"] {
                let (day, hour) = if h == 24 { (d + 1, 0) } else { (d, h) };
                let month = if day > 28 { 3 } else { 2 };
                let day = if day > 28 { 1 } else { day };
                text.push_str(&format!(
                    "T01,2023-{month:02}-{day:02} {hour:02}:00,{p},{}\n",
                    (d * 7 + h) % 90 + 1
                ));
                rows += 1;
            }
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let full = gz.finish().unwrap();
    let file = dir.path().join("cut.csv.gz");
    std::fs::write(&file, &full[..full.len() / 2]).unwrap();
    let (code, out, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 1, "{err}\n{out}");
    assert!(err.contains("the file ends here, cut short"), "{err}");
    assert!(out.contains("(0 unreadable, 1 truncated)"), "{out}");
    let stored = number_after(&out, "stored now:");
    assert!(stored > 0 && stored < rows, "{stored} of {rows}\n{out}");
    assert_eq!(number_after(&out, "rejected:"), 0, "{out}");

    // The whole file afterwards: the rest is added, nothing conflicts.
    std::fs::write(&file, &full).unwrap();
    let (code, out, err) = import(&db, &[&file], &[]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert_eq!(number_after(&out, "stored now:"), rows - stored, "{out}");
    assert_eq!(number_after(&out, "already stored (unchanged):"), stored);
}
