//! Job leases and runs on PostgreSQL: one atomic upsert per lease, timed by the database's
//! clock, so that nodes with different clocks agree on who holds a job.

use postgres::Row;

use super::{JobRun, JobRunRecord, Lease, OFFLINE_WATCH_SQL, OfflineWatch};
use crate::StoreError;
use crate::postgres::PgStore;

fn lease(r: &Row) -> Lease {
    Lease {
        name: r.get(0),
        holder: r.get(1),
        acquired_at_ms: r.get(2),
        renewed_at_ms: r.get(3),
        expires_at_ms: r.get(4),
    }
}

impl PgStore {
    pub(crate) fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query_opt(
            &format!(
                "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms)
             INSERT INTO job_leases (name, holder, acquired_at, renewed_at, expires_at)
             SELECT $1, $2, ms, ms, ms + $3 FROM now {}",
                super::LEASE_UPSERT_TAIL
            ),
            &[&name, &holder, &ttl_ms],
        )?
        .as_ref()
        .map(lease))
    }

    pub(crate) fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let mut c = self.client()?;
        Ok(c.execute(
            "DELETE FROM job_leases WHERE name = $1 AND holder = $2",
            &[&name, &holder],
        )? > 0)
    }

    pub(crate) fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            "SELECT name, holder, acquired_at, renewed_at, expires_at FROM job_leases ORDER BY name",
            &[],
        )?
        .iter()
        .map(lease)
        .collect())
    }

    pub(crate) fn record_job_run(&self, run: &JobRun) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        Ok(c.query_one(
            "INSERT INTO job_runs (name, node, started_at, finished_at, ok, detail)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &run.name,
                &run.node,
                &run.started_at_ms,
                &run.finished_at_ms,
                &run.ok,
                &run.detail,
            ],
        )?
        .get(0))
    }

    pub(crate) fn job_runs(
        &self,
        name: Option<&str>,
        limit: i64,
    ) -> Result<Vec<JobRunRecord>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            "SELECT id, name, node, started_at, finished_at, ok, detail FROM job_runs
             WHERE ($1::text IS NULL OR name = $1) ORDER BY id DESC LIMIT $2",
            &[&name, &limit],
        )?
        .iter()
        .map(|r| JobRunRecord {
            id: r.get(0),
            run: JobRun {
                name: r.get(1),
                node: r.get(2),
                started_at_ms: r.get(3),
                finished_at_ms: r.get(4),
                ok: r.get(5),
                detail: r.get(6),
            },
        })
        .collect())
    }

    pub(crate) fn prune(&self, before_ms: i64, now_ms: i64) -> Result<(u64, u64), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let runs = tx.execute("DELETE FROM job_runs WHERE started_at < $1", &[&before_ms])?;
        let sessions = tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now_ms])?;
        tx.commit()?;
        Ok((runs, sessions))
    }

    pub(crate) fn offline_watch(&self) -> Result<Vec<OfflineWatch>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(OFFLINE_WATCH_SQL, &[])?
            .iter()
            .map(|r| OfflineWatch {
                device_id: r.get(0),
                last_seen_ms: r.get(1),
                offline_since: r.get(2),
            })
            .collect())
    }
}
