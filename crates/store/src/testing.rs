//! Stores for other crates' integration tests (feature `testing`): the same test runs on either
//! engine. SQLite in the test's directory by default; with `LANTIAN_TEST_ENGINE=postgres` a
//! schema of its own on `LANTIAN_TEST_PG` (which must then be set: a missing URL fails the test,
//! never skips it), dropped when the guard goes. `scripts/test` runs the API, console and server
//! tests once on each engine.
//!
//! The PostgreSQL engine's client blocks on a runtime of its own, so a test running on tokio
//! reaches the store outside its runtime's context (`tokio::task::block_in_place` on a
//! multi-threaded test runtime), as the server does with `spawn_blocking`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Store, StoreError};

/// Drops the test's PostgreSQL schema when it goes (nothing for SQLite, whose file goes with
/// the test's directory).
#[derive(Debug)]
pub struct TestGuard {
    schema: Option<(String, String)>,
}

impl Drop for TestGuard {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.schema
            && let Ok(mut c) = ::postgres::Client::connect(url, ::postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// The engine the tests run on: `postgres` when `LANTIAN_TEST_ENGINE=postgres`, else `sqlite`.
#[must_use]
pub fn engine() -> &'static str {
    match std::env::var("LANTIAN_TEST_ENGINE").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A test's store, shared (with a server, an `AppState`) as an `Arc`: reached outside the
/// runtime's context ([`TestStore::st`]) and dropped so, the store before its schema. Needs a
/// multi-threaded tokio runtime when used from a test on tokio.
#[derive(Debug)]
pub struct TestStore {
    store: Option<Arc<Store>>,
    pg: Option<TestGuard>,
}

impl TestStore {
    /// A fresh store in `dir` (see [`store`]).
    ///
    /// # Panics
    ///
    /// If it cannot be opened: a test's setup failing.
    #[must_use]
    pub fn new(dir: &Path) -> TestStore {
        tokio::task::block_in_place(|| {
            let (store, pg) = store(dir).unwrap_or_else(|e| panic!("test store: {e}"));
            TestStore {
                store: Some(Arc::new(store)),
                pg: Some(pg),
            }
        })
    }

    /// The store.
    ///
    /// # Panics
    ///
    /// Never: it is there until the `TestStore` is dropped.
    #[must_use]
    pub fn get(&self) -> &Arc<Store> {
        self.store
            .as_ref()
            .unwrap_or_else(|| unreachable!("the store is there until it is dropped"))
    }

    /// The store, shared.
    #[must_use]
    pub fn arc(&self) -> Arc<Store> {
        Arc::clone(self.get())
    }

    /// Store work outside the runtime's context.
    pub fn st<T>(&self, work: impl FnOnce(&Store) -> T) -> T {
        tokio::task::block_in_place(|| work(self.get()))
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        // Closing PostgreSQL connections and dropping the schema block too.
        let (store, pg) = (self.store.take(), self.pg.take());
        tokio::task::block_in_place(|| {
            drop(store);
            drop(pg);
        });
    }
}

/// A fresh store for one test: SQLite at `dir/t.db`, or a new PostgreSQL schema (see the
/// module's text).
///
/// # Errors
///
/// If the store cannot be opened, or PostgreSQL is asked for without `LANTIAN_TEST_PG`.
pub fn store(dir: &Path) -> Result<(Store, TestGuard), StoreError> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    if engine() == "postgres" {
        let url = std::env::var("LANTIAN_TEST_PG").map_err(|_| {
            StoreError::Url(
                "LANTIAN_TEST_PG".to_owned(),
                "LANTIAN_TEST_ENGINE=postgres needs a PostgreSQL URL in LANTIAN_TEST_PG".to_owned(),
            )
        })?;
        let schema = format!(
            "lantian_t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let guard = TestGuard {
            schema: Some((url.clone(), schema.clone())),
        };
        let store = Store::open_postgres_schema(&url, &schema)?;
        return Ok((store, guard));
    }
    let path = dir.join("t.db");
    let store = Store::open(&path.to_string_lossy())?;
    Ok((store, TestGuard { schema: None }))
}
