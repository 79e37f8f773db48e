//! The plan's tables on SQLite.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{
    AttachmentRecord, IndicatorValueRecord, NewAttachment, NewIndicatorValue, NewTaskReport,
    PlanVersion, TaskReportEvent, TaskReportFilter, TaskReportRecord, audit_detail, ids_json,
    ids_of, review_step, state_of, submit_step,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::sqlite::insert_audit;
use crate::sqlite::SqliteStore;

const REPORT_COLS: &str = "id, plan_code, task, party_kind, party, period, state, completed, body, numbers, attachments, first_submitted_at, updated_at, review_comment, reviewed_by";

fn report(r: &Row<'_>) -> rusqlite::Result<(TaskReportRecord, String, String)> {
    let rec = TaskReportRecord {
        id: r.get(0)?,
        report: NewTaskReport {
            plan_code: r.get(1)?,
            task: r.get(2)?,
            party_kind: r.get(3)?,
            party: r.get(4)?,
            period: r.get(5)?,
            completed: r.get(7)?,
            body: r.get(8)?,
            numbers: r.get(9)?,
            attachments: Vec::new(),
        },
        state: lantian_plan::supervision::ReviewState::Submitted,
        first_submitted_at_ms: r.get(11)?,
        updated_at_ms: r.get(12)?,
        review_comment: r.get(13)?,
        reviewed_by: r.get(14)?,
    };
    Ok((rec, r.get(6)?, r.get(10)?))
}

fn finish(raw: (TaskReportRecord, String, String)) -> Result<TaskReportRecord, StoreError> {
    let (mut rec, state, attachments) = raw;
    rec.state = state_of(&state)?;
    rec.report.attachments = ids_of(&attachments)?;
    Ok(rec)
}

fn report_by_id(
    tx: &rusqlite::Connection,
    id: i64,
) -> Result<Option<TaskReportRecord>, StoreError> {
    tx.query_row(
        &format!("SELECT {REPORT_COLS} FROM task_reports WHERE id = ?1"),
        [id],
        report,
    )
    .optional()?
    .map(finish)
    .transpose()
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &Transaction<'_>,
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, at_ms, actor, action, from, to, comment, body, ids_json(attachments)],
    )?;
    Ok(())
}

const ATTACHMENT_COLS: &str = "id, sha256, name, mime, size, uploaded_by, scope, uploaded_at";

fn attachment(r: &Row<'_>) -> rusqlite::Result<AttachmentRecord> {
    Ok(AttachmentRecord {
        id: r.get(0)?,
        sha256: r.get(1)?,
        name: r.get(2)?,
        mime: r.get(3)?,
        size: r.get(4)?,
        uploaded_by: r.get(5)?,
        scope: r.get(6)?,
        uploaded_at_ms: r.get(7)?,
    })
}

impl SqliteStore {
    pub(crate) fn put_plan_version(
        &self,
        v: &PlanVersion,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM plan_versions WHERE code = ?1 AND sha256 = ?2",
                    params![v.code, v.sha256],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                return Ok((id, false));
            }
            tx.execute(
                "INSERT INTO plan_versions (code, version, sha256, source, loaded_at, loaded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![v.code, v.version, v.sha256, v.source, v.loaded_at_ms, v.loaded_by],
            )?;
            let id = tx.last_insert_rowid();
            insert_audit(&tx, audit)?;
            tx.commit()?;
            Ok((id, true))
        })
    }

    pub(crate) fn plan_versions(&self) -> Result<Vec<PlanVersion>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, code, version, sha256, source, loaded_at, loaded_by FROM plan_versions ORDER BY id DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(PlanVersion {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    version: r.get(2)?,
                    sha256: r.get(3)?,
                    source: r.get(4)?,
                    loaded_at_ms: r.get(5)?,
                    loaded_by: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn submit_task_report(
        &self,
        new: &NewTaskReport,
        actor: &str,
        at_ms: i64,
    ) -> Result<TaskReportRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = tx
                .query_row(
                    &format!(
                        "SELECT {REPORT_COLS} FROM task_reports
                         WHERE plan_code = ?1 AND task = ?2 AND party_kind = ?3 AND party = ?4 AND period = ?5"
                    ),
                    params![new.plan_code, new.task, new.party_kind, new.party, new.period],
                    report,
                )
                .optional()?
                .map(finish)
                .transpose()?;
            let (action, to) = submit_step(before.as_ref().map(|b| b.state))?;
            let id = match &before {
                None => {
                    tx.execute(
                        "INSERT INTO task_reports (plan_code, task, party_kind, party, period, state, completed, body, numbers,
                           attachments, first_submitted_at, updated_at, review_comment, reviewed_by)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, '', NULL)",
                        params![
                            new.plan_code,
                            new.task,
                            new.party_kind,
                            new.party,
                            new.period,
                            to.as_str(),
                            new.completed,
                            new.body,
                            new.numbers,
                            ids_json(&new.attachments),
                            at_ms
                        ],
                    )?;
                    tx.last_insert_rowid()
                }
                Some(b) => {
                    tx.execute(
                        "UPDATE task_reports SET state = ?2, completed = ?3, body = ?4, numbers = ?5, attachments = ?6,
                           updated_at = ?7 WHERE id = ?1",
                        params![
                            b.id,
                            to.as_str(),
                            new.completed,
                            new.body,
                            new.numbers,
                            ids_json(&new.attachments),
                            at_ms
                        ],
                    )?;
                    b.id
                }
            };
            insert_event(
                &tx,
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
            let after = report_by_id(&tx, id)?.ok_or(StoreError::NotFound("task report", id))?;
            insert_audit(
                &tx,
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
        })
    }

    pub(crate) fn review_task_report(
        &self,
        id: i64,
        accept: bool,
        comment: &str,
        actor: &str,
        at_ms: i64,
    ) -> Result<TaskReportRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = report_by_id(&tx, id)?.ok_or(StoreError::NotFound("task report", id))?;
            let (action, to) = review_step(before.state, accept)?;
            tx.execute(
                "UPDATE task_reports SET state = ?2, review_comment = ?3, reviewed_by = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, to.as_str(), comment, actor, at_ms],
            )?;
            insert_event(
                &tx,
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
            let after = report_by_id(&tx, id)?.ok_or(StoreError::NotFound("task report", id))?;
            insert_audit(
                &tx,
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
        })
    }

    pub(crate) fn task_reports(
        &self,
        f: &TaskReportFilter,
    ) -> Result<Vec<TaskReportRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {REPORT_COLS} FROM task_reports
                 WHERE plan_code = ?1 AND (?2 IS NULL OR task = ?2)
                   AND (?3 IS NULL OR (party_kind = ?3 AND party = ?4))
                   AND (?5 IS NULL OR period = ?5) AND (?6 IS NULL OR state = ?6)
                 ORDER BY task, period, party_kind, party"
            ))?;
            let (kind, party) = match &f.party {
                Some((k, p)) => (Some(k.as_str()), Some(p.as_str())),
                None => (None, None),
            };
            let rows = stmt.query_map(
                params![
                    f.plan_code,
                    f.task,
                    kind,
                    party,
                    f.period,
                    f.state.map(|s| s.as_str())
                ],
                report,
            )?;
            rows.map(|r| finish(r?)).collect()
        })
    }

    pub(crate) fn task_report(&self, id: i64) -> Result<Option<TaskReportRecord>, StoreError> {
        self.with_reader(|conn| report_by_id(conn, id))
    }

    pub(crate) fn task_report_events(
        &self,
        report_id: i64,
    ) -> Result<Vec<TaskReportEvent>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, actor, action, from_state, to_state, comment, body, attachments
                 FROM task_report_events WHERE report_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([report_id], |r| {
                Ok((
                    TaskReportEvent {
                        id: r.get(0)?,
                        at_ms: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        from_state: r.get(4)?,
                        to_state: r.get(5)?,
                        comment: r.get(6)?,
                        body: r.get(7)?,
                        attachments: Vec::new(),
                    },
                    r.get::<_, String>(8)?,
                ))
            })?;
            rows.map(|r| {
                let (mut e, ids) = r?;
                e.attachments = ids_of(&ids)?;
                Ok(e)
            })
            .collect()
        })
    }

    pub(crate) fn put_attachment(
        &self,
        a: &NewAttachment,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO attachments (sha256, name, mime, size, data, uploaded_by, scope, uploaded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    a.sha256,
                    a.name,
                    a.mime,
                    i64::try_from(a.data.len()).unwrap_or(i64::MAX),
                    a.data,
                    a.uploaded_by,
                    a.scope,
                    a.uploaded_at_ms
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut audit = audit.clone();
            audit.target = format!("attachment:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn attachment(
        &self,
        id: i64,
    ) -> Result<Option<(AttachmentRecord, Vec<u8>)>, StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {ATTACHMENT_COLS}, data FROM attachments WHERE id = ?1"),
                    [id],
                    |r| Ok((attachment(r)?, r.get(8)?)),
                )
                .optional()?)
        })
    }

    pub(crate) fn attachments(&self, ids: &[i64]) -> Result<Vec<AttachmentRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = ?1"
            ))?;
            let mut out = Vec::new();
            for id in ids {
                if let Some(a) = stmt.query_row([id], attachment).optional()? {
                    out.push(a);
                }
            }
            Ok(out)
        })
    }

    pub(crate) fn add_indicator_value(
        &self,
        v: &NewIndicatorValue,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO indicator_values (plan_code, indicator, as_of, value, baseline, note, attachments, party,
                   reported_by, reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    v.plan_code,
                    v.indicator,
                    v.as_of,
                    v.value,
                    v.baseline,
                    v.note,
                    ids_json(&v.attachments),
                    v.party,
                    v.reported_by,
                    v.reported_at_ms
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut audit = audit.clone();
            audit.target = format!("indicator_value:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn indicator_values(
        &self,
        plan_code: &str,
    ) -> Result<Vec<IndicatorValueRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, plan_code, indicator, as_of, value, baseline, note, attachments, party, reported_by, reported_at
                 FROM indicator_values WHERE plan_code = ?1 ORDER BY indicator, as_of, id",
            )?;
            let rows = stmt.query_map([plan_code], |r| {
                Ok((
                    IndicatorValueRecord {
                        id: r.get(0)?,
                        value: NewIndicatorValue {
                            plan_code: r.get(1)?,
                            indicator: r.get(2)?,
                            as_of: r.get(3)?,
                            value: r.get(4)?,
                            baseline: r.get(5)?,
                            note: r.get(6)?,
                            attachments: Vec::new(),
                            party: r.get(8)?,
                            reported_by: r.get(9)?,
                            reported_at_ms: r.get(10)?,
                        },
                    },
                    r.get::<_, String>(7)?,
                ))
            })?;
            rows.map(|r| {
                let (mut v, ids) = r?;
                v.value.attachments = ids_of(&ids)?;
                Ok(v)
            })
            .collect()
        })
    }
}
