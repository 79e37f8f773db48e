//! Integration tests of the `lantian` binary.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod boundary;
mod cluster;
mod crash;
mod demo;
mod import_assess;
mod import_csv;
mod migrate;
mod monitoring;
mod plan;
mod verify_cnemc;

use std::ffi::OsStr;
use std::process::{Command, Output};

/// The binary with `--db db`.
pub(crate) fn lantian(db: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lantian"));
    c.arg("--db").arg(db);
    c
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
        let url = std::env::var("LANTIAN_TEST_PG").ok()?;
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
