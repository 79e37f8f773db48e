//! Fire-point tables on PostgreSQL (an incident's row is locked for its step; an import takes
//! a transaction-scoped advisory lock so two imports do not interleave).

use postgres::{GenericClient, Row, Transaction};

use lantian_fire::orders::OrderState;

use super::{
    FireBatchItem, FireBatchOutcome, FireFilter, FireIncidentRecord, FireOrderEvent, FirePlace,
    FireStep, FireTarget, NewFireDetection, StoredFireDetection, batch_audit, next, state_of,
    state_str, step_records, verification_of,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::postgres::insert_audit;
use crate::postgres::PgStore;

const INCIDENT_COLS: &str = "id, first_at, last_at, lon, lat, detections, sources, region, town_code, town, near_region, near_km, state, assignee, dispatched_at, first_verified_at, verified_at, finding, burned_mu, action_taken, photos, closed_at, created_at, updated_at";

const DETECTION_COLS: &str = "id, incident_id, import_id, key, lon, lat, at, source, satellite, confidence, frp, daynight, file, line";

/// The advisory lock key of fire imports ("fire" in ASCII).
const IMPORT_LOCK: i64 = 0x6669_7265;

fn incident_row(r: &Row) -> Result<FireIncidentRecord, StoreError> {
    let sources: String = r.get(6);
    let photos: String = r.get(20);
    Ok(FireIncidentRecord {
        id: r.get(0),
        first_at_ms: r.get(1),
        last_at_ms: r.get(2),
        lon: r.get(3),
        lat: r.get(4),
        detections: r.get(5),
        sources: sources
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        place: FirePlace {
            region: r.get(7),
            town_code: r.get(8),
            town: r.get(9),
            near_region: r.get(10),
            near_km: r.get(11),
        },
        state: state_of(r.get(12))?,
        assignee: r.get(13),
        dispatched_at_ms: r.get(14),
        first_verified_at_ms: r.get(15),
        verified_at_ms: r.get(16),
        verification: verification_of(r.get(17), r.get(18), r.get(19), &photos)?,
        closed_at_ms: r.get(21),
        created_at_ms: r.get(22),
        updated_at_ms: r.get(23),
    })
}

fn incident_by_id(
    c: &mut impl GenericClient,
    id: i64,
    lock: bool,
) -> Result<FireIncidentRecord, StoreError> {
    let sql = format!(
        "SELECT {INCIDENT_COLS} FROM fire_incidents WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = c
        .query_opt(&sql, &[&id])?
        .ok_or(StoreError::NotFound("fire incident", id))?;
    incident_row(&row)
}

fn detection_row(r: &Row) -> StoredFireDetection {
    StoredFireDetection {
        id: r.get(0),
        incident_id: r.get(1),
        import_id: r.get(2),
        detection: NewFireDetection {
            key: r.get(3),
            lon: r.get(4),
            lat: r.get(5),
            at_ms: r.get(6),
            source: r.get(7),
            satellite: r.get(8),
            confidence: r.get(9),
            frp: r.get(10),
            daynight: r.get(11),
            file: r.get(12),
            line: r.get(13),
        },
    }
}

fn refresh(tx: &mut Transaction<'_>, id: i64, at_ms: i64) -> Result<(), StoreError> {
    let sources: Vec<String> = tx
        .query(
            "SELECT DISTINCT source FROM fire_detections WHERE incident_id = $1 ORDER BY source",
            &[&id],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    tx.execute(
        "UPDATE fire_incidents i SET first_at = a.first_at, last_at = a.last_at, lon = a.lon,
                lat = a.lat, detections = a.n, sources = $2, updated_at = $3
         FROM (SELECT min(at) AS first_at, max(at) AS last_at, avg(lon) AS lon, avg(lat) AS lat,
                      count(*) AS n
               FROM fire_detections WHERE incident_id = $1) a
         WHERE i.id = $1",
        &[&id, &sources.join(","), &at_ms],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &mut Transaction<'_>,
    id: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    from: &str,
    to: &str,
    detail: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO fire_order_events (incident_id, at, actor, action, from_state, to_state, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&id, &at_ms, &actor, &action, &from, &to, &detail],
    )?;
    Ok(())
}

impl PgStore {
    pub(crate) fn fire_detections_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<StoredFireDetection>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            &format!(
                "SELECT {DETECTION_COLS} FROM fire_detections WHERE at >= $1 AND at <= $2 ORDER BY id"
            ),
            &[&from_ms, &to_ms],
        )?
        .iter()
        .map(detection_row)
        .collect())
    }

    pub(crate) fn fire_detections_of(
        &self,
        incident_id: i64,
    ) -> Result<Vec<StoredFireDetection>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            &format!(
                "SELECT {DETECTION_COLS} FROM fire_detections WHERE incident_id = $1 ORDER BY at, id"
            ),
            &[&incident_id],
        )?
        .iter()
        .map(detection_row)
        .collect())
    }

    pub(crate) fn put_fire_batch(
        &self,
        import_id: i64,
        items: &[FireBatchItem],
        actor: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<FireBatchOutcome, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&IMPORT_LOCK])?;
        let mut out = FireBatchOutcome::default();
        for item in items {
            let id = match &item.target {
                FireTarget::Existing(id) => {
                    incident_by_id(&mut tx, *id, true)?;
                    *id
                }
                FireTarget::New { place, dispatch_to } => {
                    let first = item.detections.first().ok_or_else(|| {
                        StoreError::Invalid("a new incident without detections".to_owned())
                    })?;
                    let state = dispatch_to.as_ref().map(|_| "dispatched");
                    let dispatched_at = dispatch_to.as_ref().map(|_| at_ms);
                    let id: i64 = tx
                        .query_one(
                            "INSERT INTO fire_incidents (first_at, last_at, lon, lat, detections, sources, region, town_code, town,
                                near_region, near_km, state, assignee, dispatched_at, photos, created_at, updated_at)
                             VALUES ($1, $1, $2, $3, 0, '', $4, $5, $6, $7, $8, $9, $10, $11, '[]', $12, $12)
                             RETURNING id",
                            &[
                                &first.at_ms,
                                &first.lon,
                                &first.lat,
                                &place.region,
                                &place.town_code,
                                &place.town,
                                &place.near_region,
                                &place.near_km,
                                &state,
                                dispatch_to,
                                &dispatched_at,
                                &at_ms,
                            ],
                        )?
                        .get(0);
                    insert_event(
                        &mut tx,
                        id,
                        at_ms,
                        actor,
                        "create",
                        "",
                        "",
                        &serde_json::json!({"place": place}).to_string(),
                    )?;
                    if let Some(town) = dispatch_to {
                        insert_event(
                            &mut tx,
                            id,
                            at_ms,
                            actor,
                            "dispatch",
                            "",
                            "dispatched",
                            &serde_json::json!({"town": town}).to_string(),
                        )?;
                        out.dispatched.push(id);
                    }
                    id
                }
            };
            let mut added = 0;
            for d in &item.detections {
                let n = tx.execute(
                    "INSERT INTO fire_detections (key, incident_id, lon, lat, at, source, satellite, confidence, frp, daynight, import_id, file, line)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (key) DO NOTHING",
                    &[
                        &d.key,
                        &id,
                        &d.lon,
                        &d.lat,
                        &d.at_ms,
                        &d.source,
                        &d.satellite,
                        &d.confidence,
                        &d.frp,
                        &d.daynight,
                        &import_id,
                        &d.file,
                        &d.line,
                    ],
                )?;
                if n == 0 {
                    out.duplicates += 1;
                } else {
                    added += 1;
                }
            }
            out.stored += added;
            match &item.target {
                FireTarget::Existing(_) if added == 0 => continue,
                FireTarget::Existing(_) => out.extended.push(id),
                FireTarget::New { .. } if added == 0 => {
                    tx.execute(
                        "DELETE FROM fire_order_events WHERE incident_id = $1",
                        &[&id],
                    )?;
                    tx.execute("DELETE FROM fire_incidents WHERE id = $1", &[&id])?;
                    out.dispatched.retain(|x| *x != id);
                    continue;
                }
                FireTarget::New { .. } => out.created.push(id),
            }
            refresh(&mut tx, id, at_ms)?;
        }
        insert_audit(&mut tx, &batch_audit(audit, import_id, &out))?;
        tx.commit()?;
        Ok(out)
    }

    pub(crate) fn fire_incidents(
        &self,
        f: &FireFilter,
    ) -> Result<Vec<FireIncidentRecord>, StoreError> {
        let mut c = self.client()?;
        let limit = if f.limit == 0 {
            i64::MAX
        } else {
            f.limit as i64
        };
        c.query(
            &format!(
                "SELECT {INCIDENT_COLS} FROM fire_incidents
                 WHERE ($1::BIGINT IS NULL OR first_at >= $1) AND ($2::BIGINT IS NULL OR first_at < $2)
                   AND ($3::TEXT IS NULL OR town = $3 OR assignee = $3)
                   AND ($4::BOOLEAN IS NULL OR (region IS NULL) = $4)
                 ORDER BY first_at DESC, id DESC LIMIT $5"
            ),
            &[&f.from_ms, &f.to_ms, &f.town, &f.near_border, &limit],
        )?
        .iter()
        .map(incident_row)
        .collect()
    }

    pub(crate) fn fire_incident(&self, id: i64) -> Result<FireIncidentRecord, StoreError> {
        let mut c = self.client()?;
        incident_by_id(&mut *c, id, false)
    }

    pub(crate) fn fire_order_events(&self, id: i64) -> Result<Vec<FireOrderEvent>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(
            "SELECT id, at, actor, action, from_state, to_state, detail
             FROM fire_order_events WHERE incident_id = $1 ORDER BY id",
            &[&id],
        )?
        .iter()
        .map(|r| FireOrderEvent {
            id: r.get(0),
            at_ms: r.get(1),
            actor: r.get(2),
            action: r.get(3),
            from_state: r.get(4),
            to_state: r.get(5),
            detail: r.get(6),
        })
        .collect())
    }

    pub(crate) fn fire_step(
        &self,
        id: i64,
        step: &FireStep,
        authorize: &dyn Fn(&FireIncidentRecord) -> Result<(), StoreError>,
        actor: &str,
        at_ms: i64,
    ) -> Result<FireIncidentRecord, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let rec = incident_by_id(&mut tx, id, true)?;
        authorize(&rec)?;
        let ch = next(&rec, step, at_ms)?;
        let v = ch.verification.as_ref();
        let photos = serde_json::to_string(&v.map(|v| v.photos.clone()).unwrap_or_default())
            .unwrap_or_else(|_| "[]".to_owned());
        tx.execute(
            "UPDATE fire_incidents SET state = $2, assignee = $3, dispatched_at = $4, first_verified_at = $5,
                verified_at = $6, finding = $7, burned_mu = $8, action_taken = $9, photos = $10,
                closed_at = $11, updated_at = $12
             WHERE id = $1",
            &[
                &id,
                &ch.state.map(OrderState::as_str),
                &ch.assignee,
                &ch.dispatched_at,
                &ch.first_verified_at,
                &ch.verified_at,
                &v.map(|v| v.finding.as_str()),
                &v.and_then(|v| v.burned_mu),
                &v.map(|v| v.action.as_str()),
                &photos,
                &ch.closed_at,
                &at_ms,
            ],
        )?;
        let (detail, audit) = step_records(&rec, step, &ch, actor, at_ms);
        insert_event(
            &mut tx,
            id,
            at_ms,
            actor,
            step.name(),
            state_str(rec.state),
            state_str(ch.state),
            &detail,
        )?;
        insert_audit(&mut tx, &audit)?;
        let after = incident_by_id(&mut tx, id, false)?;
        tx.commit()?;
        Ok(after)
    }
}
