//! Enforcement (执法) and disclosure, the plan's §十八 and §二十四: [`case`] the life of an
//! enforcement case with its time limits, [`credit`] credit records that are only ever added
//! to, [`effect`] the effectiveness of enforcement by department and town, and [`screening`]
//! the admission check of new construction projects (§一, §十六). Pure: events in, states,
//! deadlines and outcomes out; no IO, no clock (`today` is an argument).

pub mod case;
pub mod credit;
pub mod effect;
pub mod screening;

pub use case::{CaseEvent, CaseState, Decision, Limits, Origin, Party, PartyKind, Step};
pub use credit::{CreditEvent, CreditRecord, CreditRules, CreditStatus, Violation};
pub use screening::{BorderGeometry, Project, Screening, ScreeningRules, screen};
