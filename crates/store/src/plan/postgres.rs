//! The plan's tables on PostgreSQL.

use postgres::{GenericClient, Row};

use super::{
    AttachmentRecord, IndicatorValueRecord, NewAttachment, NewIndicatorValue, NewTaskReport,
    PlanVersion, TaskReportEvent, TaskReportFilter, TaskReportRecord, audit_detail, ids_json,
    ids_of, review_step, state_of, submit_step,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::postgres::insert_audit;
use crate::postgres::PgStore;

const REPORT_COLS: &str = "id, plan_code, task, party_kind, party, period, state, completed, body, numbers, attachments, first_submitted_at, updated_at, review_comment, reviewed_by";

fn report(r: &Row) -> Result<TaskReportRecord, StoreError> {
    Ok(TaskReportRecord {
        id: r.get(0),
        report: NewTaskReport {
            plan_code: r.get(1),
            task: r.get(2),
            party_kind: r.get(3),
            party: r.get(4),
            period: r.get(5),
            completed: r.get(7),
            body: r.get(8),
            numbers: r.get(9),
            attachments: ids_of(r.get(10))?,
        },
        state: state_of(r.get(6))?,
        first_submitted_at_ms: r.get(11),
        updated_at_ms: r.get(12),
        review_comment: r.get(13),
        reviewed_by: r.get(14),
    })
}

fn report_by_id(
    c: &mut impl GenericClient,
    id: i64,
) -> Result<Option<TaskReportRecord>, StoreError> {
    c.query_opt(
        &format!("SELECT {REPORT_COLS} FROM task_reports WHERE id = $1"),
        &[&id],
    )?
    .map(|r| report(&r))
    .transpose()
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &mut impl GenericClient,
    id: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    from: Option<&str>,
    to: &str,
    comment: &str,
    body: &str,
    attachments: &[i64],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO task_report_events (report_id, at, actor, action, from_state, to_state, comment, body, attachments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[&id, &at_ms, &actor, &action, &from, &to, &comment, &body, &ids_json(attachments)],
    )?;
    Ok(())
}

const ATTACHMENT_COLS: &str = "id, sha256, name, mime, size, uploaded_by, scope, uploaded_at";

fn attachment(r: &Row) -> AttachmentRecord {
    AttachmentRecord {
        id: r.get(0),
        sha256: r.get(1),
        name: r.get(2),
        mime: r.get(3),
        size: r.get(4),
        uploaded_by: r.get(5),
        scope: r.get(6),
        uploaded_at_ms: r.get(7),
    }
}

impl PgStore {
    pub(crate) fn put_plan_version(
        &self,
        v: &PlanVersion,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let inserted = tx.query_opt(
            "INSERT INTO plan_versions (code, version, sha256, source, loaded_at, loaded_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (code, sha256) DO NOTHING RETURNING id",
            &[&v.code, &v.version, &v.sha256, &v.source, &v.loaded_at_ms, &v.loaded_by],
        )?;
        let out = match inserted {
            Some(r) => {
                insert_audit(&mut tx, audit)?;
                (r.get(0), true)
            }
            None => {
                let r = tx.query_one(
                    "SELECT id FROM plan_versions WHERE code = $1 AND sha256 = $2",
                    &[&v.code, &v.sha256],
                )?;
                (r.get(0), false)
            }
        };
        tx.commit()?;
        Ok(out)
    }

    pub(crate) fn plan_versions(&self) -> Result<Vec<PlanVersion>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            "SELECT id, code, version, sha256, source, loaded_at, loaded_by FROM plan_versions ORDER BY id DESC",
            &[],
        )?
        .iter()
        .map(|r| PlanVersion {
            id: r.get(0),
            code: r.get(1),
            version: r.get(2),
            sha256: r.get(3),
            source: r.get(4),
            loaded_at_ms: r.get(5),
            loaded_by: r.get(6),
        })
        .collect())
    }

    pub(crate) fn submit_task_report(
        &self,
        new: &NewTaskReport,
        actor: &str,
        at_ms: i64,
    ) -> Result<TaskReportRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let before = tx
            .query_opt(
                &format!(
                    "SELECT {REPORT_COLS} FROM task_reports
                     WHERE plan_code = $1 AND task = $2 AND party_kind = $3 AND party = $4 AND period = $5 FOR UPDATE"
                ),
                &[&new.plan_code, &new.task, &new.party_kind, &new.party, &new.period],
            )?
            .map(|r| report(&r))
            .transpose()?;
        let (action, to) = submit_step(before.as_ref().map(|b| b.state))?;
        let attachments = ids_json(&new.attachments);
        let id: i64 = match &before {
            None => tx
                .query_one(
                    "INSERT INTO task_reports (plan_code, task, party_kind, party, period, state, completed, body, numbers,
                       attachments, first_submitted_at, updated_at, review_comment, reviewed_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, '', NULL) RETURNING id",
                    &[
                        &new.plan_code,
                        &new.task,
                        &new.party_kind,
                        &new.party,
                        &new.period,
                        &to.as_str(),
                        &new.completed,
                        &new.body,
                        &new.numbers,
                        &attachments,
                        &at_ms,
                    ],
                )
                .map_err(|e| {
                    // Two first submissions at once: the loser retries and becomes an edit.
                    if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
                        StoreError::Conflict(
                            "the report was submitted at the same moment by another request: submit again"
                                .to_owned(),
                        )
                    } else {
                        StoreError::from(e)
                    }
                })?
                .get(0),
            Some(b) => {
                tx.execute(
                    "UPDATE task_reports SET state = $2, completed = $3, body = $4, numbers = $5, attachments = $6,
                       updated_at = $7 WHERE id = $1",
                    &[
                        &b.id,
                        &to.as_str(),
                        &new.completed,
                        &new.body,
                        &new.numbers,
                        &attachments,
                        &at_ms,
                    ],
                )?;
                b.id
            }
        };
        insert_event(
            &mut tx,
            id,
            at_ms,
            actor,
            action.as_str(),
            before.as_ref().map(|b| b.state.as_str()),
            to.as_str(),
            "",
            &new.body,
            &new.attachments,
        )?;
        let after = report_by_id(&mut tx, id)?.ok_or(StoreError::NotFound("task report", id))?;
        insert_audit(
            &mut tx,
            &AuditEntry {
                at_ms,
                actor: actor.to_owned(),
                action: format!("task_report.{}", action.as_str()),
                target: format!("task_report:{id}"),
                detail: audit_detail(action, before.as_ref(), &after),
            },
        )?;
        tx.commit()?;
        Ok(after)
    }

    pub(crate) fn review_task_report(
        &self,
        id: i64,
        accept: bool,
        comment: &str,
        actor: &str,
        at_ms: i64,
    ) -> Result<TaskReportRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let before = tx
            .query_opt(
                &format!("SELECT {REPORT_COLS} FROM task_reports WHERE id = $1 FOR UPDATE"),
                &[&id],
            )?
            .map(|r| report(&r))
            .transpose()?
            .ok_or(StoreError::NotFound("task report", id))?;
        let (action, to) = review_step(before.state, accept)?;
        tx.execute(
            "UPDATE task_reports SET state = $2, review_comment = $3, reviewed_by = $4, updated_at = $5 WHERE id = $1",
            &[&id, &to.as_str(), &comment, &actor, &at_ms],
        )?;
        insert_event(
            &mut tx,
            id,
            at_ms,
            actor,
            action.as_str(),
            Some(before.state.as_str()),
            to.as_str(),
            comment,
            &before.report.body,
            &before.report.attachments,
        )?;
        let after = report_by_id(&mut tx, id)?.ok_or(StoreError::NotFound("task report", id))?;
        insert_audit(
            &mut tx,
            &AuditEntry {
                at_ms,
                actor: actor.to_owned(),
                action: format!("task_report.{}", action.as_str()),
                target: format!("task_report:{id}"),
                detail: audit_detail(action, Some(&before), &after),
            },
        )?;
        tx.commit()?;
        Ok(after)
    }

    pub(crate) fn task_reports(
        &self,
        f: &TaskReportFilter,
    ) -> Result<Vec<TaskReportRecord>, StoreError> {
        let mut c = self.client()?;
        let (kind, party) = match &f.party {
            Some((k, p)) => (Some(k.as_str()), Some(p.as_str())),
            None => (None, None),
        };
        let state = f.state.map(|s| s.as_str());
        c.query(
            &format!(
                "SELECT {REPORT_COLS} FROM task_reports
                 WHERE plan_code = $1 AND ($2::BIGINT IS NULL OR task = $2)
                   AND ($3::TEXT IS NULL OR (party_kind = $3 AND party = $4))
                   AND ($5::TEXT IS NULL OR period = $5) AND ($6::TEXT IS NULL OR state = $6)
                 ORDER BY task, period, party_kind, party"
            ),
            &[&f.plan_code, &f.task, &kind, &party, &f.period, &state],
        )?
        .iter()
        .map(report)
        .collect()
    }

    pub(crate) fn task_report(&self, id: i64) -> Result<Option<TaskReportRecord>, StoreError> {
        let mut c = self.client()?;
        report_by_id(&mut *c, id)
    }

    pub(crate) fn task_report_events(
        &self,
        report_id: i64,
    ) -> Result<Vec<TaskReportEvent>, StoreError> {
        let mut c = self.client()?;
        c.query(
            "SELECT id, at, actor, action, from_state, to_state, comment, body, attachments
             FROM task_report_events WHERE report_id = $1 ORDER BY id",
            &[&report_id],
        )?
        .iter()
        .map(|r| {
            Ok(TaskReportEvent {
                id: r.get(0),
                at_ms: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                from_state: r.get(4),
                to_state: r.get(5),
                comment: r.get(6),
                body: r.get(7),
                attachments: ids_of(r.get(8))?,
            })
        })
        .collect()
    }

    pub(crate) fn put_attachment(
        &self,
        a: &NewAttachment,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let size = i64::try_from(a.data.len()).unwrap_or(i64::MAX);
        let id: i64 = tx
            .query_one(
                "INSERT INTO attachments (sha256, name, mime, size, data, uploaded_by, scope, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &a.sha256,
                    &a.name,
                    &a.mime,
                    &size,
                    &a.data,
                    &a.uploaded_by,
                    &a.scope,
                    &a.uploaded_at_ms,
                ],
            )?
            .get(0);
        let mut audit = audit.clone();
        audit.target = format!("attachment:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn attachment(
        &self,
        id: i64,
    ) -> Result<Option<(AttachmentRecord, Vec<u8>)>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query_opt(
            &format!("SELECT {ATTACHMENT_COLS}, data FROM attachments WHERE id = $1"),
            &[&id],
        )?
        .map(|r| (attachment(&r), r.get(8))))
    }

    pub(crate) fn attachments(&self, ids: &[i64]) -> Result<Vec<AttachmentRecord>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            &format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = ANY($1) ORDER BY id"),
            &[&ids],
        )?;
        let by_id: Vec<AttachmentRecord> = rows.iter().map(attachment).collect();
        // In the order asked for.
        Ok(ids
            .iter()
            .filter_map(|id| by_id.iter().find(|a| a.id == *id).cloned())
            .collect())
    }

    pub(crate) fn add_indicator_value(
        &self,
        v: &NewIndicatorValue,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO indicator_values (plan_code, indicator, as_of, value, baseline, note, attachments, party,
                   reported_by, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &v.plan_code,
                    &v.indicator,
                    &v.as_of,
                    &v.value,
                    &v.baseline,
                    &v.note,
                    &ids_json(&v.attachments),
                    &v.party,
                    &v.reported_by,
                    &v.reported_at_ms,
                ],
            )?
            .get(0);
        let mut audit = audit.clone();
        audit.target = format!("indicator_value:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn indicator_values(
        &self,
        plan_code: &str,
    ) -> Result<Vec<IndicatorValueRecord>, StoreError> {
        let mut c = self.client()?;
        c.query(
            "SELECT id, plan_code, indicator, as_of, value, baseline, note, attachments, party, reported_by, reported_at
             FROM indicator_values WHERE plan_code = $1 ORDER BY indicator, as_of, id",
            &[&plan_code],
        )?
        .iter()
        .map(|r| {
            Ok(IndicatorValueRecord {
                id: r.get(0),
                value: NewIndicatorValue {
                    plan_code: r.get(1),
                    indicator: r.get(2),
                    as_of: r.get(3),
                    value: r.get(4),
                    baseline: r.get(5),
                    note: r.get(6),
                    attachments: ids_of(r.get(7))?,
                    party: r.get(8),
                    reported_by: r.get(9),
                    reported_at_ms: r.get(10),
                },
            })
        })
        .collect()
    }
}
