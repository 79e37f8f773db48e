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
use tokio::sync::oneshot;

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
    /// The frame's share of the receiver's queued-bytes budget, released with it.
    pub budget: tokio::sync::OwnedSemaphorePermit,
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
    /// An alarm the receiver raises or recovers (repeated authentication failures).
    Alarm(AlarmUpdate),
}

/// Starts the writer thread.
///
/// # Errors
///
/// If the thread cannot be spawned.
/// The writer thread: `Err` with the reason if it or the alarm thread failed.
pub type WriterThread = JoinHandle<Result<(), String>>;

/// If the writer or the alarm thread stops before its queue is closed (a bug: a panic, or the
/// alarm thread failing to start), `failed` is cancelled so that the server stops instead of
/// running without them; the thread's result is then an error.
pub fn spawn(
    store: Arc<Store>,
    registry: Arc<Registry>,
    config: WriterConfig,
    failed: tokio_util::sync::CancellationToken,
) -> std::io::Result<(flume::Sender<WriterMsg>, WriterThread)> {
    let (tx, rx) = flume::bounded(config.queue.max(1));
    let handle = std::thread::Builder::new()
        .name("lantian-writer".to_owned())
        .spawn(move || {
            let result = match Writer::new(store, registry, config, failed.clone()) {
                Ok(w) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.run(rx)))
                    .map_err(|_| "the writer thread panicked".to_owned())
                    .and_then(|r| r),
                Err(e) => Err(format!("cannot start the alarm thread: {e}")),
            };
            if let Err(e) = &result {
                tracing::error!(error = %e, "Stopping the server.");
                failed.cancel();
            }
            result
        })?;
    Ok((tx, handle))
}

struct Writer {
    store: Arc<Store>,
    config: WriterConfig,
    alarms: std::sync::mpsc::SyncSender<AlarmMsg>,
    alarm_thread: JoinHandle<bool>,
}

/// What the alarm thread is sent.
enum AlarmMsg {
    /// A newly stored reading of a device, received at (Unix seconds).
    Reading(Arc<Entry>, Box<Reading>, i64),
    /// Close the averaging windows the clock has passed (offline is the `offline` job's).
    Tick(i64),
}

impl Writer {
    fn new(
        store: Arc<Store>,
        registry: Arc<Registry>,
        config: WriterConfig,
        failed: tokio_util::sync::CancellationToken,
    ) -> std::io::Result<Self> {
        let (alarms, rx) = std::sync::mpsc::sync_channel(config.queue.max(1));
        let job = AlarmJob {
            store: store.clone(),
            registry,
            rules: config.rules.clone(),
            monitors: HashMap::new(),
            seen_here: HashMap::new(),
            pending: Vec::new(),
        };
        let alarm_thread = std::thread::Builder::new()
            .name("lantian-alarms".to_owned())
            .spawn(move || {
                let ok =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&rx))).is_ok();
                if !ok {
                    tracing::error!("The alarm thread panicked: stopping the server.");
                    failed.cancel();
                }
                ok
            })?;
        Ok(Writer {
            store,
            config,
            alarms,
            alarm_thread,
        })
    }

    fn run(mut self, rx: flume::Receiver<WriterMsg>) -> Result<(), String> {
        let mut frames: Vec<PendingFrame> = Vec::with_capacity(self.config.max_batch);
        let mut rejects: Vec<Reject> = Vec::new();
        let mut alarms: Vec<AlarmUpdate> = Vec::new();
        let mut msgs = Vec::with_capacity(self.config.max_batch);
        // Wait for one message, then take everything queued, up to a batch.
        while let Ok(first) = rx.recv() {
            msgs.push(first);
            msgs.extend(rx.try_iter().take(self.config.max_batch.saturating_sub(1)));
            metrics::gauge!("lantian_ingest_queue_depth").set(rx.len() as f64);
            let mut tick = None;
            for m in msgs.drain(..) {
                match m {
                    WriterMsg::Frame(f) => frames.push(*f),
                    WriterMsg::Reject(r) => rejects.push(r),
                    WriterMsg::Tick(t) => tick = Some(t),
                    WriterMsg::Alarm(a) => alarms.push(a),
                }
            }
            if !frames.is_empty() {
                self.commit(&mut frames);
            }
            if !rejects.is_empty() {
                if let Err(e) = self.store.record_rejects(&rejects) {
                    tracing::warn!(error = %e, n = rejects.len(), "Could not record refused frames.");
                }
                rejects.clear();
            }
            if !alarms.is_empty() {
                // Rare (once per episode per device): applied here, after the frames.
                let now_ms = jiff::Timestamp::now().as_millisecond();
                match self.store.apply_alarm_updates(&alarms, now_ms) {
                    Ok(new) => {
                        metrics::counter!("lantian_alarms_raised_total", "kind" => "auth_failures")
                            .increment(new.len() as u64);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "Could not record an authentication alarm.")
                    }
                }
                alarms.clear();
            }
            if let Some(now) = tick {
                let _ = self.alarms.send(AlarmMsg::Tick(now));
            }
        }
        // The alarm thread finishes what it was sent, then stops.
        drop(self.alarms);
        let alarms_ok = self.alarm_thread.join().unwrap_or(false);
        tracing::info!("Writer drained and stopped.");
        if alarms_ok {
            Ok(())
        } else {
            Err("the alarm thread failed".to_owned())
        }
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
        let mut outcomes: Vec<Option<IngestOutcome>> = match result {
            Ok(o) => o.into_iter().map(Some).collect(),
            Err(e) if batch.len() > 1 => {
                // One bad frame must not sink the others: store them one by one.
                tracing::warn!(error = %e, frames = batch.len(), "Batch commit failed; storing its frames one at a time.");
                to_store
                    .iter()
                    .map(|f| match self.store.ingest(std::slice::from_ref(f)) {
                        Ok(mut o) => o.pop(),
                        Err(e) => {
                            tracing::error!(error = %e, cn = f.cn, "Commit failed: the frame is not answered and the device will resend it.");
                            None
                        }
                    })
                    .collect()
            }
            Err(e) => {
                tracing::error!(error = %e, "Commit failed: the frame is not answered and the device will resend it.");
                vec![None]
            }
        };
        if outcomes.len() != batch.len() {
            tracing::error!(
                "The store returned {} outcomes for {} frames; none is answered.",
                outcomes.len(),
                batch.len()
            );
            outcomes = vec![None; batch.len()];
        }
        // Answers first: nothing else may delay them.
        let mut fresh = Vec::new();
        // Counted per batch: a labelled counter is a registry lookup.
        let mut counts: HashMap<(&'static str, bool), u64> = HashMap::new();
        for (p, outcome) in batch.drain(..).zip(outcomes) {
            let Some(outcome) = outcome else {
                crate::telemetry::frame(p.frame.cn, "store_failed");
                let _ = p.reply.send(Err(()));
                continue;
            };
            let new = matches!(outcome, IngestOutcome::Stored { .. });
            *counts
                .entry((crate::telemetry::cn_label(p.frame.cn), new))
                .or_default() += 1;
            let _ = p.reply.send(Ok(outcome));
            if let (true, Some(reading)) = (new, p.reading) {
                fresh.push(AlarmMsg::Reading(
                    p.device,
                    Box::new(reading),
                    p.frame.received_at_ms.div_euclid(1000),
                ));
            }
        }
        for ((cn, new), n) in counts {
            metrics::counter!("lantian_hj212_frames_total", "cn" => cn, "result" => if new { "stored" } else { "duplicate" })
                .increment(n);
        }
        let forward = Instant::now();
        for msg in fresh {
            match self.alarms.try_send(msg) {
                Ok(()) => {}
                Err(std::sync::mpsc::TrySendError::Full(msg)) => {
                    // The rules fall behind: wait for them (bounded memory, nothing skipped).
                    metrics::counter!("lantian_alarm_queue_full_total").increment(1);
                    let _ = self.alarms.send(msg);
                }
                Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {}
            }
        }
        metrics::histogram!("lantian_alarm_forward_seconds")
            .record(forward.elapsed().as_secs_f64());
    }
}

/// The alarm thread: runs the rules of every device on new readings and on ticks, and
/// stores what they find.
struct AlarmJob {
    store: Arc<Store>,
    registry: Arc<Registry>,
    rules: AbnormalRules,
    monitors: HashMap<i64, DeviceMonitor>,
    /// Receive time (Unix seconds) of each device's last reading on this node.
    seen_here: HashMap<i64, i64>,
    /// Updates a failed store call left, retried with the next ones (bounded).
    pending: Vec<AlarmUpdate>,
}

/// A device whose readings arrive here after this long without any (or for the first time)
/// may have been on another node meanwhile: its open episodes are read from the store.
fn away_after_s(entry: &Entry) -> i64 {
    i64::from(entry.device.intervals.shortest_s())
        .saturating_mul(3)
        .max(60)
}

impl AlarmJob {
    /// Takes over the device's episodes that are open in the store (raised by another node
    /// while the device was connected there, or before a restart), so that they recover here.
    fn take_over(&mut self, entry: &Entry) {
        // One indexed query per device arriving (or returning) here: off the answer path.
        let open = match self.store.unrecovered_alarms(Some(entry.id)) {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!(error = %e, mn = %entry.device.mn, "Could not read the device's open alarms.");
                return;
            }
        };
        let monitor = self
            .monitors
            .entry(entry.id)
            .or_insert_with(|| DeviceMonitor::new(self.rules.clone()));
        for (_, kind, factor) in open {
            monitor.adopt_open(&entry.device, kind, factor.as_deref());
        }
    }

    fn run(mut self, rx: &std::sync::mpsc::Receiver<AlarmMsg>) {
        let mut updates = Vec::new();
        while let Ok(first) = rx.recv() {
            let mut next = Some(first);
            while let Some(msg) = next.take().or_else(|| rx.try_recv().ok()) {
                match msg {
                    AlarmMsg::Reading(entry, reading, at) => {
                        let back = self
                            .seen_here
                            .insert(entry.id, at)
                            .is_none_or(|last| at.saturating_sub(last) > away_after_s(&entry));
                        if back {
                            self.take_over(&entry);
                        }
                        let monitor = self
                            .monitors
                            .entry(entry.id)
                            .or_insert_with(|| DeviceMonitor::new(self.rules.clone()));
                        updates.extend(
                            monitor
                                .on_reading(&entry.device, &reading, at)
                                .into_iter()
                                .map(to_update),
                        );
                    }
                    AlarmMsg::Tick(now) => self.tick(now, &mut updates),
                }
                if updates.len() >= 1000 {
                    break;
                }
            }
            self.apply(&mut updates);
        }
        // Stopping: one last try for what is still pending.
        self.apply(&mut updates);
    }

    fn tick(&mut self, now: i64, updates: &mut Vec<AlarmUpdate>) {
        for entry in self.registry.all() {
            if let Some(m) = self.monitors.get_mut(&entry.id) {
                updates.extend(m.on_clock(&entry.device, now).into_iter().map(to_update));
            }
        }
    }

    /// Stores `updates` (after any left pending by an earlier failure, in order) and empties
    /// it. On failure they stay pending and are tried again with the next ones; past
    /// `MAX_PENDING` the oldest are given up, with an error in the log.
    fn apply(&mut self, updates: &mut Vec<AlarmUpdate>) {
        const MAX_PENDING: usize = 100_000;
        self.pending.append(updates);
        if self.pending.is_empty() {
            return;
        }
        let now_ms = jiff::Timestamp::now().as_millisecond();
        match self.store.apply_alarm_updates(&self.pending, now_ms) {
            Ok(_) => {
                for u in self.pending.drain(..) {
                    if let AlarmUpdate::Raise(c) = u {
                        metrics::counter!("lantian_alarms_raised_total", "kind" => c.kind.as_str())
                            .increment(1);
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, pending = self.pending.len(), "Could not store alarms; they will be tried again.");
                if self.pending.len() > MAX_PENDING {
                    let lost = self.pending.len() - MAX_PENDING;
                    tracing::error!(
                        lost,
                        "Alarm updates given up after repeated store failures."
                    );
                    self.pending.drain(..lost);
                }
            }
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
