//! `lantian demo --prepare-only`: the store a demo starts from.

use crate::{lantian, run};

#[test]
fn demo_prepares_history_users_and_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (out, stdout, stderr) = run(lantian(&db).args(["demo", "--prepare-only"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("演示数据"), "{stdout}");
    assert!(stdout.contains("devices: 16 simulated"), "{stdout}");

    // The generated history assesses like real data: every day of the year so far.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .date();
    let (out, json, stderr) = run(lantian(&db).args([
        "assess",
        "--area",
        "haimen",
        "--from",
        &format!("{}-01-01", today.year()),
        "--to",
        &today.yesterday().unwrap().to_string(),
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pm25: f64 = r["pollutants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pollutant"] == "PM2.5")
        .and_then(|p| p["mean"].as_str())
        .unwrap()
        .parse()
        .unwrap();
    assert!((15.0..60.0).contains(&pm25), "PM2.5 {pm25}");
    assert_eq!(r["aqi_days"]["missing"], 0);

    let (_, users, _) = run(lantian(&db).args(["user", "list"]));
    assert!(
        users.contains("admin\t") && users.contains("haimen\t"),
        "{users}"
    );
    assert!(users.contains("town\t海门街道"), "{users}");
    assert!(users.contains("department\t交通运输局"), "{users}");
    // The plan is loaded: its tasks and scorecards show.
    let (_, tasks, _) = run(lantian(&db).args(["plan", "show", "--what", "tasks"]));
    assert!(
        tasks.contains("haimen-aq-2024") && tasks.lines().count() > 48,
        "{tasks}"
    );
    let (_, devices, _) = run(lantian(&db).args(["device", "list"]));
    assert!(devices.contains("SIMF000001"), "{devices}");

    // Running it again keeps what is stored (values are never overwritten).
    let (out, _, stderr) = run(lantian(&db).args(["demo", "--prepare-only"]));
    assert!(out.status.success(), "{stderr}");
}
