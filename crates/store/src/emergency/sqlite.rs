//! Heavy-pollution weather tables on SQLite.

use lantian_emergency::grading::Level;
use lantian_emergency::warning::WarningAction;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{
    NewWarning, ReductionListRecord, WarningEvent, WarningRecord, audit_of, level_of, status_of,
    step,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::sqlite::insert_audit;
use crate::sqlite::SqliteStore;

const WARNING_COLS: &str = "id, area, status, level, proposed_level, advisory, may_lift, grading, forecast, proposal, issued_at, lifted_at, created_at, created_by, updated_at";

type RawWarning = (WarningRecord, String, Option<String>, Option<String>);

fn warning_row(r: &Row<'_>) -> rusqlite::Result<RawWarning> {
    Ok((
        WarningRecord {
            id: r.get(0)?,
            warning: NewWarning {
                area: r.get(1)?,
                grading: r.get(7)?,
                proposed_level: None,
                advisory: r.get(5)?,
                may_lift: r.get(6)?,
                forecast: r.get(8)?,
                proposal: r.get(9)?,
            },
            status: lantian_emergency::warning::WarningStatus::Assessing,
            level: None,
            issued_at_ms: r.get(10)?,
            lifted_at_ms: r.get(11)?,
            created_at_ms: r.get(12)?,
            created_by: r.get(13)?,
            updated_at_ms: r.get(14)?,
        },
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
    ))
}

fn finish((mut rec, status, level, proposed): RawWarning) -> Result<WarningRecord, StoreError> {
    rec.status = status_of(&status)?;
    rec.level = level_of(level)?;
    rec.warning.proposed_level = level_of(proposed)?;
    Ok(rec)
}

fn warning_by_id(tx: &rusqlite::Connection, id: i64) -> Result<WarningRecord, StoreError> {
    let raw = tx
        .query_row(
            &format!("SELECT {WARNING_COLS} FROM warnings WHERE id = ?1"),
            [id],
            warning_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound("warning", id))?;
    finish(raw)
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &Transaction<'_>,
    id: i64,
    at_ms: i64,
    effective_ms: i64,
    actor: &str,
    action: &str,
    before: Option<&WarningRecord>,
    after: &WarningRecord,
    reason: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO warning_events (warning_id, at, effective_at, actor, action, from_status, to_status, from_level, to_level, reason, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            at_ms,
            effective_ms,
            actor,
            action,
            before.map_or("", |b| b.status.as_str()),
            after.status.as_str(),
            before.and_then(|b| b.level).map(Level::as_str),
            after.level.map(Level::as_str),
            reason,
            after.warning.proposal
        ],
    )?;
    insert_audit(
        tx,
        &audit_of(action, id, actor, at_ms, before, after, reason),
    )
}

impl SqliteStore {
    pub(crate) fn open_warning(
        &self,
        w: &NewWarning,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO warnings (area, status, level, proposed_level, advisory, may_lift, grading, forecast, proposal, created_at, created_by, updated_at)
                 VALUES (?1, 'assessing', NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
                params![
                    w.area,
                    w.proposed_level.map(Level::as_str),
                    w.advisory,
                    w.may_lift,
                    w.grading,
                    w.forecast,
                    w.proposal,
                    at_ms,
                    actor
                ],
            )?;
            let id = tx.last_insert_rowid();
            let rec = warning_by_id(&tx, id)?;
            insert_event(&tx, id, at_ms, at_ms, actor, "assess", None, &rec, "")?;
            tx.commit()?;
            Ok(rec)
        })
    }

    pub(crate) fn reassess_warning(
        &self,
        id: i64,
        w: &NewWarning,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = warning_by_id(&tx, id)?;
            if matches!(
                before.status,
                lantian_emergency::WarningStatus::Lifted | lantian_emergency::WarningStatus::Cancelled
            ) {
                return Err(StoreError::Conflict(format!(
                    "warning {id} is {}: a new forecast opens a new warning",
                    before.status.zh()
                )));
            }
            tx.execute(
                "UPDATE warnings SET proposed_level = ?2, advisory = ?3, may_lift = ?4, grading = ?5, forecast = ?6, proposal = ?7, updated_at = ?8 WHERE id = ?1",
                params![
                    id,
                    w.proposed_level.map(Level::as_str),
                    w.advisory,
                    w.may_lift,
                    w.grading,
                    w.forecast,
                    w.proposal,
                    at_ms
                ],
            )?;
            let after = warning_by_id(&tx, id)?;
            insert_event(&tx, id, at_ms, at_ms, actor, "reassess", Some(&before), &after, "")?;
            tx.commit()?;
            Ok(after)
        })
    }

    pub(crate) fn warning_step(
        &self,
        id: i64,
        action: &WarningAction,
        effective_ms: i64,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = warning_by_id(&tx, id)?;
            let next = step(&before, action)?;
            let issued = matches!(action, WarningAction::Issue { .. }).then_some(effective_ms);
            let lifted = matches!(action, WarningAction::Lift { .. }).then_some(effective_ms);
            tx.execute(
                "UPDATE warnings SET status = ?2, level = ?3, issued_at = COALESCE(?4, issued_at),
                        lifted_at = COALESCE(?5, lifted_at), updated_at = ?6 WHERE id = ?1",
                params![
                    id,
                    next.status.as_str(),
                    next.level.map(Level::as_str),
                    issued,
                    lifted,
                    at_ms
                ],
            )?;
            let after = warning_by_id(&tx, id)?;
            insert_event(
                &tx,
                id,
                at_ms,
                effective_ms,
                actor,
                action.as_str(),
                Some(&before),
                &after,
                action.reason(),
            )?;
            tx.commit()?;
            Ok(after)
        })
    }

    pub(crate) fn warnings(
        &self,
        area: Option<&str>,
        limit: i64,
    ) -> Result<Vec<WarningRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {WARNING_COLS} FROM warnings WHERE (?1 IS NULL OR area = ?1) ORDER BY id DESC LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![area, limit], warning_row)?;
            rows.map(|r| finish(r?)).collect()
        })
    }

    pub(crate) fn warning(&self, id: i64) -> Result<WarningRecord, StoreError> {
        self.with_reader(|conn| warning_by_id(conn, id))
    }

    pub(crate) fn warning_events(&self, id: i64) -> Result<Vec<WarningEvent>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, actor, action, from_status, to_status, from_level, to_level, reason, detail, effective_at
                 FROM warning_events WHERE warning_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok((
                    WarningEvent {
                        id: r.get(0)?,
                        at_ms: r.get(1)?,
                        effective_at_ms: r.get(10)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        from_status: r.get(4)?,
                        to_status: r.get(5)?,
                        from_level: None,
                        to_level: None,
                        reason: r.get(8)?,
                        detail: r.get(9)?,
                    },
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })?;
            rows.map(|r| {
                let (mut e, from, to) = r?;
                e.from_level = level_of(from)?;
                e.to_level = level_of(to)?;
                Ok(e)
            })
            .collect()
        })
    }

    pub(crate) fn put_reduction_list(
        &self,
        l: &ReductionListRecord,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            if let Some(id) = tx
                .query_row(
                    "SELECT id FROM reduction_lists WHERE sha256 = ?1",
                    [&l.sha256],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
            {
                return Ok((id, false));
            }
            tx.execute(
                "INSERT INTO reduction_lists (sha256, name, body, enterprises, loaded_at, loaded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![l.sha256, l.name, l.body, l.enterprises, l.loaded_at_ms, l.loaded_by],
            )?;
            let id = tx.last_insert_rowid();
            insert_audit(&tx, audit)?;
            tx.commit()?;
            Ok((id, true))
        })
    }

    pub(crate) fn reduction_lists(
        &self,
        with_body: bool,
    ) -> Result<Vec<ReductionListRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, sha256, name, CASE WHEN ?1 THEN body ELSE '' END, enterprises, loaded_at, loaded_by
                 FROM reduction_lists ORDER BY id DESC",
            )?;
            let rows = stmt.query_map([with_body], |r| {
                Ok(ReductionListRecord {
                    id: r.get(0)?,
                    sha256: r.get(1)?,
                    name: r.get(2)?,
                    body: r.get(3)?,
                    enterprises: r.get(4)?,
                    loaded_at_ms: r.get(5)?,
                    loaded_by: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
