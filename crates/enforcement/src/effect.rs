//! Effectiveness of enforcement (执法效能评估, plan §十八): per department or town, the cases
//! closed, the days from detection to closure (median and longest), the steps that were late,
//! repeat offenders (parties with more than one case registered within a window), and
//! recurrence (a new exceedance of the same source within a window after its case closed).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::case::{CaseEvent, CaseState, Limits, Party, Step, days_between, late_steps, state_of};

/// A case as the evaluation sees it.
#[derive(Debug, Clone)]
pub struct CaseFacts<'a> {
    /// The group it counts in (a department, a town).
    pub group: &'a str,
    /// The party.
    pub party: &'a Party,
    /// When the problem was detected (the alarm, the fire, the complaint); else registration.
    pub detected: Option<Date>,
    /// Its events.
    pub events: &'a [CaseEvent],
    /// The source it concerns (a device MN), for recurrence.
    pub source: Option<&'a str>,
}

/// One group's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// Cases registered.
    pub cases: u32,
    /// Closed (or not filed).
    pub ended: u32,
    /// Median days from detection to closure of the closed ones (the lower middle for an
    /// even count).
    pub median_days: Option<i32>,
    /// The longest.
    pub max_days: Option<i32>,
    /// Steps over their limit.
    pub late_steps: u32,
    /// Parties with more than one case within the window (their keys).
    pub repeat_parties: Vec<String>,
    /// Closed cases whose source exceeded again within the window after closure.
    pub recurred: u32,
}

/// Evaluates `cases`; `exceedances` are (source, day) of exceedance alarms; `window_days` is
/// the span for repeats and recurrence.
#[must_use]
pub fn evaluate(
    cases: &[CaseFacts<'_>],
    exceedances: &[(&str, Date)],
    limits: &Limits,
    window_days: i32,
) -> BTreeMap<String, Effect> {
    // Each source's exceedance days, sorted, for a binary search after each closure.
    let mut by_source: BTreeMap<&str, Vec<Date>> = BTreeMap::new();
    for (s, d) in exceedances {
        by_source.entry(s).or_default().push(*d);
    }
    for days in by_source.values_mut() {
        days.sort_unstable();
    }
    let mut out: BTreeMap<String, Effect> = BTreeMap::new();
    let mut days: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    let mut by_party: BTreeMap<(&str, String), Vec<Date>> = BTreeMap::new();
    for c in cases {
        let e = out.entry(c.group.to_owned()).or_default();
        e.cases += 1;
        let registered = c.events.first().map(|x| x.on);
        if let Some(r) = registered {
            by_party
                .entry((c.group, c.party.key()))
                .or_default()
                .push(r);
        }
        e.late_steps += u32::try_from(late_steps(c.events, limits).len()).unwrap_or(0);
        let state = state_of(c.events);
        if !state.is_some_and(CaseState::ended) {
            continue;
        }
        e.ended += 1;
        let closed = c
            .events
            .iter()
            .find(|x| matches!(x.step, Step::Close | Step::NotFile { .. }))
            .map(|x| x.on);
        if let (Some(from), Some(to)) = (c.detected.or(registered), closed) {
            days.entry(c.group)
                .or_default()
                .push(days_between(from, to));
        }
        if state == Some(CaseState::Closed)
            && let (Some(src), Some(to)) = (c.source, closed)
            && by_source.get(src).is_some_and(|days| {
                let next = days.partition_point(|d| *d <= to);
                days.get(next)
                    .is_some_and(|d| days_between(to, *d) <= window_days)
            })
        {
            e.recurred += 1;
        }
    }
    for (group, mut v) in days {
        v.sort_unstable();
        if let Some(e) = out.get_mut(group) {
            e.median_days = v.get((v.len() - 1) / 2).copied();
            e.max_days = v.last().copied();
        }
    }
    for ((group, key), mut dates) in by_party {
        dates.sort_unstable();
        let repeat = dates
            .windows(2)
            .any(|w| days_between(w[0], w[1]) <= window_days);
        if repeat && let Some(e) = out.get_mut(group) {
            e.repeat_parties.push(key);
        }
    }
    out
}
