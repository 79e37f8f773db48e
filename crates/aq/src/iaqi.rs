//! Individual air-quality index (空气质量分指数, IAQI): the breakpoint tables of HJ 633-2012
//! Table 1 and HJ 633-2026 Table 3, and exact interpolation rounded up.

use std::fmt;

use crate::conc::{Exact, MICROS_PER_UNIT};
use crate::pollutant::Pollutant;
use crate::rules::AqiStandard;

/// Averaging period of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Averaging {
    /// A 1-h mean (or, in the daily report, the day's maximum 1-h O3).
    Hour1,
    /// An 8-h sliding mean (or, in the daily report, the day's maximum: MDA8).
    Hour8,
    /// A 24-h mean: a natural day's (日平均) or, in the real-time report, the sliding one.
    Hour24,
}

/// An AQI indicator: a pollutant over an averaging period (`PM2.5_24h`, `O3_8h`, `SO2_1h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Indicator {
    /// The pollutant.
    pub pollutant: Pollutant,
    /// The averaging period.
    pub averaging: Averaging,
}

impl Indicator {
    /// Shorthand constructor.
    pub const fn new(pollutant: Pollutant, averaging: Averaging) -> Self {
        Indicator {
            pollutant,
            averaging,
        }
    }

    /// The breakpoint column this indicator is looked up in. 1-h particulate values use the 24-h
    /// column (HJ 633 has no 1-h particulate breakpoints; HJ 633-2026 §4.2.4 says so explicitly).
    pub const fn column(self) -> Column {
        use Averaging::*;
        use Pollutant::*;
        match (self.pollutant, self.averaging) {
            (So2, Hour1) => Column::So2_1h,
            (So2, _) => Column::So2_24h,
            (No2, Hour1) => Column::No2_1h,
            (No2, _) => Column::No2_24h,
            (Co, Hour1) => Column::Co_1h,
            (Co, _) => Column::Co_24h,
            (O3, Hour1) => Column::O3_1h,
            (O3, _) => Column::O3_8h,
            (Pm10, _) => Column::Pm10_24h,
            (Pm25, _) => Column::Pm25_24h,
        }
    }

    /// Name as in CNEMC's files: `PM2.5`, `PM2.5_24h`, `O3_8h`, `SO2` (1-h has no suffix).
    pub fn code(self) -> String {
        match self.averaging {
            Averaging::Hour1 => self.pollutant.code().to_owned(),
            Averaging::Hour8 => format!("{}_8h", self.pollutant.code()),
            Averaging::Hour24 => format!("{}_24h", self.pollutant.code()),
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.averaging {
            Averaging::Hour1 => "1h",
            Averaging::Hour8 => "8h",
            Averaging::Hour24 => "24h",
        };
        write!(f, "{}_{suffix}", self.pollutant.code())
    }
}

/// A column of the breakpoint table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum Column {
    /// SO2 24-h (日平均).
    So2_24h,
    /// SO2 1-h; defined only up to IAQI 200 (800 µg/m³).
    So2_1h,
    /// NO2 24-h.
    No2_24h,
    /// NO2 1-h.
    No2_1h,
    /// PM10 24-h (also used for 1-h PM10).
    Pm10_24h,
    /// CO 24-h, mg/m³.
    Co_24h,
    /// CO 1-h, mg/m³.
    Co_1h,
    /// O3 1-h.
    O3_1h,
    /// O3 8-h; defined only up to IAQI 300 (800 µg/m³).
    O3_8h,
    /// PM2.5 24-h (also used for 1-h PM2.5).
    Pm25_24h,
}

impl Column {
    /// Every column.
    pub const ALL: [Column; 10] = [
        Column::So2_24h,
        Column::So2_1h,
        Column::No2_24h,
        Column::No2_1h,
        Column::Pm10_24h,
        Column::Co_24h,
        Column::Co_1h,
        Column::O3_1h,
        Column::O3_8h,
        Column::Pm25_24h,
    ];
}

/// The IAQI values at the breakpoints: IAQI_Lo/IAQI_Hi of HJ 633.
pub const IAQI_STEPS: [u16; 8] = [0, 50, 100, 150, 200, 300, 400, 500];

const U: i64 = MICROS_PER_UNIT;

macro_rules! bp {
    ($($v:expr),* $(,)?) => { &[$($v * U),*] };
}

// HJ 633-2012 Table 1 (standards.md §1.2, [S1]). Values in millionths of the unit.
const SO2_24H: &[i64] = bp![0, 50, 150, 475, 800, 1600, 2100, 2620];
const SO2_1H: &[i64] = bp![0, 150, 500, 650, 800];
const NO2_24H: &[i64] = bp![0, 40, 80, 180, 280, 565, 750, 940];
const NO2_1H: &[i64] = bp![0, 100, 200, 700, 1200, 2340, 3090, 3840];
const CO_24H: &[i64] = bp![0, 2, 4, 14, 24, 36, 48, 60];
const CO_1H: &[i64] = bp![0, 5, 10, 35, 60, 90, 120, 150];
const O3_1H: &[i64] = bp![0, 160, 200, 300, 400, 800, 1000, 1200];
const O3_8H: &[i64] = bp![0, 100, 160, 215, 265, 800];
const PM10_24H_2012: &[i64] = bp![0, 50, 150, 250, 350, 420, 500, 600];
const PM25_24H_2012: &[i64] = bp![0, 35, 75, 115, 150, 250, 350, 500];
// HJ 633-2026 Table 3 ([S2]): only the PM columns change, at IAQI 100.
const PM10_24H_2026: &[i64] = bp![0, 50, 120, 250, 350, 420, 500, 600];
const PM25_24H_2026: &[i64] = bp![0, 35, 60, 115, 150, 250, 350, 500];

/// The breakpoints (concentrations at IAQI 0, 50, 100, …) of a column, in millionths of the
/// pollutant's unit. SO2 1-h stops at IAQI 200 and O3 8-h at IAQI 300.
pub fn breakpoints(standard: AqiStandard, column: Column) -> &'static [i64] {
    match column {
        Column::So2_24h => SO2_24H,
        Column::So2_1h => SO2_1H,
        Column::No2_24h => NO2_24H,
        Column::No2_1h => NO2_1H,
        Column::Co_24h => CO_24H,
        Column::Co_1h => CO_1H,
        Column::O3_1h => O3_1H,
        Column::O3_8h => O3_8H,
        Column::Pm10_24h => match standard {
            AqiStandard::Hj633_2012 => PM10_24H_2012,
            AqiStandard::Hj633_2026 => PM10_24H_2026,
        },
        Column::Pm25_24h => match standard {
            AqiStandard::Hj633_2012 => PM25_24H_2012,
            AqiStandard::Hj633_2026 => PM25_24H_2026,
        },
    }
}

/// Result of looking a concentration up in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// The IAQI, rounded up to an integer (HJ 633-2012 §6.2, HJ 633-2026 §4.2.6).
    Iaqi(u16),
    /// Above the column's last breakpoint. For SO2 1-h and O3 8-h (last breakpoint 800) the
    /// standards' special rules apply; for the others the value is "beyond the table" (爆表).
    AboveTable,
}

/// The IAQI of a concentration given in millionths of its unit: the fast exact path.
///
/// `IAQI = ceil((IAQI_Hi − IAQI_Lo) · (C − BP_Lo) / (BP_Hi − BP_Lo) + IAQI_Lo)`, in integers.
/// Upper bounds are inclusive; at a breakpoint both segments agree.
pub fn lookup_micros(standard: AqiStandard, column: Column, micros: i64) -> Lookup {
    let bp = breakpoints(standard, column);
    let micros = micros.max(0);
    for i in 0..bp.len() - 1 {
        let (lo, hi) = (bp[i], bp[i + 1]);
        if micros <= hi {
            let (il, ih) = (i64::from(IAQI_STEPS[i]), i64::from(IAQI_STEPS[i + 1]));
            // Both factors are bounded (ih-il ≤ 100, micros-lo ≤ 10^15), no overflow.
            let num = (ih - il) * (micros - lo);
            let den = hi - lo;
            let up = (num + den - 1) / den;
            return Lookup::Iaqi((il + up) as u16);
        }
    }
    Lookup::AboveTable
}

/// The IAQI of an exact (derived) concentration, e.g. a daily mean of 23 hours.
pub fn lookup_exact(standard: AqiStandard, column: Column, value: &Exact) -> Lookup {
    let bp = breakpoints(standard, column);
    if value.is_negative() {
        return Lookup::Iaqi(0);
    }
    // value = p/q units; in millionths: p·10⁶/q.
    let (p, q) = (value.numer(), value.denom());
    let c = p * i128::from(MICROS_PER_UNIT); // millionths × q
    for i in 0..bp.len() - 1 {
        let (lo, hi) = (i128::from(bp[i]), i128::from(bp[i + 1]));
        if c <= hi * q {
            let (il, ih) = (i128::from(IAQI_STEPS[i]), i128::from(IAQI_STEPS[i + 1]));
            let num = (ih - il) * (c - lo * q);
            let den = (hi - lo) * q;
            let up = (num + den - 1) / den;
            return Lookup::Iaqi((il + up) as u16);
        }
    }
    Lookup::AboveTable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conc::Concentration;
    use AqiStandard::*;

    fn iaqi(std: AqiStandard, col: Column, s: &str) -> u16 {
        let c = Concentration::parse(s).unwrap();
        let fast = lookup_micros(std, col, c.micros());
        let exact = lookup_exact(std, col, &c.exact());
        assert_eq!(fast, exact, "fast and exact paths disagree at {s}");
        match fast {
            Lookup::Iaqi(v) => v,
            Lookup::AboveTable => panic!("above table"),
        }
    }

    #[test]
    fn worked_examples_pm25() {
        // standards.md §1.7 (a).
        for (c, v12, v26) in [
            ("35", 50, 50),
            ("36", 52, 52),
            ("60", 82, 100),
            ("61", 83, 101),
            ("75", 100, 114),
            ("76", 102, 115),
            ("100", 132, 137),
            ("120", 158, 158),
            ("150", 200, 200),
            ("250", 300, 300),
        ] {
            assert_eq!(iaqi(Hj633_2012, Column::Pm25_24h, c), v12, "2012 PM2.5 {c}");
            assert_eq!(iaqi(Hj633_2026, Column::Pm25_24h, c), v26, "2026 PM2.5 {c}");
        }
    }

    #[test]
    fn worked_examples_pm10_and_others() {
        // standards.md §1.7 (b), (c).
        for (c, v12, v26) in [("120", 85, 100), ("150", 100, 112), ("200", 125, 131)] {
            assert_eq!(iaqi(Hj633_2012, Column::Pm10_24h, c), v12);
            assert_eq!(iaqi(Hj633_2026, Column::Pm10_24h, c), v26);
        }
        for std in [Hj633_2012, Hj633_2026] {
            assert_eq!(iaqi(std, Column::Co_24h, "0.9"), 23);
            assert_eq!(iaqi(std, Column::O3_8h, "172"), 111);
            assert_eq!(iaqi(std, Column::O3_1h, "210"), 105);
            assert_eq!(iaqi(std, Column::No2_24h, "45"), 57);
            assert_eq!(iaqi(std, Column::So2_24h, "523"), 158);
        }
    }

    #[test]
    fn every_breakpoint_of_every_table() {
        for std in [Hj633_2012, Hj633_2026] {
            for col in Column::ALL {
                let bp = breakpoints(std, col);
                for (i, &c) in bp.iter().enumerate() {
                    assert_eq!(
                        lookup_micros(std, col, c),
                        Lookup::Iaqi(IAQI_STEPS[i]),
                        "{std:?} {col:?} breakpoint {i}"
                    );
                    // One millionth above a breakpoint rounds up to the next integer.
                    if i + 1 < bp.len() {
                        assert_eq!(
                            lookup_micros(std, col, c + 1),
                            Lookup::Iaqi(IAQI_STEPS[i] + 1),
                            "{std:?} {col:?} just above breakpoint {i}"
                        );
                    }
                }
                let top = *bp.last().unwrap();
                assert_eq!(lookup_micros(std, col, top + 1), Lookup::AboveTable);
            }
        }
    }

    #[test]
    fn the_two_generations_differ_only_in_pm() {
        for col in [
            Column::So2_24h,
            Column::No2_1h,
            Column::Co_1h,
            Column::O3_8h,
        ] {
            assert_eq!(breakpoints(Hj633_2012, col), breakpoints(Hj633_2026, col));
        }
        assert_ne!(
            breakpoints(Hj633_2012, Column::Pm25_24h),
            breakpoints(Hj633_2026, Column::Pm25_24h)
        );
    }
}
