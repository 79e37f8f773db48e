//! The receiver over real sockets.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod abuse;
mod alarms;
mod auth;
mod http_limits;
mod latency;
mod receiver;
mod retention;

/// A test's store: SQLite, or PostgreSQL with `LANTIAN_TEST_ENGINE=postgres` (a schema of its
/// own, dropped afterwards). The PostgreSQL engine's client blocks on a runtime of its own, so
/// the test reaches it outside its runtime's context ([`TestStore::st`]), and drops it so.
pub(crate) struct TestStore {
    store: Option<std::sync::Arc<lantian_store::Store>>,
    pg: Option<lantian_store::testing::TestGuard>,
}

impl TestStore {
    pub(crate) fn new(dir: &std::path::Path) -> TestStore {
        tokio::task::block_in_place(|| {
            let (store, pg) = lantian_store::testing::store(dir).unwrap();
            TestStore {
                store: Some(std::sync::Arc::new(store)),
                pg: Some(pg),
            }
        })
    }

    /// The store, shared (for the server).
    pub(crate) fn arc(&self) -> std::sync::Arc<lantian_store::Store> {
        self.store.clone().unwrap()
    }

    /// Store work outside the runtime's context.
    pub(crate) fn st<T>(&self, work: impl FnOnce(&lantian_store::Store) -> T) -> T {
        tokio::task::block_in_place(|| work(self.store.as_ref().unwrap()))
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let (store, pg) = (self.store.take(), self.pg.take());
        tokio::task::block_in_place(|| {
            drop(store);
            drop(pg);
        });
    }
}

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
