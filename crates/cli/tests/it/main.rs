//! Integration tests of the `lantian` binary.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod boundary;
mod crash;
mod demo;
mod import_assess;
mod import_csv;
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
