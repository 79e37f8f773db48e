//! Inventory versions on SQLite.

use rusqlite::{OptionalExtension, Row, params};

use super::{InventoryVersionRecord, NewInventoryVersion};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::sqlite::insert_audit;
use crate::sqlite::SqliteStore;

const COLS: &str = "id, year, sha256, name, note, CASE WHEN ?1 THEN body ELSE '' END, totals, example, loaded_at, loaded_by";

fn row(r: &Row<'_>) -> rusqlite::Result<InventoryVersionRecord> {
    Ok(InventoryVersionRecord {
        id: r.get(0)?,
        version: NewInventoryVersion {
            year: r.get(1)?,
            sha256: r.get(2)?,
            name: r.get(3)?,
            note: r.get(4)?,
            body: r.get(5)?,
            totals: r.get(6)?,
            example: r.get(7)?,
            loaded_at_ms: r.get(8)?,
            loaded_by: r.get(9)?,
        },
    })
}

impl SqliteStore {
    pub(crate) fn put_inventory_version(
        &self,
        v: &NewInventoryVersion,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let newest: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, sha256 FROM inventory_versions WHERE year = ?1 ORDER BY id DESC LIMIT 1",
                    [v.year],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, sha)) = newest
                && sha == v.sha256
            {
                return Ok((id, false));
            }
            tx.execute(
                "INSERT INTO inventory_versions (year, sha256, name, note, body, totals, example, loaded_at, loaded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    v.year,
                    v.sha256,
                    v.name,
                    v.note,
                    v.body,
                    v.totals,
                    v.example,
                    v.loaded_at_ms,
                    v.loaded_by
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut audit = audit.clone();
            audit.target = format!("inventory_version:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok((id, true))
        })
    }

    pub(crate) fn inventory_versions(
        &self,
        year: Option<i32>,
        with_body: bool,
    ) -> Result<Vec<InventoryVersionRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLS} FROM inventory_versions WHERE (?2 IS NULL OR year = ?2) ORDER BY year DESC, id DESC"
            ))?;
            let rows = stmt.query_map(params![with_body, year], row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn inventory_version(&self, id: i64) -> Result<InventoryVersionRecord, StoreError> {
        self.with_reader(|conn| {
            conn.query_row(
                &format!("SELECT {COLS} FROM inventory_versions WHERE id = ?2"),
                params![true, id],
                row,
            )
            .optional()?
            .ok_or(StoreError::NotFound("inventory version", id))
        })
    }
}
