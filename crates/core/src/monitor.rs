//! The alarm rules (报警规则), evaluated per device on every stored reading
//! ([`DeviceMonitor::on_reading`]) and on a periodic tick ([`DeviceMonitor::on_tick`]).
//!
//! The monitor is pure: it keeps a small, bounded state per device and answers with
//! [`MonitorEvent`]s. A [`MonitorEvent::Raise`] says a condition began (the store opens an alarm,
//! or extends the open one with the same [`AlarmCandidate::key`]); a [`MonitorEvent::Recovered`]
//! says it ended. Each condition raises once per episode.
//!
//! Values are compared exactly, as integer millionths; times are Unix seconds (UTC). "Per day"
//! means per Beijing (UTC+8) civil day, and averaging windows are aligned to the Beijing clock.
//!
//! # Rules
//!
//! **Validity** (hj212.md §5). Only values flagged `N` (or the 2005 ambient `3`/`1`) or sent
//! with no flag are compared. `T` raises [`AlarmKind::OverRange`] instead. `F`, `M`, `C`, `D`,
//! `B`, `S`, `P` and unknown flags are not compared.
//!
//! **超标 ([`AlarmKind::Exceedance`])**, per [`Limit`]:
//! * [`Averaging::Sample`]: every real-time (2011) value; strictly above `max` exceeds.
//! * [`Averaging::Minutes`]`(n)`: the device's minute data (2051) if its `minute_s` is `n`·60;
//!   otherwise the mean of real-time values in aligned `n`-minute windows (see *Windows*).
//! * [`Averaging::Hour`]: hourly data (2061) if the device sends it (`intervals.hourly`), else
//!   the mean of real-time values per Beijing hour.
//! * [`Averaging::Day`]: daily data (2031) only (never recomputed: the monitor cannot know
//!   whether 2031 data will also come, and must not count a day twice).
//! * `allowed_per_day`: an alarm is raised only when the exceeding window is the
//!   (`allowed_per_day` + 1)-th or later of its Beijing day.
//! * Episode: one Raise while the values stay above; the first compared value or window at or
//!   under the limit emits Recovered. Several limits on one factor share the alarm key, so
//!   Recovered is emitted only when none of them is still exceeding.
//!
//! **Windows** (means of real-time values). A window collects the valid values whose `DataTime`
//! falls in it. It is evaluated once, when it closes:
//! * when a reading of the stream arrives at or after its end and the window was the newest one
//!   (the stream moved on), or
//! * when the clock (`received_at` of any reading, or `now` of a tick) has passed its end by
//!   the grace period and no value reached it for the grace period
//!   ([`AbnormalRules::window_grace_s`], at least two sample intervals), or
//! * when more than 16 windows are open (replayed history), the oldest first.
//!
//! A window needs [`AbnormalRules::min_window_coverage_pct`] of its expected samples
//! (window length / `realtime_s`, rounded up; one sample if `realtime_s` is unknown); with fewer
//! it is neither an exceedance nor a recovery. The mean is compared exactly (`sum > max × n`);
//! the reported value is the mean rounded up to the next millionth, so it is above the limit
//! exactly when the mean is. A value arriving for a window that was already evaluated is
//! ignored. If a device sends no real-time data (`realtime_s` is `None`) but minute data whose
//! interval divides the window, the minute values are averaged instead.
//!
//! **Out-of-order readings** (history replayed after a reconnect). Windows are formed by
//! `DataTime`. A value or window older than the newest one evaluated can raise (a past exceedance
//! is still reported) but never ends an episode. The run rules below only consume values in
//! `DataTime` order and skip older ones.
//!
//! **离线 ([`AlarmKind::Offline`])**, on the tick: `now - last_seen` greater than the device's
//! offline window (`Intervals::offline_after_s`) raises once; the next reading emits Recovered.
//! A device never seen since the monitor was created is in an unknown state and is not raised
//! (after a restart the shell should seed it with [`DeviceMonitor::set_last_seen`] from the
//! store, and report never-seen devices separately).
//! Inactive devices (`active = false`) are not raised offline.
//!
//! **Abnormal data (异常数据)**, per factor, on the valid values of the primary stream (real-time
//! if `realtime_s` is set, else minute, else hour; none if the device sends none of them), with
//! the thresholds of [`AbnormalRules`]. Only factors registered on the device are watched (all
//! factors if the device lists none, up to 128). A run is broken by a value that does not belong
//! to it, or by a gap between consecutive valid values of more than
//! max([`AbnormalRules::run_max_gap_s`], 3 expected intervals); values that are not valid (flags)
//! neither extend nor break a value run. Each run rule raises once when the run reaches its
//! threshold and emits Recovered when the run breaks.
//! * [`AlarmKind::ConstantValue`]: the same non-zero value for ≥ `constant_s` of `DataTime` span
//!   and ≥ `min_run_values` values. Zeros are the zero-run rule's, and values at or above the
//!   range end the pinned rule's.
//! * [`AlarmKind::ZeroRun`]: exactly 0 for ≥ `zero_run_s` and ≥ `min_run_values` values, except
//!   the factors in `zero_exempt`.
//! * [`AlarmKind::PinnedAtRange`]: ≥ the factor's `range_max` for ≥ `pinned_s` and
//!   ≥ `min_run_values` values (only when `range_max` is set and positive).
//! * [`AlarmKind::SuddenStep`]: two consecutive valid values (gap ≤ `step_max_gap_intervals`
//!   expected intervals) whose difference is more than `step_ratio` × |previous| **and** more than
//!   a floor: the largest limit on the factor, else `step_floor[factor]`, else the rule is off for
//!   the factor. A previous value of 0 is skipped (any rise would be "more than 10 × 0").
//!   Recovered once `step_quiet_s` passed since the last step.
//! * [`AlarmKind::FlagRun`]: the factor flagged `M` or `C` (or 2005 ambient `0`) in every reading
//!   of the primary stream for ≥ `flag_run_s` and ≥ `min_run_values` readings.
//! * [`AlarmKind::ClockSkew`] (per device, real-time readings only):
//!   |`DataTime` − `received_at`| > `clock_skew_s`, held for `clock_skew_persist_s` of receive
//!   time with a steady offset (within `clock_skew_s` / 2). A replay of buffered real-time data
//!   also arrives late, but its offset shrinks as it catches up, so it does not raise. Recovered
//!   on the first real-time reading back within `clock_skew_s`.
//!
//! # Memory
//!
//! Per limit: at most 16 open windows, 32 remembered closed windows and 8 days of counts; per run
//! at most 64 evidence times; at most 128 factors. Sums are `i128`, time arithmetic saturates: no
//! input panics.

use std::collections::{BTreeMap, VecDeque};

use lantian_hj212::{DataFlag, Validity};
use serde::{Deserialize, Serialize};

use crate::alarm::{AlarmCandidate, AlarmKind};
use crate::device::{Averaging, Device, Intervals, Limit, format_micros};
use crate::reading::{FactorValue, Reading, ReadingKind};

/// Most `DataTime`s an alarm candidate lists as evidence (the first and last halves are kept).
pub const MAX_EVIDENCE: usize = 64;
/// Most averaging windows open at once per limit.
const MAX_OPEN_WINDOWS: usize = 16;
/// Closed windows remembered per limit, so late values do not evaluate them again.
const MAX_CLOSED_WINDOWS: usize = 32;
/// Beijing days whose exceedance counts are kept per limit.
const MAX_DAYS: usize = 8;
/// Most factors watched per device.
const MAX_FACTORS: usize = 128;
/// Beijing time is UTC+8.
const BEIJING_OFFSET_S: i64 = 8 * 3600;
const DAY_S: i64 = 86_400;

/// Thresholds of the rules (报警规则参数). Durations are seconds; values are millionths of the
/// factor's unit. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AbnormalRules {
    /// Share of the expected real-time samples a window mean needs, in percent (default 75, as
    /// the flue-gas 75 % rule of HJ 212 Appendix C).
    pub min_window_coverage_pct: u8,
    /// How long after a window's end (and after its last value) the clock closes it (default
    /// 120 s; at least two sample intervals).
    pub window_grace_s: i64,
    /// 恒值: the same value for at least this long (default 4 h).
    pub constant_s: i64,
    /// Factors exempt from the constant-value rule (default: `a01002` humidity, which
    /// saturates at 100 % in rain or fog, `a01008` wind direction, and the vendor on/off codes
    /// `FANSTATUS`, `PURIFYSTATUS`).
    pub constant_exempt: Vec<String>,
    /// 零值: zeros for at least this long (default 2 h).
    pub zero_run_s: i64,
    /// Factors that legitimately read 0 for hours (default: `a01007` wind speed, `a01008` wind
    /// direction, `FANSTATUS`, `PURIFYSTATUS`). Add a deployment's status or current codes
    /// (fan current when the fan is off, …) here.
    pub zero_exempt: Vec<String>,
    /// 满量程: at or above the range end for at least this long (default 1 h).
    pub pinned_s: i64,
    /// Fewest values a run needs, whatever its span (default 6).
    pub min_run_values: u32,
    /// A gap between consecutive valid values longer than this (or than 3 expected intervals,
    /// if longer) breaks a run (default 1800 s).
    pub run_max_gap_s: i64,
    /// 突变: a step of more than this many times the previous value (default 10).
    pub step_ratio: u32,
    /// 突变: the two values must be at most this many expected intervals apart (default 3).
    pub step_max_gap_intervals: u32,
    /// 突变: the absolute floor per factor code for factors without a limit (millionths);
    /// factors with neither are not checked (default empty).
    pub step_floor: BTreeMap<String, i64>,
    /// 突变: Recovered after this long without another step (default 1 h).
    pub step_quiet_s: i64,
    /// 长时间维护/校准: `M`/`C` flags for at least this long (default 24 h).
    pub flag_run_s: i64,
    /// 时钟偏差: |`DataTime` − receive time| above this (default 600 s).
    pub clock_skew_s: i64,
    /// 时钟偏差: the offset must hold this long (receive time) before it raises, so a replay of
    /// buffered real-time data does not (default 300 s; 0 raises on the first reading).
    pub clock_skew_persist_s: i64,
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for AbnormalRules {
    fn default() -> Self {
        AbnormalRules {
            min_window_coverage_pct: 75,
            window_grace_s: 120,
            constant_s: 4 * 3600,
            constant_exempt: strings(&["a01002", "a01008", "FANSTATUS", "PURIFYSTATUS"]),
            zero_run_s: 2 * 3600,
            zero_exempt: strings(&["a01007", "a01008", "FANSTATUS", "PURIFYSTATUS"]),
            pinned_s: 3600,
            min_run_values: 6,
            run_max_gap_s: 1800,
            step_ratio: 10,
            step_max_gap_intervals: 3,
            step_floor: BTreeMap::new(),
            step_quiet_s: 3600,
            flag_run_s: 24 * 3600,
            clock_skew_s: 600,
            clock_skew_persist_s: 300,
        }
    }
}

/// What the monitor reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorEvent {
    /// A condition began (or, for a second limit on the same factor, re-fired): raise the
    /// alarm, or extend the open one with the same key.
    Raise(AlarmCandidate),
    /// The condition ended: back online, back at or under the limit, the run broke.
    Recovered {
        /// Device MN.
        mn: String,
        /// Kind of the alarm that ended.
        kind: AlarmKind,
        /// Factor code, for factor rules.
        factor: Option<String>,
        /// When it ended: the `DataTime` (or window start) of the value that ended it, or the
        /// receive time of the reading that ended an offline or clock-skew episode.
        at: i64,
    },
}

impl MonitorEvent {
    /// The alarm key (device, kind, factor) the event is about, as [`AlarmCandidate::key`].
    #[must_use]
    pub fn key(&self) -> (String, AlarmKind, Option<String>) {
        match self {
            MonitorEvent::Raise(c) => c.key(),
            MonitorEvent::Recovered {
                mn, kind, factor, ..
            } => (mn.clone(), *kind, factor.clone()),
        }
    }

    /// The alarm kind.
    #[must_use]
    pub fn kind(&self) -> AlarmKind {
        match self {
            MonitorEvent::Raise(c) => c.kind,
            MonitorEvent::Recovered { kind, .. } => *kind,
        }
    }
}

/// Rule state of one device (设备报警状态). Feed it every stored reading in receive order and
/// tick it periodically. Its memory is bounded whatever the input.
#[derive(Debug, Clone, Default)]
pub struct DeviceMonitor {
    rules: AbnormalRules,
    last_seen: Option<i64>,
    offline: bool,
    clock: ClockState,
    limits: Vec<LimitState>,
    factors: BTreeMap<String, FactorState>,
}

impl DeviceMonitor {
    /// A monitor with these thresholds and no history.
    #[must_use]
    pub fn new(rules: AbnormalRules) -> Self {
        DeviceMonitor {
            rules,
            ..DeviceMonitor::default()
        }
    }

    /// The thresholds in use.
    #[must_use]
    pub fn rules(&self) -> &AbnormalRules {
        &self.rules
    }

    /// Receive time of the last reading, if any was seen.
    #[must_use]
    pub fn last_seen(&self) -> Option<i64> {
        self.last_seen
    }

    /// Restores the receive time of the device's last stored reading (after a restart, from
    /// the store), so that a device that never reports again is still raised offline. A
    /// reading received later replaces it; an earlier time is ignored.
    pub fn set_last_seen(&mut self, at: i64) {
        if self.last_seen.is_none_or(|l| at > l) {
            self.last_seen = Some(at);
        }
    }

    /// Takes over an episode another monitor raised and the store holds open (unrecovered):
    /// the device reconnected to another node, or the server restarted. An exceedance of
    /// `factor` or its over-range (`T`) episode is then open here too: the next complying value
    /// or window emits `Recovered`, and a continuing violation raises nothing new. Other kinds
    /// are not taken over (`false`): their rules start afresh, and a violation that continues
    /// raises again, which the store merges into the open alarm.
    pub fn adopt_open(&mut self, device: &Device, kind: AlarmKind, factor: Option<&str>) -> bool {
        let Some(code) = factor else {
            return false;
        };
        match kind {
            AlarmKind::Exceedance => {
                let mut ignored = Vec::new();
                self.sync_limits(device, 0, &mut ignored);
                let mut any = false;
                for s in self.limits.iter_mut().filter(|s| s.factor == code) {
                    s.active = true;
                    any = true;
                }
                any
            }
            AlarmKind::OverRange => {
                if self.factors.len() >= MAX_FACTORS && !self.factors.contains_key(code) {
                    return false;
                }
                self.factors.entry(code.to_owned()).or_default().over_range = true;
                true
            }
            _ => false,
        }
    }

    /// Whether an offline episode is open.
    #[must_use]
    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// Evaluates a newly stored reading of `device`, received at `received_at`. Readings must
    /// come in receive order; the store has dropped duplicates of the same kind and `DataTime`.
    pub fn on_reading(
        &mut self,
        device: &Device,
        reading: &Reading,
        received_at: i64,
    ) -> Vec<MonitorEvent> {
        let mut out = Vec::new();
        self.last_seen = Some(received_at);
        if self.offline {
            self.offline = false;
            out.push(recovered(&device.mn, AlarmKind::Offline, None, received_at));
        }
        if reading.kind == ReadingKind::RealTime {
            self.check_clock(&device.mn, reading, received_at, &mut out);
        }
        self.sync_limits(device, received_at, &mut out);
        for i in 0..device.limits.len() {
            self.limit_reading(device, i, reading, received_at, &mut out);
        }
        self.check_factors(device, reading, &mut out);
        out
    }

    /// Evaluates time passing: offline, and averaging windows the clock has closed.
    pub fn on_tick(&mut self, device: &Device, now: i64) -> Vec<MonitorEvent> {
        let mut out = Vec::new();
        if !self.offline {
            if let Some(e) = offline_event(device, self.last_seen, None, now) {
                self.offline = true;
                out.push(e);
            }
        }
        out.extend(self.on_clock(device, now));
        out
    }

    /// Evaluates time passing without the offline rule: the averaging windows the clock has
    /// closed. A server with several nodes runs this on each node (each holds the windows of
    /// the devices connected to it) and the offline rule once, on stored facts
    /// ([`offline_event`]).
    pub fn on_clock(&mut self, device: &Device, now: i64) -> Vec<MonitorEvent> {
        let mut out = Vec::new();
        self.sync_limits(device, now, &mut out);
        for i in 0..device.limits.len() {
            let Some(limit) = device.limits.get(i) else {
                continue;
            };
            let Some(mode @ Mode::Window { interval, .. }) = mode_of(limit, &device.intervals)
            else {
                continue;
            };
            let grace = self.grace(interval);
            let closed = match self.limits.get_mut(i) {
                Some(s) if s.mode == Some(mode) => s.close_idle(now, grace),
                _ => continue,
            };
            for w in closed {
                self.evaluate_window(device, i, interval, w, &mut out);
            }
        }
        out
    }

    fn grace(&self, interval: Option<i64>) -> i64 {
        self.rules
            .window_grace_s
            .max(interval.unwrap_or(0).saturating_mul(2))
            .max(0)
    }

    // ---- clock skew ------------------------------------------------------------------------

    fn check_clock(
        &mut self,
        mn: &str,
        reading: &Reading,
        received_at: i64,
        out: &mut Vec<MonitorEvent>,
    ) {
        // Positive: the data is older than its arrival (device clock behind).
        let skew = i128::from(received_at) - i128::from(reading.data_time);
        let allowed = i128::from(self.rules.clock_skew_s.max(0));
        if skew.abs() <= allowed {
            self.clock.reference = None;
            if self.clock.active {
                self.clock.active = false;
                out.push(recovered(mn, AlarmKind::ClockSkew, None, received_at));
            }
            return;
        }
        let tolerance = (allowed / 2).max(1);
        let steady = self
            .clock
            .reference
            .as_ref()
            .is_some_and(|r| (skew - r.skew).abs() <= tolerance);
        if !steady {
            self.clock.reference = Some(ClockRef {
                received_at,
                data_time: reading.data_time,
                skew,
            });
        }
        let Some(r) = self.clock.reference.as_ref() else {
            return;
        };
        let held = received_at.saturating_sub(r.received_at);
        if self.clock.active || held < self.rules.clock_skew_persist_s {
            return;
        }
        self.clock.active = true;
        let secs = clamp_i64(skew.abs());
        let mut evidence = vec![r.data_time, reading.data_time];
        evidence.sort_unstable();
        evidence.dedup();
        out.push(MonitorEvent::Raise(AlarmCandidate {
            mn: mn.to_owned(),
            kind: AlarmKind::ClockSkew,
            factor: None,
            start: r.received_at,
            end: received_at,
            value: Some(clamp_i64(skew.saturating_mul(1_000_000))),
            limit: Some(clamp_i64(allowed.saturating_mul(1_000_000))),
            detail: format!(
                "设备时钟比接收时间{} {} 秒（允许 {} 秒）：数据时间 {}，接收时间 {}",
                if skew > 0 { "慢" } else { "快" },
                secs,
                allowed,
                beijing(reading.data_time),
                beijing(received_at)
            ),
            evidence,
            evidence_kind: Some(ReadingKind::RealTime),
        }));
    }

    // ---- exceedance ------------------------------------------------------------------------

    /// Keeps one state per device limit, in the device's order; a removed limit's open episode
    /// is recovered.
    fn sync_limits(&mut self, device: &Device, at: i64, out: &mut Vec<MonitorEvent>) {
        let same = self.limits.len() == device.limits.len()
            && self
                .limits
                .iter()
                .zip(&device.limits)
                .all(|(s, l)| s.is_for(l));
        if same {
            return;
        }
        let mut old = std::mem::take(&mut self.limits);
        for l in &device.limits {
            let state = match old.iter().position(|s| s.is_for(l)) {
                Some(i) => old.remove(i),
                None => LimitState::new(l),
            };
            self.limits.push(state);
        }
        let mut done: Vec<&str> = Vec::new();
        for s in old.iter().filter(|s| s.active) {
            let other = self.limits.iter().any(|o| o.active && o.factor == s.factor);
            if !other && !done.contains(&s.factor.as_str()) {
                done.push(&s.factor);
                out.push(recovered(
                    &device.mn,
                    AlarmKind::Exceedance,
                    Some(&s.factor),
                    at,
                ));
            }
        }
    }

    fn limit_reading(
        &mut self,
        device: &Device,
        i: usize,
        reading: &Reading,
        received_at: i64,
        out: &mut Vec<MonitorEvent>,
    ) {
        let Some(limit) = device.limits.get(i) else {
            return;
        };
        let Some(mode) = mode_of(limit, &device.intervals) else {
            return;
        };
        let Some(state) = self.limits.get_mut(i) else {
            return;
        };
        state.set_mode(mode);
        let t = reading.data_time;
        let value = reading
            .factor(&limit.factor)
            .filter(|fv| valid(fv, &reading.st))
            .and_then(|fv| fv.compared(limit.converted));
        match mode {
            Mode::Direct(kind) => {
                if reading.kind != kind {
                    return;
                }
                let Some(v) = value else {
                    return;
                };
                let end = match kind {
                    ReadingKind::RealTime => t,
                    ReadingKind::Minute => t.saturating_add(minutes_len(limit)),
                    ReadingKind::Hour => t.saturating_add(3600),
                    ReadingKind::Day => t.saturating_add(DAY_S),
                };
                let o = Outcome {
                    start: t,
                    end,
                    value: v,
                    exceeds: v > limit.max,
                    evidence: vec![t],
                    kind,
                    samples: None,
                };
                evaluate(&mut self.limits, i, limit, &device.mn, &o, out);
            }
            Mode::Window {
                kind,
                len,
                interval,
            } => {
                let grace = self.grace(interval);
                let Some(state) = self.limits.get_mut(i) else {
                    return;
                };
                let mut closed = Vec::new();
                if reading.kind == kind {
                    closed = state.window_reading(t, value, len, received_at);
                }
                closed.extend(state.close_idle(received_at, grace));
                for w in closed {
                    self.evaluate_window(device, i, interval, w, out);
                }
            }
        }
    }

    fn evaluate_window(
        &mut self,
        device: &Device,
        i: usize,
        interval: Option<i64>,
        w: ClosedWindow,
        out: &mut Vec<MonitorEvent>,
    ) {
        let Some(limit) = device.limits.get(i) else {
            return;
        };
        let len = w.end.saturating_sub(w.start);
        if w.count < min_samples(len, interval, self.rules.min_window_coverage_pct) {
            return;
        }
        let count = i128::from(w.count);
        let exceeds = w.sum > i128::from(limit.max) * count;
        let o = Outcome {
            start: w.start,
            end: w.end,
            value: clamp_i64(ceil_div(w.sum, count)),
            exceeds,
            evidence: w.evidence,
            kind: w.kind,
            samples: Some(w.count),
        };
        evaluate(&mut self.limits, i, limit, &device.mn, &o, out);
    }

    // ---- abnormal data -----------------------------------------------------------------------

    fn check_factors(&mut self, device: &Device, reading: &Reading, out: &mut Vec<MonitorEvent>) {
        let Some((kind, interval)) = primary(&device.intervals) else {
            return;
        };
        if reading.kind != kind {
            return;
        }
        if !device.factors.is_empty() {
            self.factors.retain(|code, _| device.factor(code).is_some());
        }
        for fv in &reading.values {
            let registered = device.factors.is_empty() || device.factor(&fv.code).is_some();
            if !registered
                || (!self.factors.contains_key(&fv.code) && self.factors.len() >= MAX_FACTORS)
            {
                continue;
            }
            let ctx = FactorCtx {
                rules: &self.rules,
                device,
                st: &reading.st,
                t: reading.data_time,
                interval,
                kind,
            };
            self.factors
                .entry(fv.code.clone())
                .or_default()
                .feed(&ctx, fv, out);
        }
    }

    /// Lengths of the internal buffers: (open windows, closed windows, day counts, evidence
    /// times, factors), each the largest over the limits or runs.
    #[cfg(test)]
    fn buffer_lengths(&self) -> [usize; 5] {
        let mut b = [0, 0, 0, 0, self.factors.len()];
        for s in &self.limits {
            b[0] = b[0].max(s.windows.len());
            b[1] = b[1].max(s.closed.len());
            b[2] = b[2].max(s.days.len());
            for w in s.windows.values() {
                b[3] = b[3].max(w.evidence.len());
            }
        }
        for f in self.factors.values() {
            for r in [&f.constant, &f.zero, &f.pinned, &f.flags]
                .into_iter()
                .flatten()
            {
                b[3] = b[3].max(r.evidence.len());
            }
        }
        b
    }
}

// ---- helpers -----------------------------------------------------------------------------

/// The offline rule (离线) on stored facts: `last_seen` is the receive time (Unix seconds) of
/// the device's last stored frame, `offline_since` the start of its open offline alarm. An open
/// alarm is recovered at the first frame after its start; without one, an active device silent
/// for longer than its offline window (`Intervals::offline_after_s`) is raised, starting at
/// its last frame. A device never seen is not raised (it is reported as never seen).
///
/// Being a function of what the store holds, it gives the same answer on whichever node runs
/// it, and after a restart or a failover.
#[must_use]
pub fn offline_event(
    device: &Device,
    last_seen: Option<i64>,
    offline_since: Option<i64>,
    now: i64,
) -> Option<MonitorEvent> {
    let seen = last_seen?;
    if let Some(since) = offline_since {
        return (seen > since).then(|| recovered(&device.mn, AlarmKind::Offline, None, seen));
    }
    let after = offline_after_s(&device.intervals);
    let silent = now.saturating_sub(seen);
    (device.active && silent > after).then(|| {
        MonitorEvent::Raise(AlarmCandidate {
            mn: device.mn.clone(),
            kind: AlarmKind::Offline,
            factor: None,
            start: seen,
            end: now,
            value: None,
            limit: None,
            detail: format!(
                "最后一次收到数据 {}，已 {} 无数据（超过 {} 判定离线）",
                beijing(seen),
                duration_zh(silent),
                duration_zh(after)
            ),
            evidence: Vec::new(),
            evidence_kind: None,
        })
    })
}

fn recovered(mn: &str, kind: AlarmKind, factor: Option<&str>, at: i64) -> MonitorEvent {
    MonitorEvent::Recovered {
        mn: mn.to_owned(),
        kind,
        factor: factor.map(str::to_owned),
        at,
    }
}

/// Whether a value may be compared (flag `N`, no flag, or 2005 ambient normal).
fn valid(fv: &FactorValue, st: &str) -> bool {
    fv.validity(Some(st)) == Validity::Valid
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// ⌈a / b⌉ for b > 0.
fn ceil_div(a: i128, b: i128) -> i128 {
    if b <= 0 {
        return a;
    }
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 { q } else { q + 1 }
}

/// The offline window in seconds, without overflow for absurd intervals.
fn offline_after_s(i: &Intervals) -> i64 {
    clamp_i64(i128::from(i.shortest_s()) * i128::from(i.offline_after.max(1)))
}

/// The Beijing day number of a Unix time.
fn beijing_day(t: i64) -> i64 {
    clamp_i64((i128::from(t) + i128::from(BEIJING_OFFSET_S)).div_euclid(i128::from(DAY_S)))
}

/// The window of `len` seconds, aligned to the Beijing clock, that holds `t`. Windows restart
/// at each Beijing midnight, so for a length that does not divide the day (7 minutes) the
/// day's last window is shorter; windows longer than a day are aligned to the epoch.
fn window_of(t: i64, len: i64) -> Option<(i64, i64)> {
    if len <= 0 {
        return None;
    }
    let off = i128::from(BEIJING_OFFSET_S);
    let local = i128::from(t) + off;
    let len = i128::from(len);
    let day = i128::from(DAY_S);
    let (start, end) = if len <= day {
        let day_start = local.div_euclid(day) * day;
        let start = day_start + (local - day_start) / len * len;
        (start, (start + len).min(day_start + day))
    } else {
        let start = local.div_euclid(len) * len;
        (start, start + len)
    };
    Some((
        i64::try_from(start - off).ok()?,
        i64::try_from(end - off).ok()?,
    ))
}

/// Fewest valid samples a window of `len` seconds needs.
fn min_samples(len: i64, interval: Option<i64>, pct: u8) -> u64 {
    let Some(interval) = interval.filter(|i| *i > 0) else {
        return 1;
    };
    let expected = u64::try_from(len / interval).unwrap_or(0).max(1);
    let pct = u64::from(pct.min(100));
    (expected * pct).div_ceil(100).max(1)
}

fn minutes_len(limit: &Limit) -> i64 {
    match limit.averaging {
        Averaging::Minutes(n) => i64::from(n) * 60,
        _ => 0,
    }
}

/// How a limit is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each value of this kind is compared.
    Direct(ReadingKind),
    /// Means of values of `kind` over aligned windows of `len` seconds; `interval` is the
    /// expected sample interval.
    Window {
        kind: ReadingKind,
        len: i64,
        interval: Option<i64>,
    },
}

fn mode_of(limit: &Limit, i: &Intervals) -> Option<Mode> {
    let window = |len: i64| {
        if let Some(r) = i.realtime_s {
            return Mode::Window {
                kind: ReadingKind::RealTime,
                len,
                interval: Some(i64::from(r)),
            };
        }
        match i.minute_s.map(i64::from) {
            Some(m) if m > 0 && m < len && len % m == 0 => Mode::Window {
                kind: ReadingKind::Minute,
                len,
                interval: Some(m),
            },
            _ => Mode::Window {
                kind: ReadingKind::RealTime,
                len,
                interval: None,
            },
        }
    };
    Some(match limit.averaging {
        Averaging::Sample => Mode::Direct(ReadingKind::RealTime),
        Averaging::Minutes(0) => return None,
        Averaging::Minutes(n) => {
            let len = i64::from(n) * 60;
            if i.minute_s.map(i64::from) == Some(len) {
                Mode::Direct(ReadingKind::Minute)
            } else {
                window(len)
            }
        }
        Averaging::Hour if i.hourly => Mode::Direct(ReadingKind::Hour),
        Averaging::Hour => window(3600),
        Averaging::Day => Mode::Direct(ReadingKind::Day),
    })
}

/// The primary stream of the abnormal-data rules and its expected interval.
fn primary(i: &Intervals) -> Option<(ReadingKind, i64)> {
    if let Some(r) = i.realtime_s {
        Some((ReadingKind::RealTime, i64::from(r).max(1)))
    } else if let Some(m) = i.minute_s {
        Some((ReadingKind::Minute, i64::from(m).max(1)))
    } else if i.hourly {
        Some((ReadingKind::Hour, 3600))
    } else {
        None
    }
}

/// A bounded list of evidence times: the first and the last [`MAX_EVIDENCE`] / 2.
#[derive(Debug, Clone, Default)]
struct Evidence {
    head: Vec<i64>,
    tail: VecDeque<i64>,
}

impl Evidence {
    const HALF: usize = MAX_EVIDENCE / 2;

    fn push(&mut self, t: i64) {
        if self.head.len() < Self::HALF {
            self.head.push(t);
        } else {
            if self.tail.len() >= Self::HALF {
                self.tail.pop_front();
            }
            self.tail.push_back(t);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    fn to_vec(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self.head.iter().chain(self.tail.iter()).copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The result of comparing one value or window with a limit.
struct Outcome {
    start: i64,
    end: i64,
    value: i64,
    exceeds: bool,
    evidence: Vec<i64>,
    kind: ReadingKind,
    /// Number of values averaged (windows only).
    samples: Option<u64>,
}

/// Applies one compared value or window to the limit's episode.
fn evaluate(
    states: &mut [LimitState],
    i: usize,
    limit: &Limit,
    mn: &str,
    o: &Outcome,
    out: &mut Vec<MonitorEvent>,
) {
    let Some(s) = states.get_mut(i) else {
        return;
    };
    let in_order = s.last_start.is_none_or(|l| o.start >= l);
    if in_order {
        s.last_start = Some(o.start);
    }
    if o.exceeds {
        let day = beijing_day(o.start);
        let n = s.days.entry(day).or_insert(0);
        *n = n.saturating_add(1);
        let n = *n;
        while s.days.len() > MAX_DAYS {
            s.days.pop_first();
        }
        if !s.active && n > u32::from(limit.allowed_per_day) {
            s.active = true;
            out.push(MonitorEvent::Raise(exceedance(mn, limit, o, n)));
        }
    } else if in_order && s.active {
        s.active = false;
        let other = states
            .iter()
            .enumerate()
            .any(|(j, s)| j != i && s.active && s.factor == limit.factor);
        if !other {
            out.push(recovered(
                mn,
                AlarmKind::Exceedance,
                Some(&limit.factor),
                o.start,
            ));
        }
    }
}

fn averaging_label(limit: &Limit) -> String {
    let zs = if limit.converted { "折算" } else { "" };
    match limit.averaging {
        Averaging::Sample => format!("实时{zs}值"),
        Averaging::Minutes(n) => format!("{n}分钟{zs}均值"),
        Averaging::Hour => format!("小时{zs}均值"),
        Averaging::Day => format!("日{zs}均值"),
    }
}

fn kind_zh(k: ReadingKind) -> &'static str {
    match k {
        ReadingKind::RealTime => "实时值",
        ReadingKind::Minute => "分钟值",
        ReadingKind::Hour => "小时值",
        ReadingKind::Day => "日值",
    }
}

fn exceedance(mn: &str, limit: &Limit, o: &Outcome, nth_today: u32) -> AlarmCandidate {
    let mut detail = format!(
        "{} {} {} 超过限值 {}",
        limit.factor,
        averaging_label(limit),
        format_micros(o.value),
        format_micros(limit.max)
    );
    if !limit.basis.trim().is_empty() {
        detail.push_str(&format!("（{}）", limit.basis.trim()));
    }
    if limit.allowed_per_day > 0 {
        detail.push_str(&format!(
            "，当日第 {nth_today} 次超标（每日允许 {} 次）",
            limit.allowed_per_day
        ));
    }
    if let Some(n) = o.samples {
        detail.push_str(&format!("，由 {n} 个{}计算", kind_zh(o.kind)));
    }
    let mut evidence = o.evidence.clone();
    evidence.truncate(MAX_EVIDENCE);
    AlarmCandidate {
        mn: mn.to_owned(),
        kind: AlarmKind::Exceedance,
        factor: Some(limit.factor.clone()),
        start: o.start,
        end: o.end,
        value: Some(o.value),
        limit: Some(limit.max),
        detail,
        evidence,
        evidence_kind: Some(o.kind),
    }
}

// ---- limit state -------------------------------------------------------------------------

/// One open averaging window.
#[derive(Debug, Clone)]
struct Window {
    end: i64,
    sum: i128,
    count: u64,
    evidence: Evidence,
    /// Receive time of the last value added.
    touched: i64,
}

/// A window taken out for evaluation.
struct ClosedWindow {
    start: i64,
    end: i64,
    sum: i128,
    count: u64,
    evidence: Vec<i64>,
    kind: ReadingKind,
}

/// Episode and window state of one limit.
#[derive(Debug, Clone)]
struct LimitState {
    factor: String,
    averaging: Averaging,
    converted: bool,
    /// An exceedance episode is open (raised).
    active: bool,
    /// Start of the newest value or window evaluated.
    last_start: Option<i64>,
    /// Exceeding windows per Beijing day.
    days: BTreeMap<i64, u32>,
    /// How the limit was last evaluated; if it changes (the device's intervals were edited),
    /// the open windows are dropped.
    mode: Option<Mode>,
    windows: BTreeMap<i64, Window>,
    closed: VecDeque<i64>,
    /// Newest `DataTime` of the averaged stream.
    high_water: Option<i64>,
}

impl LimitState {
    fn new(l: &Limit) -> Self {
        LimitState {
            factor: l.factor.clone(),
            averaging: l.averaging,
            converted: l.converted,
            active: false,
            last_start: None,
            days: BTreeMap::new(),
            mode: None,
            windows: BTreeMap::new(),
            closed: VecDeque::new(),
            high_water: None,
        }
    }

    fn is_for(&self, l: &Limit) -> bool {
        self.factor == l.factor && self.averaging == l.averaging && self.converted == l.converted
    }

    fn set_mode(&mut self, mode: Mode) {
        if self.mode != Some(mode) {
            self.mode = Some(mode);
            self.windows.clear();
            self.closed.clear();
            self.high_water = None;
        }
    }

    fn window_kind(&self) -> ReadingKind {
        match self.mode {
            Some(Mode::Window { kind, .. }) => kind,
            _ => ReadingKind::RealTime,
        }
    }

    /// Takes a reading of the averaged stream: closes the newest window if the stream moved
    /// past it, then adds the value.
    fn window_reading(
        &mut self,
        t: i64,
        value: Option<i64>,
        len: i64,
        received_at: i64,
    ) -> Vec<ClosedWindow> {
        let mut closed = Vec::new();
        if self.high_water.is_none_or(|hw| t >= hw) {
            if let Some((start, _)) = self.high_water.and_then(|hw| window_of(hw, len)) {
                if self.windows.get(&start).is_some_and(|w| w.end <= t) {
                    closed.extend(self.close(start));
                }
            }
            self.high_water = Some(t);
        }
        if let (Some(v), Some((start, end))) = (value, window_of(t, len)) {
            if !self.closed.contains(&start) {
                let w = self.windows.entry(start).or_insert_with(|| Window {
                    end,
                    sum: 0,
                    count: 0,
                    evidence: Evidence::default(),
                    touched: received_at,
                });
                w.sum = w.sum.saturating_add(i128::from(v));
                w.count = w.count.saturating_add(1);
                w.evidence.push(t);
                w.touched = received_at;
            }
        }
        while self.windows.len() > MAX_OPEN_WINDOWS {
            let Some(first) = self.windows.keys().next().copied() else {
                break;
            };
            closed.extend(self.close(first));
        }
        closed
    }

    /// Closes the windows the clock has passed and that no value reached for `grace`.
    fn close_idle(&mut self, now: i64, grace: i64) -> Vec<ClosedWindow> {
        let due: Vec<i64> = self
            .windows
            .iter()
            .filter(|(_, w)| {
                now >= w.end.saturating_add(grace) && now.saturating_sub(w.touched) >= grace
            })
            .map(|(s, _)| *s)
            .collect();
        due.into_iter().filter_map(|s| self.close(s)).collect()
    }

    fn close(&mut self, start: i64) -> Option<ClosedWindow> {
        let w = self.windows.remove(&start)?;
        if self.closed.len() >= MAX_CLOSED_WINDOWS {
            self.closed.pop_front();
        }
        self.closed.push_back(start);
        Some(ClosedWindow {
            start,
            end: w.end,
            sum: w.sum,
            count: w.count,
            evidence: w.evidence.to_vec(),
            kind: self.window_kind(),
        })
    }
}

// ---- factor state ------------------------------------------------------------------------

/// A run of values (or flags) for a run rule.
#[derive(Debug, Clone)]
struct Run {
    first_t: i64,
    last_t: i64,
    count: u64,
    /// The run's value (the constant; the latest for the others).
    value: i64,
    evidence: Evidence,
    raised: bool,
}

impl Run {
    fn new(t: i64, value: i64) -> Run {
        let mut evidence = Evidence::default();
        evidence.push(t);
        Run {
            first_t: t,
            last_t: t,
            count: 1,
            value,
            evidence,
            raised: false,
        }
    }

    fn span(&self) -> i64 {
        self.last_t.saturating_sub(self.first_t)
    }
}

/// Feeds one in-order value to a run rule. `hit` is the value if it belongs to such a run
/// (with `same_value`, only if it equals the run's). Returns the run that ended, if it had
/// raised.
fn feed_run(
    slot: &mut Option<Run>,
    hit: Option<i64>,
    same_value: bool,
    t: i64,
    max_gap: i64,
) -> Option<Run> {
    if let Some(run) = slot.as_mut() {
        let belongs = hit.is_some_and(|v| !same_value || v == run.value);
        if belongs && t.saturating_sub(run.last_t) <= max_gap {
            run.last_t = t;
            run.count = run.count.saturating_add(1);
            run.evidence.push(t);
            if let Some(v) = hit {
                run.value = v;
            }
            return None;
        }
    }
    let ended = slot.take();
    *slot = hit.map(|v| Run::new(t, v));
    ended.filter(|r| r.raised)
}

/// Marks the run raised if it just reached its threshold, and returns it then.
fn newly_reached(slot: &mut Option<Run>, min_span: i64, min_values: u32) -> Option<&Run> {
    let run = slot.as_mut()?;
    if run.raised || run.span() < min_span || run.count < u64::from(min_values) {
        return None;
    }
    run.raised = true;
    Some(run)
}

/// What a factor's rules need to know about the reading.
struct FactorCtx<'a> {
    rules: &'a AbnormalRules,
    device: &'a Device,
    st: &'a str,
    t: i64,
    /// Expected interval of the primary stream.
    interval: i64,
    kind: ReadingKind,
}

impl FactorCtx<'_> {
    fn run_candidate(
        &self,
        kind: AlarmKind,
        code: &str,
        run: &Run,
        detail: String,
    ) -> MonitorEvent {
        MonitorEvent::Raise(AlarmCandidate {
            mn: self.device.mn.clone(),
            kind,
            factor: Some(code.to_owned()),
            start: run.first_t,
            end: run.last_t,
            value: Some(run.value),
            limit: None,
            detail,
            evidence: run.evidence.to_vec(),
            evidence_kind: Some(self.kind),
        })
    }

    fn run_detail(&self, code: &str, run: &Run, what: &str) -> String {
        format!(
            "{code} 自 {} 起连续 {} {what}（{} 个{}）",
            beijing(run.first_t),
            duration_zh(run.span()),
            run.count,
            kind_zh(self.kind)
        )
    }
}

fn listed(list: &[String], code: &str) -> bool {
    list.iter().any(|c| c.eq_ignore_ascii_case(code))
}

/// Abnormal-data state of one factor.
#[derive(Debug, Clone, Default)]
struct FactorState {
    /// Newest `DataTime` taken (the run rules only take newer ones).
    last_t: Option<i64>,
    over_range: bool,
    /// Previous valid value and its time (for steps).
    prev: Option<(i64, i64)>,
    step_active: bool,
    last_step_t: i64,
    constant: Option<Run>,
    zero: Option<Run>,
    pinned: Option<Run>,
    flags: Option<Run>,
}

impl FactorState {
    fn feed(&mut self, c: &FactorCtx<'_>, fv: &FactorValue, out: &mut Vec<MonitorEvent>) {
        let code = fv.code.as_str();
        let mn = c.device.mn.as_str();
        let t = c.t;
        let range_max = c
            .device
            .factor(code)
            .and_then(|f| f.range_max)
            .filter(|r| *r > 0);
        let validity = fv.validity(Some(c.st));
        let in_order = self.last_t.is_none_or(|l| t > l);

        // 超量程: any `T` raises; a later value without `T` ends it.
        if validity == Validity::OverRange {
            if !self.over_range {
                self.over_range = true;
                let mut detail = format!("{code} 数据标记 T（超过仪器测量上限）");
                if let Some(v) = fv.value {
                    detail.push_str(&format!("，值 {}", format_micros(v)));
                }
                if let Some(r) = range_max {
                    detail.push_str(&format!("，量程上限 {}", format_micros(r)));
                }
                out.push(MonitorEvent::Raise(AlarmCandidate {
                    mn: mn.to_owned(),
                    kind: AlarmKind::OverRange,
                    factor: Some(code.to_owned()),
                    start: t,
                    end: t,
                    value: fv.value,
                    limit: range_max,
                    detail,
                    evidence: vec![t],
                    evidence_kind: Some(c.kind),
                }));
            }
        } else if in_order && self.over_range {
            self.over_range = false;
            out.push(recovered(mn, AlarmKind::OverRange, Some(code), t));
        }
        if !in_order {
            return;
        }
        self.last_t = Some(t);
        let gap_limit = c.rules.run_max_gap_s.max(c.interval.saturating_mul(3));

        // 长时间维护/校准.
        let flag = fv.flag.as_deref().map(|f| DataFlag::parse(f, Some(c.st)));
        let flagged = matches!(
            flag,
            Some(DataFlag::Maintenance | DataFlag::Calibration | DataFlag::AmbientCalibration)
        );
        if feed_run(&mut self.flags, flagged.then_some(0), false, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::FlagRun, Some(code), t));
        }
        if let Some(run) =
            newly_reached(&mut self.flags, c.rules.flag_run_s, c.rules.min_run_values)
        {
            let mut e = c.run_candidate(
                AlarmKind::FlagRun,
                code,
                run,
                c.run_detail(code, run, "标记为维护/校准（M/C）"),
            );
            if let MonitorEvent::Raise(a) = &mut e {
                a.value = None;
            }
            out.push(e);
        }

        // The value rules use valid values only; others neither extend nor break their runs.
        let Some(v) = fv.value.filter(|_| validity == Validity::Valid) else {
            return;
        };
        self.step(c, code, t, v, out);

        let pinned = range_max.is_some_and(|r| v >= r);
        let hit = (v != 0 && !pinned && !listed(&c.rules.constant_exempt, code)).then_some(v);
        if feed_run(&mut self.constant, hit, true, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::ConstantValue, Some(code), t));
        }
        if let Some(run) = newly_reached(
            &mut self.constant,
            c.rules.constant_s,
            c.rules.min_run_values,
        ) {
            let what = format!("恒定为 {}", format_micros(run.value));
            out.push(c.run_candidate(
                AlarmKind::ConstantValue,
                code,
                run,
                c.run_detail(code, run, &what),
            ));
        }

        let hit = (v == 0 && !listed(&c.rules.zero_exempt, code)).then_some(0);
        if feed_run(&mut self.zero, hit, true, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::ZeroRun, Some(code), t));
        }
        if let Some(run) = newly_reached(&mut self.zero, c.rules.zero_run_s, c.rules.min_run_values)
        {
            out.push(c.run_candidate(
                AlarmKind::ZeroRun,
                code,
                run,
                c.run_detail(code, run, "为 0"),
            ));
        }

        if feed_run(&mut self.pinned, pinned.then_some(v), false, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::PinnedAtRange, Some(code), t));
        }
        if let Some(run) = newly_reached(&mut self.pinned, c.rules.pinned_s, c.rules.min_run_values)
        {
            let r = range_max.unwrap_or(run.value);
            let what = format!("不低于量程上限 {}", format_micros(r));
            let mut e = c.run_candidate(
                AlarmKind::PinnedAtRange,
                code,
                run,
                c.run_detail(code, run, &what),
            );
            if let MonitorEvent::Raise(a) = &mut e {
                a.limit = range_max;
            }
            out.push(e);
        }
    }

    /// 突变: see the module documentation.
    fn step(&mut self, c: &FactorCtx<'_>, code: &str, t: i64, v: i64, out: &mut Vec<MonitorEvent>) {
        let prev = self.prev.replace((t, v));
        let floor = c
            .device
            .limits
            .iter()
            .filter(|l| l.factor == code)
            .map(|l| l.max)
            .max()
            .or_else(|| c.rules.step_floor.get(code).copied());
        let max_gap = c
            .interval
            .saturating_mul(i64::from(c.rules.step_max_gap_intervals));
        let step = match (prev, floor) {
            (Some((pt, pv)), Some(floor)) if pv != 0 && t.saturating_sub(pt) <= max_gap => {
                let delta = (i128::from(v) - i128::from(pv)).abs();
                let over_ratio = delta > i128::from(c.rules.step_ratio) * i128::from(pv).abs();
                (over_ratio && delta > i128::from(floor)).then_some((pt, pv, floor))
            }
            _ => None,
        };
        match step {
            Some((pt, pv, floor)) => {
                self.last_step_t = t;
                if !self.step_active {
                    self.step_active = true;
                    out.push(MonitorEvent::Raise(AlarmCandidate {
                        mn: c.device.mn.clone(),
                        kind: AlarmKind::SuddenStep,
                        factor: Some(code.to_owned()),
                        start: pt,
                        end: t,
                        value: Some(v),
                        limit: Some(floor),
                        detail: format!(
                            "{code} 由 {} 突变为 {}（{} 秒内，变化超过前值的 {} 倍且超过 {}）",
                            format_micros(pv),
                            format_micros(v),
                            t.saturating_sub(pt),
                            c.rules.step_ratio,
                            format_micros(floor)
                        ),
                        evidence: vec![pt, t],
                        evidence_kind: Some(c.kind),
                    }));
                }
            }
            None => {
                if self.step_active && t.saturating_sub(self.last_step_t) >= c.rules.step_quiet_s {
                    self.step_active = false;
                    out.push(recovered(
                        &c.device.mn,
                        AlarmKind::SuddenStep,
                        Some(code),
                        t,
                    ));
                }
            }
        }
    }
}

/// Clock-skew episode state.
#[derive(Debug, Clone, Default)]
struct ClockState {
    /// First reading of the current steady offset.
    reference: Option<ClockRef>,
    active: bool,
}

#[derive(Debug, Clone)]
struct ClockRef {
    received_at: i64,
    data_time: i64,
    skew: i128,
}

// ---- text --------------------------------------------------------------------------------

/// A Unix time as Beijing civil time, `2024-01-01 08:00:00`.
fn beijing(t: i64) -> String {
    let s = i128::from(t) + i128::from(BEIJING_OFFSET_S);
    let days = s.div_euclid(86_400);
    let secs = s.rem_euclid(86_400);
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A duration in Chinese: `4小时`, `1小时30分钟`, `45秒`.
fn duration_zh(s: i64) -> String {
    let s = s.max(0);
    let (d, h, m, sec) = (s / DAY_S, s % DAY_S / 3600, s % 3600 / 60, s % 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d}天"));
    }
    if h > 0 {
        out.push_str(&format!("{h}小时"));
    }
    if m > 0 {
        out.push_str(&format!("{m}分钟"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}秒"));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::MICROS_PER_UNIT as U;
    use crate::device::DeviceFactor;

    /// 2024-01-01 00:00:00 Beijing.
    const T0: i64 = 1_704_038_400;
    const FUME: &str = "a34041";

    fn factor(code: &str, range_max: Option<i64>) -> DeviceFactor {
        DeviceFactor {
            code: code.to_owned(),
            name: String::new(),
            unit: "mg/m3".to_owned(),
            range_max,
        }
    }

    fn limit(code: &str, averaging: Averaging, max: i64) -> Limit {
        Limit {
            factor: code.to_owned(),
            averaging,
            max,
            converted: false,
            allowed_per_day: 0,
            basis: "GB 18483-2001".to_owned(),
        }
    }

    fn device(factors: Vec<DeviceFactor>, limits: Vec<Limit>, intervals: Intervals) -> Device {
        Device {
            factors,
            intervals,
            limits,
            ..crate::device::tests::fume()
        }
    }

    /// As `device::tests::fume`: oil fume, range 20, 10-minute limit 2, real-time every 60 s.
    fn fume() -> Device {
        device(
            vec![factor(FUME, Some(20 * U))],
            vec![limit(FUME, Averaging::Minutes(10), 2 * U)],
            Intervals::default(),
        )
    }

    /// A device whose fume factor has one limit with this averaging.
    fn with_limit(averaging: Averaging, intervals: Intervals) -> Device {
        device(
            vec![factor(FUME, Some(20 * U))],
            vec![limit(FUME, averaging, 2 * U)],
            intervals,
        )
    }

    fn fv(code: &str, v: i64, flag: Option<&str>) -> FactorValue {
        FactorValue {
            code: code.to_owned(),
            value: Some(v),
            flag: flag.map(str::to_owned),
            ..FactorValue::default()
        }
    }

    fn reading(kind: ReadingKind, t: i64, values: Vec<FactorValue>) -> Reading {
        Reading {
            mn: "YY0001".to_owned(),
            kind,
            data_time: t,
            st: "99".to_owned(),
            values,
        }
    }

    /// A real-time fume value flagged `N`.
    fn rt(t: i64, v: i64) -> Reading {
        reading(ReadingKind::RealTime, t, vec![fv(FUME, v, Some("N"))])
    }

    /// Feeds a reading received 5 s after its `DataTime`.
    fn feed(m: &mut DeviceMonitor, d: &Device, r: &Reading) -> Vec<MonitorEvent> {
        m.on_reading(d, r, r.data_time + 5)
    }

    fn raised(ev: &[MonitorEvent], kind: AlarmKind) -> Vec<AlarmCandidate> {
        ev.iter()
            .filter_map(|e| match e {
                MonitorEvent::Raise(c) if c.kind == kind => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    fn recovered_at(ev: &[MonitorEvent], kind: AlarmKind) -> Vec<i64> {
        ev.iter()
            .filter_map(|e| match e {
                MonitorEvent::Recovered { kind: k, at, .. } if *k == kind => Some(*at),
                _ => None,
            })
            .collect()
    }

    /// Feeds all readings, collecting the events.
    fn feed_all(m: &mut DeviceMonitor, d: &Device, rs: &[Reading]) -> Vec<MonitorEvent> {
        rs.iter().flat_map(|r| feed(m, d, r)).collect()
    }

    // ---- exceedance ----------------------------------------------------------------------

    #[test]
    fn sample_at_the_limit_does_not_exceed_one_micro_above_does() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        let mut m = DeviceMonitor::default();
        assert!(feed(&mut m, &d, &rt(T0, 2 * U)).is_empty());
        let ev = feed(&mut m, &d, &rt(T0 + 60, 2 * U + 1));
        assert_eq!(ev.len(), 1, "{ev:?}");
        let c = &raised(&ev, AlarmKind::Exceedance)[0];
        assert_eq!(c.factor.as_deref(), Some(FUME));
        assert_eq!(c.value, Some(2 * U + 1));
        assert_eq!(c.limit, Some(2 * U));
        assert_eq!((c.start, c.end), (T0 + 60, T0 + 60));
        assert_eq!(c.evidence, vec![T0 + 60]);
        assert_eq!(c.evidence_kind, Some(ReadingKind::RealTime));
        assert_eq!(
            c.detail,
            "a34041 实时值 2.000001 超过限值 2（GB 18483-2001）"
        );
        assert_eq!(c.mn, "YY0001");
    }

    #[test]
    fn an_adopted_episode_recovers_here_and_is_not_raised_again() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        // Another node raised it; the device now sends here.
        let mut m = DeviceMonitor::default();
        assert!(m.adopt_open(&d, AlarmKind::Exceedance, Some(FUME)));
        assert!(
            feed(&mut m, &d, &rt(T0, 3 * U)).is_empty(),
            "still open: nothing new"
        );
        let ev = feed(&mut m, &d, &rt(T0 + 60, U));
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 60]);
        // A new episode afterwards is raised as usual.
        let ev = feed(&mut m, &d, &rt(T0 + 120, 3 * U));
        assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
        // Over-range: the next value without T recovers it.
        let mut m = DeviceMonitor::default();
        assert!(m.adopt_open(&d, AlarmKind::OverRange, Some(FUME)));
        let ev = feed(&mut m, &d, &rt(T0, U));
        assert_eq!(recovered_at(&ev, AlarmKind::OverRange), vec![T0]);
        // Not taken over: unknown factor, rules that start afresh.
        let mut m = DeviceMonitor::default();
        assert!(!m.adopt_open(&d, AlarmKind::Exceedance, Some("a99999")));
        assert!(!m.adopt_open(&d, AlarmKind::ConstantValue, Some(FUME)));
        assert!(!m.adopt_open(&d, AlarmKind::Offline, None));
    }

    #[test]
    fn only_valid_flags_are_compared() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        for flag in ["M", "C", "D", "F", "B", "S", "P", "X", "n"] {
            let mut m = DeviceMonitor::default();
            let r = reading(ReadingKind::RealTime, T0, vec![fv(FUME, 5 * U, Some(flag))]);
            let ev = feed(&mut m, &d, &r);
            assert!(
                raised(&ev, AlarmKind::Exceedance).is_empty(),
                "{flag}: {ev:?}"
            );
        }
        for flag in [Some("N"), None] {
            let mut m = DeviceMonitor::default();
            let r = reading(ReadingKind::RealTime, T0, vec![fv(FUME, 5 * U, flag)]);
            assert_eq!(
                raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance).len(),
                1
            );
        }
        // 2005 ambient digits with ST=22: `3` normal is compared, `0` calibration is not.
        for (flag, n) in [("3", 1), ("0", 0), ("2", 0)] {
            let mut m = DeviceMonitor::default();
            let mut r = reading(ReadingKind::RealTime, T0, vec![fv(FUME, 5 * U, Some(flag))]);
            r.st = "22".to_owned();
            assert_eq!(
                raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance).len(),
                n,
                "{flag}"
            );
        }
    }

    #[test]
    fn converted_limits_compare_the_converted_value() {
        let mut l = limit("a21026", Averaging::Sample, 35 * U);
        l.converted = true;
        let d = device(vec![factor("a21026", None)], vec![l], Intervals::default());
        let mut m = DeviceMonitor::default();
        let mut v = fv("a21026", 30 * U, Some("N"));
        v.converted = Some(36 * U);
        let ev = feed(
            &mut m,
            &d,
            &reading(ReadingKind::RealTime, T0, vec![v.clone()]),
        );
        let c = &raised(&ev, AlarmKind::Exceedance)[0];
        assert_eq!(c.value, Some(36 * U));
        assert!(
            c.detail.starts_with("a21026 实时折算值 36 超过限值 35"),
            "{}",
            c.detail
        );
        // No converted value: nothing is compared (and the episode stays open).
        v.converted = None;
        v.value = Some(99 * U);
        assert!(
            feed(
                &mut m,
                &d,
                &reading(ReadingKind::RealTime, T0 + 60, vec![v])
            )
            .is_empty()
        );
    }

    #[test]
    fn t_flag_raises_over_range_not_exceedance() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        let mut m = DeviceMonitor::default();
        let t = |t: i64| reading(ReadingKind::RealTime, t, vec![fv(FUME, 25 * U, Some("T"))]);
        let ev = feed(&mut m, &d, &t(T0));
        assert_eq!(ev.len(), 1, "{ev:?}");
        let c = &raised(&ev, AlarmKind::OverRange)[0];
        assert_eq!((c.value, c.limit), (Some(25 * U), Some(20 * U)));
        assert!(c.detail.contains("数据标记 T"), "{}", c.detail);
        assert!(feed(&mut m, &d, &t(T0 + 60)).is_empty());
        let ev = feed(&mut m, &d, &rt(T0 + 120, U));
        assert_eq!(recovered_at(&ev, AlarmKind::OverRange), vec![T0 + 120]);
        assert_eq!(
            raised(&feed(&mut m, &d, &t(T0 + 180)), AlarmKind::OverRange).len(),
            1
        );
    }

    #[test]
    fn allowed_per_day_raises_on_the_third_exceedance() {
        let mut d = with_limit(Averaging::Sample, Intervals::default());
        d.limits[0].allowed_per_day = 2;
        let mut m = DeviceMonitor::default();
        let values = [3, 1, 3, 1];
        for (k, v) in values.into_iter().enumerate() {
            let ev = feed(&mut m, &d, &rt(T0 + 60 * k as i64, v * U));
            assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{k}: {ev:?}");
            assert!(recovered_at(&ev, AlarmKind::Exceedance).is_empty());
        }
        let ev = feed(&mut m, &d, &rt(T0 + 240, 3 * U));
        let c = &raised(&ev, AlarmKind::Exceedance)[0];
        assert!(
            c.detail.ends_with("，当日第 3 次超标（每日允许 2 次）"),
            "{}",
            c.detail
        );
        assert_eq!(
            recovered_at(&feed(&mut m, &d, &rt(T0 + 300, U)), AlarmKind::Exceedance),
            vec![T0 + 300]
        );
        // A fourth the same day raises again.
        assert_eq!(
            raised(
                &feed(&mut m, &d, &rt(T0 + 360, 3 * U)),
                AlarmKind::Exceedance
            )
            .len(),
            1
        );
        feed(&mut m, &d, &rt(T0 + 420, U));
        // The next Beijing day starts from zero.
        for k in 0..2 {
            let ev = feed(&mut m, &d, &rt(T0 + DAY_S + 120 * k, 3 * U));
            assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
            feed(&mut m, &d, &rt(T0 + DAY_S + 120 * k + 60, U));
        }
        assert_eq!(
            raised(
                &feed(&mut m, &d, &rt(T0 + DAY_S + 600, 3 * U)),
                AlarmKind::Exceedance
            )
            .len(),
            1
        );
    }

    #[test]
    fn beijing_days_not_utc_days() {
        let mut d = with_limit(Averaging::Sample, Intervals::default());
        d.limits[0].allowed_per_day = 1;
        let mut m = DeviceMonitor::default();
        // 23:59 and 00:01 Beijing are different days (both the same UTC day).
        feed(&mut m, &d, &rt(T0 - 60, 3 * U));
        feed(&mut m, &d, &rt(T0, U));
        let ev = feed(&mut m, &d, &rt(T0 + 60, 3 * U));
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        feed(&mut m, &d, &rt(T0 + 120, U));
        let ev = feed(&mut m, &d, &rt(T0 + 180, 3 * U));
        assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
    }

    #[test]
    fn episodes_raise_once_then_recover_then_raise_again() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        let mut m = DeviceMonitor::default();
        let ev = feed_all(
            &mut m,
            &d,
            &[rt(T0, 3 * U), rt(T0 + 60, 4 * U), rt(T0 + 120, 3 * U)],
        );
        assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
        let ev = feed(&mut m, &d, &rt(T0 + 180, 2 * U));
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 180]);
        assert!(feed(&mut m, &d, &rt(T0 + 240, U)).is_empty());
        let ev = feed(&mut m, &d, &rt(T0 + 300, 3 * U));
        assert_eq!(raised(&ev, AlarmKind::Exceedance)[0].start, T0 + 300);
    }

    #[test]
    fn ten_minute_mean_of_real_time_values() {
        let d = fume();
        let mut m = DeviceMonitor::default();
        let window: Vec<Reading> = (0..10)
            .map(|k| rt(T0 + 60 * k, if k % 2 == 0 { 2_300_000 } else { 2_400_000 }))
            .collect();
        let ev = feed_all(&mut m, &d, &window);
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        // The first value of the next window closes it.
        let ev = feed(&mut m, &d, &rt(T0 + 600, U));
        let c = &raised(&ev, AlarmKind::Exceedance)[0];
        assert_eq!(c.value, Some(2_350_000));
        assert_eq!((c.start, c.end), (T0, T0 + 600));
        assert_eq!(c.evidence, (0..10).map(|k| T0 + 60 * k).collect::<Vec<_>>());
        assert_eq!(c.evidence_kind, Some(ReadingKind::RealTime));
        assert_eq!(
            c.detail,
            "a34041 10分钟均值 2.35 超过限值 2（GB 18483-2001），由 10 个实时值计算"
        );
        // The next window (mean 1) recovers at its start.
        let ev = feed_all(
            &mut m,
            &d,
            &(1..10)
                .map(|k| rt(T0 + 600 + 60 * k, U))
                .collect::<Vec<_>>(),
        );
        assert!(ev.is_empty(), "{ev:?}");
        let ev = feed(&mut m, &d, &rt(T0 + 1200, U));
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 600]);
    }

    #[test]
    fn window_mean_exactly_at_the_limit_and_just_above() {
        let d = fume();
        let mut m = DeviceMonitor::default();
        // Mean exactly 2: no alarm.
        let at: Vec<Reading> = (0..10)
            .map(|k| rt(T0 + 60 * k, if k % 2 == 0 { 1_500_000 } else { 2_500_000 }))
            .collect();
        let mut ev = feed_all(&mut m, &d, &at);
        // Mean 2.0000001: an alarm, shown rounded up.
        let above: Vec<Reading> = (0..10)
            .map(|k| rt(T0 + 600 + 60 * k, if k == 3 { 2 * U + 1 } else { 2 * U }))
            .collect();
        ev.extend(feed_all(&mut m, &d, &above));
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        let ev = feed(&mut m, &d, &rt(T0 + 1200, U));
        let c = &raised(&ev, AlarmKind::Exceedance)[0];
        assert_eq!((c.start, c.value), (T0 + 600, Some(2 * U + 1)));
    }

    #[test]
    fn window_needs_coverage() {
        let d = fume();
        // 75 % of 10 expected samples is 8 (rounded up): 7 valid values are not enough, even
        // when the others are there but flagged.
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..7).map(|k| rt(T0 + 60 * k, 5 * U)).collect();
        rs.extend((7..10).map(|k| {
            reading(
                ReadingKind::RealTime,
                T0 + 60 * k,
                vec![fv(FUME, 5 * U, Some("M"))],
            )
        }));
        rs.push(rt(T0 + 600, U));
        let ev = feed_all(&mut m, &d, &rs);
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        // 8 are.
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..8).map(|k| rt(T0 + 60 * k, 5 * U)).collect();
        rs.push(rt(T0 + 600, U));
        assert_eq!(
            raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance).len(),
            1
        );
        // Unknown real-time interval: one value is enough.
        let d = with_limit(
            Averaging::Minutes(10),
            Intervals {
                realtime_s: None,
                ..Intervals::default()
            },
        );
        let mut m = DeviceMonitor::default();
        let ev = feed_all(&mut m, &d, &[rt(T0 + 300, 5 * U), rt(T0 + 600, U)]);
        assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
    }

    #[test]
    fn the_tick_closes_a_window_after_the_grace() {
        let d = fume();
        let mut m = DeviceMonitor::default();
        feed_all(
            &mut m,
            &d,
            &(0..10).map(|k| rt(T0 + 60 * k, 3 * U)).collect::<Vec<_>>(),
        );
        // Grace is max(120 s, 2 intervals) after the end.
        assert!(m.on_tick(&d, T0 + 600).is_empty());
        assert!(m.on_tick(&d, T0 + 719).is_empty());
        let ev = m.on_tick(&d, T0 + 720);
        assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1, "{ev:?}");
        // A late value for the evaluated window is ignored.
        assert!(
            raised(
                &feed(&mut m, &d, &rt(T0 + 30, 9 * U)),
                AlarmKind::Exceedance
            )
            .is_empty()
        );
        assert!(
            m.on_tick(&d, T0 + 900)
                .iter()
                .all(|e| e.kind() == AlarmKind::Offline)
        );
    }

    #[test]
    fn windows_are_aligned_to_the_beijing_clock() {
        // 7-minute windows restart at Beijing midnight (T0); the day's last one is 5 minutes.
        let d = with_limit(Averaging::Minutes(7), Intervals::default());
        assert_eq!(window_of(T0 + 100, 420), Some((T0, T0 + 420)));
        assert_eq!(window_of(T0 - 1, 420), Some((T0 - 300, T0)));
        assert_eq!(window_of(T0 + 3600 + 1, 3600), Some((T0 + 3600, T0 + 7200)));
        assert_eq!(window_of(T0 + 5, 2 * DAY_S), window_of(T0 - 5, 2 * DAY_S));
        assert_eq!(window_of(i64::MAX, 600), None);
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..7).map(|k| rt(T0 + 60 * k, 3 * U)).collect();
        rs.push(rt(T0 + 420, U));
        let c = &raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance)[0];
        assert_eq!((c.start, c.end), (T0, T0 + 420));
    }

    #[test]
    fn minute_data_is_compared_directly_when_its_interval_matches() {
        let d = with_limit(
            Averaging::Minutes(10),
            Intervals {
                minute_s: Some(600),
                ..Intervals::default()
            },
        );
        let mut m = DeviceMonitor::default();
        // Real-time values are not averaged then.
        let ev = feed_all(
            &mut m,
            &d,
            &(0..12).map(|k| rt(T0 + 60 * k, 5 * U)).collect::<Vec<_>>(),
        );
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        let r = reading(
            ReadingKind::Minute,
            T0,
            vec![fv(FUME, 2_500_000, Some("N"))],
        );
        let c = &raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance)[0];
        assert_eq!((c.start, c.end, c.value), (T0, T0 + 600, Some(2_500_000)));
        assert_eq!(c.evidence_kind, Some(ReadingKind::Minute));
    }

    #[test]
    fn minute_data_is_averaged_when_there_is_no_real_time_data() {
        let d = with_limit(
            Averaging::Hour,
            Intervals {
                realtime_s: None,
                minute_s: Some(600),
                hourly: false,
                offline_after: 3,
            },
        );
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..5)
            .map(|k| {
                reading(
                    ReadingKind::Minute,
                    T0 + 600 * k,
                    vec![fv(FUME, 3 * U, None)],
                )
            })
            .collect();
        rs.push(reading(
            ReadingKind::Minute,
            T0 + 3600,
            vec![fv(FUME, U, None)],
        ));
        let c = &raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance)[0];
        assert_eq!((c.start, c.end, c.evidence.len()), (T0, T0 + 3600, 5));
        assert_eq!(c.evidence_kind, Some(ReadingKind::Minute));
        assert!(
            c.detail.contains("小时均值") && c.detail.contains("由 5 个分钟值计算"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn hour_and_day_limits() {
        // Hourly data sent: 2061 compared directly.
        let d = with_limit(Averaging::Hour, Intervals::default());
        let mut m = DeviceMonitor::default();
        let r = reading(ReadingKind::Hour, T0, vec![fv(FUME, 3 * U, Some("N"))]);
        let c = &raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance)[0];
        assert_eq!((c.start, c.end), (T0, T0 + 3600));
        assert!(
            c.detail.starts_with("a34041 小时均值 3 超过限值 2"),
            "{}",
            c.detail
        );
        // No hourly data: the mean of the hour's 60 real-time values (45 needed).
        let d = with_limit(
            Averaging::Hour,
            Intervals {
                hourly: false,
                ..Intervals::default()
            },
        );
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..45).map(|k| rt(T0 + 60 * k, 3 * U)).collect();
        rs.push(rt(T0 + 3600, U));
        let ev = feed_all(&mut m, &d, &rs);
        let c = &raised(&ev, AlarmKind::Exceedance)[0];
        assert_eq!((c.start, c.end, c.evidence.len()), (T0, T0 + 3600, 45));
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..44).map(|k| rt(T0 + 60 * k, 3 * U)).collect();
        rs.push(rt(T0 + 3600, U));
        assert!(raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance).is_empty());
        // Day: 2031 only.
        let d = with_limit(Averaging::Day, Intervals::default());
        let mut m = DeviceMonitor::default();
        assert!(raised(&feed(&mut m, &d, &rt(T0, 9 * U)), AlarmKind::Exceedance).is_empty());
        let r = reading(ReadingKind::Day, T0, vec![fv(FUME, 3 * U, Some("N"))]);
        let c = &raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance)[0];
        assert_eq!(
            (c.start, c.end, c.evidence_kind),
            (T0, T0 + DAY_S, Some(ReadingKind::Day))
        );
    }

    #[test]
    fn evidence_is_bounded() {
        // An hour of 30-second values: 120 readings, 64 listed (first and last 32).
        let d = with_limit(
            Averaging::Hour,
            Intervals {
                realtime_s: Some(30),
                hourly: false,
                ..Intervals::default()
            },
        );
        let mut m = DeviceMonitor::default();
        let mut rs: Vec<Reading> = (0..120).map(|k| rt(T0 + 30 * k, 3 * U)).collect();
        rs.push(rt(T0 + 3600, U));
        let c = &raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance)[0];
        assert_eq!(c.evidence.len(), MAX_EVIDENCE);
        assert_eq!(c.evidence[0], T0);
        assert_eq!(c.evidence[63], T0 + 30 * 119);
        assert!(c.detail.contains("由 120 个实时值计算"), "{}", c.detail);
    }

    #[test]
    fn two_limits_on_one_factor_recover_together() {
        let mut zs = limit(FUME, Averaging::Sample, 2 * U);
        zs.converted = true;
        let d = device(
            vec![factor(FUME, None)],
            vec![limit(FUME, Averaging::Sample, 2 * U), zs],
            Intervals::default(),
        );
        let r = |t: i64, v: i64, z: i64| {
            let mut f = fv(FUME, v, Some("N"));
            f.converted = Some(z);
            reading(ReadingKind::RealTime, t, vec![f])
        };
        let mut m = DeviceMonitor::default();
        assert_eq!(
            raised(
                &feed(&mut m, &d, &r(T0, 3 * U, 3 * U)),
                AlarmKind::Exceedance
            )
            .len(),
            2
        );
        assert!(feed(&mut m, &d, &r(T0 + 60, U, 3 * U)).is_empty());
        let ev = feed(&mut m, &d, &r(T0 + 120, U, U));
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 120]);
        // A removed limit's episode is recovered.
        let mut m = DeviceMonitor::default();
        feed(&mut m, &d, &r(T0, 3 * U, U));
        let mut d2 = d.clone();
        d2.limits.remove(0);
        let ev = m.on_tick(&d2, T0 + 30);
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 30]);
    }

    // ---- out of order ----------------------------------------------------------------------

    #[test]
    fn old_values_can_raise_but_not_recover() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        let mut m = DeviceMonitor::default();
        assert_eq!(
            raised(
                &feed(&mut m, &d, &rt(T0 + 120, 3 * U)),
                AlarmKind::Exceedance
            )
            .len(),
            1
        );
        assert!(feed(&mut m, &d, &rt(T0 + 60, 3 * U)).is_empty());
        assert!(feed(&mut m, &d, &rt(T0, U)).is_empty());
        let ev = feed(&mut m, &d, &rt(T0 + 180, U));
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 180]);
        // A past exceedance replayed later is still reported, once.
        let ev = feed_all(&mut m, &d, &[rt(T0 - 600, 3 * U), rt(T0 - 540, 3 * U)]);
        assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
        let ev = feed(&mut m, &d, &rt(T0 + 240, U));
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 240]);
    }

    #[test]
    fn replayed_window_interleaved_with_live_data() {
        let d = fume();
        let mut m = DeviceMonitor::default();
        let mut ev = Vec::new();
        // Live values of [T0+600, T0+1200) (mean 1) interleaved with a replay of [T0, T0+600)
        // (mean 3): the live ones must not close the replayed window early.
        for k in 0..10 {
            let live = rt(T0 + 600 + 60 * k, U);
            ev.extend(m.on_reading(&d, &live, live.data_time + 5));
            let old = rt(T0 + 60 * k, 3 * U);
            ev.extend(m.on_reading(&d, &old, live.data_time + 6));
        }
        ev.extend(feed(&mut m, &d, &rt(T0 + 1200, U)));
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        ev.extend(m.on_tick(&d, T0 + 1300));
        let r = raised(&ev, AlarmKind::Exceedance);
        assert_eq!(r.len(), 1, "{ev:?}");
        assert_eq!((r[0].start, r[0].evidence.len()), (T0, 10));
        // Late duplicates of that window do nothing; the next live window recovers.
        let mut ev = feed(&mut m, &d, &rt(T0 + 30, 9 * U));
        ev.extend(feed_all(
            &mut m,
            &d,
            &(1..=10)
                .map(|k| rt(T0 + 1200 + 60 * k, U))
                .collect::<Vec<_>>(),
        ));
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 1200]);
    }

    #[test]
    fn a_fast_replay_keeps_few_windows_open() {
        let d = fume();
        let mut m = DeviceMonitor::default();
        feed(&mut m, &d, &rt(T0 + 2 * DAY_S, U));
        // A day of history at 60 s, received within ten minutes, after a live value.
        let mut raises = 0;
        for k in 0..1440 {
            let r = rt(T0 + DAY_S + 60 * k, if k < 10 { 3 * U } else { U });
            raises += raised(
                &m.on_reading(&d, &r, T0 + 2 * DAY_S + k / 3),
                AlarmKind::Exceedance,
            )
            .len();
            assert!(m.buffer_lengths()[0] <= MAX_OPEN_WINDOWS);
        }
        assert_eq!(raises, 1);
    }

    // ---- offline -------------------------------------------------------------------------

    #[test]
    fn offline_event_decides_from_stored_facts() {
        let d = fume();
        // 3 intervals of 60 s.
        assert_eq!(
            offline_event(&d, None, None, T0 + 10_000),
            None,
            "never seen"
        );
        assert_eq!(
            offline_event(&d, Some(T0), None, T0 + 180),
            None,
            "at the edge"
        );
        let Some(MonitorEvent::Raise(c)) = offline_event(&d, Some(T0), None, T0 + 181) else {
            panic!("one second past the window raises")
        };
        assert_eq!((c.kind, c.start, c.end), (AlarmKind::Offline, T0, T0 + 181));
        // Open: nothing new while silent; recovered at the first frame after its start.
        assert_eq!(offline_event(&d, Some(T0), Some(T0), T0 + 5_000), None);
        assert_eq!(
            offline_event(&d, Some(T0 + 4_000), Some(T0), T0 + 5_000),
            Some(MonitorEvent::Recovered {
                mn: d.mn.clone(),
                kind: AlarmKind::Offline,
                factor: None,
                at: T0 + 4_000
            })
        );
        let inactive = Device {
            active: false,
            ..d.clone()
        };
        assert_eq!(offline_event(&inactive, Some(T0), None, T0 + 5_000), None);
        // The windows' clock alone never raises offline.
        let mut m = DeviceMonitor::new(AbnormalRules::default());
        m.set_last_seen(T0);
        assert!(m.on_clock(&d, T0 + 5_000).is_empty());
        assert!(!m.is_offline());
    }

    #[test]
    fn offline_raises_once_and_recovers() {
        let d = fume();
        let mut m = DeviceMonitor::default();
        // Never seen: unknown, not offline.
        assert!(m.on_tick(&d, T0 + DAY_S).is_empty());
        assert_eq!(m.last_seen(), None);
        m.on_reading(&d, &rt(T0, U), T0 + 5);
        assert_eq!(m.last_seen(), Some(T0 + 5));
        // 3 intervals of 60 s: offline when silent for more than 180 s.
        assert!(m.on_tick(&d, T0 + 185).is_empty());
        let ev = m.on_tick(&d, T0 + 186);
        let c = &raised(&ev, AlarmKind::Offline)[0];
        assert_eq!((c.start, c.end, c.factor.clone()), (T0 + 5, T0 + 186, None));
        assert!(c.evidence.is_empty());
        assert_eq!(
            c.detail,
            "最后一次收到数据 2024-01-01 00:00:05，已 3分钟1秒 无数据（超过 3分钟 判定离线）"
        );
        assert!(m.is_offline());
        assert!(m.on_tick(&d, T0 + 3600).is_empty());
        let ev = m.on_reading(&d, &rt(T0 + 3600, U), T0 + 3700);
        assert_eq!(recovered_at(&ev, AlarmKind::Offline), vec![T0 + 3700]);
        assert!(!m.is_offline());
        // Inactive devices are not raised.
        let mut off = d.clone();
        off.active = false;
        assert!(m.on_tick(&off, T0 + DAY_S).is_empty());
        // Seeded after a restart: raised without a new reading.
        let mut m = DeviceMonitor::default();
        m.set_last_seen(T0);
        m.set_last_seen(T0 - 60);
        assert_eq!(m.last_seen(), Some(T0));
        assert_eq!(
            raised(&m.on_tick(&d, T0 + 181), AlarmKind::Offline).len(),
            1
        );
    }

    // ---- abnormal data ---------------------------------------------------------------------

    /// A device with one unlimited factor (no step floor) and a range of 20.
    fn plain(code: &str, intervals: Intervals) -> Device {
        device(vec![factor(code, Some(20 * U))], Vec::new(), intervals)
    }

    fn series(code: &str, from: i64, step: i64, n: i64, v: i64) -> Vec<Reading> {
        (0..n)
            .map(|k| {
                reading(
                    ReadingKind::RealTime,
                    from + step * k,
                    vec![fv(code, v, Some("N"))],
                )
            })
            .collect()
    }

    #[test]
    fn constant_value_for_four_hours() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        // 240 values: 3 h 59 min.
        let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 240, 350_000));
        assert!(ev.is_empty(), "{ev:?}");
        let ev = feed(&mut m, &d, &series(FUME, T0 + 4 * 3600, 60, 1, 350_000)[0]);
        let c = &raised(&ev, AlarmKind::ConstantValue)[0];
        assert_eq!(
            (c.start, c.end, c.value),
            (T0, T0 + 4 * 3600, Some(350_000))
        );
        assert_eq!(c.evidence.len(), MAX_EVIDENCE);
        assert_eq!(
            c.detail,
            "a34041 自 2024-01-01 00:00:00 起连续 4小时 恒定为 0.35（241 个实时值）"
        );
        // Still constant: nothing; a different value ends it.
        assert!(
            feed_all(
                &mut m,
                &d,
                &series(FUME, T0 + 4 * 3600 + 60, 60, 10, 350_000)
            )
            .is_empty()
        );
        let ev = feed(&mut m, &d, &series(FUME, T0 + 5 * 3600, 60, 1, 350_001)[0]);
        assert_eq!(
            recovered_at(&ev, AlarmKind::ConstantValue),
            vec![T0 + 5 * 3600]
        );
    }

    #[test]
    fn constant_value_needs_enough_values() {
        // Hourly data only: at 4 h of span there are only 5 values; the 6th raises.
        let d = plain(
            FUME,
            Intervals {
                realtime_s: None,
                minute_s: None,
                hourly: true,
                offline_after: 3,
            },
        );
        let mut m = DeviceMonitor::default();
        let rs: Vec<Reading> = (0..6)
            .map(|k| {
                reading(
                    ReadingKind::Hour,
                    T0 + 3600 * k,
                    vec![fv(FUME, 1_234_000, None)],
                )
            })
            .collect();
        let ev = feed_all(&mut m, &d, &rs[..5]);
        assert!(ev.is_empty(), "{ev:?}");
        let ev = feed(&mut m, &d, &rs[5]);
        let c = &raised(&ev, AlarmKind::ConstantValue)[0];
        assert_eq!(
            (c.evidence.len(), c.evidence_kind),
            (6, Some(ReadingKind::Hour))
        );
        // Real-time data of such a device is not the primary stream.
        let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 300, 0));
        assert!(ev.is_empty(), "{ev:?}");
    }

    #[test]
    fn zero_run_for_two_hours_except_exempt_factors() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 120, 0));
        assert!(ev.is_empty(), "{ev:?}");
        let ev = feed(&mut m, &d, &series(FUME, T0 + 7200, 60, 1, 0)[0]);
        assert_eq!(ev.len(), 1, "zeros are not a constant value: {ev:?}");
        let c = &raised(&ev, AlarmKind::ZeroRun)[0];
        assert_eq!((c.start, c.end, c.value), (T0, T0 + 7200, Some(0)));
        let ev = feed(&mut m, &d, &series(FUME, T0 + 7260, 60, 1, 10_000)[0]);
        assert_eq!(recovered_at(&ev, AlarmKind::ZeroRun), vec![T0 + 7260]);
        // Wind speed is exempt (calm nights).
        let d = plain("a01007", Intervals::default());
        let mut m = DeviceMonitor::default();
        assert!(feed_all(&mut m, &d, &series("a01007", T0, 60, 300, 0)).is_empty());
    }

    #[test]
    fn a_gap_breaks_a_run_and_flagged_values_do_not() {
        let d = plain(FUME, Intervals::default());
        // Zeros for 1 h, 31 min of silence, zeros for 1.5 h: two runs, no alarm.
        let mut m = DeviceMonitor::default();
        let mut rs = series(FUME, T0, 60, 61, 0);
        rs.extend(series(FUME, T0 + 3600 + 1860, 60, 91, 0));
        assert!(feed_all(&mut m, &d, &rs).is_empty());
        // Zeros with maintenance values in between (flagged, value 5): one run.
        let mut m = DeviceMonitor::default();
        let rs: Vec<Reading> = (0..=120)
            .map(|k| {
                let v = if k % 10 == 5 {
                    fv(FUME, 5 * U, Some("M"))
                } else {
                    fv(FUME, 0, Some("N"))
                };
                reading(ReadingKind::RealTime, T0 + 60 * k, vec![v])
            })
            .collect();
        assert_eq!(
            raised(&feed_all(&mut m, &d, &rs), AlarmKind::ZeroRun).len(),
            1
        );
    }

    #[test]
    fn pinned_at_range_for_an_hour() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        let mut rs = series(FUME, T0, 60, 30, 20 * U);
        rs.extend(series(FUME, T0 + 1800, 60, 30, 25 * U));
        assert!(feed_all(&mut m, &d, &rs).is_empty());
        let ev = feed(&mut m, &d, &series(FUME, T0 + 3600, 60, 1, 20 * U)[0]);
        assert_eq!(ev.len(), 1, "{ev:?}");
        let c = &raised(&ev, AlarmKind::PinnedAtRange)[0];
        assert_eq!((c.start, c.end, c.limit), (T0, T0 + 3600, Some(20 * U)));
        // Hours later still only the pinned alarm (not a constant value).
        assert!(feed_all(&mut m, &d, &series(FUME, T0 + 3660, 60, 300, 20 * U)).is_empty());
        let ev = feed(
            &mut m,
            &d,
            &series(FUME, T0 + 3660 + 18_000, 60, 1, 20 * U - 1)[0],
        );
        assert_eq!(
            recovered_at(&ev, AlarmKind::PinnedAtRange),
            vec![T0 + 3660 + 18_000]
        );
        // No range: no rule.
        let mut d = d;
        d.factors[0].range_max = None;
        let mut m = DeviceMonitor::default();
        let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 120, 20 * U));
        assert!(raised(&ev, AlarmKind::PinnedAtRange).is_empty());
    }

    #[test]
    fn sudden_step_edges() {
        // Floor: the limit (2).
        let d = with_limit(Averaging::Sample, Intervals::default());
        let steps = |values: &[(i64, i64)]| {
            let mut m = DeviceMonitor::default();
            let ev = feed_all(
                &mut m,
                &d,
                &values.iter().map(|&(t, v)| rt(t, v)).collect::<Vec<_>>(),
            );
            raised(&ev, AlarmKind::SuddenStep)
        };
        // 0.2 → 2.2 is exactly 10 × 0.2: not more.
        assert!(steps(&[(T0, 200_000), (T0 + 60, 2_200_000)]).is_empty());
        let s = steps(&[(T0, 200_000), (T0 + 60, 2_200_001)]);
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].start, s[0].end, s[0].evidence.clone()),
            (T0, T0 + 60, vec![T0, T0 + 60])
        );
        assert_eq!((s[0].value, s[0].limit), (Some(2_200_001), Some(2 * U)));
        // 0.1 → 2.1: 21 times, but a change of exactly the floor.
        assert!(steps(&[(T0, 100_000), (T0 + 60, 2_100_000)]).is_empty());
        assert_eq!(steps(&[(T0, 100_000), (T0 + 60, 2_100_001)]).len(), 1);
        // Too far apart (more than 3 intervals), or from zero: not a step.
        assert!(steps(&[(T0, 200_000), (T0 + 181, 9 * U)]).is_empty());
        assert_eq!(steps(&[(T0, 200_000), (T0 + 180, 9 * U)]).len(), 1);
        assert!(steps(&[(T0, 0), (T0 + 60, 9 * U)]).is_empty());
        // Drops are never steps (at most the previous value).
        assert!(steps(&[(T0, 9 * U), (T0 + 60, 0)]).is_empty());
        // No limit and no floor: off; with a configured floor: on.
        let d = plain("X1", Intervals::default());
        let r = series("X1", T0, 60, 1, 100_000).into_iter().chain(series(
            "X1",
            T0 + 60,
            60,
            1,
            50 * U,
        ));
        let rs: Vec<Reading> = r.collect();
        let mut m = DeviceMonitor::default();
        assert!(raised(&feed_all(&mut m, &d, &rs), AlarmKind::SuddenStep).is_empty());
        let mut rules = AbnormalRules::default();
        rules.step_floor.insert("X1".to_owned(), 10 * U);
        let mut m = DeviceMonitor::new(rules);
        assert_eq!(
            raised(&feed_all(&mut m, &d, &rs), AlarmKind::SuddenStep).len(),
            1
        );
    }

    #[test]
    fn sudden_step_episode_ends_after_a_quiet_hour() {
        let d = with_limit(Averaging::Sample, Intervals::default());
        let mut m = DeviceMonitor::default();
        let mut ev = feed_all(
            &mut m,
            &d,
            &[rt(T0, 100_000), rt(T0 + 60, 5 * U), rt(T0 + 120, 100_000)],
        );
        // Another step ten minutes later: the same episode.
        ev.extend(feed_all(
            &mut m,
            &d,
            &[rt(T0 + 600, 100_000), rt(T0 + 660, 5 * U)],
        ));
        assert_eq!(raised(&ev, AlarmKind::SuddenStep).len(), 1);
        assert!(recovered_at(&ev, AlarmKind::SuddenStep).is_empty());
        let ev = feed_all(
            &mut m,
            &d,
            &[rt(T0 + 660 + 3599, U), rt(T0 + 660 + 3600, U)],
        );
        assert_eq!(
            recovered_at(&ev, AlarmKind::SuddenStep),
            vec![T0 + 660 + 3600]
        );
    }

    #[test]
    fn maintenance_flags_for_a_day() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        let flagged = |k: i64| {
            let flag = if k % 2 == 0 { "M" } else { "C" };
            reading(
                ReadingKind::RealTime,
                T0 + 60 * k,
                vec![fv(FUME, 0, Some(flag))],
            )
        };
        let ev: Vec<MonitorEvent> = (0..1440)
            .flat_map(|k| feed(&mut m, &d, &flagged(k)))
            .collect();
        assert!(ev.is_empty(), "{ev:?}");
        let ev = feed(&mut m, &d, &flagged(1440));
        let c = &raised(&ev, AlarmKind::FlagRun)[0];
        assert_eq!((c.start, c.end, c.value), (T0, T0 + DAY_S, None));
        assert!(
            c.detail.contains("连续 1天 标记为维护/校准"),
            "{}",
            c.detail
        );
        let ev = feed(&mut m, &d, &rt(T0 + DAY_S + 60, U));
        assert_eq!(recovered_at(&ev, AlarmKind::FlagRun), vec![T0 + DAY_S + 60]);
        // A fault flag breaks the run too.
        let mut m = DeviceMonitor::default();
        let mut ev: Vec<MonitorEvent> = (0..700)
            .flat_map(|k| feed(&mut m, &d, &flagged(k)))
            .collect();
        ev.extend(feed(
            &mut m,
            &d,
            &reading(
                ReadingKind::RealTime,
                T0 + 700 * 60,
                vec![fv(FUME, 0, Some("D"))],
            ),
        ));
        ev.extend((701..1500).flat_map(|k| feed(&mut m, &d, &flagged(k))));
        assert!(raised(&ev, AlarmKind::FlagRun).is_empty());
    }

    #[test]
    fn clock_skew_that_holds() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        // The device is 15 minutes behind; raised once it held for 300 s.
        let mut ev = Vec::new();
        for k in 0..5 {
            let rec = T0 + 60 * k;
            ev.extend(m.on_reading(&d, &rt(rec - 900, U + k), rec));
        }
        assert!(ev.is_empty(), "{ev:?}");
        let ev = m.on_reading(&d, &rt(T0 + 300 - 900, U), T0 + 300);
        let c = &raised(&ev, AlarmKind::ClockSkew)[0];
        assert_eq!((c.start, c.end), (T0, T0 + 300));
        assert_eq!((c.value, c.limit), (Some(900 * U), Some(600 * U)));
        assert_eq!(c.evidence, vec![T0 - 900, T0 - 600]);
        assert!(
            c.detail
                .starts_with("设备时钟比接收时间慢 900 秒（允许 600 秒）"),
            "{}",
            c.detail
        );
        assert!(
            m.on_reading(&d, &rt(T0 + 360 - 900, U), T0 + 360)
                .is_empty()
        );
        // Exactly 600 s is within.
        let ev = m.on_reading(&d, &rt(T0 + 420 - 600, U), T0 + 420);
        assert_eq!(recovered_at(&ev, AlarmKind::ClockSkew), vec![T0 + 420]);
        // Ahead of time, with no persistence required: at once.
        let rules = AbnormalRules {
            clock_skew_persist_s: 0,
            ..AbnormalRules::default()
        };
        let mut m = DeviceMonitor::new(rules);
        let ev = m.on_reading(&d, &rt(T0 + 601, U), T0);
        assert!(
            raised(&ev, AlarmKind::ClockSkew)[0]
                .detail
                .contains("快 601 秒")
        );
        // Old minute and hour data are history, not skew.
        let mut m = DeviceMonitor::new(AbnormalRules {
            clock_skew_persist_s: 0,
            ..AbnormalRules::default()
        });
        let r = reading(ReadingKind::Hour, T0 - DAY_S, vec![fv(FUME, U, None)]);
        assert!(m.on_reading(&d, &r, T0).is_empty());
    }

    #[test]
    fn a_real_time_replay_is_not_clock_skew() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        // A day of buffered real-time data, one frame a second, then live data.
        let mut ev = Vec::new();
        for k in 0..1440 {
            ev.extend(m.on_reading(&d, &rt(T0 + 60 * k, U + k), T0 + DAY_S + k));
        }
        ev.extend(m.on_reading(&d, &rt(T0 + DAY_S + 1500, U), T0 + DAY_S + 1500));
        assert!(raised(&ev, AlarmKind::ClockSkew).is_empty(), "{ev:?}");
    }

    #[test]
    fn unregistered_factors_are_not_watched() {
        let d = plain(FUME, Intervals::default());
        let mut m = DeviceMonitor::default();
        let ev = feed_all(&mut m, &d, &series("X9", T0, 60, 300, 0));
        assert!(ev.is_empty(), "{ev:?}");
        assert_eq!(m.buffer_lengths()[4], 0);
    }

    #[test]
    fn text_helpers() {
        assert_eq!(beijing(T0), "2024-01-01 00:00:00");
        assert_eq!(beijing(0), "1970-01-01 08:00:00");
        assert_eq!(beijing(-1), "1970-01-01 07:59:59");
        assert!(!beijing(i64::MIN).is_empty() && !beijing(i64::MAX).is_empty());
        assert_eq!(duration_zh(0), "0秒");
        assert_eq!(duration_zh(5400), "1小时30分钟");
        assert_eq!(duration_zh(DAY_S + 1), "1天1秒");
        assert_eq!(min_samples(600, Some(60), 75), 8);
        assert_eq!(min_samples(3600, Some(60), 75), 45);
        assert_eq!(min_samples(600, Some(900), 75), 1);
        assert_eq!(min_samples(600, None, 75), 1);
        assert_eq!(ceil_div(7, 2), 4);
        assert_eq!(ceil_div(-7, 2), -3);
        assert_eq!(ceil_div(6, 3), 2);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let mut d = fume();
        d.limits.push(limit(FUME, Averaging::Sample, i64::MAX));
        d.limits
            .push(limit(FUME, Averaging::Minutes(1440), i64::MIN));
        d.limits.push(limit(FUME, Averaging::Minutes(0), 1));
        d.intervals = Intervals {
            realtime_s: Some(u32::MAX),
            minute_s: Some(1),
            hourly: false,
            offline_after: u32::MAX,
        };
        let mut m = DeviceMonitor::new(AbnormalRules {
            constant_s: i64::MIN,
            zero_run_s: i64::MAX,
            run_max_gap_s: i64::MAX,
            step_ratio: 0,
            clock_skew_s: i64::MIN,
            window_grace_s: i64::MIN,
            min_run_values: 0,
            ..AbnormalRules::default()
        });
        for t in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
            for v in [i64::MIN, -1, 0, 1, i64::MAX] {
                for kind in ReadingKind::ALL {
                    let r = reading(
                        kind,
                        t,
                        vec![fv(FUME, v, Some("N")), fv(FUME, v, Some("T"))],
                    );
                    for rec in [i64::MIN, 0, i64::MAX] {
                        m.on_reading(&d, &r, rec);
                        m.on_tick(&d, rec);
                    }
                }
            }
        }
        let b = m.buffer_lengths();
        assert!(b[0] <= MAX_OPEN_WINDOWS && b[1] <= MAX_CLOSED_WINDOWS && b[2] <= MAX_DAYS);
    }

    // ---- property tests ----------------------------------------------------------------------

    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Read {
            kind: usize,
            t: i64,
            delay: i64,
            values: Vec<(usize, i64, Option<usize>)>,
        },
        Tick(i64),
    }

    const CODES: [&str; 3] = [FUME, "a01007", "X1"];
    const FLAGS: [&str; 9] = ["N", "T", "M", "C", "D", "F", "B", "S", "?"];

    fn time() -> impl Strategy<Value = i64> {
        prop_oneof![9 => (0i64..3 * DAY_S).prop_map(|o| T0 + o), 1 => any::<i64>()]
    }

    fn value() -> impl Strategy<Value = i64> {
        prop_oneof![
            6 => 0i64..5 * U,
            2 => Just(0i64),
            1 => Just(20 * U),
            1 => any::<i64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (
                0usize..4,
                time(),
                prop_oneof![8 => 0i64..30, 1 => -2000i64..2000, 1 => any::<i64>()],
                proptest::collection::vec((0usize..3, value(), proptest::option::of(0usize..9)), 0..4),
            )
                .prop_map(|(kind, t, delay, values)| Op::Read { kind, t, delay, values }),
            1 => time().prop_map(Op::Tick),
        ]
    }

    fn averaging() -> impl Strategy<Value = Averaging> {
        prop_oneof![
            Just(Averaging::Sample),
            (0u16..=120).prop_map(Averaging::Minutes),
            Just(Averaging::Hour),
            Just(Averaging::Day),
        ]
    }

    fn test_device() -> impl Strategy<Value = Device> {
        (
            proptest::option::of(prop_oneof![Just(60u32), Just(30), 1u32..4000]),
            proptest::option::of(prop_oneof![Just(600u32), Just(300), 1u32..4000]),
            any::<bool>(),
            1u32..5,
            proptest::collection::vec(
                (0usize..3, averaging(), value(), 0u16..3, any::<bool>()),
                0..4,
            ),
        )
            .prop_map(|(realtime_s, minute_s, hourly, offline_after, limits)| {
                device(
                    vec![
                        factor(FUME, Some(20 * U)),
                        factor("a01007", None),
                        factor("X1", Some(U)),
                    ],
                    limits
                        .into_iter()
                        .map(|(c, averaging, max, allowed, converted)| Limit {
                            allowed_per_day: allowed,
                            converted,
                            ..limit(CODES[c], averaging, max)
                        })
                        .collect(),
                    Intervals {
                        realtime_s,
                        minute_s,
                        hourly,
                        offline_after,
                    },
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_stays_bounded_and_pairs_events(
            d in test_device(),
            ops in proptest::collection::vec(op(), 0..400),
        ) {
            let mut m = DeviceMonitor::default();
            let mut open: BTreeMap<(AlarmKind, Option<String>), bool> = BTreeMap::new();
            for op in ops {
                let ev = match op {
                    Op::Read { kind, t, delay, values } => {
                        let values = values
                            .into_iter()
                            .map(|(c, v, f)| fv(CODES[c], v, f.map(|f| FLAGS[f])))
                            .collect();
                        let r = reading(ReadingKind::ALL[kind], t, values);
                        m.on_reading(&d, &r, t.saturating_add(delay))
                    }
                    Op::Tick(now) => m.on_tick(&d, now),
                };
                for e in ev {
                    let (_, kind, factor) = e.key();
                    let was = open.insert((kind, factor), matches!(e, MonitorEvent::Raise(_)));
                    match e {
                        MonitorEvent::Raise(c) => {
                            prop_assert!(c.evidence.len() <= MAX_EVIDENCE);
                            prop_assert!(kind == AlarmKind::Exceedance || was != Some(true), "double raise {c:?}");
                        }
                        MonitorEvent::Recovered { .. } => {
                            prop_assert_eq!(was, Some(true), "recovered without a raise: {:?}", kind);
                        }
                    }
                }
                let b = m.buffer_lengths();
                prop_assert!(b[0] <= MAX_OPEN_WINDOWS, "{b:?}");
                prop_assert!(b[1] <= MAX_CLOSED_WINDOWS, "{b:?}");
                prop_assert!(b[2] <= MAX_DAYS, "{b:?}");
                prop_assert!(b[3] <= MAX_EVIDENCE, "{b:?}");
                prop_assert!(b[4] <= CODES.len(), "{b:?}");
            }
        }
    }
}
