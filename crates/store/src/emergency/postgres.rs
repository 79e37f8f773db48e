//! Heavy-pollution weather tables on PostgreSQL (a warning's row is locked for its step).

use lantian_emergency::grading::Level;
use lantian_emergency::warning::WarningAction;
use postgres::{GenericClient, Row, Transaction};

use super::{
    NewWarning, ReductionListRecord, WarningEvent, WarningRecord, audit_of, level_of, status_of,
    step,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::postgres::insert_audit;
use crate::postgres::PgStore;

const WARNING_COLS: &str = "id, area, status, level, proposed_level, advisory, may_lift, grading, forecast, proposal, issued_at, lifted_at, created_at, created_by, updated_at";

fn warning_row(r: &Row) -> Result<WarningRecord, StoreError> {
    Ok(WarningRecord {
        id: r.get(0),
        warning: NewWarning {
            area: r.get(1),
            grading: r.get(7),
            proposed_level: level_of(r.get(4))?,
            advisory: r.get(5),
            may_lift: r.get(6),
            forecast: r.get(8),
            proposal: r.get(9),
        },
        status: status_of(r.get(2))?,
        level: level_of(r.get(3))?,
        issued_at_ms: r.get(10),
        lifted_at_ms: r.get(11),
        created_at_ms: r.get(12),
        created_by: r.get(13),
        updated_at_ms: r.get(14),
    })
}

fn warning_by_id(
    c: &mut impl GenericClient,
    id: i64,
    lock: bool,
) -> Result<WarningRecord, StoreError> {
    let sql = format!(
        "SELECT {WARNING_COLS} FROM warnings WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = c
        .query_opt(&sql, &[&id])?
        .ok_or(StoreError::NotFound("warning", id))?;
    warning_row(&row)
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &mut Transaction<'_>,
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &id,
            &at_ms,
            &effective_ms,
            &actor,
            &action,
            &before.map_or("", |b| b.status.as_str()),
            &after.status.as_str(),
            &before.and_then(|b| b.level).map(Level::as_str),
            &after.level.map(Level::as_str),
            &reason,
            &after.warning.proposal,
        ],
    )?;
    insert_audit(
        tx,
        &audit_of(action, id, actor, at_ms, before, after, reason),
    )
}

impl PgStore {
    pub(crate) fn open_warning(
        &self,
        w: &NewWarning,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO warnings (area, status, level, proposed_level, advisory, may_lift, grading, forecast, proposal, created_at, created_by, updated_at)
                 VALUES ($1, 'assessing', NULL, $2, $3, $4, $5, $6, $7, $8, $9, $8) RETURNING id",
                &[
                    &w.area,
                    &w.proposed_level.map(Level::as_str),
                    &w.advisory,
                    &w.may_lift,
                    &w.grading,
                    &w.forecast,
                    &w.proposal,
                    &at_ms,
                    &actor,
                ],
            )?
            .get(0);
        let rec = warning_by_id(&mut tx, id, false)?;
        insert_event(&mut tx, id, at_ms, at_ms, actor, "assess", None, &rec, "")?;
        tx.commit()?;
        Ok(rec)
    }

    pub(crate) fn reassess_warning(
        &self,
        id: i64,
        w: &NewWarning,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let before = warning_by_id(&mut tx, id, true)?;
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
            "UPDATE warnings SET proposed_level = $2, advisory = $3, may_lift = $4, grading = $5, forecast = $6, proposal = $7, updated_at = $8 WHERE id = $1",
            &[
                &id,
                &w.proposed_level.map(Level::as_str),
                &w.advisory,
                &w.may_lift,
                &w.grading,
                &w.forecast,
                &w.proposal,
                &at_ms,
            ],
        )?;
        let after = warning_by_id(&mut tx, id, false)?;
        insert_event(
            &mut tx,
            id,
            at_ms,
            at_ms,
            actor,
            "reassess",
            Some(&before),
            &after,
            "",
        )?;
        tx.commit()?;
        Ok(after)
    }

    pub(crate) fn warning_step(
        &self,
        id: i64,
        action: &WarningAction,
        effective_ms: i64,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let before = warning_by_id(&mut tx, id, true)?;
        let next = step(&before, action)?;
        let issued = matches!(action, WarningAction::Issue { .. }).then_some(effective_ms);
        let lifted = matches!(action, WarningAction::Lift { .. }).then_some(effective_ms);
        tx.execute(
            "UPDATE warnings SET status = $2, level = $3, issued_at = COALESCE($4, issued_at),
                    lifted_at = COALESCE($5, lifted_at), updated_at = $6 WHERE id = $1",
            &[
                &id,
                &next.status.as_str(),
                &next.level.map(Level::as_str),
                &issued,
                &lifted,
                &at_ms,
            ],
        )?;
        let after = warning_by_id(&mut tx, id, false)?;
        insert_event(
            &mut tx,
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
    }

    pub(crate) fn warnings(
        &self,
        area: Option<&str>,
        limit: i64,
    ) -> Result<Vec<WarningRecord>, StoreError> {
        let mut c = self.client()?;
        c.query(
            &format!(
                "SELECT {WARNING_COLS} FROM warnings WHERE ($1::text IS NULL OR area = $1) ORDER BY id DESC LIMIT $2"
            ),
            &[&area, &limit],
        )?
        .iter()
        .map(warning_row)
        .collect()
    }

    pub(crate) fn warning(&self, id: i64) -> Result<WarningRecord, StoreError> {
        let mut c = self.client()?;
        warning_by_id(&mut *c, id, false)
    }

    pub(crate) fn warning_events(&self, id: i64) -> Result<Vec<WarningEvent>, StoreError> {
        let mut c = self.client()?;
        c.query(
            "SELECT id, at, actor, action, from_status, to_status, from_level, to_level, reason, detail, effective_at
             FROM warning_events WHERE warning_id = $1 ORDER BY id",
            &[&id],
        )?
        .iter()
        .map(|r| {
            Ok(WarningEvent {
                id: r.get(0),
                at_ms: r.get(1),
                effective_at_ms: r.get(10),
                actor: r.get(2),
                action: r.get(3),
                from_status: r.get(4),
                to_status: r.get(5),
                from_level: level_of(r.get(6))?,
                to_level: level_of(r.get(7))?,
                reason: r.get(8),
                detail: r.get(9),
            })
        })
        .collect()
    }

    pub(crate) fn put_reduction_list(
        &self,
        l: &ReductionListRecord,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(7274682)", &[])?;
        if let Some(r) = tx.query_opt(
            "SELECT id FROM reduction_lists WHERE sha256 = $1",
            &[&l.sha256],
        )? {
            return Ok((r.get(0), false));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO reduction_lists (sha256, name, body, enterprises, loaded_at, loaded_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&l.sha256, &l.name, &l.body, &l.enterprises, &l.loaded_at_ms, &l.loaded_by],
            )?
            .get(0);
        insert_audit(&mut tx, audit)?;
        tx.commit()?;
        Ok((id, true))
    }

    pub(crate) fn reduction_lists(
        &self,
        with_body: bool,
    ) -> Result<Vec<ReductionListRecord>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            "SELECT id, sha256, name, CASE WHEN $1 THEN body ELSE '' END, enterprises, loaded_at, loaded_by
             FROM reduction_lists ORDER BY id DESC",
            &[&with_body],
        )?
        .iter()
        .map(|r| ReductionListRecord {
            id: r.get(0),
            sha256: r.get(1),
            name: r.get(2),
            body: r.get(3),
            enterprises: r.get(4),
            loaded_at_ms: r.get(5),
            loaded_by: r.get(6),
        })
        .collect())
    }
}
