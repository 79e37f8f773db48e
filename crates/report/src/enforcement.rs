//! Enforcement figures from the store: the effectiveness of the stored cases by department or
//! town, with recurrence judged against the stored exceedance alarms (by the Beijing day they
//! were raised); and where a project lies against the configured provincial border.

use std::collections::BTreeMap;

use jiff::civil::Date;
use lantian_enforcement::Limits;
use lantian_enforcement::effect::{CaseFacts, Effect, evaluate};
use lantian_enforcement::screening::BorderGeometry;
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
        kind: Some(lantian_core::AlarmKind::Exceedance),
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

/// Where a point lies against the provincial border drawn as the map layer `border` (the
/// neighbouring province's polygons, WGS-84): the distance to the nearest polygon and the
/// bearing to it. `None` when no such layer is stored.
pub fn border_at(store: &Store, lon: f64, lat: f64) -> Result<Option<BorderGeometry>, ReportError> {
    let Some(layer) = store.map_layer("border")? else {
        return Ok(None);
    };
    let regions = lantian_fire::regions_from_geojson(&layer.geojson, "border", |x, y| (x, y))
        .map_err(|e| ReportError::Input(format!("map layer border: {e}")))?;
    regions
        .iter()
        .map(|r| lantian_fire::attribution::nearest_boundary(&r.area, lon, lat))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(km, bearing_deg)| Some(BorderGeometry { km, bearing_deg }))
        .ok_or_else(|| ReportError::Input("map layer border has no polygon".to_owned()))
}
