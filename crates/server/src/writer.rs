//! The batching writer: one thread owns the store's write path. Connection tasks send it
//! frames over a bounded channel (a full channel makes them wait, which stops them reading,
//! which fills the devices' TCP windows: backpressure instead of loss). It commits a batch in
//! one transaction and only then releases each frame's answer; then it runs the alarm rules
//! on the readings that were new.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use lantian_core::monitor::MonitorEvent;
use lantian_core::{AbnormalRules, DeviceMonitor, Reading};
use lantian_store::{AlarmUpdate, IngestFrame, IngestOutcome, Reject, Store};
use tokio::sync::{mpsc, oneshot};

use crate::registry::{Entry, Registry};

/// Writer settings.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Channel capacity (frames waiting for the writer).
    pub queue: usize,
    /// Most frames per transaction.
    pub max_batch: usize,
    /// Thresholds of the abnormal-data rules.
    pub rules: AbnormalRules,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            queue: 16_384,
            max_batch: 4_096,
            rules: AbnormalRules::default(),
        }
    }
}

/// A frame waiting to be stored.
#[derive(Debug)]
pub struct PendingFrame {
    /// What to store.
    pub frame: IngestFrame,
    /// The device.
    pub device: Arc<Entry>,
    /// Its reading, for the alarm rules.
    pub reading: Option<Reading>,
    /// Where the outcome goes (the connection's answer task).
    pub reply: oneshot::Sender<Result<IngestOutcome, ()>>,
}

/// What the writer is sent.
#[derive(Debug)]
pub enum WriterMsg {
    /// Store a frame.
    Frame(Box<PendingFrame>),
    /// Record a refused frame.
    Reject(Reject),
    /// Run the periodic rules at this time (Unix seconds).
    Tick(i64),
}

/// Starts the writer thread.
///
/// # Errors
///
/// If the thread cannot be spawned.
pub fn spawn(
    store: Arc<Store>,
    registry: Arc<Registry>,
    config: WriterConfig,
) -> std::io::Result<(mpsc::Sender<WriterMsg>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let handle = std::thread::Builder::new()
        .name("lantian-writer".to_owned())
        .spawn(move || Writer::new(store, registry, config).run(rx))?;
    Ok((tx, handle))
}

struct Writer {
    store: Arc<Store>,
    registry: Arc<Registry>,
    config: WriterConfig,
    monitors: HashMap<i64, DeviceMonitor>,
}

impl Writer {
    fn new(store: Arc<Store>, registry: Arc<Registry>, config: WriterConfig) -> Self {
        Writer {
            store,
            registry,
            config,
            monitors: HashMap::new(),
        }
    }

    /// Restores each device's last-seen time, so that a device silent since before a restart
    /// is still found offline.
    fn restore(&mut self) {
        match self.store.devices_last_seen() {
            Ok(list) => {
                for (id, at_ms) in list {
                    let mut m = DeviceMonitor::new(self.config.rules.clone());
                    m.set_last_seen(at_ms.div_euclid(1000));
                    self.monitors.insert(id, m);
                }
            }
            Err(e) => tracing::warn!(error = %e, "Could not restore last-seen times."),
        }
    }

    fn run(mut self, mut rx: mpsc::Receiver<WriterMsg>) {
        self.restore();
        let mut frames: Vec<PendingFrame> = Vec::with_capacity(self.config.max_batch);
        let mut rejects: Vec<Reject> = Vec::new();
        while let Some(first) = rx.blocking_recv() {
            let mut tick = None;
            let mut take = |m: WriterMsg, frames: &mut Vec<PendingFrame>| match m {
                WriterMsg::Frame(f) => frames.push(*f),
                WriterMsg::Reject(r) => rejects.push(r),
                WriterMsg::Tick(t) => tick = Some(t),
            };
            take(first, &mut frames);
            while frames.len() < self.config.max_batch {
                match rx.try_recv() {
                    Ok(m) => take(m, &mut frames),
                    Err(_) => break,
                }
            }
            metrics::gauge!("lantian_ingest_queue_depth").set(rx.len() as f64);
            if !frames.is_empty() {
                self.commit(&mut frames);
            }
            if !rejects.is_empty() {
                if let Err(e) = self.store.record_rejects(&rejects) {
                    tracing::warn!(error = %e, n = rejects.len(), "Could not record refused frames.");
                }
                rejects.clear();
            }
            if let Some(now) = tick {
                self.tick(now);
            }
        }
        tracing::info!("Writer drained and stopped.");
    }

    fn commit(&mut self, batch: &mut Vec<PendingFrame>) {
        let started = Instant::now();
        let to_store: Vec<IngestFrame> = batch
            .iter_mut()
            .map(|p| IngestFrame {
                raw: std::mem::take(&mut p.frame.raw),
                vals: std::mem::take(&mut p.frame.vals),
                qn: p.frame.qn.take(),
                ..p.frame
            })
            .collect();
        let result = self.store.ingest(&to_store);
        metrics::histogram!("lantian_ingest_commit_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("lantian_ingest_batch_frames").record(batch.len() as f64);
        let outcomes = match result {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, frames = batch.len(), "Commit failed: the frames are not answered and devices will resend them.");
                for p in batch.drain(..) {
                    crate::telemetry::frame(p.frame.cn, "store_failed");
                    let _ = p.reply.send(Err(()));
                }
                return;
            }
        };
        let mut updates = Vec::new();
        for (p, outcome) in batch.drain(..).zip(outcomes) {
            let new = matches!(outcome, IngestOutcome::Stored { .. });
            crate::telemetry::frame(p.frame.cn, if new { "stored" } else { "duplicate" });
            let _ = p.reply.send(Ok(outcome));
            if let (true, Some(reading)) = (new, &p.reading) {
                let monitor = self
                    .monitors
                    .entry(p.device.id)
                    .or_insert_with(|| DeviceMonitor::new(self.config.rules.clone()));
                let at = p.frame.received_at_ms.div_euclid(1000);
                updates.extend(
                    monitor
                        .on_reading(&p.device.device, reading, at)
                        .into_iter()
                        .map(to_update),
                );
            }
        }
        self.apply(&updates);
    }

    fn tick(&mut self, now: i64) {
        let mut updates = Vec::new();
        for entry in self.registry.all() {
            if let Some(m) = self.monitors.get_mut(&entry.id) {
                updates.extend(m.on_tick(&entry.device, now).into_iter().map(to_update));
            }
        }
        self.apply(&updates);
    }

    fn apply(&self, updates: &[AlarmUpdate]) {
        if updates.is_empty() {
            return;
        }
        let now_ms = jiff::Timestamp::now().as_millisecond();
        match self.store.apply_alarm_updates(updates, now_ms) {
            Ok(_) => {
                for u in updates {
                    if let AlarmUpdate::Raise(c) = u {
                        metrics::counter!("lantian_alarms_raised_total", "kind" => c.kind.as_str())
                            .increment(1);
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "Could not store alarms."),
        }
    }
}

fn to_update(e: MonitorEvent) -> AlarmUpdate {
    match e {
        MonitorEvent::Raise(c) => AlarmUpdate::Raise(c),
        MonitorEvent::Recovered {
            mn,
            kind,
            factor,
            at,
        } => AlarmUpdate::Recover {
            mn,
            kind,
            factor,
            at,
        },
    }
}
