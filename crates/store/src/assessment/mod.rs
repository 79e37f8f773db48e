//! Town assessment (区镇考核) in the store: every version of the rules as loaded (the TOML with
//! its SHA-256) and every result computed with one of them (the figures with their sources and
//! the whole result as JSON). Both tables are append-only (triggers refuse an update or a
//! delete): a code and version is loaded once (the same body again is a no-op, a different one
//! a conflict), and re-running a period adds a result beside the earlier ones.

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// A version of the rules to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessmentRules {
    /// Stable code of the rules.
    pub code: String,
    /// Version number.
    pub version: u32,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// The TOML as loaded.
    pub body: String,
    /// `month` or `year`.
    pub period: String,
    /// First day it applies (YYYY-MM-DD).
    pub valid_from: String,
    /// Last day it applies, if any.
    pub valid_to: Option<String>,
    /// Example rules, not the district's.
    pub example: bool,
    /// Unix ms.
    pub loaded_at_ms: i64,
    /// Who.
    pub loaded_by: String,
}

/// A stored version of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRulesRecord {
    /// Store id.
    pub id: i64,
    /// As stored.
    pub rules: NewAssessmentRules,
}

/// A result to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessmentResult {
    /// The rules it used (store id).
    pub rules_id: i64,
    /// The period (`2026-03`, `2026`).
    pub period: String,
    /// JSON: the figures and their sources.
    pub figures: String,
    /// JSON: the result.
    pub result: String,
    /// Unix ms.
    pub computed_at_ms: i64,
    /// Who.
    pub computed_by: String,
}

/// A stored result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentResultRecord {
    /// Store id.
    pub id: i64,
    /// As stored.
    pub result: NewAssessmentResult,
}
