//! Periodic jobs across several nodes on one database: a lease per job in `job_leases` (the
//! node that holds an unexpired lease runs the job; a dead node's lease runs out and another
//! node takes it over) and the log of runs in `job_runs`. Lease times are the store's clock
//! (PostgreSQL's `clock_timestamp()`), so the nodes' clocks need not agree.

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// A job's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The job's name.
    pub name: String,
    /// The node holding it.
    pub holder: String,
    /// When this holder took it (Unix milliseconds, the store's clock).
    pub acquired_at_ms: i64,
    /// When it was last renewed.
    pub renewed_at_ms: i64,
    /// When it runs out unless renewed.
    pub expires_at_ms: i64,
}

/// One run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's name.
    pub name: String,
    /// The node that ran it.
    pub node: String,
    /// Unix milliseconds.
    pub started_at_ms: i64,
    /// Unix milliseconds.
    pub finished_at_ms: i64,
    /// Whether it succeeded.
    pub ok: bool,
    /// What it did, or why it failed.
    pub detail: String,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunRecord {
    /// Store id.
    pub id: i64,
    /// The run.
    pub run: JobRun,
}

/// What the offline rule needs of a device, read from the store (so that whichever node runs
/// the offline job decides from the same facts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineWatch {
    /// Device id.
    pub device_id: i64,
    /// Receive time of its last stored frame (Unix milliseconds), if any.
    pub last_seen_ms: Option<i64>,
    /// Start (Unix seconds) of its unrecovered offline alarm, if one is open.
    pub offline_since: Option<i64>,
}

pub(crate) const OFFLINE_WATCH_SQL: &str = "SELECT d.id, h.received_at,
        (SELECT min(a.start_at) FROM alarms a
          WHERE a.device_id = d.id AND a.kind = 'offline' AND a.recovered_at IS NULL)
     FROM devices d LEFT JOIN chain_heads h ON h.device_id = d.id
     ORDER BY d.id";

/// The conflict clause of the lease upsert (both engines): keep `acquired_at` on renewal, take
/// the row only for its holder or once it has expired, return it when taken.
pub(crate) const LEASE_UPSERT_TAIL: &str = "ON CONFLICT (name) DO UPDATE SET
        acquired_at = CASE WHEN job_leases.holder = excluded.holder
                           THEN job_leases.acquired_at ELSE excluded.acquired_at END,
        holder = excluded.holder,
        renewed_at = excluded.renewed_at,
        expires_at = excluded.expires_at
     WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= excluded.renewed_at
     RETURNING name, holder, acquired_at, renewed_at, expires_at";

/// Lease names are short identifiers.
pub(crate) fn check_name(name: &str) -> Result<(), crate::StoreError> {
    if name.is_empty() || name.len() > 64 {
        return Err(crate::StoreError::Invalid(format!(
            "job or node name {name:?}: 1 to 64 characters"
        )));
    }
    Ok(())
}
