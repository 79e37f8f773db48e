//! Each town's figures for the assessment (区镇考核), gathered from what lantian holds:
//! `fire_real` (straw-burning incidents the town verified as real, by their first detection in
//! the period), `fire_open` (incidents dispatched to it not yet verified), and
//! `reports_on_time_pct` (its plan progress reports submitted on time, of those due, from the
//! plan's scorecards). Then `lantian_assessment::assess` applies the rules' version to them.

use std::collections::BTreeMap;

use lantian_assessment::Figures;
use lantian_store::{FireFilter, Store};
use rust_decimal::Decimal;

use crate::ReportError;
use crate::plan::PlanStatus;

/// The figures of every town of the plan for first detections in `[from_ms, to_ms)` and the
/// plan status's scorecards.
pub fn figures(
    store: &Store,
    status: &PlanStatus,
    from_ms: i64,
    to_ms: i64,
) -> Result<Figures, ReportError> {
    let mut out: Figures = status
        .plan
        .towns
        .iter()
        .map(|t| (t.name.clone(), BTreeMap::new()))
        .collect();
    let incidents = store.fire_incidents(&FireFilter {
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        ..FireFilter::default()
    })?;
    let stats = crate::fire::compute(&incidents);
    for (town, values) in &mut out {
        let rows = stats.rows.iter().filter(|r| &r.town == town);
        let (real, open) = rows.fold((0u32, 0u32), |(r, o), x| {
            (r + x.counts.real, o + x.counts.open)
        });
        values.insert("fire_real".to_owned(), Decimal::from(real));
        values.insert("fire_open".to_owned(), Decimal::from(open));
    }
    for card in &status.scorecards {
        let lantian_plan::supervision::Party::Town(name) = &card.party else {
            continue;
        };
        if card.reports_due == 0 {
            continue;
        }
        if let Some(values) = out.get_mut(name) {
            let pct = Decimal::from(card.reports_on_time as u64) * Decimal::ONE_HUNDRED
                / Decimal::from(card.reports_due as u64);
            values.insert("reports_on_time_pct".to_owned(), pct.round_dp(1));
        }
    }
    Ok(out)
}
