//! Heavy-pollution weather (重污染天气) as rules: the warning level a forecast calls for under
//! the grading in force ([`grading`]: yellow, orange, red per 环大气〔2024〕6号, thresholds and
//! durations as data, the pre-2024 grading kept for replaying old episodes), the forecast
//! ([`forecast`]: hourly rolling 24-h AQI or daily AQI, gaps refused), the warning's
//! workflow ([`warning`]: 研判 → 发布 → 调整 → 解除), the emergency-reduction list and its checks
//! ([`list`]: 一厂一策, coverage, required shares, measures by performance grade), key
//! vehicle-using units and gate records ([`vehicles`]), and whether an enterprise reduced as
//! its measure requires ([`verify`]).
//!
//! Pure, like `lantian-aq` and `lantian-plan`: no IO, no clock, no database. Times are Beijing
//! civil times passed in; quantities are exact decimals.

pub mod forecast;
pub mod grading;
pub mod list;
pub mod vehicles;
pub mod verify;
pub mod warning;

pub use forecast::{Basis, Forecast, ForecastError};
pub use grading::{Clause, Grading, Level, Proposal, Rule, propose};
pub use list::{Action, Emissions, Enterprise, Grade, ListError, Measure, ReductionList};
pub use warning::{WarningAction, WarningError, WarningStatus};
