//! Air-quality standards math for lantian: GB 3095 limits and validity, HJ 633 AQI and HJ 663
//! assessment, in both generations (2012/2013 and 2026), with exact arithmetic.
//!
//! This crate is pure: no IO, no async, no clock. Every rule comes from
//! `shared/docs/standards.md`, cited by section in the item docs. Rules the sources leave open
//! are fields of [`Config`] with their defaults documented; `docs/assumptions.md` lists them.
//!
//! # Layout
//!
//! * [`pollutant`]: the six pollutants, units, [`PollutantMap`].
//! * [`conc`]: exact numbers: [`Concentration`] (measured, fixed-point), [`Exact`] (derived,
//!   rational), GB/T 8170 rounding.
//! * [`rules`]: the [`RuleSet`] chosen by the data's date, and [`Config`].
//! * [`iaqi`]: breakpoint tables and IAQI interpolation.
//! * [`aqi`]: the hourly and daily AQI with level, category, primary pollutants, `NA`.
//! * [`level`]: levels, categories, colours, health advice.
//! * [`time`]: the hour convention (an hour is identified by its start, Beijing time).
//! * [`series`]: daily, sliding, MDA8, monthly and annual statistics with validity.
//! * [`limits`]: GB 3095 concentration limits.
//! * [`assess`](mod@assess): the HJ 663 assessment of a station or area, composite index, year on year.
//! * [`target`]: target arithmetic (remaining budget).
//! * [`profile`]: diurnal and weekday profiles (mean by hour of day, by day of week).
//!
//! # Example
//!
//! ```
//! use lantian_aq::{Concentration, Config, HourlyInputs, Pollutant, RuleSet, hourly_aqi};
//!
//! let mut hour = HourlyInputs::default();
//! for (p, v) in [(Pollutant::So2, "8"), (Pollutant::No2, "95"), (Pollutant::Pm10, "130"),
//!                (Pollutant::Pm25, "88"), (Pollutant::Co, "1.1"), (Pollutant::O3, "150")] {
//!     hour.hour[p] = Some(Concentration::parse(v)?);
//! }
//! let date = jiff::civil::date(2026, 6, 1);
//! let report = hourly_aqi(&hour, RuleSet::for_date(date), &Config::default())?;
//! assert_eq!(report.aqi, Some(126));
//! assert_eq!(report.level().map(|l| l.category_zh()), Some("轻度污染"));
//! assert_eq!(report.primary()[0].to_string(), "PM2.5_1h");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod aqi;
pub mod assess;
pub mod conc;
pub mod iaqi;
pub mod level;
pub mod limits;
pub mod pollutant;
pub mod profile;
pub mod rules;
pub mod series;
pub mod target;
pub mod time;

pub use aqi::{
    AqiError, AqiReport, DailyInputs, HourlyInputs, IaqiEntry, IaqiNote, Value, daily_aqi,
    hourly_aqi, hourly_aqi_value,
};
pub use assess::{Assessment, DailyRecord, Period, assess, daily_records, percentile_hj663};
pub use conc::{Concentration, ConcentrationError, Exact};
pub use iaqi::{Averaging, Indicator};
pub use level::AqiLevel;
pub use pollutant::{Pollutant, PollutantMap, PollutantSet, Unit};
pub use rules::{AqiStandard, Config, RealTimeMethod2012, RuleSet};
pub use series::{HourlyFrame, HourlySeries, Stat};
