//! `lantian migrate-store`: a SQLite store with a station history, a plan, users, a device
//! fleet's frames and alarms is copied into PostgreSQL; every table's count and checksum agree,
//! the copy serves the same assessment, its evidence chains verify, a second copy is refused,
//! and `--verify-only` finds a changed row.

use std::process::Stdio;

use crate::{PgDb, lantian, number_after, run};

#[test]
fn sqlite_store_moves_to_postgres_verified() {
    let Some(pg) = PgDb::new("migrate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("single.db");
    // The demo store: 1 January to today of hourly values for the district's stations, the
    // plan, three users, 16 registered devices.
    let (out, _, stderr) = run(lantian(&db).args(["demo", "--prepare-only"]));
    assert!(out.status.success(), "{stderr}");
    // Frames and alarms: the fleet sends 4 s of data (half an hour of `DataTime`), the fume
    // monitors over their limit: 10-minute windows close and raise.
    let served = crate::serve(&db, &["--tick", "1"]);
    let mut serve = served.child;
    let addr = served.hj212.to_string();
    let (out, stdout, stderr) = run(lantian(&db).args([
        "simulate",
        "--addr",
        &addr,
        "--interval-ms",
        "20",
        "--time-step-s",
        "10",
        "--exceed-prob",
        "1",
        "--dropout-prob",
        "0",
        "--ramp",
        "1",
        "--duration",
        "4",
    ]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let started = std::time::Instant::now();
    while run(lantian(&db).args(["alarm", "list"])).1.lines().count() < 2 {
        assert!(started.elapsed().as_secs() < 30, "no alarms");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = std::process::Command::new("kill")
        .arg(serve.0.id().to_string())
        .status();
    assert!(serve.0.wait().unwrap().success());
    let (_, alarms, _) = run(lantian(&db).args(["alarm", "list"]));
    assert!(alarms.lines().count() > 1, "no alarms: {alarms}");

    let url = pg.url();
    let (out, stdout, stderr) = run(lantian("unused")
        .args(["migrate-store", "--from"])
        .arg(&db)
        .args(["--to", &url]));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("verified: 40 tables, counts and checksums equal"),
        "{stdout}"
    );
    for table in [
        "hourly",
        "frames",
        "readings",
        "alarms",
        "alarm_evidence",
        "audit_log",
        "users",
        "plan_versions",
    ] {
        let n = number_after(&stdout, &format!("\n{table} "));
        assert!(n > 0, "{table} copied no rows:\n{stdout}");
    }

    // The copy serves the same numbers and its evidence chains verify.
    let year = jiff::Timestamp::now().strftime("%Y").to_string();
    let assess = |store: &str| {
        let (out, json, stderr) = run(lantian(store).args([
            "assess",
            "--area",
            "haimen",
            "--from",
            &format!("{year}-01-01"),
            "--to",
            &format!("{year}-01-31"),
            "--format",
            "json",
        ]));
        assert!(out.status.success(), "{stderr}");
        json
    };
    assert_eq!(assess(db.to_str().unwrap()), assess(&url));
    let (out, stdout, _) = run(lantian(&url).args(["verify", "frames"]));
    assert!(
        out.status.success() && stdout.contains(" 0 broken chains"),
        "{stdout}"
    );
    // New rows after the copy get new ids (the sequences moved past the copied ones).
    let (out, _, stderr) = run(lantian(&url)
        .args(["user", "add", "newcomer", "--role", "viewer"])
        .stdin(Stdio::null()));
    assert!(out.status.success(), "{stderr}");

    // Copying into a database that holds data is refused, and nothing changes.
    let (out, _, stderr) = run(lantian("unused")
        .args(["migrate-store", "--from"])
        .arg(&db)
        .args(["--to", &url]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("already holds data"), "{stderr}");

    // --verify-only finds a difference and names the table.
    let o = std::process::Command::new("psql")
        .args([
            url.as_str(),
            "-q",
            "-c",
            "UPDATE stations SET name = name || 'x' WHERE id = 1",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let (out, stdout, _) = run(lantian("unused")
        .args(["migrate-store", "--verify-only", "--from"])
        .arg(&db)
        .args(["--to", &url]));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("DIFFERENT: stations, users, audit_log"),
        "{stdout}"
    );

    // A missing source is an error, not an empty copy.
    let (out, _, stderr) =
        run(lantian("unused").args(["migrate-store", "--from", "/nonexistent/x.db", "--to", &url]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("no such SQLite file"), "{stderr}");
}
