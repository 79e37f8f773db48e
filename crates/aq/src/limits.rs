//! Concentration limits (浓度限值) of GB 3095-2012 Table 1 and GB 3095-2026 Table 1
//! (standards.md §2.1) for the six basic pollutants.

use crate::conc::{Concentration, MICROS_PER_UNIT};
use crate::pollutant::Pollutant;
use crate::rules::{RuleSet, ZoneClass};

/// The averaging period a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitPeriod {
    /// 年平均.
    Annual,
    /// 24小时平均 / 日平均.
    Daily,
    /// 日最大8小时平均 (O3 only).
    Max8h,
    /// 1小时平均.
    Hour,
}

/// The limit for a pollutant and period under a rule set and zone class, in the pollutant's
/// unit; `None` where the standard sets none (e.g. annual CO, daily O3).
pub fn limit(
    rules: RuleSet,
    zone: ZoneClass,
    pollutant: Pollutant,
    period: LimitPeriod,
) -> Option<Concentration> {
    use LimitPeriod::*;
    use Pollutant::*;
    let grade2 = zone == ZoneClass::Class2;
    let g = |g1: u32, g2: u32| Some(if grade2 { g2 } else { g1 });
    let units = match rules {
        // GB 3095-2012 Table 1 ([S12]); consistent with HJ 633-2012's IAQI-100 breakpoints.
        RuleSet::Gb2012 => match (pollutant, period) {
            (So2, Annual) => g(20, 60),
            (So2, Daily) => g(50, 150),
            (So2, Hour) => g(150, 500),
            (No2, Annual) => g(40, 40),
            (No2, Daily) => g(80, 80),
            (No2, Hour) => g(200, 200),
            (Co, Daily) => g(4, 4),
            (Co, Hour) => g(10, 10),
            (O3, Max8h) => g(100, 160),
            (O3, Hour) => g(160, 200),
            (Pm10, Annual) => g(40, 70),
            (Pm10, Daily) => g(50, 150),
            (Pm25, Annual) => g(15, 35),
            (Pm25, Daily) => g(35, 75),
            _ => None,
        },
        // GB 3095-2026 Table 1, transitional limits ([S3]): as 2012 but for PM10 and PM2.5.
        RuleSet::Gb2026Transitional => match (pollutant, period) {
            (Pm10, Annual) => g(40, 60),
            (Pm10, Daily) => g(50, 120),
            (Pm25, Annual) => g(15, 30),
            (Pm25, Daily) => g(35, 60),
            _ => return limit(RuleSet::Gb2012, zone, pollutant, period),
        },
        // GB 3095-2026 Table 1, final limits from 2031 ([S3]).
        RuleSet::Gb2026Final => match (pollutant, period) {
            (So2, Annual) => g(20, 20),
            (So2, Daily) => g(50, 50),
            (So2, Hour) => g(150, 150),
            (No2, Annual) => g(30, 30),
            (No2, Daily) => g(50, 50),
            (No2, Hour) => g(200, 200),
            (Co, Daily) => g(4, 4),
            (Co, Hour) => g(10, 10),
            (O3, Max8h) => g(100, 160),
            (O3, Hour) => g(160, 200),
            (Pm10, Annual) => g(20, 50),
            (Pm10, Daily) => g(50, 100),
            (Pm25, Annual) => g(10, 25),
            (Pm25, Daily) => g(25, 50),
            _ => None,
        },
    }?;
    Concentration::from_micros(i64::from(units) * MICROS_PER_UNIT).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use LimitPeriod::*;
    use Pollutant::*;

    fn l(r: RuleSet, p: Pollutant, per: LimitPeriod) -> Option<String> {
        limit(r, ZoneClass::Class2, p, per).map(|c| c.to_string())
    }

    #[test]
    fn grade_two_limits() {
        assert_eq!(l(RuleSet::Gb2012, Pm25, Annual).as_deref(), Some("35"));
        assert_eq!(
            l(RuleSet::Gb2026Transitional, Pm25, Annual).as_deref(),
            Some("30")
        );
        assert_eq!(l(RuleSet::Gb2026Final, Pm25, Annual).as_deref(), Some("25"));
        assert_eq!(
            l(RuleSet::Gb2026Transitional, Pm10, Daily).as_deref(),
            Some("120")
        );
        assert_eq!(l(RuleSet::Gb2012, Co, Annual), None);
        assert_eq!(l(RuleSet::Gb2012, O3, Max8h).as_deref(), Some("160"));
        assert_eq!(
            limit(RuleSet::Gb2012, ZoneClass::Class1, O3, Max8h)
                .map(|c| c.to_string())
                .as_deref(),
            Some("100")
        );
    }

    #[test]
    fn grade_two_daily_limits_equal_iaqi_100_breakpoints() {
        use crate::iaqi::{Averaging, Indicator, breakpoints};
        for rules in [RuleSet::Gb2012, RuleSet::Gb2026Transitional] {
            for (p, per, avg) in [
                (So2, Daily, Averaging::Hour24),
                (No2, Daily, Averaging::Hour24),
                (Co, Daily, Averaging::Hour24),
                (Pm10, Daily, Averaging::Hour24),
                (Pm25, Daily, Averaging::Hour24),
                (O3, Max8h, Averaging::Hour8),
                (O3, Hour, Averaging::Hour1),
            ] {
                let col = Indicator::new(p, avg).column();
                let bp100 = breakpoints(rules.aqi_standard(), col)[2];
                let lim = limit(rules, ZoneClass::Class2, p, per).unwrap();
                assert_eq!(lim.micros(), bp100, "{rules:?} {p} {per:?}");
            }
        }
    }
}
