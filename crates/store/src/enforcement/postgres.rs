//! Enforcement cases and credit records on PostgreSQL (the case's or record's row locked while
//! a step is checked and appended).

use lantian_enforcement::case::CaseEvent;
use lantian_enforcement::credit::{CreditRules, Dated};
use postgres::GenericClient;

use super::{
    CaseFilter, CaseRecord, CreditRow, NewCase, NewCredit, check_credit, check_credit_step,
    check_open, json, parse,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::postgres::insert_audit;
use crate::postgres::PgStore;

const CASE_COLS: &str =
    "id, origin, party, department, town, source, detected_on, title, created_at, created_by";

fn case_by_id(c: &mut impl GenericClient, id: i64, lock: bool) -> Result<CaseRecord, StoreError> {
    let r = c
        .query_opt(
            &format!(
                "SELECT {CASE_COLS} FROM enforcement_cases WHERE id = $1{}",
                if lock { " FOR UPDATE" } else { "" }
            ),
            &[&id],
        )?
        .ok_or(StoreError::NotFound("enforcement case", id))?;
    let events: Vec<CaseEvent> = c
        .query(
            "SELECT event FROM enforcement_events WHERE case_id = $1 ORDER BY seq",
            &[&id],
        )?
        .iter()
        .map(|e| parse(e.get::<_, &str>(0)))
        .collect::<Result<_, StoreError>>()?;
    let registered = events
        .first()
        .cloned()
        .ok_or_else(|| StoreError::Corrupt(format!("enforcement case {id} has no events")))?;
    let detected: Option<String> = r.get(6);
    Ok(CaseRecord {
        id,
        case: NewCase {
            origin: parse(r.get::<_, &str>(1))?,
            party: parse(r.get::<_, &str>(2))?,
            department: r.get(3),
            town: r.get(4),
            source: r.get(5),
            detected_on: detected
                .map(|d| {
                    d.parse()
                        .map_err(|_| StoreError::Corrupt(format!("date {d:?}")))
                })
                .transpose()?,
            title: r.get(7),
            registered,
        },
        events,
        created_at_ms: r.get(8),
        created_by: r.get(9),
    })
}

fn credit_by_id(c: &mut impl GenericClient, id: i64, lock: bool) -> Result<CreditRow, StoreError> {
    let r = c
        .query_opt(
            &format!(
                "SELECT record, created_at, created_by FROM credit_records WHERE id = $1{}",
                if lock { " FOR UPDATE" } else { "" }
            ),
            &[&id],
        )?
        .ok_or(StoreError::NotFound("credit record", id))?;
    let mut record: lantian_enforcement::CreditRecord = parse(r.get::<_, &str>(0))?;
    record.events = c
        .query(
            "SELECT event FROM credit_events WHERE record_id = $1 ORDER BY seq",
            &[&id],
        )?
        .iter()
        .map(|e| parse(e.get::<_, &str>(0)))
        .collect::<Result<_, StoreError>>()?;
    Ok(CreditRow {
        id,
        record,
        created_at_ms: r.get(1),
        created_by: r.get(2),
    })
}

impl PgStore {
    pub(crate) fn open_case(
        &self,
        new: &NewCase,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        check_open(new)?;
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO enforcement_cases (origin, party, party_key, department, town, source, detected_on, title, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &json(&new.origin)?,
                    &json(&new.party)?,
                    &new.party.key(),
                    &new.department,
                    &new.town,
                    &new.source,
                    &new.detected_on.map(|d| d.to_string()),
                    &new.title,
                    &at_ms,
                    &new.registered.actor,
                ],
            )?
            .get(0);
        tx.execute(
            "INSERT INTO enforcement_events (case_id, seq, event, at) VALUES ($1, 1, $2, $3)",
            &[&id, &json(&new.registered)?, &at_ms],
        )?;
        let mut audit = audit.clone();
        audit.target = format!("enforcement_case:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn case_step(
        &self,
        id: i64,
        event: &CaseEvent,
        authorize: &dyn Fn(&CaseRecord) -> Result<(), StoreError>,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<CaseRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let before = case_by_id(&mut tx, id, true)?;
        authorize(&before)?;
        lantian_enforcement::case::apply(&before.events, event)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let seq = before.events.len() as i64 + 1;
        tx.execute(
            "INSERT INTO enforcement_events (case_id, seq, event, at) VALUES ($1, $2, $3, $4)",
            &[&id, &seq, &json(event)?, &at_ms],
        )?;
        let mut audit = audit.clone();
        audit.target = format!("enforcement_case:{id}");
        insert_audit(&mut tx, &audit)?;
        let after = case_by_id(&mut tx, id, false)?;
        tx.commit()?;
        Ok(after)
    }

    pub(crate) fn enforcement_case(&self, id: i64) -> Result<CaseRecord, StoreError> {
        let mut c = self.client()?;
        case_by_id(&mut *c, id, false)
    }

    pub(crate) fn enforcement_cases(
        &self,
        filter: &CaseFilter,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let mut c = self.client()?;
        let ids: Vec<i64> = c
            .query(
                "SELECT id FROM enforcement_cases
                 WHERE ($1::TEXT IS NULL OR department = $1) AND ($2::TEXT IS NULL OR town = $2)
                   AND ($3::TEXT IS NULL OR party_key = $3)
                 ORDER BY id DESC",
                &[&filter.department, &filter.town, &filter.party_key],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        ids.into_iter()
            .map(|id| case_by_id(&mut *c, id, false))
            .collect()
    }

    pub(crate) fn add_credit(
        &self,
        new: &NewCredit,
        at_ms: i64,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let case = case_by_id(&mut tx, new.record.case_id, true)?;
        check_credit(&case, &new.record)?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO credit_records (case_id, record, party_key, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &new.record.case_id,
                    &json(&new.record)?,
                    &new.record.party.key(),
                    &at_ms,
                    &actor,
                ],
            )?
            .get(0);
        let mut audit = audit.clone();
        audit.target = format!("credit_record:{id}");
        insert_audit(&mut tx, &audit)?;
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn credit_step(
        &self,
        id: i64,
        event: &Dated,
        rules: &CreditRules,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<CreditRow, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let before = credit_by_id(&mut tx, id, true)?;
        check_credit_step(&before, event, rules)?;
        let seq = before.record.events.len() as i64 + 1;
        tx.execute(
            "INSERT INTO credit_events (record_id, seq, event, at) VALUES ($1, $2, $3, $4)",
            &[&id, &seq, &json(event)?, &at_ms],
        )?;
        let mut audit = audit.clone();
        audit.target = format!("credit_record:{id}");
        insert_audit(&mut tx, &audit)?;
        let after = credit_by_id(&mut tx, id, false)?;
        tx.commit()?;
        Ok(after)
    }

    pub(crate) fn credit_records(
        &self,
        party_key: Option<&str>,
    ) -> Result<Vec<CreditRow>, StoreError> {
        let mut c = self.client()?;
        let ids: Vec<i64> = c
            .query(
                "SELECT id FROM credit_records WHERE ($1::TEXT IS NULL OR party_key = $1) ORDER BY id DESC",
                &[&party_key],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        ids.into_iter()
            .map(|id| credit_by_id(&mut *c, id, false))
            .collect()
    }
}
