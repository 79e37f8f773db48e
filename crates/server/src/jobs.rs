//! Periodic jobs that must run on exactly one node at a time (several `lantian serve`
//! processes on one PostgreSQL): each node tries, on every period, to take or renew the job's
//! lease in the store ([`Store::try_lease`]); the node that holds it runs the job and logs the
//! run in `job_runs`. A node that dies stops renewing, its lease runs out after `lease_periods`
//! periods, and the next node to try takes the job over. A node that stops cleanly releases its
//! leases. On SQLite (one node) the same path runs: the lease is always its own.
//!
//! The jobs decide from stored facts, not from a node's memory, so a job that moves to another
//! node carries on where it was. Two nodes briefly running the same job (a holder paused past
//! its lease) is harmless: alarms are raised and recovered in the store under a per-device
//! lock, and an open alarm is extended, not raised twice.
//!
//! Jobs:
//! * `offline` (every [`JobsConfig::offline_every`]): the offline rule
//!   ([`lantian_core::monitor::offline_event`]) over every registered device, from each
//!   device's last stored frame and its open offline alarm.
//! * `housekeeping` (every [`JobsConfig::housekeeping_every`]): removes expired sessions and
//!   job runs older than [`JobsConfig::keep_runs`].
//! * `reject_retention` (every [`JobsConfig::housekeeping_every`]): refused frames (written
//!   for every unauthenticated frame) are kept in detail for [`JobsConfig::reject_detail_keep`]
//!   and up to [`JobsConfig::reject_detail_max_rows`] rows; older ones are folded into per-day
//!   counts by reason and peer address ([`Store::prune_rejects`]), kept for
//!   [`JobsConfig::reject_days_keep`]. Folded rows are counted
//!   (`lantian_ingest_rejects_pruned_total`) and logged.
//! * `emergency_verify` (every [`JobsConfig::emergency_every`]): for every warning in force,
//!   the listed enterprises' monitors against their measures
//!   (`lantian_report::emergency::verify_warning`); a failure raises (or extends) its
//!   应急减排未落实 alarm.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lantian_core::monitor::{MonitorEvent, offline_event};
use lantian_store::{AlarmUpdate, JobRun, Store};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::registry::Registry;

/// The periodic jobs' settings.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// This node's name in leases and job runs (unique per running node).
    pub node: String,
    /// Period of the offline job.
    pub offline_every: Duration,
    /// Period of the housekeeping job.
    pub housekeeping_every: Duration,
    /// Period of the verification of emergency reductions during warnings.
    pub emergency_every: Duration,
    /// A lease lasts this many periods of its job unless renewed: how long a dead node's
    /// job waits before another node takes it.
    pub lease_periods: u32,
    /// How long job runs are kept.
    pub keep_runs: Duration,
    /// How long refused frames are kept row by row (with their first bytes) before they are
    /// folded into day counts. Default 30 days.
    pub reject_detail_keep: Duration,
    /// At most this many refused frames are kept row by row; beyond it the oldest are folded
    /// into day counts even when younger than `reject_detail_keep` (a flood is bounded by
    /// rows, not only by time). Default 1,000,000: measured 340 bytes a row on SQLite (386 on
    /// PostgreSQL) with the 256-byte excerpt the receiver keeps, so about 340 MB at most.
    pub reject_detail_max_rows: u64,
    /// How long the day counts of refused frames are kept. Default 400 days (a year back and
    /// a margin).
    pub reject_days_keep: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            node: default_node_name(),
            offline_every: Duration::from_secs(10),
            housekeeping_every: Duration::from_secs(3600),
            emergency_every: Duration::from_secs(3600),
            lease_periods: 3,
            keep_runs: Duration::from_secs(7 * 86_400),
            reject_detail_keep: Duration::from_secs(30 * 86_400),
            reject_detail_max_rows: 1_000_000,
            reject_days_keep: Duration::from_secs(400 * 86_400),
        }
    }
}

/// `host:pid`: unique per process on a host, readable in the job log.
#[must_use]
pub fn default_node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "node".to_owned());
    let mut name = format!("{host}:{}", std::process::id());
    name.truncate(64);
    name
}

/// What a job does (blocking): `Ok` with a summary for the log, or why it failed.
type JobFn = dyn Fn(&Store) -> Result<String, String> + Send + Sync;

/// A job: its name, period and what it does.
struct Job {
    name: &'static str,
    every: Duration,
    run: Arc<JobFn>,
}

/// Starts one task per job on `tasks`; each stops at `shutdown` (releasing its lease).
pub fn spawn(
    store: Arc<Store>,
    registry: Arc<Registry>,
    config: &JobsConfig,
    tasks: &TaskTracker,
    shutdown: CancellationToken,
) {
    let keep = i64::try_from(config.keep_runs.as_millis()).unwrap_or(i64::MAX);
    let retention = config.clone();
    let jobs = [
        Job {
            name: "offline",
            every: config.offline_every,
            run: Arc::new(move |store: &Store| offline(store, &registry)),
        },
        Job {
            name: "housekeeping",
            every: config.housekeeping_every,
            run: Arc::new(move |store: &Store| {
                let now = jiff::Timestamp::now().as_millisecond();
                let (runs, sessions) = store
                    .prune(now.saturating_sub(keep), now)
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "removed {sessions} expired sessions and {runs} old job runs"
                ))
            }),
        },
        Job {
            name: "reject_retention",
            every: config.housekeeping_every,
            run: Arc::new(move |store: &Store| reject_retention(store, &retention)),
        },
        Job {
            name: "emergency_verify",
            every: config.emergency_every,
            run: Arc::new(emergency_verify),
        },
    ];
    for job in jobs {
        let store = store.clone();
        let node = config.node.clone();
        let periods = config.lease_periods.max(2);
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            let every = job.every.max(Duration::from_millis(10));
            let ttl = i64::try_from((every * periods).as_millis()).unwrap_or(i64::MAX);
            let mut t = tokio::time::interval(every);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t.tick().await;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    _ = t.tick() => {}
                }
                let (store, node, run) = (store.clone(), node.clone(), job.run.clone());
                let name = job.name;
                let outcome =
                    tokio::task::spawn_blocking(move || run_once(&store, name, &node, ttl, &*run))
                        .await;
                if let Err(e) = outcome {
                    tracing::error!(job = name, error = %e, "Job panicked.");
                }
            }
            let name = job.name;
            let _ = tokio::task::spawn_blocking(move || store.release_lease(name, &node)).await;
        });
    }
}

/// Runs `job` if this node holds (or can take) its lease; logs the run.
fn run_once(store: &Store, name: &'static str, node: &str, ttl_ms: i64, job: &JobFn) {
    match store.try_lease(name, node, ttl_ms) {
        Ok(Some(lease)) => {
            if lease.acquired_at_ms == lease.renewed_at_ms {
                tracing::info!(job = name, node, "Took over the job's lease.");
            }
        }
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(job = name, error = %e, "Could not take the job's lease.");
            return;
        }
    }
    let started = jiff::Timestamp::now().as_millisecond();
    let result = job(store);
    let finished = jiff::Timestamp::now().as_millisecond();
    metrics::counter!("lantian_job_runs_total", "job" => name, "ok" => if result.is_ok() { "true" } else { "false" })
        .increment(1);
    if let Err(e) = &result {
        tracing::error!(job = name, error = %e, "Job failed.");
    }
    let (ok, detail) = match result {
        Ok(d) => (true, d),
        Err(e) => (false, e),
    };
    if let Err(e) = store.record_job_run(&JobRun {
        name: name.to_owned(),
        node: node.to_owned(),
        started_at_ms: started,
        finished_at_ms: finished,
        ok,
        detail,
    }) {
        tracing::warn!(job = name, error = %e, "Could not log the job's run.");
    }
}

/// The reject retention job: folds old refused frames into day counts, drops old day counts.
fn reject_retention(store: &Store, config: &JobsConfig) -> Result<String, String> {
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let now = jiff::Timestamp::now().as_millisecond();
    let done = store
        .prune_rejects(
            now.saturating_sub(ms(config.reject_detail_keep)),
            config.reject_detail_max_rows,
            now.saturating_sub(ms(config.reject_days_keep)),
        )
        .map_err(|e| e.to_string())?;
    metrics::counter!("lantian_ingest_rejects_pruned_total").increment(done.folded);
    metrics::counter!("lantian_ingest_reject_days_pruned_total").increment(done.days_removed);
    if done.folded > 0 || done.days_removed > 0 {
        tracing::info!(
            folded = done.folded,
            days_removed = done.days_removed,
            "Folded old refused frames into day counts."
        );
    }
    Ok(format!(
        "folded {} refused frames into day counts, removed {} old day counts",
        done.folded, done.days_removed
    ))
}

/// The offline job: the offline rule over every registered device, on stored facts.
fn offline(store: &Store, registry: &Registry) -> Result<String, String> {
    let devices: HashMap<i64, _> = registry.all().into_iter().map(|e| (e.id, e)).collect();
    let watch = store.offline_watch().map_err(|e| e.to_string())?;
    let now = jiff::Timestamp::now().as_second();
    let mut updates = Vec::new();
    for w in &watch {
        let Some(entry) = devices.get(&w.device_id) else {
            continue;
        };
        let seen = w.last_seen_ms.map(|ms| ms.div_euclid(1000));
        match offline_event(&entry.device, seen, w.offline_since, now) {
            Some(MonitorEvent::Raise(c)) => updates.push(AlarmUpdate::Raise(c)),
            Some(MonitorEvent::Recovered {
                mn,
                kind,
                factor,
                at,
            }) => updates.push(AlarmUpdate::Recover {
                mn,
                kind,
                factor,
                at,
            }),
            None => {}
        }
    }
    let raised = updates
        .iter()
        .filter(|u| matches!(u, AlarmUpdate::Raise(_)))
        .count();
    let recovered = updates.len() - raised;
    if !updates.is_empty() {
        let new = store
            .apply_alarm_updates(&updates, jiff::Timestamp::now().as_millisecond())
            .map_err(|e| e.to_string())?;
        metrics::counter!("lantian_alarms_raised_total", "kind" => "offline")
            .increment(new.len() as u64);
    }
    Ok(format!(
        "{} devices checked, {raised} went offline, {recovered} back online",
        watch.len()
    ))
}

/// The emergency-reduction verification of every warning in force.
fn emergency_verify(store: &Store) -> Result<String, String> {
    use lantian_emergency::WarningStatus;
    let issued: Vec<_> = store
        .warnings(None, 1000)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|w| w.status == WarningStatus::Issued)
        .collect();
    if issued.is_empty() {
        return Ok("no warning in force".to_owned());
    }
    let Some((_, list)) =
        lantian_report::emergency::list_in_force(store).map_err(|e| e.to_string())?
    else {
        return Ok(format!(
            "{} warnings in force, no reduction list",
            issued.len()
        ));
    };
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime();
    let (mut checks, mut failed, mut raised) = (0, 0, 0);
    for w in &issued {
        let c = lantian_report::emergency::verify_warning(
            store,
            w,
            &list,
            now,
            rust_decimal::Decimal::from(10),
        )
        .map_err(|e| e.to_string())?;
        checks += c.len();
        let alarms = lantian_report::emergency::alarms_of(&c).map_err(|e| e.to_string())?;
        failed += alarms.len();
        if !alarms.is_empty() {
            let updates: Vec<AlarmUpdate> = alarms.into_iter().map(AlarmUpdate::Raise).collect();
            raised += store
                .apply_alarm_updates(&updates, jiff::Timestamp::now().as_millisecond())
                .map_err(|e| e.to_string())?
                .len();
        }
    }
    Ok(format!(
        "{} warnings in force: {checks} checks, {failed} not met, {raised} new alarms",
        issued.len()
    ))
}
