//! Integration tests of the `lantian` binary.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod import_assess;
mod import_csv;
mod verify_cnemc;
