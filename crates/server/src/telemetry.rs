//! Metrics (Prometheus text on `/metrics`) and log set-up.
//!
//! Metric names and labels (labels are bounded: never an MN):
//!
//! * `lantian_hj212_connections_opened_total`, `lantian_hj212_connections_closed_total{reason}`
//! * `lantian_hj212_frames_total{cn, result}`: every frame by CN class (`2011`, `2051`, `2061`,
//!   `2031`, `other`) and result (`stored`, `duplicate`, `answered`, `unknown_mn`,
//!   `wrong_password`, `time_out_of_range`, `malformed`, `store_failed`, …)
//! * `lantian_hj212_framing_errors_total{kind}`: bytes the framer refused, by reason
//! * `lantian_hj212_throttled_total`: frames delayed by the per-connection rate limit
//! * `lantian_ingest_queue_depth`, `lantian_ingest_queue_full_total`: the writer's queue
//! * `lantian_ingest_batch_frames` (histogram), `lantian_ingest_commit_seconds` (histogram)
//! * `lantian_answer_latency_seconds` (histogram): frame complete → answer written
//! * `lantian_alarms_raised_total{kind}`, `lantian_devices_registered`

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder (once per process; later calls do nothing).
pub fn init_metrics() {
    HANDLE.get_or_init(|| {
        let buckets = [
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
        ];
        let sizes = [
            1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0,
        ];
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Suffix("_seconds".to_owned()),
                &buckets,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(
                        "lantian_ingest_batch_frames".to_owned(),
                    ),
                    &sizes,
                )
            })
            .ok()
            .and_then(|b| b.install_recorder().ok())
    });
}

/// The metrics in Prometheus text format.
#[must_use]
pub fn render() -> String {
    match HANDLE.get() {
        Some(Some(h)) => h.render(),
        _ => String::new(),
    }
}

/// The CN label of a frame: the four data kinds, interaction answers, or `other`.
#[must_use]
pub fn cn_label(cn: u16) -> &'static str {
    match cn {
        2011 => "2011",
        2051 => "2051",
        2061 => "2061",
        2031 => "2031",
        9011..=9015 => "9xxx",
        _ => "other",
    }
}

/// Counts a frame.
pub fn frame(cn: u16, result: &'static str) {
    metrics::counter!("lantian_hj212_frames_total", "cn" => cn_label(cn), "result" => result)
        .increment(1);
}
