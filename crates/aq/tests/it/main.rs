//! Integration tests of `lantian-aq` through its public API.

// Test helpers may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod properties;
mod standards_examples;
mod synthetic_year;
