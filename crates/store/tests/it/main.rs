//! The store's contract: every test runs against SQLite, and against PostgreSQL when
//! `LANTIAN_TEST_PG` holds a URL (CI sets it; see `.ci/run`). Each PostgreSQL test gets its own
//! schema, dropped afterwards.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod contract;
