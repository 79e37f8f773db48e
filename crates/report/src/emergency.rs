//! Heavy-pollution weather from the store: the rolling 24-h AQI of an area replayed from its
//! measured hours as a forecast (for judging a past episode, or testing the grading on real
//! data), and the warning's proposal.

use jiff::civil::{Date, DateTime};
use lantian_aq::{Config, HourlyFrame, assess::rolling_24h_aqi, series::area_hourly};
use lantian_emergency::{Basis, Forecast};
use lantian_store::Store;

use crate::{ReportError, Scope};

/// An area's hourly rolling 24-h AQI (日AQI over the 24 hours ending with each hour) from
/// `from` 00:00 to `to` 23:00 Beijing, from the stations' reviewed hours (the area's hourly
/// means, HJ 663), as a forecast a warning can be judged on. An hour without a 24-h AQI (too few
/// valid hours) is a gap, refused like a gap in an imported forecast.
pub fn replay_forecast(
    store: &Store,
    area: &str,
    from: Date,
    to: Date,
    config: &Config,
) -> Result<Forecast, ReportError> {
    if to < from {
        return Err(ReportError::Period);
    }
    let scope = Scope::area(store, area)?;
    // The day before, so that the first hour has its 24 hours.
    let start = from.yesterday()?;
    let mut frames = Vec::new();
    for s in &scope.stations {
        frames.push(store.reviewed_frame(s, start, to)?.0);
    }
    let refs: Vec<&HourlyFrame<_>> = frames.iter().collect();
    let area_frame = area_hourly(&refs, config).ok_or_else(|| {
        ReportError::NotFound(format!("area {area:?} has no stations with hourly data"))
    })?;
    let first: DateTime = from.to_datetime(jiff::civil::Time::midnight());
    let points: Vec<(DateTime, Option<u32>)> = rolling_24h_aqi(&area_frame, config)
        .into_iter()
        .filter(|(t, _)| *t >= first && t.date() <= to)
        .map(|(t, v)| (t, v.map(u32::from)))
        .collect();
    Forecast::new(Basis::Hourly, &points).map_err(|e| ReportError::Series(e.to_string()))
}
