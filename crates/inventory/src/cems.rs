//! Annual totals from online monitoring (CEMS 在线监测法, standards.md §6.2, T/CSES 144-2024):
//! hourly amounts summed per day, a day valid with at least 18 valid hours and then scaled by
//! 24/n; the year is the sum of the valid days scaled to the days of the year (assumption I2).
//! Whether the total may replace the factor-based estimate depends on the share of valid days
//! (assumption I3, default 80 %).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Valid hours a day needs (T/CSES 144-2024: n ≥ 18).
pub const MIN_HOURS: usize = 18;

/// A year's total from hourly amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualTotal {
    /// Tonnes (scaled to the whole year).
    pub tonnes: Decimal,
    /// Days with at least 18 valid hours.
    pub valid_days: u32,
    /// Days of the year.
    pub days: u32,
    /// valid_days / days, percent to 0.1.
    pub coverage_pct: Decimal,
}

/// The year's total from `(day, kg)` per hour (`None`: the hour is not valid), `days` the days
/// of the year: Ed = (24/n) · Σ kg over days with n ≥ 18, the year Σ Ed · days / valid days.
#[must_use]
pub fn annual(hours: &[(i64, Option<Decimal>)], days: u32) -> AnnualTotal {
    let mut by_day: BTreeMap<i64, (usize, Decimal)> = BTreeMap::new();
    for (day, kg) in hours {
        if let Some(kg) = kg {
            let e = by_day.entry(*day).or_insert((0, Decimal::ZERO));
            e.0 += 1;
            e.1 += *kg;
        }
    }
    let mut valid_days = 0u32;
    let mut kg = Decimal::ZERO;
    for (n, sum) in by_day.values() {
        if *n >= MIN_HOURS {
            valid_days += 1;
            kg += Decimal::from(24) * sum / Decimal::from(*n as u64);
        }
    }
    let tonnes = if valid_days == 0 {
        Decimal::ZERO
    } else {
        kg * Decimal::from(days) / Decimal::from(valid_days) / Decimal::ONE_THOUSAND
    };
    AnnualTotal {
        tonnes: tonnes.round_dp(3).normalize(),
        valid_days,
        days,
        coverage_pct: if days == 0 {
            Decimal::ZERO
        } else {
            (Decimal::from(valid_days) * Decimal::ONE_HUNDRED / Decimal::from(days)).round_dp(1)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_need_18_hours_and_are_scaled() {
        let two = Some(Decimal::TWO);
        let mut hours = Vec::new();
        // Day 0: 24 valid hours of 2 kg = 48 kg. Day 1: 20 valid hours of 2 kg → 40 × 24/20 = 48.
        // Day 2: 17 valid hours: not a valid day. Day 3: 18 hours of 2 kg and 6 invalid → 48.
        hours.extend((0..24).map(|_| (0, two)));
        hours.extend((0..20).map(|_| (1, two)));
        hours.extend((0..17).map(|_| (2, two)));
        hours.extend((0..18).map(|_| (3, two)));
        hours.extend((0..6).map(|_| (3, None)));
        let t = annual(&hours, 365);
        assert_eq!((t.valid_days, t.days), (3, 365));
        // 3 valid days of 48 kg, scaled to 365 days: 17,520 kg.
        assert_eq!(t.tonnes, Decimal::new(1752, 2));
        assert_eq!(t.coverage_pct, Decimal::new(8, 1));
        assert_eq!(annual(&[], 366).tonnes, Decimal::ZERO);
    }
}
