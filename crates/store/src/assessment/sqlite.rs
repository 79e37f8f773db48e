//! Assessment rules and results on SQLite.

use rusqlite::{OptionalExtension, Row, params};

use super::{
    AssessmentResultRecord, AssessmentRulesRecord, NewAssessmentResult, NewAssessmentRules,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::sqlite::insert_audit;
use crate::sqlite::SqliteStore;

const RULE_COLS: &str =
    "id, code, version, sha256, body, period, valid_from, valid_to, example, loaded_at, loaded_by";
const RESULT_COLS: &str = "id, rules_id, period, figures, result, computed_at, computed_by";

fn rules_row(r: &Row<'_>) -> rusqlite::Result<AssessmentRulesRecord> {
    Ok(AssessmentRulesRecord {
        id: r.get(0)?,
        rules: NewAssessmentRules {
            code: r.get(1)?,
            version: r.get(2)?,
            sha256: r.get(3)?,
            body: r.get(4)?,
            period: r.get(5)?,
            valid_from: r.get(6)?,
            valid_to: r.get(7)?,
            example: r.get(8)?,
            loaded_at_ms: r.get(9)?,
            loaded_by: r.get(10)?,
        },
    })
}

fn result_row(r: &Row<'_>) -> rusqlite::Result<AssessmentResultRecord> {
    Ok(AssessmentResultRecord {
        id: r.get(0)?,
        result: NewAssessmentResult {
            rules_id: r.get(1)?,
            period: r.get(2)?,
            figures: r.get(3)?,
            result: r.get(4)?,
            computed_at_ms: r.get(5)?,
            computed_by: r.get(6)?,
        },
    })
}

impl SqliteStore {
    pub(crate) fn put_assessment_rules(
        &self,
        v: &NewAssessmentRules,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let known: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, sha256 FROM assessment_rules WHERE code = ?1 AND version = ?2",
                    params![v.code, v.version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, sha)) = known {
                return if sha == v.sha256 {
                    Ok((id, false))
                } else {
                    Err(StoreError::Conflict(format!(
                        "rules {} version {} are already loaded with a different text: raise the version",
                        v.code, v.version
                    )))
                };
            }
            tx.execute(
                "INSERT INTO assessment_rules (code, version, sha256, body, period, valid_from, valid_to, example, loaded_at, loaded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    v.code,
                    v.version,
                    v.sha256,
                    v.body,
                    v.period,
                    v.valid_from,
                    v.valid_to,
                    v.example,
                    v.loaded_at_ms,
                    v.loaded_by
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut audit = audit.clone();
            audit.target = format!("assessment_rules:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok((id, true))
        })
    }

    pub(crate) fn assessment_rules(&self) -> Result<Vec<AssessmentRulesRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RULE_COLS} FROM assessment_rules ORDER BY code, version DESC"
            ))?;
            let rows = stmt.query_map([], rules_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn put_assessment_result(
        &self,
        v: &NewAssessmentResult,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO assessment_results (rules_id, period, figures, result, computed_at, computed_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    v.rules_id,
                    v.period,
                    v.figures,
                    v.result,
                    v.computed_at_ms,
                    v.computed_by
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut audit = audit.clone();
            audit.target = format!("assessment_result:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn assessment_results(
        &self,
        period: Option<&str>,
    ) -> Result<Vec<AssessmentResultRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RESULT_COLS} FROM assessment_results WHERE (?1 IS NULL OR period = ?1) ORDER BY id DESC"
            ))?;
            let rows = stmt.query_map(params![period], result_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn assessment_result(&self, id: i64) -> Result<AssessmentResultRecord, StoreError> {
        self.with_reader(|conn| {
            conn.query_row(
                &format!("SELECT {RESULT_COLS} FROM assessment_results WHERE id = ?1"),
                [id],
                result_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound("assessment result", id))
        })
    }
}
