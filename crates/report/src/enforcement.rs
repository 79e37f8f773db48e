//! Enforcement figures from the store: the effectiveness of the stored cases by department or
//! town, with recurrence judged against the stored exceedance alarms (by the Beijing day they
//! were raised).

use std::collections::BTreeMap;

use jiff::civil::Date;
use lantian_enforcement::Limits;
use lantian_enforcement::effect::{CaseFacts, Effect, evaluate};
use lantian_store::{AlarmFilter, CaseFilter, Store};

use crate::ReportError;

/// Per department (or per town with `by_town`); `window_days` for repeats and recurrence.
pub fn effect(
    store: &Store,
    by_town: bool,
    window_days: i32,
) -> Result<BTreeMap<String, Effect>, ReportError> {
    let cases = store.enforcement_cases(&CaseFilter::default())?;
    let alarms = store.alarms(&AlarmFilter {
        limit: 100_000,
        ..AlarmFilter::default()
    })?;
    let beijing = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8));
    let exceed: Vec<(String, Date)> = alarms
        .iter()
        .filter(|a| a.kind == lantian_core::AlarmKind::Exceedance)
        .filter_map(|a| {
            let d = jiff::Timestamp::from_millisecond(a.raised_at_ms)
                .ok()?
                .to_zoned(beijing.clone())
                .date();
            Some((a.mn.clone(), d))
        })
        .collect();
    let refs: Vec<(&str, Date)> = exceed.iter().map(|(m, d)| (m.as_str(), *d)).collect();
    let facts: Vec<CaseFacts<'_>> = cases
        .iter()
        .map(|c| CaseFacts {
            group: if by_town {
                &c.case.town
            } else {
                &c.case.department
            },
            party: &c.case.party,
            detected: c.case.detected_on,
            events: &c.events,
            source: c.case.source.as_deref(),
        })
        .collect();
    Ok(evaluate(&facts, &refs, &Limits::default(), window_days))
}
