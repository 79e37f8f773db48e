//! CNEMC national station hourly files (the quotsoft `china_sites_YYYYMMDD.csv` layout) and the
//! verification of lantian's AQI against CNEMC's published values.
//!
//! Pure: functions take the bytes of a file; reading and decompressing files is the caller's
//! job (the `lantian` binary does it).
//!
//! # Layout
//!
//! * [`file`](mod@file): [`DayFile::parse`], a one-pass reader that reports bad rows and fields by line.
//! * [`verify`]: [`Verification`], recomputing every published hourly AQI and classifying
//!   disagreements.
//! * [`extract`]: hourly series of chosen stations across files, for daily and annual
//!   statistics.

pub mod extract;
pub mod file;
pub mod verify;

pub use extract::StationSeries;
pub use file::{DayFile, Problem, ProblemKind, RowType, RowTypes};
pub use verify::{MismatchClass, Options, Verification};
