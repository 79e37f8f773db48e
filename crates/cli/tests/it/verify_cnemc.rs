//! `lantian verify cnemc` end to end, on the real 2019 files.

use std::path::PathBuf;
use std::process::Command;

fn areas() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/areas.toml")
}

fn lantian() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lantian"))
}

/// The whole year: every difference from CNEMC's published AQI falls in an explained class
/// (`--strict`), and the report (agreement, classes, Haimen's and Nantong's assessments) is
/// pinned.
#[test]
fn whole_year_2019() {
    let out = lantian()
        .args(["verify", "cnemc", "--strict", "--areas"])
        .arg(areas())
        .arg(lantian_testdata::path("cnemc/china_sites_2019"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    assert!(
        stdout.contains("station-hours compared:         12001439"),
        "{stdout}"
    );
    assert!(
        stdout.contains("equal to CNEMC's AQI:         12000070"),
        "{stdout}"
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn bad_rows_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("china_sites_20260305.csv"),
        "date,hour,type,2008A,2009A\r\n\
20260305,10,AQI,120,\r\n\
20260305,10,PM2.5,88,abc\r\n\
20260305,10,PM10,130,\r\n\
20260305,10,SO2,8,\r\n\
20260305,10,NO2,95,\r\n\
20260305,10,O3,150,\r\n\
20260305,10,CO,1.1,\r\n\
20260305,11,AQI,1,2,3\r\n",
    )
    .unwrap();
    let out = lantian()
        .args(["verify", "cnemc", "--areas"])
        .arg(areas())
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "china_sites_20260305.csv: line 3: column 2009A: not a decimal number: \"abc\""
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("china_sites_20260305.csv: line 9: 6 fields, header has 5"),
        "{stdout}"
    );
    // 2026-03-05 is under HJ 633-2026: PM2.5 88 on the new table gives 126, CNEMC-style data
    // published 120 here, so the station-hour is a difference (one station compared).
    assert!(
        stdout.contains("station-hours compared:         1\n"),
        "{stdout}"
    );
    assert!(stdout.contains("GB 3095-2026"), "{stdout}");
}

#[test]
fn daily_values_are_written_to_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("daily.csv");
    let out = lantian()
        .args(["verify", "cnemc", "--only", "201907", "--daily-csv"])
        .arg(&csv_path)
        .arg(lantian_testdata::path("cnemc/china_sites_2019"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("scope,date,PM2.5_24h,PM2.5_24h_n,"),
        "{}",
        lines[0]
    );
    // 2 areas + 7 stations, 31 days each.
    assert_eq!(lines.len(), 1 + 9 * 31);
    let haimen_first = lines[1];
    assert!(
        haimen_first.starts_with("320614,2019-07-01,"),
        "{haimen_first}"
    );
    insta::assert_snapshot!(lines[1..4].join("\n"));
}

#[test]
fn a_missing_directory_is_an_error_naming_it() {
    let out = lantian()
        .args(["verify", "cnemc", "/nonexistent/lantian-data"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/lantian-data"), "{stderr}");
}
