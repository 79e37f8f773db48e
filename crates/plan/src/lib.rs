//! The action plan as data (`config/plans/*.toml`): its sections and measures, the tasks of its
//! appendix (重点工作任务分解表) with deadlines and responsible departments, the quantitative
//! targets (指标) and how far each has come.
//!
//! This crate is pure: no IO, no clock. The shell reads the file and passes its text to
//! [`load()`], and passes "today" to anything that judges time.
//!
//! # Layout
//!
//! * [`load`](mod@load): the TOML file → a validated [`Plan`], every error with its line.
//! * [`model`]: the plan's types.
//! * [`deadline`]: 完成时限 as written (`持续推进`, `2024年9月底`, `2025年`) → [`Deadline`].
//! * [`responsibility`]: 责任分工 as written → lead and cooperating departments.
//! * [`supervision`]: reporting periods, task status, reminders and scorecards (督办).
//! * [`indicator`]: an indicator's values against its target and trajectory → [`indicator::Status`].

pub mod deadline;
pub mod indicator;
pub mod load;
pub mod model;
pub mod responsibility;
pub mod supervision;

pub use deadline::Deadline;
pub use load::{PlanError, PlanErrors, load};
pub use model::{
    Department, Direction, Indicator, IndicatorKind, Measure, Plan, PlanMeta, ReportingCycle,
    Section, Source, Task, Town,
};
