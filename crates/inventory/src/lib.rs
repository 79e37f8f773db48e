//! The emission inventory (大气污染源排放清单) as an auditable ledger, per the national compilation
//! guides (standards.md §6): the four-level source classification as data ([`category`]), a
//! factor library with every value's source ([`library`]), units checked by dimension
//! ([`mod@unit`]), each year's sources, records and reduction projects with E = A × EF × (1 − η) or a
//! measured total ([`ledger`]), the spreadsheet layout ([`exchange`]), and totals, comparisons
//! and the reduction accounting against the baseline year ([`analysis`]), and annual totals from
//! online monitoring ([`cems`]). Pure: no IO.

pub mod analysis;
pub mod category;
pub mod cems;
pub mod exchange;
pub mod ledger;
pub mod library;
pub mod pollutant;
pub mod unit;

pub use analysis::{
    Accounting, CompareRow, Grouping, accounting, compare, pollutant_totals, totals,
};
pub use category::{Categories, Category};
pub use ledger::{
    Emission, FactorRef, Inventory, Method, Project, Record, RowError, Source, SourceKind, compute,
};
pub use library::{Control, Factor, Library};
pub use pollutant::Pollutant;
