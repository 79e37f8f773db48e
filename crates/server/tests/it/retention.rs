//! Retention: stored refusals cannot grow without bound (issue #22, finding 9).

use std::time::Duration;

use lantian_server::{ServeConfig, Server};
use lantian_store::Reject;
use tokio_util::sync::CancellationToken;

// Every unauthenticated frame adds a refusal row; the reject retention job, run under its
// lease, keeps the newest rows (here 5) and folds the rest into per-day counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reject_retention_job_folds_old_refusals_into_day_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    let now = jiff::Timestamp::now().as_millisecond();
    let rejects: Vec<Reject> = (0..40)
        .map(|i| Reject {
            // Ten of them older than the detail keep.
            received_at_ms: if i < 10 {
                now - 40 * 86_400_000
            } else {
                now - 1000 + i
            },
            peer: format!("192.0.2.7:{}", 40_000 + i),
            mn: Some("NOPE".to_owned()),
            reason: "unknown_mn".to_owned(),
            excerpt: b"##0100QN=".to_vec(),
        })
        .collect();
    store.st(|s| s.record_rejects(&rejects)).unwrap();
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().unwrap(), None);
    cfg.jobs.housekeeping_every = Duration::from_millis(20);
    cfg.jobs.reject_detail_max_rows = 5;
    let server = Server::bind(store.arc(), cfg).await.unwrap();
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    let task = tokio::spawn(async move { server.run(s).await.unwrap() });
    // Wait for the job's first run (bounded, so that a job that never runs fails the test).
    let mut runs = Vec::new();
    for _ in 0..500 {
        runs = store
            .st(|s| s.job_runs(Some("reject_retention"), 10))
            .unwrap();
        if !runs.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shutdown.cancel();
    task.await.unwrap();
    assert!(!runs.is_empty(), "the reject retention job did not run");
    let first = runs.last().unwrap();
    assert!(first.run.ok, "{first:?}");
    assert_eq!(
        first.run.detail,
        "folded 35 refused frames into day counts, removed 0 old day counts"
    );
    let kept = store.st(|s| s.rejects(100)).unwrap();
    assert_eq!(
        kept,
        rejects[35..].iter().rev().cloned().collect::<Vec<_>>()
    );
    let days = store.st(|s| s.reject_days(100)).unwrap();
    assert_eq!(days.iter().map(|d| d.rejects).sum::<u64>(), 35);
    assert!(days.iter().all(|d| d.peer_addr == "192.0.2.7"), "{days:?}");
}
