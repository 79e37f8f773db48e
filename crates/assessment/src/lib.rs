//! Town assessment (区镇考核) and rankings (排名), computed from rules anyone can read:
//! [`ranking`] ranks places with ties shared (并列) and builds the change rankings;
//! [`rules`] holds the assessment rules as versioned data and applies a version to each town's
//! figures, showing every score, the money and the reasons for a veto or a special inspection.
//! Pure: figures in, results out.

pub mod ranking;
pub mod rules;
pub mod units;

pub use ranking::{Change, Order, Ranked, change_rankings, change_rate, rank, rank_valid_first};
pub use rules::{Assessment, Figures, Rules, TownResult, assess};
