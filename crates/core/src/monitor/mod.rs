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

mod factor;
mod limit;
#[cfg(test)]
mod tests;
mod text;

use factor::*;
use limit::*;
use text::*;
