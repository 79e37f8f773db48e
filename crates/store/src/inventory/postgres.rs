//! Inventory versions on PostgreSQL (the year's rows locked while a version is added).

use postgres::Row;

use super::{InventoryVersionRecord, NewInventoryVersion};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::postgres::insert_audit;
use crate::postgres::PgStore;

const COLS: &str = "id, year, sha256, name, note, CASE WHEN $1 THEN body ELSE '' END, totals, example, loaded_at, loaded_by";

fn row(r: &Row) -> InventoryVersionRecord {
    let year: i64 = r.get(1);
    InventoryVersionRecord {
        id: r.get(0),
        version: NewInventoryVersion {
            year: i32::try_from(year).unwrap_or_default(),
            sha256: r.get(2),
            name: r.get(3),
            note: r.get(4),
            body: r.get(5),
            totals: r.get(6),
            example: r.get(7),
            loaded_at_ms: r.get(8),
            loaded_by: r.get(9),
        },
    }
}

impl PgStore {
    pub(crate) fn put_inventory_version(
        &self,
        v: &NewInventoryVersion,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let year = i64::from(v.year);
        // One writer per year at a time: the newest version is compared, then appended.
        tx.execute("SELECT pg_advisory_xact_lock(7000000000 + $1)", &[&year])?;
        if let Some(r) = tx.query_opt(
            "SELECT id, sha256 FROM inventory_versions WHERE year = $1 ORDER BY id DESC LIMIT 1",
            &[&year],
        )? {
            let sha: String = r.get(1);
            if sha == v.sha256 {
                return Ok((r.get(0), false));
            }
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO inventory_versions (year, sha256, name, note, body, totals, example, loaded_at, loaded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &year,
                    &v.sha256,
                    &v.name,
                    &v.note,
                    &v.body,
                    &v.totals,
                    &v.example,
                    &v.loaded_at_ms,
                    &v.loaded_by,
                ],
            )?
            .get(0);
        let mut audit = audit.clone();
        audit.target = format!("inventory_version:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok((id, true))
    }

    pub(crate) fn inventory_versions(
        &self,
        year: Option<i32>,
        with_body: bool,
    ) -> Result<Vec<InventoryVersionRecord>, StoreError> {
        let mut c = self.client()?;
        let year = year.map(i64::from);
        Ok(c.query(
            &format!(
                "SELECT {COLS} FROM inventory_versions WHERE ($2::BIGINT IS NULL OR year = $2) ORDER BY year DESC, id DESC"
            ),
            &[&with_body, &year],
        )?
        .iter()
        .map(row)
        .collect())
    }

    pub(crate) fn inventory_version(&self, id: i64) -> Result<InventoryVersionRecord, StoreError> {
        let mut c = self.client()?;
        c.query_opt(
            &format!("SELECT {COLS} FROM inventory_versions WHERE id = $2"),
            &[&true, &id],
        )?
        .as_ref()
        .map(row)
        .ok_or(StoreError::NotFound("inventory version", id))
    }
}
