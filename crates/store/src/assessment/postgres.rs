//! Assessment rules and results on PostgreSQL (a code's rows locked while a version is added).

use postgres::Row;

use super::{
    AssessmentResultRecord, AssessmentRulesRecord, NewAssessmentResult, NewAssessmentRules,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::postgres::insert_audit;
use crate::postgres::PgStore;

const RULE_COLS: &str =
    "id, code, version, sha256, body, period, valid_from, valid_to, example, loaded_at, loaded_by";
const RESULT_COLS: &str = "id, rules_id, period, figures, result, computed_at, computed_by";

fn rules_row(r: &Row) -> AssessmentRulesRecord {
    let version: i64 = r.get(2);
    AssessmentRulesRecord {
        id: r.get(0),
        rules: NewAssessmentRules {
            code: r.get(1),
            version: u32::try_from(version).unwrap_or_default(),
            sha256: r.get(3),
            body: r.get(4),
            period: r.get(5),
            valid_from: r.get(6),
            valid_to: r.get(7),
            example: r.get(8),
            loaded_at_ms: r.get(9),
            loaded_by: r.get(10),
        },
    }
}

fn result_row(r: &Row) -> AssessmentResultRecord {
    AssessmentResultRecord {
        id: r.get(0),
        result: NewAssessmentResult {
            rules_id: r.get(1),
            period: r.get(2),
            figures: r.get(3),
            result: r.get(4),
            computed_at_ms: r.get(5),
            computed_by: r.get(6),
        },
    }
}

impl PgStore {
    pub(crate) fn put_assessment_rules(
        &self,
        v: &NewAssessmentRules,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let version = i64::from(v.version);
        // One writer of rules at a time: the (code, version) is looked up, then appended.
        tx.execute("SELECT pg_advisory_xact_lock(7100000000)", &[])?;
        if let Some(r) = tx.query_opt(
            "SELECT id, sha256 FROM assessment_rules WHERE code = $1 AND version = $2",
            &[&v.code, &version],
        )? {
            let sha: String = r.get(1);
            return if sha == v.sha256 {
                Ok((r.get(0), false))
            } else {
                Err(StoreError::Conflict(format!(
                    "rules {} version {} are already loaded with a different text: raise the version",
                    v.code, v.version
                )))
            };
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO assessment_rules (code, version, sha256, body, period, valid_from, valid_to, example, loaded_at, loaded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &v.code,
                    &version,
                    &v.sha256,
                    &v.body,
                    &v.period,
                    &v.valid_from,
                    &v.valid_to,
                    &v.example,
                    &v.loaded_at_ms,
                    &v.loaded_by,
                ],
            )?
            .get(0);
        let mut audit = audit.clone();
        audit.target = format!("assessment_rules:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok((id, true))
    }

    pub(crate) fn assessment_rules(&self) -> Result<Vec<AssessmentRulesRecord>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            &format!("SELECT {RULE_COLS} FROM assessment_rules ORDER BY code, version DESC"),
            &[],
        )?
        .iter()
        .map(rules_row)
        .collect())
    }

    pub(crate) fn put_assessment_result(
        &self,
        v: &NewAssessmentResult,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO assessment_results (rules_id, period, figures, result, computed_at, computed_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &v.rules_id,
                    &v.period,
                    &v.figures,
                    &v.result,
                    &v.computed_at_ms,
                    &v.computed_by,
                ],
            )?
            .get(0);
        let mut audit = audit.clone();
        audit.target = format!("assessment_result:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn assessment_results(
        &self,
        period: Option<&str>,
    ) -> Result<Vec<AssessmentResultRecord>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            &format!(
                "SELECT {RESULT_COLS} FROM assessment_results WHERE ($1::TEXT IS NULL OR period = $1) ORDER BY id DESC"
            ),
            &[&period],
        )?
        .iter()
        .map(result_row)
        .collect())
    }

    pub(crate) fn assessment_result(&self, id: i64) -> Result<AssessmentResultRecord, StoreError> {
        let mut c = self.client()?;
        c.query_opt(
            &format!("SELECT {RESULT_COLS} FROM assessment_results WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(result_row)
        .ok_or(StoreError::NotFound("assessment result", id))
    }
}
