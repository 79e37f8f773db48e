//! Rankings (排名) of places from raw hourly values: each place (a station, an area, or a
//! city's national stations) assessed over the period with `lantian_aq` and its validity rules,
//! then ranked by the composite index and PM2.5 (ascending) and the good-day share
//! (descending), ties shared (`lantian_assessment::rank`), places without the days HJ 663 asks
//! for after the others; with the same period a year earlier, the change rate of the composite
//! index (改善幅度) and its improvement and deterioration rankings, and (standards §3.3, the
//! province's own assessment) the PM2.5 change rate and the good-day change in points.

use std::collections::BTreeMap;

use lantian_aq::assess::{Period, assess};
use lantian_aq::{Concentration, Config, HourlyFrame, Pollutant};
use lantian_assessment::{
    Change, Order, Ranked, change_rankings, change_rate, rank, rank_valid_first,
};
use lantian_store::Store;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{ReportError, Scope, scope_data};

/// One place's figures over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceFigures {
    /// Code (station, area, city).
    pub key: String,
    /// Name.
    pub name: String,
    /// Its stations.
    pub stations: Vec<String>,
    /// Composite index as published (2 decimals).
    pub composite: Option<Decimal>,
    /// Every Cᵢ valid.
    pub composite_valid: bool,
    /// PM2.5 period mean as published.
    pub pm25: Option<Decimal>,
    /// The PM2.5 mean has the days HJ 663 asks for.
    pub pm25_valid: bool,
    /// Good-day share (%), one decimal.
    pub good_pct: Option<Decimal>,
    /// All six pollutants attain Grade II.
    pub attains: Option<bool>,
    /// Days of heavy pollution or worse (AQI > 200).
    pub heavy_days: u32,
    /// Days with a valid AQI.
    pub valid_days: u32,
}

/// The figures of `scope` over `period`, from its stations' reviewed hours.
pub fn figures(
    store: &Store,
    scope: &Scope,
    period: Period,
    config: &Config,
) -> Result<PlaceFigures, ReportError> {
    let (from, to) = period.bounds().ok_or(ReportError::Period)?;
    let frames: Vec<HourlyFrame<Concentration>> = scope
        .stations
        .iter()
        .map(|s| store.reviewed_frame(s, from, to).map(|(f, _)| f))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&HourlyFrame<Concentration>> = frames.iter().collect();
    let data = scope_data(&refs, config);
    let a = assess(&data.days, period, config)?;
    Ok(PlaceFigures {
        key: scope.code.clone(),
        name: scope.name.clone(),
        stations: scope.stations.clone(),
        composite: a.composite.reported,
        composite_valid: a.composite.valid,
        pm25: a.pollutants[Pollutant::Pm25]
            .mean
            .as_ref()
            .and_then(|m| m.reported),
        pm25_valid: a.pollutants[Pollutant::Pm25]
            .mean
            .as_ref()
            .is_some_and(|m| m.stat.valid),
        good_pct: a.good_share_reported(),
        attains: a.attains,
        heavy_days: a.aqi_days.heavy_or_worse(),
        valid_days: a.aqi_days.valid,
    })
}

/// One place in the rankings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceRow {
    /// Its figures.
    pub figures: PlaceFigures,
    /// Rank by the composite index.
    pub composite_rank: Option<u32>,
    /// Rank by PM2.5.
    pub pm25_rank: Option<u32>,
    /// Rank by the good-day share.
    pub good_rank: Option<u32>,
    /// The composite index a year earlier.
    pub composite_before: Option<Decimal>,
    /// Its change rate (%), 1 decimal.
    pub change_pct: Option<Decimal>,
    /// Rank by improvement.
    pub improvement_rank: Option<u32>,
    /// Rank by deterioration (places that attain Grade II are not ranked).
    pub deterioration_rank: Option<u32>,
    /// PM2.5 a year earlier.
    pub pm25_before: Option<Decimal>,
    /// Its change rate (%), 1 decimal (PM2.5浓度降幅 when negative).
    pub pm25_change_pct: Option<Decimal>,
    /// Rank by the PM2.5 change (largest fall first).
    pub pm25_improvement_rank: Option<u32>,
    /// Good-day share a year earlier (%).
    pub good_before: Option<Decimal>,
    /// Its change in percentage points (优良天数比率升幅).
    pub good_change_pp: Option<Decimal>,
    /// Rank by the good-day change (largest rise first).
    pub good_improvement_rank: Option<u32>,
}

fn ranks(r: &[Ranked]) -> BTreeMap<String, Option<u32>> {
    r.iter().map(|x| (x.key.clone(), x.rank)).collect()
}

/// Ranks `places` over `period`; with `before` (the same period a year earlier) also by the
/// change of the composite index. Rows in composite-index order.
pub fn rankings(
    store: &Store,
    places: &[Scope],
    period: Period,
    before: Option<Period>,
    config: &Config,
) -> Result<Vec<PlaceRow>, ReportError> {
    let now: Vec<PlaceFigures> = places
        .iter()
        .map(|s| figures(store, s, period, config))
        .collect::<Result<_, _>>()?;
    let then: Option<Vec<PlaceFigures>> = before
        .map(|b| {
            places
                .iter()
                .map(|s| figures(store, s, b, config))
                .collect()
        })
        .transpose()?;
    // Places without the days HJ 663 asks for rank after those with them.
    let by = |f: fn(&PlaceFigures) -> (Option<Decimal>, bool), order| {
        ranks(&rank_valid_first(
            &now.iter()
                .map(|p| {
                    let (v, ok) = f(p);
                    (p.key.clone(), v, ok)
                })
                .collect::<Vec<_>>(),
            order,
        ))
    };
    let composite = by(|p| (p.composite, p.composite_valid), Order::Ascending);
    let pm25 = by(|p| (p.pm25, p.pm25_valid), Order::Ascending);
    let good = by(|p| (p.good_pct, p.pm25_valid), Order::Descending);
    let before_of = |key: &str| then.as_ref().and_then(|t| t.iter().find(|p| p.key == key));
    let changes: Vec<Change> = now
        .iter()
        .map(|p| Change {
            key: p.key.clone(),
            rate: change_rate(p.composite, before_of(&p.key).and_then(|b| b.composite), 1),
            attains: p.attains == Some(true),
        })
        .collect();
    let (up, down) = change_rankings(&changes);
    let (up, down) = (ranks(&up), ranks(&down));
    let pm25_change =
        |p: &PlaceFigures| change_rate(p.pm25, before_of(&p.key).and_then(|b| b.pm25), 1);
    let good_change = |p: &PlaceFigures| {
        p.good_pct
            .zip(before_of(&p.key).and_then(|b| b.good_pct))
            .map(|(a, b)| a - b)
    };
    let change_rank = |f: &dyn Fn(&PlaceFigures) -> Option<Decimal>, order| {
        ranks(&rank(
            &now.iter()
                .map(|p| (p.key.clone(), f(p)))
                .collect::<Vec<_>>(),
            order,
        ))
    };
    let pm25_up = change_rank(&pm25_change, Order::Ascending);
    let good_up = change_rank(&good_change, Order::Descending);
    let mut rows: Vec<PlaceRow> = now
        .iter()
        .zip(changes)
        .map(|(f, c)| PlaceRow {
            composite_rank: composite.get(&f.key).copied().flatten(),
            pm25_rank: pm25.get(&f.key).copied().flatten(),
            good_rank: good.get(&f.key).copied().flatten(),
            composite_before: before_of(&f.key).and_then(|b| b.composite),
            change_pct: c.rate,
            improvement_rank: then.as_ref().and(up.get(&f.key).copied().flatten()),
            deterioration_rank: down.get(&f.key).copied().flatten(),
            pm25_before: before_of(&f.key).and_then(|b| b.pm25),
            pm25_change_pct: pm25_change(f),
            pm25_improvement_rank: pm25_up.get(&f.key).copied().flatten(),
            good_before: before_of(&f.key).and_then(|b| b.good_pct),
            good_change_pp: good_change(f),
            good_improvement_rank: good_up.get(&f.key).copied().flatten(),
            figures: f.clone(),
        })
        .collect();
    rows.sort_by_key(|r| (r.composite_rank.unwrap_or(u32::MAX), r.figures.key.clone()));
    Ok(rows)
}

/// The same period a year earlier (the base of the change rankings); `None` out of range.
#[must_use]
pub fn year_before(p: Period) -> Option<Period> {
    let back = |d: jiff::civil::Date| d.checked_sub(jiff::Span::new().years(1)).ok();
    Some(match p {
        Period::Year(y) => Period::Year(y - 1),
        Period::Month(y, m) => Period::Month(y - 1, m),
        Period::Range(a, b) => Period::Range(back(a)?, back(b)?),
    })
}

/// The ranking units shipped with lantian (`config/ranking/units.toml`): which station-list
/// names are a province's prefecture-level cities and which its county-level units.
pub const SHIPPED_UNITS: &str = include_str!("../../../config/ranking/units.toml");

/// Which of a province's places a ranking ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvincePlaces {
    /// Its prefecture-level cities (设区市), each on its own urban national stations.
    Cities,
    /// Its county-level units (县(市、区)) with national stations of their own, named as they
    /// were on the period's first day (海门市 before 2020-07-03, 海门区 from it).
    Counties,
}

/// A province's cities or county-level units as places, by `units` (the station list's city
/// names mapped, never ranked as they stand); `on` is the period's first day.
///
/// # Errors
///
/// A province `units` does not know, or station-list names of the province that `units` does
/// not map (each named): no station is ranked under a name nobody mapped.
pub fn city_scopes(
    store: &Store,
    province: &str,
    units: &lantian_assessment::units::Units,
    which: ProvincePlaces,
    on: jiff::civil::Date,
) -> Result<Vec<Scope>, ReportError> {
    let p = units.province(province).ok_or_else(|| {
        ReportError::Input(format!(
            "no ranking units for province {province:?} (config/ranking/units.toml)"
        ))
    })?;
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unmapped = std::collections::BTreeSet::new();
    for s in store.stations()? {
        if s.province.as_deref() != Some(province) {
            continue;
        }
        let Some(name) = s.city else { continue };
        if p.unit_of(&name).is_none() {
            unmapped.insert(name.clone());
        }
        by_name.entry(name).or_default().push(s.code);
    }
    if !unmapped.is_empty() {
        return Err(ReportError::Input(format!(
            "station-list cities of {province} the ranking units do not map: {} (config/ranking/units.toml)",
            unmapped.into_iter().collect::<Vec<_>>().join("、")
        )));
    }
    let day = on.to_string();
    let scope = |kind: &'static str, name: &str, label: String| {
        by_name.get(name).map(|stations| Scope {
            kind,
            code: name.to_owned(),
            name: label,
            stations: stations.clone(),
        })
    };
    Ok(match which {
        ProvincePlaces::Cities => p
            .cities
            .iter()
            .filter_map(|c| scope("city", c, c.clone()))
            .collect(),
        ProvincePlaces::Counties => p
            .counties
            .iter()
            .filter_map(|c| scope("county", &c.name, c.label_on(&day)))
            .collect(),
    })
}

/// One place in an hour's ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourRow {
    /// Code (station, area, city).
    pub key: String,
    /// Name.
    pub name: String,
    /// Its stations.
    pub stations: Vec<String>,
    /// Hourly AQI of the place (its stations' mean concentrations, then the index).
    pub aqi: Option<u32>,
    /// Primary pollutants.
    pub primary: String,
    /// PM2.5 of the hour (µg/m³).
    pub pm25: Option<Decimal>,
    /// Rank by AQI.
    pub aqi_rank: Option<u32>,
    /// Rank by PM2.5.
    pub pm25_rank: Option<u32>,
}

/// Ranks `places` for the hour ending at `end` (Beijing time; CNEMC's label: `14时` is the
/// mean of 13:00–14:00) by hourly AQI and PM2.5, ascending, ties shared. Rows in AQI order.
pub fn hour_rankings(
    store: &Store,
    places: &[Scope],
    end: jiff::civil::DateTime,
    config: &Config,
) -> Result<Vec<HourRow>, ReportError> {
    let start = end.checked_sub(jiff::Span::new().hours(1))?;
    let day = start.date();
    let index = usize::try_from(start.hour()).unwrap_or(0);
    let mut rows = Vec::new();
    for scope in places {
        let frames: Vec<HourlyFrame<Concentration>> = scope
            .stations
            .iter()
            .map(|s| store.reviewed_frame(s, day, day).map(|(f, _)| f))
            .collect::<Result<_, _>>()?;
        let refs: Vec<&HourlyFrame<Concentration>> = frames.iter().collect();
        let mut inputs = lantian_aq::HourlyInputs::default();
        if let Some(h) = lantian_aq::series::area_hourly(&refs, config)
            && h.first_hour == day.to_datetime(jiff::civil::Time::midnight())
        {
            for p in Pollutant::ALL {
                inputs.hour[p] = h.columns[p]
                    .get(index)
                    .copied()
                    .flatten()
                    .and_then(|e| e.to_concentration());
            }
        }
        let any = Pollutant::ALL.iter().any(|p| inputs.hour[*p].is_some());
        let r = any
            .then(|| lantian_aq::hourly_aqi(&inputs, lantian_aq::RuleSet::for_date(day), config))
            .transpose()?;
        rows.push(HourRow {
            key: scope.code.clone(),
            name: scope.name.clone(),
            stations: scope.stations.clone(),
            aqi: r.as_ref().and_then(|r| r.aqi).map(u32::from),
            primary: r
                .as_ref()
                .map(|r| {
                    r.primary()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            pm25: inputs.hour[Pollutant::Pm25].map(|c| {
                c.exact()
                    .round_gbt8170(Pollutant::Pm25.reporting_decimals())
            }),
            aqi_rank: None,
            pm25_rank: None,
        });
    }
    let by = |f: &dyn Fn(&HourRow) -> Option<Decimal>| {
        ranks(&rank(
            &rows
                .iter()
                .map(|r| (r.key.clone(), f(r)))
                .collect::<Vec<_>>(),
            Order::Ascending,
        ))
    };
    let aqi = by(&|r| r.aqi.map(Decimal::from));
    let pm25 = by(&|r| r.pm25);
    for r in &mut rows {
        r.aqi_rank = aqi.get(&r.key).copied().flatten();
        r.pm25_rank = pm25.get(&r.key).copied().flatten();
    }
    rows.sort_by_key(|r| (r.aqi_rank.unwrap_or(u32::MAX), r.key.clone()));
    Ok(rows)
}

/// Every area of kind `town` as a place.
pub fn town_scopes(store: &Store) -> Result<Vec<Scope>, ReportError> {
    Ok(store
        .areas()?
        .iter()
        .filter(|a| a.kind == "town")
        .map(Scope::of_area)
        .collect())
}
