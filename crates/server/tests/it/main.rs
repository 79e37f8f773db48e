//! The receiver over real sockets.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod abuse;
mod alarms;
mod auth;
mod http_limits;
mod latency;
mod receiver;
mod retention;

/// A test's store: SQLite, or PostgreSQL with `LANTIAN_TEST_ENGINE=postgres`.
pub(crate) use lantian_store::testing::TestStore;

/// `YYYYMMDDhhmmss` in Beijing time of a Unix second (an HJ 212 `DataTime`).
fn beijing(ts: i64) -> String {
    jiff::Timestamp::from_second(ts + 8 * 3600)
        .unwrap()
        .strftime("%Y%m%d%H%M%S")
        .to_string()
}

/// Our clock, in Unix seconds.
fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
