//! Integration tests of the `lantian` binary.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod boundary;
mod case;
mod cluster;
mod crash;
mod demo;
mod emergency;
mod fire;
mod hostile;
mod import_assess;
mod import_csv;
mod inventory;
mod migrate;
mod monitoring;
mod plan;
mod rank;
mod towns;
mod verify_cnemc;

use std::ffi::OsStr;
use std::process::{Command, Output};

/// The binary with `--db db`.
pub(crate) fn lantian(db: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lantian"));
    c.arg("--db").arg(db);
    c
}

/// Imports Haimen's district boundary (the DataV file, GCJ-02) and the synthetic town layer of
/// the browser tests into `db`.
pub(crate) fn haimen_layers(db: &std::path::Path) {
    let towns = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/e2e/fixtures/towns_synthetic.geojson");
    for (file, args) in [
        (
            lantian_testdata::path("boundaries/320684.json"),
            &["--crs", "gcj02"][..],
        ),
        (towns, &["--name", "towns"][..]),
    ] {
        let (out, _, stderr) = run(lantian(db)
            .args(["import", "boundary"])
            .arg(file)
            .args(args));
        assert!(out.status.success(), "{stderr}");
    }
}

/// Runs a command: its output, stdout and stderr as text.
pub(crate) fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// The number after `label` in a summary.
pub(crate) fn number_after(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
    text[at + label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in:\n{text}"))
}

/// A PostgreSQL database of its own for this test, dropped afterwards.
pub(crate) struct PgDb {
    admin_url: String,
    name: String,
}

impl PgDb {
    pub(crate) fn new(tag: &str) -> Option<PgDb> {
        let url = lantian_testdata::postgres_url(tag)?;
        let name = format!("lantian_it_{tag}_{}", std::process::id());
        let psql = |sql: &str| {
            Command::new("psql")
                .args([url.as_str(), "-q", "-c", sql])
                .output()
                .unwrap()
        };
        psql(&format!("DROP DATABASE IF EXISTS {name}"));
        let o = psql(&format!("CREATE DATABASE {name}"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Some(PgDb {
            admin_url: url,
            name,
        })
    }

    pub(crate) fn url(&self) -> String {
        match self.admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{}", self.name),
            None => panic!("LANTIAN_TEST_PG must end in /database"),
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.admin_url.as_str(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// A child process killed when dropped, so that a failing test leaves no server running.
pub(crate) struct KillOnDrop(pub(crate) std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `lantian serve` on free loopback ports; killed when dropped.
pub(crate) struct Served {
    /// The process.
    pub(crate) child: KillOnDrop,
    /// Its HJ 212 address.
    pub(crate) hj212: std::net::SocketAddr,
    /// Its HTTP address.
    pub(crate) http: std::net::SocketAddr,
}

/// Starts `lantian --db db serve` on free ports with `extra` options and reads its addresses
/// from the first line it prints ("lantian serve: HJ 212 on …, HTTP on …, node …").
pub(crate) fn serve(db: impl AsRef<OsStr>, extra: &[&str]) -> Served {
    use std::io::BufRead as _;
    let mut child = lantian(db)
        .args(["serve", "--hj212", "127.0.0.1:0", "--http", "127.0.0.1:0"])
        .args(extra)
        .env("LANTIAN_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let field = |label: &str| -> std::net::SocketAddr {
        line.split(label)
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or_else(|| panic!("no {label:?} in {line:?}"))
            .parse()
            .unwrap()
    };
    Served {
        hj212: field("HJ 212 on "),
        http: field("HTTP on "),
        child: KillOnDrop(child),
    }
}

/// `YYYYMMDDhhmmss` in Beijing time of a Unix time (HJ 212's `DataTime`).
pub(crate) fn beijing(ts: i64) -> String {
    jiff::Timestamp::from_second(ts + 8 * 3600)
        .unwrap()
        .strftime("%Y%m%d%H%M%S")
        .to_string()
}

/// Checks that every answered frame (`DataTime`s of real-time uploads per MN) is stored, none
/// twice; returns (answered, real-time readings stored for those devices).
pub(crate) fn assert_answered_stored(
    store: &lantian_store::Store,
    acked: &std::collections::HashMap<String, Vec<i64>>,
) -> (usize, usize) {
    let ids: std::collections::HashMap<String, i64> = store
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| (d.device.mn, d.id))
        .collect();
    let (mut answered, mut stored_total) = (0, 0);
    for (mn, times) in acked {
        let stored: Vec<i64> = store
            .readings(ids[mn], 2011, i64::MIN, i64::MAX)
            .unwrap()
            .into_iter()
            .map(|r| r.data_time)
            .collect();
        let set: std::collections::HashSet<i64> = stored.iter().copied().collect();
        assert_eq!(set.len(), stored.len(), "{mn}: a reading stored twice");
        let missing = times.iter().filter(|t| !set.contains(t)).count();
        assert_eq!(
            missing,
            0,
            "{mn}: {missing} of {} answered frames lost",
            times.len()
        );
        answered += times.len();
        stored_total += stored.len();
    }
    (answered, stored_total)
}
