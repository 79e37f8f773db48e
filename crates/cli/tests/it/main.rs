//! Integration tests of the `lantian` binary.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod verify_cnemc;
