//! Integration tests of `lantian-hj212` (one binary; modules by subject).

// Helpers outside `#[test]` functions unwrap too (clippy.toml allows it in tests).
#![allow(clippy::unwrap_used)]

mod alloc;
mod chunks;
#[cfg(feature = "codec")]
mod codec;
mod corpus;
mod data;
mod examples;
mod fuzz_regressions;
mod props;
