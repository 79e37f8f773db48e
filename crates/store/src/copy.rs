//! Moving a whole store to another engine (`lantian migrate-store`): every table copied in one
//! transaction on the target, ids kept, then both sides re-read and compared table by table
//! (row count and a SHA-256 over the rows in key order, values in one engine-neutral encoding).
//!
//! Job leases (`job_leases`) are a running cluster's state and are not copied; migrations are
//! the target's own (`schema_migrations`).

use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

/// A table and the columns that order its rows (its primary key).
pub(crate) struct TableSpec {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [&'static str],
    pub(crate) key: &'static [&'static str],
}

macro_rules! t {
    ($name:literal, [$($c:literal),*], [$($k:literal),*]) => {
        TableSpec { name: $name, columns: &[$($c),*], key: &[$($k),*] }
    };
}

/// Every table that holds data, parents before children (the order of the copy).
pub(crate) const TABLES: &[TableSpec] = &[
    t!(
        "stations",
        [
            "id",
            "code",
            "name",
            "city",
            "province",
            "lon",
            "lat",
            "level",
            "source",
            "updated_at"
        ],
        ["id"]
    ),
    t!("areas", ["id", "code", "name", "kind", "alias"], ["id"]),
    t!(
        "area_stations",
        ["area_id", "station_id", "counts"],
        ["area_id", "station_id"]
    ),
    t!("series", ["id", "station_id", "quantity"], ["id"]),
    t!(
        "import_runs",
        [
            "id",
            "kind",
            "description",
            "started_at",
            "finished_at",
            "summary"
        ],
        ["id"]
    ),
    t!(
        "hourly",
        ["series_id", "day", "n", "vals", "flags", "import_id"],
        ["series_id", "day"]
    ),
    t!(
        "conflicts",
        [
            "id",
            "import_id",
            "series_id",
            "day",
            "hour",
            "kept",
            "offered",
            "origin"
        ],
        ["id"]
    ),
    t!(
        "review_marks",
        [
            "id",
            "series_id",
            "day",
            "hour",
            "action",
            "value",
            "reviewer",
            "at",
            "reason"
        ],
        ["id"]
    ),
    t!(
        "devices",
        ["id", "mn", "kind", "town", "active", "spec", "updated_at"],
        ["id"]
    ),
    t!(
        "frames",
        [
            "id",
            "device_id",
            "seq",
            "received_at",
            "cn",
            "qn",
            "data_time",
            "raw",
            "prev_hash",
            "hash"
        ],
        ["id"]
    ),
    t!(
        "chain_heads",
        ["device_id", "seq", "hash", "frame_id", "received_at"],
        ["device_id"]
    ),
    t!(
        "readings",
        ["device_id", "cn", "data_time", "part", "frame_id", "vals"],
        ["cn", "data_time", "device_id", "part"]
    ),
    t!(
        "ingest_rejects",
        ["id", "received_at", "peer", "mn", "reason", "excerpt"],
        ["id"]
    ),
    t!(
        "ingest_reject_days",
        [
            "day",
            "reason",
            "peer_addr",
            "rejects",
            "first_at",
            "last_at"
        ],
        ["day", "reason", "peer_addr"]
    ),
    t!(
        "alarms",
        [
            "id",
            "device_id",
            "kind",
            "factor",
            "state",
            "start_at",
            "end_at",
            "value",
            "lim",
            "detail",
            "raised_at",
            "recovered_at",
            "assignee",
            "updated_at"
        ],
        ["id"]
    ),
    t!(
        "alarm_evidence",
        ["alarm_id", "frame_id"],
        ["alarm_id", "frame_id"]
    ),
    t!(
        "alarm_events",
        [
            "id",
            "alarm_id",
            "at",
            "actor",
            "action",
            "from_state",
            "to_state",
            "note",
            "attachments"
        ],
        ["id"]
    ),
    t!(
        "map_layers",
        ["name", "geojson", "source_crs", "source", "updated_at"],
        ["name"]
    ),
    t!(
        "users",
        [
            "id",
            "username",
            "display_name",
            "password_hash",
            "role",
            "scope",
            "active",
            "created_at",
            "updated_at"
        ],
        ["id"]
    ),
    t!(
        "sessions",
        ["token_hash", "user_id", "created_at", "expires_at"],
        ["token_hash"]
    ),
    t!(
        "audit_log",
        ["id", "at", "actor", "action", "target", "detail"],
        ["id"]
    ),
    t!(
        "plan_versions",
        [
            "id",
            "code",
            "version",
            "sha256",
            "source",
            "loaded_at",
            "loaded_by"
        ],
        ["id"]
    ),
    t!(
        "attachments",
        [
            "id",
            "sha256",
            "name",
            "mime",
            "size",
            "data",
            "uploaded_by",
            "scope",
            "uploaded_at"
        ],
        ["id"]
    ),
    t!(
        "task_reports",
        [
            "id",
            "plan_code",
            "task",
            "party_kind",
            "party",
            "period",
            "state",
            "completed",
            "body",
            "numbers",
            "attachments",
            "first_submitted_at",
            "updated_at",
            "review_comment",
            "reviewed_by"
        ],
        ["id"]
    ),
    t!(
        "task_report_events",
        [
            "id",
            "report_id",
            "at",
            "actor",
            "action",
            "from_state",
            "to_state",
            "comment",
            "body",
            "attachments"
        ],
        ["id"]
    ),
    t!(
        "indicator_values",
        [
            "id",
            "plan_code",
            "indicator",
            "as_of",
            "value",
            "baseline",
            "note",
            "attachments",
            "party",
            "reported_by",
            "reported_at"
        ],
        ["id"]
    ),
    t!(
        "job_runs",
        [
            "id",
            "name",
            "node",
            "started_at",
            "finished_at",
            "ok",
            "detail"
        ],
        ["id"]
    ),
    t!(
        "warnings",
        [
            "id",
            "area",
            "status",
            "level",
            "proposed_level",
            "advisory",
            "may_lift",
            "grading",
            "forecast",
            "proposal",
            "issued_at",
            "lifted_at",
            "created_at",
            "created_by",
            "updated_at"
        ],
        ["id"]
    ),
    t!(
        "warning_events",
        [
            "id",
            "warning_id",
            "at",
            "effective_at",
            "actor",
            "action",
            "from_status",
            "to_status",
            "from_level",
            "to_level",
            "reason",
            "detail"
        ],
        ["id"]
    ),
    t!(
        "reduction_lists",
        [
            "id",
            "sha256",
            "name",
            "body",
            "enterprises",
            "loaded_at",
            "loaded_by"
        ],
        ["id"]
    ),
    t!(
        "fire_incidents",
        [
            "id",
            "first_at",
            "last_at",
            "lon",
            "lat",
            "detections",
            "sources",
            "region",
            "town_code",
            "town",
            "near_region",
            "near_km",
            "state",
            "assignee",
            "dispatched_at",
            "first_verified_at",
            "verified_at",
            "finding",
            "burned_mu",
            "action_taken",
            "photos",
            "closed_at",
            "created_at",
            "updated_at"
        ],
        ["id"]
    ),
    t!(
        "fire_detections",
        [
            "id",
            "key",
            "incident_id",
            "lon",
            "lat",
            "at",
            "source",
            "satellite",
            "confidence",
            "frp",
            "daynight",
            "import_id",
            "file",
            "line"
        ],
        ["id"]
    ),
    t!(
        "fire_order_events",
        [
            "id",
            "incident_id",
            "at",
            "actor",
            "action",
            "from_state",
            "to_state",
            "detail"
        ],
        ["id"]
    ),
    t!(
        "inventory_versions",
        [
            "id",
            "year",
            "sha256",
            "name",
            "note",
            "body",
            "totals",
            "example",
            "loaded_at",
            "loaded_by"
        ],
        ["id"]
    ),
    t!(
        "assessment_rules",
        [
            "id",
            "code",
            "version",
            "sha256",
            "body",
            "period",
            "valid_from",
            "valid_to",
            "example",
            "loaded_at",
            "loaded_by"
        ],
        ["id"]
    ),
    t!(
        "assessment_results",
        [
            "id",
            "rules_id",
            "period",
            "figures",
            "result",
            "computed_at",
            "computed_by"
        ],
        ["id"]
    ),
    t!(
        "enforcement_cases",
        [
            "id",
            "origin",
            "party",
            "party_key",
            "department",
            "town",
            "source",
            "detected_on",
            "title",
            "created_at",
            "created_by"
        ],
        ["id"]
    ),
    t!(
        "enforcement_events",
        ["id", "case_id", "seq", "event", "at"],
        ["id"]
    ),
    t!(
        "credit_records",
        [
            "id",
            "case_id",
            "record",
            "party_key",
            "created_at",
            "created_by"
        ],
        ["id"]
    ),
    t!(
        "credit_events",
        ["id", "record_id", "seq", "event", "at"],
        ["id"]
    ),
];

/// A stored value in an engine-neutral form (booleans are integers 0/1, as SQLite keeps them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    /// Feeds the value to a hash: a tag, then a fixed or length-prefixed encoding.
    fn hash_into(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update([0u8]),
            Value::Int(i) => {
                h.update([1u8]);
                h.update(i.to_le_bytes());
            }
            Value::Real(f) => {
                h.update([2u8]);
                h.update(f.to_bits().to_le_bytes());
            }
            Value::Text(s) => {
                h.update([3u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            Value::Blob(b) => {
                h.update([4u8]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        }
    }
}

/// The `SELECT` of a table's columns in key order (byte order for text keys on both engines).
pub(crate) fn select_sql(t: &TableSpec, postgres: bool) -> String {
    let key: Vec<String> = t
        .key
        .iter()
        .map(|k| {
            if postgres && matches!(*k, "name" | "token_hash") {
                format!("{k} COLLATE \"C\"")
            } else {
                (*k).to_owned()
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        t.columns.join(", "),
        t.name,
        key.join(", ")
    )
}

/// One table compared on both stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// The table.
    pub table: &'static str,
    /// Rows in the source.
    pub source_rows: u64,
    /// Rows in the target.
    pub target_rows: u64,
    /// SHA-256 of the source's rows in key order, hex.
    pub source_sha256: String,
    /// The same of the target.
    pub target_sha256: String,
}

impl TableCheck {
    /// Counts and checksums agree.
    #[must_use]
    pub fn matches(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

/// A table's row count and checksum.
pub(crate) fn summarise(store: &Store, t: &TableSpec) -> Result<(u64, String), StoreError> {
    let mut h = Sha256::new();
    let mut n = 0u64;
    let mut f = |row: Vec<Value>| {
        n += 1;
        for v in &row {
            v.hash_into(&mut h);
        }
        Ok(())
    };
    match store {
        Store::Sqlite(s) => s.scan_rows(&select_sql(t, false), &mut f)?,
        Store::Postgres(s) => s.scan_rows(&select_sql(t, true), &mut f)?,
    }
    let digest = h.finalize();
    let hex = digest.iter().fold(String::with_capacity(64), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    });
    Ok((n, hex))
}

/// Compares every table of `source` and `target` (counts and checksums).
pub fn compare(source: &Store, target: &Store) -> Result<Vec<TableCheck>, StoreError> {
    TABLES
        .iter()
        .map(|t| {
            let (source_rows, source_sha256) = summarise(source, t)?;
            let (target_rows, target_sha256) = summarise(target, t)?;
            Ok(TableCheck {
                table: t.name,
                source_rows,
                target_rows,
                source_sha256,
                target_sha256,
            })
        })
        .collect()
}

/// Copies every table of `source` into `target`, which must be a PostgreSQL store holding no
/// data, in one transaction (on failure the target stays empty); `progress` is called with
/// each table and the rows copied. Returns the rows copied per table.
pub fn copy(
    source: &Store,
    target: &Store,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let Store::Postgres(pg) = target else {
        return Err(StoreError::Invalid(
            "the target of a store copy must be PostgreSQL (postgres://…)".to_owned(),
        ));
    };
    pg.copy_from(source, progress)
}

/// Rows of `table` in `store` as engine-neutral values, for the copy.
pub(crate) fn scan(
    store: &Store,
    t: &TableSpec,
    f: &mut dyn FnMut(Vec<Value>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    match store {
        Store::Sqlite(s) => s.scan_rows(&select_sql(t, false), f),
        Store::Postgres(s) => s.scan_rows(&select_sql(t, true), f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table the migrations create is copied, with all its columns (a new migration
    /// cannot be forgotten by `migrate-store`); only the migrations' own table and the
    /// cluster's leases are left out.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn the_copy_covers_every_table_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db").to_str().unwrap()).unwrap();
        let Store::Sqlite(s) = &store else {
            unreachable!()
        };
        let mut tables = Vec::new();
        s.scan_rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            &mut |row| {
                if let Some(Value::Text(t)) = row.first() {
                    tables.push(t.clone());
                }
                Ok(())
            },
        )
        .unwrap();
        for t in &tables {
            if matches!(t.as_str(), "schema_migrations" | "job_leases") {
                continue;
            }
            let spec = TABLES
                .iter()
                .find(|s| s.name == t)
                .unwrap_or_else(|| panic!("table {t} is not copied"));
            let mut cols = Vec::new();
            s.scan_rows(
                &format!("SELECT name FROM pragma_table_info('{t}')"),
                &mut |row| {
                    if let Some(Value::Text(c)) = row.first() {
                        cols.push(c.clone());
                    }
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(cols, spec.columns, "columns of {t}");
        }
        assert_eq!(TABLES.len(), tables.len() - 2);
    }
}
