//! `lantian import …` and `lantian assess` end to end, on the real 2019 files, in SQLite (and
//! PostgreSQL when `LANTIAN_TEST_PG` is set).

use crate::{lantian, number_after, run};
use std::path::PathBuf;

fn sites() -> PathBuf {
    lantian_testdata::path("cnemc/china_sites_2019")
}

/// Non-empty cells of the six concentration rows, counted independently of lantian's reader.
fn concentration_cells(files: &[PathBuf]) -> u64 {
    let mut n = 0;
    for f in files {
        let rel = f.strip_prefix(lantian_testdata::data_dir()).unwrap_or(f);
        let bytes = lantian_testdata::read(rel);
        let text = String::from_utf8(bytes).unwrap();
        for line in text.lines().skip(1) {
            let mut fields = line.trim_end_matches('\r').split(',');
            let ty = fields.nth(2).unwrap_or("");
            if ["PM2.5", "PM10", "SO2", "NO2", "O3", "CO"].contains(&ty) {
                n += fields.filter(|v| !v.is_empty()).count() as u64;
            }
        }
    }
    n
}

fn january_files() -> Vec<PathBuf> {
    (1..=31)
        .map(|d| sites().join(format!("china_sites_201901{d:02}.csv.xz")))
        .collect()
}

#[test]
fn january_import_stores_every_cell_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let db = db.to_str().unwrap();
    let (o, _, e) = run(lantian(db)
        .args(["import", "stations"])
        .arg(lantian_testdata::path("stations/match1.csv")));
    assert!(o.status.success(), "{e}");
    let glob = format!("{}/china_sites_201901*", sites().display());
    let (o, first, e) = run(lantian(db).args(["import", "cnemc", "--register-unknown", &glob]));
    assert!(o.status.success(), "{e}\n{first}");
    let cells = concentration_cells(&january_files());
    assert!(cells > 6_000_000);
    assert_eq!(
        number_after(&first, "concentration values in the files:"),
        cells
    );
    assert_eq!(number_after(&first, "stored now:"), cells, "{first}");
    // The same files again: nothing new, and it says so.
    let (o, again, e) = run(lantian(db).args(["import", "cnemc", "--quiet", &glob]));
    assert!(o.status.success(), "{e}\n{again}");
    assert_eq!(number_after(&again, "stored now:"), 0);
    assert_eq!(number_after(&again, "already stored (unchanged):"), cells);
    assert!(
        again.contains("nothing new: every value was already stored"),
        "{again}"
    );
}

/// Imports the configured stations' 2019 values into `db`.
fn import_2019_areas(db: &str) {
    let (o, _, e) = run(lantian(db).args(["import", "areas"]));
    assert!(o.status.success(), "{e}");
    let stations = "1168A,1169A,1170A,1171A,1172A,2008A,2009A";
    let (o, out, e) = run(lantian(db)
        .args(["import", "cnemc", "--quiet", "--stations", stations])
        .arg(sites()));
    // The 2019 archive has two truncated lines: reported, exit 1.
    assert_eq!(o.status.code(), Some(1), "{e}\n{out}");
    assert!(
        e.contains("china_sites_20190424.csv.xz: line 350: 110 fields"),
        "{e}"
    );
    assert_eq!(number_after(&out, "rejected (unknown station):"), 0);
}

#[test]
fn haimen_and_nantong_2019_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let db = db.to_str().unwrap();
    import_2019_areas(db);
    for area in ["haimen", "nantong"] {
        let (o, out, e) = run(lantian(db).args(["assess", "--area", area, "--year", "2019"]));
        assert!(o.status.success(), "{e}");
        insta::assert_snapshot!(format!("assess_{area}_2019"), out);
    }
    // Year to date, with the remaining budget; daily and hourly tables as CSV; a workbook.
    let (o, out, _) = run(lantian(db).args(["assess", "--area", "haimen", "--ytd", "2019-06-30"]));
    assert!(o.status.success());
    assert!(out.contains("余下 184 天 PM2.5 均值须低于"), "{out}");
    let (o, csv, _) = run(lantian(db).args([
        "assess", "--area", "haimen", "--month", "2019-07", "--format", "csv", "--table", "daily",
    ]));
    assert!(o.status.success());
    assert_eq!(csv.lines().count(), 1 + 31);
    assert!(csv.starts_with("日期,AQI,类别,首要污染物,PM2.5"), "{csv}");
    let (o, hourly, _) = run(lantian(db).args([
        "assess",
        "--station",
        "2008A",
        "--day",
        "2019-07-01",
        "--format",
        "csv",
        "--table",
        "hourly",
    ]));
    assert!(o.status.success());
    assert!(
        hourly.contains("2019-07-01 00:00,2019-07-01 1时,"),
        "{hourly}"
    );
    let xlsx = dir.path().join("haimen.xlsx");
    let (o, _, e) = run(lantian(db)
        .args([
            "assess", "--area", "haimen", "--year", "2019", "--format", "xlsx", "--out",
        ])
        .arg(&xlsx));
    assert!(o.status.success(), "{e}");
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an xlsx is a zip file"
    );
    let (o, json, _) = run(lantian(db).args([
        "assess", "--area", "haimen", "--year", "2019", "--format", "json",
    ]));
    assert!(o.status.success());
    assert!(json.contains("\"good_share_percent\": \"80.4\""), "{json}");
}

#[test]
fn bad_input_is_reported_and_nothing_stored_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let db = db.to_str().unwrap();
    let (o, _, _) = run(lantian(db).args(["import", "areas"]));
    assert!(o.status.success());
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // A good file, then the same day with one value changed and an unknown station, and a
    // truncated xz file.
    let good = "date,hour,type,2008A\r\n20190105,10,PM2.5,40\r\n20190105,10,SO2,8\r\n";
    std::fs::write(input.join("china_sites_20190105.csv"), good).unwrap();
    let (o, out, e) = run(lantian(db).args(["import", "cnemc", "--quiet"]).arg(&input));
    assert!(o.status.success(), "{e}\n{out}");
    assert_eq!(number_after(&out, "stored now:"), 2);

    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(
        other.join("china_sites_20190105.csv"),
        "date,hour,type,2008A,9999Z\r\n20190105,10,PM2.5,41,12\r\n20190105,10,SO2,8,3\r\n",
    )
    .unwrap();
    let xz = lantian_testdata::path("cnemc/china_sites_2019/china_sites_20190106.csv.xz");
    let bytes = std::fs::read(xz).unwrap();
    std::fs::write(
        other.join("china_sites_20190106.csv.xz"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    let (o, out, e) = run(lantian(db).args(["import", "cnemc", "--quiet"]).arg(&other));
    assert_eq!(
        o.status.code(),
        Some(1),
        "something was rejected: {e}\n{out}"
    );
    assert!(
        e.contains("china_sites_20190106.csv.xz"),
        "the truncated file is named: {e}"
    );
    assert!(e.contains("station 9999Z is not registered"), "{e}");
    assert_eq!(
        number_after(&out, "conflicting with stored (kept):"),
        1,
        "{out}"
    );
    assert_eq!(number_after(&out, "already stored (unchanged):"), 1);
    assert_eq!(number_after(&out, "rejected (unknown station):"), 2);
    assert!(out.contains("(1 unreadable)"), "{out}");
    // The first value stays.
    let (_, csv, _) = run(lantian(db).args([
        "assess",
        "--station",
        "2008A",
        "--day",
        "2019-01-05",
        "--format",
        "csv",
        "--table",
        "hourly",
    ]));
    assert!(csv.contains("2019-01-05 09:00,2019-01-05 10时,"), "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("2019-01-05 09:00") && l.ends_with(",40")),
        "{csv}"
    );
}

#[test]
fn postgres_gives_the_same_results_as_sqlite() {
    let Some(pg) = crate::PgDb::new("assess") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("l.db");
    let sqlite = sqlite.to_str().unwrap().to_owned();
    let glob = format!("{}/china_sites_201907*", sites().display());
    // July's files repeat a station column (with equal values): a note, not a rejection.
    let mut outputs = Vec::new();
    for db in [sqlite.as_str(), pg.url().as_str()] {
        assert!(
            run(lantian(db).args(["import", "areas"]))
                .0
                .status
                .success()
        );
        let args = [
            "import",
            "cnemc",
            "--quiet",
            "--stations",
            "2008A,2009A",
            &glob,
        ];
        let (o, out, e) = run(lantian(db).args(args));
        assert!(o.status.success(), "{db}: {e}\n{out}");
        let (o, again, _) = run(lantian(db).args(args));
        assert!(o.status.success());
        assert_eq!(number_after(&again, "stored now:"), 0, "{db}: {again}");
        let (o, json, e) = run(lantian(db).args([
            "assess", "--area", "haimen", "--month", "2019-07", "--format", "json",
        ]));
        assert!(o.status.success(), "{db}: {e}");
        outputs.push((out, json));
    }
    assert_eq!(
        outputs[0].0.replace("import run 1", ""),
        outputs[1].0.replace("import run 1", "")
    );
    assert_eq!(
        outputs[0].1, outputs[1].1,
        "same assessment from both engines"
    );
}
