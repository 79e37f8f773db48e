//! The emission inventory in the store: every version of every year, appended and never
//! changed (triggers refuse an update or a delete); the newest version of a year is in force.
//! A version is the whole year as JSON (`lantian_inventory::Inventory`) with its SHA-256 and the
//! totals computed when it was stored; storing the same body as the year's newest is a no-op.

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// A version to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInventoryVersion {
    /// The year.
    pub year: i32,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// The file, or what made it.
    pub name: String,
    /// Why.
    pub note: String,
    /// JSON of the year.
    pub body: String,
    /// JSON of the totals per pollutant.
    pub totals: String,
    /// Example data.
    pub example: bool,
    /// Unix ms.
    pub loaded_at_ms: i64,
    /// Who.
    pub loaded_by: String,
}

/// A stored version (the body only when asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryVersionRecord {
    /// Store id.
    pub id: i64,
    /// As stored.
    pub version: NewInventoryVersion,
}
