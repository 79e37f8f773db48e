//! The state of one limit: its averaging windows, open and closed, and the exceedance count of each Beijing day.

use super::*;

/// One open averaging window.
#[derive(Debug, Clone)]
pub(super) struct Window {
    pub(super) end: i64,
    pub(super) sum: i128,
    pub(super) count: u64,
    pub(super) evidence: Evidence,
    /// Receive time of the last value added.
    pub(super) touched: i64,
}

/// A window taken out for evaluation.
pub(super) struct ClosedWindow {
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) sum: i128,
    pub(super) count: u64,
    pub(super) evidence: Vec<i64>,
    pub(super) kind: ReadingKind,
}

/// Episode and window state of one limit.
#[derive(Debug, Clone)]
pub(super) struct LimitState {
    pub(super) factor: String,
    pub(super) averaging: Averaging,
    pub(super) converted: bool,
    /// An exceedance episode is open (raised).
    pub(super) active: bool,
    /// Start of the newest value or window evaluated.
    pub(super) last_start: Option<i64>,
    /// Exceeding windows per Beijing day.
    pub(super) days: BTreeMap<i64, u32>,
    /// How the limit was last evaluated; if it changes (the device's intervals were edited),
    /// the open windows are dropped.
    pub(super) mode: Option<Mode>,
    pub(super) windows: BTreeMap<i64, Window>,
    pub(super) closed: VecDeque<i64>,
    /// Newest `DataTime` of the averaged stream.
    pub(super) high_water: Option<i64>,
}

impl LimitState {
    pub(super) fn new(l: &Limit) -> Self {
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

    pub(super) fn is_for(&self, l: &Limit) -> bool {
        self.factor == l.factor && self.averaging == l.averaging && self.converted == l.converted
    }

    pub(super) fn set_mode(&mut self, mode: Mode) {
        if self.mode != Some(mode) {
            self.mode = Some(mode);
            self.windows.clear();
            self.closed.clear();
            self.high_water = None;
        }
    }

    pub(super) fn window_kind(&self) -> ReadingKind {
        match self.mode {
            Some(Mode::Window { kind, .. }) => kind,
            _ => ReadingKind::RealTime,
        }
    }

    /// Takes a reading of the averaged stream: closes the newest window if the stream moved
    /// past it, then adds the value.
    pub(super) fn window_reading(
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
    pub(super) fn close_idle(&mut self, now: i64, grace: i64) -> Vec<ClosedWindow> {
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

    pub(super) fn close(&mut self, start: i64) -> Option<ClosedWindow> {
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
