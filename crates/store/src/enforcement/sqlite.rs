//! Enforcement cases and credit records on SQLite (one writer: the checks and the appends are
//! one transaction).

use lantian_enforcement::case::CaseEvent;
use lantian_enforcement::credit::{CreditRules, Dated};
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    CaseFilter, CaseRecord, CreditRow, NewCase, NewCredit, check_credit, check_credit_step,
    check_open, json, parse,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::sqlite::insert_audit;
use crate::sqlite::SqliteStore;

const CASE_COLS: &str =
    "id, origin, party, department, town, source, detected_on, title, created_at, created_by";

fn case_by_id(conn: &Connection, id: i64) -> Result<CaseRecord, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {CASE_COLS} FROM enforcement_cases WHERE id = ?1"),
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    [r.get::<_, String>(1)?, r.get::<_, String>(2)?],
                    [r.get::<_, String>(3)?, r.get::<_, String>(4)?],
                    [
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ],
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, String>(9)?,
                ))
            },
        )
        .optional()?
        .ok_or(StoreError::NotFound("enforcement case", id))?;
    let (id, [origin, party], [department, town], [source, detected], title, at, by) = row;
    let mut stmt = conn
        .prepare_cached("SELECT event FROM enforcement_events WHERE case_id = ?1 ORDER BY seq")?;
    let events: Vec<CaseEvent> = stmt
        .query_map([id], |r| r.get::<_, String>(0))?
        .map(|e| parse(&e?))
        .collect::<Result<_, StoreError>>()?;
    let registered = events
        .first()
        .cloned()
        .ok_or_else(|| StoreError::Corrupt(format!("enforcement case {id} has no events")))?;
    Ok(CaseRecord {
        id,
        case: NewCase {
            origin: parse(&origin)?,
            party: parse(&party)?,
            department,
            town,
            source,
            detected_on: detected
                .map(|d| {
                    d.parse()
                        .map_err(|_| StoreError::Corrupt(format!("date {d:?}")))
                })
                .transpose()?,
            title,
            registered,
        },
        events,
        created_at_ms: at,
        created_by: by,
    })
}

fn credit_by_id(conn: &Connection, id: i64) -> Result<CreditRow, StoreError> {
    let (record, at, by): (String, i64, String) = conn
        .query_row(
            "SELECT record, created_at, created_by FROM credit_records WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(StoreError::NotFound("credit record", id))?;
    let mut record: lantian_enforcement::CreditRecord = parse(&record)?;
    let mut stmt =
        conn.prepare_cached("SELECT event FROM credit_events WHERE record_id = ?1 ORDER BY seq")?;
    record.events = stmt
        .query_map([id], |r| r.get::<_, String>(0))?
        .map(|e| parse(&e?))
        .collect::<Result<_, StoreError>>()?;
    Ok(CreditRow {
        id,
        record,
        created_at_ms: at,
        created_by: by,
    })
}

impl SqliteStore {
    pub(crate) fn open_case(
        &self,
        new: &NewCase,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        check_open(new)?;
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO enforcement_cases (origin, party, party_key, department, town, source, detected_on, title, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    json(&new.origin)?,
                    json(&new.party)?,
                    new.party.key(),
                    new.department,
                    new.town,
                    new.source,
                    new.detected_on.map(|d| d.to_string()),
                    new.title,
                    at_ms,
                    new.registered.actor
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO enforcement_events (case_id, seq, event, at) VALUES (?1, 1, ?2, ?3)",
                params![id, json(&new.registered)?, at_ms],
            )?;
            let mut audit = audit.clone();
            audit.target = format!("enforcement_case:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn case_step(
        &self,
        id: i64,
        event: &CaseEvent,
        authorize: &dyn Fn(&CaseRecord) -> Result<(), StoreError>,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<CaseRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = case_by_id(&tx, id)?;
            authorize(&before)?;
            lantian_enforcement::case::apply(&before.events, event)
                .map_err(|e| StoreError::Conflict(e.to_string()))?;
            tx.execute(
                "INSERT INTO enforcement_events (case_id, seq, event, at) VALUES (?1, ?2, ?3, ?4)",
                params![id, before.events.len() as i64 + 1, json(event)?, at_ms],
            )?;
            let mut audit = audit.clone();
            audit.target = format!("enforcement_case:{id}");
            insert_audit(&tx, &audit)?;
            let after = case_by_id(&tx, id)?;
            tx.commit()?;
            Ok(after)
        })
    }

    pub(crate) fn enforcement_case(&self, id: i64) -> Result<CaseRecord, StoreError> {
        self.with_reader(|conn| case_by_id(conn, id))
    }

    pub(crate) fn enforcement_cases(
        &self,
        filter: &CaseFilter,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        self.with_reader(|conn| {
            let ids: Vec<i64> = {
                let mut stmt = conn.prepare_cached(
                    "SELECT id FROM enforcement_cases
                     WHERE (?1 IS NULL OR department = ?1) AND (?2 IS NULL OR town = ?2)
                       AND (?3 IS NULL OR party_key = ?3)
                     ORDER BY id DESC",
                )?;
                stmt.query_map(
                    params![filter.department, filter.town, filter.party_key],
                    |r| r.get(0),
                )?
                .collect::<Result<_, _>>()?
            };
            ids.into_iter().map(|id| case_by_id(conn, id)).collect()
        })
    }

    pub(crate) fn add_credit(
        &self,
        new: &NewCredit,
        at_ms: i64,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let c = case_by_id(&tx, new.record.case_id)?;
            check_credit(&c, &new.record)?;
            tx.execute(
                "INSERT INTO credit_records (case_id, record, party_key, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    new.record.case_id,
                    json(&new.record)?,
                    new.record.party.key(),
                    at_ms,
                    actor
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut audit = audit.clone();
            audit.target = format!("credit_record:{id}");
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn credit_step(
        &self,
        id: i64,
        event: &Dated,
        rules: &CreditRules,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<CreditRow, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = credit_by_id(&tx, id)?;
            check_credit_step(&before, event, rules)?;
            tx.execute(
                "INSERT INTO credit_events (record_id, seq, event, at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    id,
                    before.record.events.len() as i64 + 1,
                    json(event)?,
                    at_ms
                ],
            )?;
            let mut audit = audit.clone();
            audit.target = format!("credit_record:{id}");
            insert_audit(&tx, &audit)?;
            let after = credit_by_id(&tx, id)?;
            tx.commit()?;
            Ok(after)
        })
    }

    pub(crate) fn credit_records(
        &self,
        party_key: Option<&str>,
    ) -> Result<Vec<CreditRow>, StoreError> {
        self.with_reader(|conn| {
            let ids: Vec<i64> = {
                let mut stmt = conn.prepare_cached(
                    "SELECT id FROM credit_records WHERE (?1 IS NULL OR party_key = ?1) ORDER BY id DESC",
                )?;
                stmt.query_map(params![party_key], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            ids.into_iter().map(|id| credit_by_id(conn, id)).collect()
        })
    }
}
