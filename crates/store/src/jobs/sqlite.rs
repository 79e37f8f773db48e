//! Job leases and runs on SQLite (one node: the lease is still taken, so the code path is the
//! same as on PostgreSQL).

use rusqlite::{OptionalExtension, Row, params};

use super::{JobRun, JobRunRecord, Lease, OFFLINE_WATCH_SQL, OfflineWatch};
use crate::StoreError;
use crate::sqlite::SqliteStore;

fn lease(r: &Row<'_>) -> rusqlite::Result<Lease> {
    Ok(Lease {
        name: r.get(0)?,
        holder: r.get(1)?,
        acquired_at_ms: r.get(2)?,
        renewed_at_ms: r.get(3)?,
        expires_at_ms: r.get(4)?,
    })
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl SqliteStore {
    pub(crate) fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let now = now_ms();
        self.with_writer(|conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "INSERT INTO job_leases (name, holder, acquired_at, renewed_at, expires_at)
                     VALUES (?1, ?2, ?3, ?3, ?3 + ?4) {}",
                        super::LEASE_UPSERT_TAIL
                    ),
                    params![name, holder, now, ttl_ms],
                    lease,
                )
                .optional()?)
        })
    }

    pub(crate) fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        self.with_writer(|conn| {
            Ok(conn.execute(
                "DELETE FROM job_leases WHERE name = ?1 AND holder = ?2",
                params![name, holder],
            )? > 0)
        })
    }

    pub(crate) fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT name, holder, acquired_at, renewed_at, expires_at FROM job_leases ORDER BY name",
            )?;
            let rows = stmt.query_map([], lease)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn record_job_run(&self, run: &JobRun) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            conn.execute(
                "INSERT INTO job_runs (name, node, started_at, finished_at, ok, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    run.name,
                    run.node,
                    run.started_at_ms,
                    run.finished_at_ms,
                    run.ok,
                    run.detail
                ],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    pub(crate) fn job_runs(
        &self,
        name: Option<&str>,
        limit: i64,
    ) -> Result<Vec<JobRunRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, node, started_at, finished_at, ok, detail FROM job_runs
                 WHERE (?1 IS NULL OR name = ?1) ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![name, limit], |r| {
                Ok(JobRunRecord {
                    id: r.get(0)?,
                    run: JobRun {
                        name: r.get(1)?,
                        node: r.get(2)?,
                        started_at_ms: r.get(3)?,
                        finished_at_ms: r.get(4)?,
                        ok: r.get(5)?,
                        detail: r.get(6)?,
                    },
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn prune(&self, before_ms: i64, now_ms: i64) -> Result<(u64, u64), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let runs = tx.execute("DELETE FROM job_runs WHERE started_at < ?1", [before_ms])?;
            let sessions = tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now_ms])?;
            tx.commit()?;
            Ok((runs as u64, sessions as u64))
        })
    }

    pub(crate) fn offline_watch(&self) -> Result<Vec<OfflineWatch>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(OFFLINE_WATCH_SQL)?;
            let rows = stmt.query_map([], |r| {
                Ok(OfflineWatch {
                    device_id: r.get(0)?,
                    last_seen_ms: r.get(1)?,
                    offline_since: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
