//! Integration tests on real CNEMC files (read in place from `shared/data`, never copied).

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use lantian_cnemc::verify::needed_types;
use lantian_cnemc::{DayFile, MismatchClass, Options, ProblemKind, RowTypes, Verification};

fn read_day(name: &str) -> Vec<u8> {
    lantian_testdata::read(format!("cnemc/china_sites_2019/{name}"))
}

#[test]
fn january_2019_matches_cnemc_exactly() {
    let mut v = Verification::default();
    for day in 1..=31 {
        let name = format!("china_sites_201901{day:02}.csv.xz");
        let file = DayFile::parse(&read_day(&name), needed_types());
        v.add_file(&name, &file, &Options::default());
    }
    v.normalise();
    assert_eq!(v.files, 31);
    assert!(v.compared > 1_000_000, "{}", v.compared);
    assert_eq!(v.matched, v.compared, "{}", v.render());
    assert_eq!(v.problem_count, 0);
    insta::assert_snapshot!(v.render());
}

#[test]
fn the_letter_of_table_4_does_not_reproduce_cnemc() {
    // HJ 633-2012 Table 4 read literally (PM from 24-h moving means, O3 8-h included) agrees
    // with a small share of CNEMC's published AQI only.
    let mut opts = Options::default();
    opts.config.real_time_method_2012 = lantian_aq::RealTimeMethod2012::Hj633Table4;
    let mut v = Verification::default();
    let name = "china_sites_20190115.csv.xz";
    v.add_file(
        name,
        &DayFile::parse(&read_day(name), needed_types()),
        &opts,
    );
    let share = v.matched as f64 / v.compared as f64;
    assert!(v.compared > 30_000);
    assert!(share < 0.5, "Table 4 agrees on {share}");
}

#[test]
fn truncated_last_rows_are_reported_by_line() {
    let f = DayFile::parse(&read_day("china_sites_20190220.csv.xz"), RowTypes::ALL);
    let kinds: Vec<(usize, &ProblemKind)> = f.problems.iter().map(|p| (p.line, &p.kind)).collect();
    assert_eq!(
        kinds,
        [(
            107,
            &ProblemKind::FieldCount {
                expected: 1608,
                found: 932
            }
        )]
    );
    // Everything before the truncated row is read.
    assert_eq!(f.hours.len(), 8);
    assert!(
        f.hours[..7]
            .iter()
            .all(|h| h.has(lantian_cnemc::RowType::Co_24h))
    );

    let f = DayFile::parse(&read_day("china_sites_20190424.csv.xz"), needed_types());
    let mut v = Verification::default();
    v.add_file("china_sites_20190424.csv.xz", &f, &Options::default());
    assert!(v.problems[0].starts_with("china_sites_20190424.csv.xz: line 350: 110 fields"));
    // The hour the file was cut in lacks rows: its disagreements are classed as such.
    assert!(v.classes[&MismatchClass::IncompleteHour].count > 900);
    assert_eq!(v.classes.len(), 1);
}

#[test]
fn repeated_station_column_is_tolerated() {
    let f = DayFile::parse(&read_day("china_sites_20190601.csv.xz"), needed_types());
    assert_eq!(f.problems.len(), 1);
    assert!(matches!(&f.problems[0].kind, ProblemKind::DuplicateStation(s) if s == "3207A"));
    assert_eq!(f.stations.iter().filter(|s| *s == "3207A").count(), 1);
}
