//! Which rules apply: the rule set chosen by the data's date, and the configurable assumptions.
//!
//! The three documents changed together on 2026-03-01 (standards.md §0):
//!
//! | [`RuleSet`] | in force | documents |
//! |---|---|---|
//! | [`RuleSet::Gb2012`] | until 2026-02-28 | GB 3095-2012 (+2018 amendment), HJ 633-2012, HJ 663-2013 |
//! | [`RuleSet::Gb2026Transitional`] | 2026-03-01 – 2030-12-31 | GB 3095-2026 transitional limits, HJ 633-2026, HJ 663-2026 |
//! | [`RuleSet::Gb2026Final`] | from 2031-01-01 | GB 3095-2026 final limits, HJ 633-2026, HJ 663-2026 |
//!
//! Dates are Beijing time (UTC+8, no DST). The switch is by day (standards.md \[S5b\]).

use std::fmt;

use jiff::civil::{Date, date};
use jiff::tz::{Offset, TimeZone};

use crate::conc::Concentration;
use crate::pollutant::{Pollutant, PollutantMap};

/// A generation of the air-quality rules, selected by the data's date ([`RuleSet::for_date`])
/// or chosen explicitly to override that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleSet {
    /// GB 3095-2012 (with its 2018 amendment), HJ 633-2012, HJ 663-2013: until 2026-02-28.
    Gb2012,
    /// GB 3095-2026 transitional limits (过渡阶段浓度限值), HJ 633-2026, HJ 663-2026:
    /// 2026-03-01 to 2030-12-31.
    Gb2026Transitional,
    /// GB 3095-2026 final limits, HJ 633-2026, HJ 663-2026: from 2031-01-01.
    Gb2026Final,
}

/// First day of GB 3095-2026 / HJ 633-2026 / HJ 663-2026.
pub const GB2026_FIRST_DAY: Date = date(2026, 3, 1);
/// First day of the GB 3095-2026 final limits.
pub const GB2026_FINAL_FIRST_DAY: Date = date(2031, 1, 1);

/// Beijing time: fixed UTC+8 (China has had no DST since 1991).
pub fn beijing() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

impl RuleSet {
    /// The rule set in force on a date (Beijing time).
    pub fn for_date(day: Date) -> RuleSet {
        if day < GB2026_FIRST_DAY {
            RuleSet::Gb2012
        } else if day < GB2026_FINAL_FIRST_DAY {
            RuleSet::Gb2026Transitional
        } else {
            RuleSet::Gb2026Final
        }
    }

    /// The rule set in force at an instant, judged by its Beijing date.
    pub fn for_timestamp(ts: jiff::Timestamp) -> RuleSet {
        RuleSet::for_date(ts.to_zoned(beijing()).date())
    }

    /// The rule set for an annual assessment of `year`. For the split year 2026 (January and
    /// February under the old rules) this follows [`Config::split_year`] (UNVERIFIED, U4).
    pub fn for_year(year: i16, config: &Config) -> RuleSet {
        let probe = match config.split_year {
            SplitYearRule::RulesOnLastDay => date(year, 12, 31),
            SplitYearRule::RulesOnFirstDay => date(year, 1, 1),
        };
        RuleSet::for_date(probe)
    }

    /// The AQI technical regulation of this rule set.
    pub const fn aqi_standard(self) -> AqiStandard {
        match self {
            RuleSet::Gb2012 => AqiStandard::Hj633_2012,
            RuleSet::Gb2026Transitional | RuleSet::Gb2026Final => AqiStandard::Hj633_2026,
        }
    }

    /// Short name of the documents.
    pub const fn name(self) -> &'static str {
        match self {
            RuleSet::Gb2012 => "GB 3095-2012 / HJ 633-2012 / HJ 663-2013",
            RuleSet::Gb2026Transitional => {
                "GB 3095-2026 (transitional limits) / HJ 633-2026 / HJ 663-2026"
            }
            RuleSet::Gb2026Final => "GB 3095-2026 (final limits) / HJ 633-2026 / HJ 663-2026",
        }
    }
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The AQI technical regulation (环境空气质量指数技术规定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AqiStandard {
    /// HJ 633-2012 (试行).
    Hj633_2012,
    /// HJ 633-2026.
    Hj633_2026,
}

impl AqiStandard {
    /// The document number.
    pub const fn name(self) -> &'static str {
        match self {
            AqiStandard::Hj633_2012 => "HJ 633-2012",
            AqiStandard::Hj633_2026 => "HJ 633-2026",
        }
    }
}

/// How the hourly (real-time, 实时报) AQI is computed under HJ 633-2012.
///
/// HJ 633-2012 Table 4 reads as: particulate IAQIs from the 24-h sliding means and an O3 8-h
/// sliding IAQI. CNEMC's published hourly AQI does otherwise (verified over all of 2019 by
/// `lantian verify cnemc`, see `docs/cnemc-verification.md`): PM IAQIs from the 1-h values on
/// the 24-h breakpoints, no O3 8-h term, and SO2 1-h > 800 µg/m³ published as IAQI 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RealTimeMethod2012 {
    /// What CNEMC publishes (the default: it is what the public sees).
    #[default]
    CnemcPublished,
    /// The letter of HJ 633-2012 §5.1.3 and Table 4.
    Hj633Table4,
}

/// What happens when a pollutant's value is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingPolicy {
    /// Compute the AQI from the pollutants that are present; `NA` only when none is. This is
    /// what CNEMC's 2019 data show (HJ 633-2012 says nothing).
    ComputeFromAvailable,
    /// HJ 633-2026 §5.3.1: compute from the others; publish the AQI only if it is > 100,
    /// otherwise the AQI, level and category are `NA`.
    Hj633_2026,
}

/// Which rules judge a year that straddles 2026-03-01 (U4, UNVERIFIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SplitYearRule {
    /// The rules in force on 31 December (the default).
    #[default]
    RulesOnLastDay,
    /// The rules in force on 1 January.
    RulesOnFirstDay,
}

/// How an area's O3 MDA8 is formed from its stations (U3, UNVERIFIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AreaMda8Method {
    /// The MDA8 of the area's hourly means (mean of stations each hour). The default.
    #[default]
    OfAreaHourlyMeans,
    /// The mean of the stations' MDA8 values.
    MeanOfStationMda8,
}

/// Zone class of GB 3095 (一类区 / 二类区). Urban Haimen is class 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ZoneClass {
    /// 一类区: Grade I limits.
    Class1,
    /// 二类区: Grade II limits (the default).
    #[default]
    Class2,
}

/// Every rule that the sources leave open, in one place. Each field says where the choice comes
/// from; `docs/assumptions.md` lists them. The defaults follow `standards.md`'s recommendations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// HJ 633-2012 hourly AQI: CNEMC practice (default) or the letter of Table 4.
    pub real_time_method_2012: RealTimeMethod2012,
    /// Round input concentrations by GB/T 8170 before the IAQI step under HJ 633-2012, as
    /// HJ 633-2026 §4.2.2 requires for the new rules. HJ 633-2012 is silent (U13). Default off.
    pub round_inputs_2012: bool,
    /// Missing-pollutant policy under HJ 633-2012. Default: compute from available.
    pub missing_2012: MissingPolicy,
    /// Missing-pollutant policy under HJ 633-2026. Default: §5.3.1.
    pub missing_2026: MissingPolicy,
    /// A concentration above the top breakpoint (IAQI 500) gets IAQI 500 and is flagged
    /// ("爆表"). Neither standard says so (UNVERIFIED); if `false`, such an IAQI is `NA`.
    pub cap_beyond_table_at_500: bool,
    /// Values above these are rejected as implausible input, not given an AQI. Units as
    /// [`Pollutant::unit`]. Not from a standard: a guard against unit and decimal errors.
    pub implausible_above: PollutantMap<Concentration>,
    /// Minimum valid hourly values for a 24-h (daily or sliding) mean: 20 (GB 3095 Table 4).
    pub min_hours_daily: u32,
    /// Minimum valid hourly values for a 24-h *sliding* mean in the real-time report.
    /// GB 3095 gives 20 for a daily mean; the same is assumed for sliding means (UNVERIFIED).
    pub min_hours_sliding_24h: u32,
    /// Minimum valid hours in an 8-h window: 6 (GB 3095 Table 4).
    pub min_hours_8h: u32,
    /// Minimum valid 8-h means for a day's MDA8: 14 of 17 (HJ 663 §6.1.2 via \[S5\]).
    pub min_windows_mda8: u32,
    /// Minimum valid hours for the day's maximum 1-h O3 (HJ 633-2012 daily report). Not stated
    /// anywhere; 20 as for daily means, and like MDA8 a short day still counts when its maximum
    /// exceeds the 1-h limit (UNVERIFIED).
    pub min_hours_o3_max_1h: u32,
    /// Minimum valid days for a monthly mean: 27 (February: 25) per GB 3095 Table 4.
    pub min_days_month: u32,
    /// Minimum valid days for a February mean: 25.
    pub min_days_february: u32,
    /// Minimum valid days for an annual mean: 324 (GB 3095 Table 4).
    pub min_days_year: u32,
    /// Whether an annual mean also needs every month to have its minimum days (GB 3095 Table 4
    /// lists both under the annual row). Default on.
    pub annual_requires_monthly_minimum: bool,
    /// Minimum valid days for an annual percentile (CO P95, O3 P90, …). Not stated (UNVERIFIED);
    /// 324 as for annual means.
    pub min_days_percentile: u32,
    /// Zone class whose limits apply. Default class 2.
    pub zone: ZoneClass,
    /// Area MDA8 method (U3).
    pub area_mda8: AreaMda8Method,
    /// Minimum number of valid stations for an area value (UNVERIFIED; default 1).
    pub area_min_stations: u32,
    /// Rules for a split year (U4).
    pub split_year: SplitYearRule,
    /// Composite-index weights per pollutant (U5; default all 1, the unweighted index).
    pub composite_weights: PollutantMap<u32>,
    /// Sᵢ of the composite index, overriding the default: the rule set's Grade II limits
    /// (annual SO2/NO2/PM10/PM2.5, 24-h CO, 8-h O3). Sᵢ after 2026-03-01 is UNVERIFIED (U5).
    pub composite_standards: Option<PollutantMap<Concentration>>,
    /// Decimals of the composite index: 2 (published practice, U5).
    pub composite_decimals: u32,
    /// Decimals of exceedance multiples (超标倍数): 2 (UNVERIFIED).
    pub exceedance_decimals: u32,
    /// Compare rounded statistics with limits (修约值比较法). Default on.
    pub compare_rounded: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            real_time_method_2012: RealTimeMethod2012::CnemcPublished,
            round_inputs_2012: false,
            missing_2012: MissingPolicy::ComputeFromAvailable,
            missing_2026: MissingPolicy::Hj633_2026,
            cap_beyond_table_at_500: true,
            implausible_above: PollutantMap::from_fn(|p| {
                Concentration::from_units(match p {
                    Pollutant::So2 => 30_000,
                    Pollutant::No2 => 20_000,
                    Pollutant::Pm10 => 40_000,
                    Pollutant::Co => 1_000,
                    Pollutant::O3 => 5_000,
                    Pollutant::Pm25 => 20_000,
                })
            }),
            min_hours_daily: 20,
            min_hours_sliding_24h: 20,
            min_hours_8h: 6,
            min_windows_mda8: 14,
            min_hours_o3_max_1h: 20,
            min_days_month: 27,
            min_days_february: 25,
            min_days_year: 324,
            annual_requires_monthly_minimum: true,
            min_days_percentile: 324,
            zone: ZoneClass::Class2,
            area_mda8: AreaMda8Method::OfAreaHourlyMeans,
            area_min_stations: 1,
            split_year: SplitYearRule::RulesOnLastDay,
            composite_weights: PollutantMap([1; 6]),
            composite_standards: None,
            composite_decimals: 2,
            exceedance_decimals: 2,
            compare_rounded: true,
        }
    }
}

impl Config {
    /// The missing-value policy for an AQI standard.
    pub fn missing_policy(&self, standard: AqiStandard) -> MissingPolicy {
        match standard {
            AqiStandard::Hj633_2012 => self.missing_2012,
            AqiStandard::Hj633_2026 => self.missing_2026,
        }
    }

    /// Whether inputs are rounded by GB/T 8170 before the IAQI step.
    pub fn rounds_inputs(&self, standard: AqiStandard) -> bool {
        match standard {
            AqiStandard::Hj633_2012 => self.round_inputs_2012,
            AqiStandard::Hj633_2026 => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_by_day() {
        assert_eq!(RuleSet::for_date(date(2019, 6, 1)), RuleSet::Gb2012);
        assert_eq!(RuleSet::for_date(date(2026, 2, 28)), RuleSet::Gb2012);
        assert_eq!(
            RuleSet::for_date(date(2026, 3, 1)),
            RuleSet::Gb2026Transitional
        );
        assert_eq!(
            RuleSet::for_date(date(2030, 12, 31)),
            RuleSet::Gb2026Transitional
        );
        assert_eq!(RuleSet::for_date(date(2031, 1, 1)), RuleSet::Gb2026Final);
    }

    #[test]
    fn instants_use_beijing_date() {
        // 2026-02-28T16:00Z is 2026-03-01 00:00 in Beijing.
        let ts: jiff::Timestamp = "2026-02-28T16:00:00Z".parse().unwrap();
        assert_eq!(RuleSet::for_timestamp(ts), RuleSet::Gb2026Transitional);
        let ts: jiff::Timestamp = "2026-02-28T15:59:59Z".parse().unwrap();
        assert_eq!(RuleSet::for_timestamp(ts), RuleSet::Gb2012);
    }

    #[test]
    fn split_year_is_configurable() {
        let mut c = Config::default();
        assert_eq!(RuleSet::for_year(2026, &c), RuleSet::Gb2026Transitional);
        c.split_year = SplitYearRule::RulesOnFirstDay;
        assert_eq!(RuleSet::for_year(2026, &c), RuleSet::Gb2012);
        assert_eq!(RuleSet::for_year(2025, &c), RuleSet::Gb2012);
    }
}
