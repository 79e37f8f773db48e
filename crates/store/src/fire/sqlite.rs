//! Fire-point tables on SQLite.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use lantian_fire::orders::OrderState;

use super::{
    FireBatchItem, FireBatchOutcome, FireFilter, FireIncidentRecord, FireOrderEvent, FirePlace,
    FireStep, FireTarget, NewFireDetection, StoredFireDetection, next, state_of, state_str,
    step_records, verification_of,
};
use crate::StoreError;
use crate::accounts::AuditEntry;
use crate::accounts::sqlite::insert_audit;
use crate::sqlite::SqliteStore;

const INCIDENT_COLS: &str = "id, first_at, last_at, lon, lat, detections, sources, region, town_code, town, near_region, near_km, state, assignee, dispatched_at, first_verified_at, verified_at, finding, burned_mu, action_taken, photos, closed_at, created_at, updated_at";

const DETECTION_COLS: &str = "id, incident_id, import_id, key, lon, lat, at, source, satellite, confidence, frp, daynight, file, line";

type RawIncident = (
    FireIncidentRecord,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<String>,
    String,
);

fn incident_row(r: &Row<'_>) -> rusqlite::Result<RawIncident> {
    let sources: String = r.get(6)?;
    Ok((
        FireIncidentRecord {
            id: r.get(0)?,
            first_at_ms: r.get(1)?,
            last_at_ms: r.get(2)?,
            lon: r.get(3)?,
            lat: r.get(4)?,
            detections: r.get(5)?,
            sources: sources
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            place: FirePlace {
                region: r.get(7)?,
                town_code: r.get(8)?,
                town: r.get(9)?,
                near_region: r.get(10)?,
                near_km: r.get(11)?,
            },
            state: None,
            assignee: r.get(13)?,
            dispatched_at_ms: r.get(14)?,
            first_verified_at_ms: r.get(15)?,
            verified_at_ms: r.get(16)?,
            verification: None,
            closed_at_ms: r.get(21)?,
            created_at_ms: r.get(22)?,
            updated_at_ms: r.get(23)?,
        },
        r.get(12)?,
        r.get(17)?,
        r.get(18)?,
        r.get(19)?,
        r.get(20)?,
    ))
}

fn finish(
    (mut rec, state, finding, mu, action, photos): RawIncident,
) -> Result<FireIncidentRecord, StoreError> {
    rec.state = state_of(state)?;
    rec.verification = verification_of(finding, mu, action, &photos)?;
    Ok(rec)
}

fn incident_by_id(conn: &Connection, id: i64) -> Result<FireIncidentRecord, StoreError> {
    let raw = conn
        .query_row(
            &format!("SELECT {INCIDENT_COLS} FROM fire_incidents WHERE id = ?1"),
            [id],
            incident_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound("fire incident", id))?;
    finish(raw)
}

fn detection_row(r: &Row<'_>) -> rusqlite::Result<StoredFireDetection> {
    Ok(StoredFireDetection {
        id: r.get(0)?,
        incident_id: r.get(1)?,
        import_id: r.get(2)?,
        detection: NewFireDetection {
            key: r.get(3)?,
            lon: r.get(4)?,
            lat: r.get(5)?,
            at_ms: r.get(6)?,
            source: r.get(7)?,
            satellite: r.get(8)?,
            confidence: r.get(9)?,
            frp: r.get(10)?,
            daynight: r.get(11)?,
            file: r.get(12)?,
            line: r.get(13)?,
        },
    })
}

/// First and last time, mean position, count and sources from the incident's detections.
fn refresh(tx: &Transaction<'_>, id: i64, at_ms: i64) -> Result<(), StoreError> {
    let sources: Vec<String> = tx
        .prepare_cached(
            "SELECT DISTINCT source FROM fire_detections WHERE incident_id = ?1 ORDER BY source",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tx.execute(
        "UPDATE fire_incidents SET
            first_at = (SELECT min(at) FROM fire_detections WHERE incident_id = ?1),
            last_at = (SELECT max(at) FROM fire_detections WHERE incident_id = ?1),
            lon = (SELECT avg(lon) FROM fire_detections WHERE incident_id = ?1),
            lat = (SELECT avg(lat) FROM fire_detections WHERE incident_id = ?1),
            detections = (SELECT count(*) FROM fire_detections WHERE incident_id = ?1),
            sources = ?2, updated_at = ?3
         WHERE id = ?1",
        params![id, sources.join(","), at_ms],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &Transaction<'_>,
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, at_ms, actor, action, from, to, detail],
    )?;
    Ok(())
}

impl SqliteStore {
    pub(crate) fn fire_detections_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<StoredFireDetection>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DETECTION_COLS} FROM fire_detections WHERE at >= ?1 AND at <= ?2 ORDER BY id"
            ))?;
            let rows = stmt.query_map([from_ms, to_ms], detection_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn fire_detections_of(
        &self,
        incident_id: i64,
    ) -> Result<Vec<StoredFireDetection>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DETECTION_COLS} FROM fire_detections WHERE incident_id = ?1 ORDER BY at, id"
            ))?;
            let rows = stmt.query_map([incident_id], detection_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn put_fire_batch(
        &self,
        import_id: i64,
        items: &[FireBatchItem],
        actor: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<FireBatchOutcome, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let mut out = FireBatchOutcome::default();
            for item in items {
                let id = match &item.target {
                    FireTarget::Existing(id) => {
                        incident_by_id(&tx, *id)?;
                        *id
                    }
                    FireTarget::New { place, dispatch_to } => {
                        let first = item.detections.first().ok_or_else(|| {
                            StoreError::Invalid("a new incident without detections".to_owned())
                        })?;
                        let state = dispatch_to.as_ref().map(|_| "dispatched");
                        tx.execute(
                            "INSERT INTO fire_incidents (first_at, last_at, lon, lat, detections, sources, region, town_code, town,
                                near_region, near_km, state, assignee, dispatched_at, photos, created_at, updated_at)
                             VALUES (?1, ?1, ?2, ?3, 0, '', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '[]', ?12, ?12)",
                            params![
                                first.at_ms,
                                first.lon,
                                first.lat,
                                place.region,
                                place.town_code,
                                place.town,
                                place.near_region,
                                place.near_km,
                                state,
                                dispatch_to,
                                dispatch_to.as_ref().map(|_| at_ms),
                                at_ms
                            ],
                        )?;
                        let id = tx.last_insert_rowid();
                        insert_event(
                            &tx,
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
                                &tx,
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
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                         ON CONFLICT (key) DO NOTHING",
                        params![
                            d.key,
                            id,
                            d.lon,
                            d.lat,
                            d.at_ms,
                            d.source,
                            d.satellite,
                            d.confidence,
                            d.frp,
                            d.daynight,
                            import_id,
                            d.file,
                            d.line
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
                        // Every detection was a duplicate after all: no incident.
                        tx.execute("DELETE FROM fire_order_events WHERE incident_id = ?1", [id])?;
                        tx.execute("DELETE FROM fire_incidents WHERE id = ?1", [id])?;
                        out.dispatched.retain(|x| *x != id);
                        continue;
                    }
                    FireTarget::New { .. } => out.created.push(id),
                }
                refresh(&tx, id, at_ms)?;
            }
            insert_audit(&tx, &super::batch_audit(audit, import_id, &out))?;
            tx.commit()?;
            Ok(out)
        })
    }

    pub(crate) fn fire_incidents(
        &self,
        f: &FireFilter,
    ) -> Result<Vec<FireIncidentRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {INCIDENT_COLS} FROM fire_incidents
                 WHERE (?1 IS NULL OR first_at >= ?1) AND (?2 IS NULL OR first_at < ?2)
                   AND (?3 IS NULL OR town = ?3 OR assignee = ?3)
                   AND (?4 IS NULL OR (region IS NULL) = ?4)
                 ORDER BY first_at DESC, id DESC LIMIT ?5"
            ))?;
            let limit = if f.limit == 0 {
                i64::MAX
            } else {
                f.limit as i64
            };
            let rows = stmt.query_map(
                params![f.from_ms, f.to_ms, f.town, f.near_border, limit],
                incident_row,
            )?;
            rows.map(|r| finish(r?)).collect()
        })
    }

    pub(crate) fn fire_incident(&self, id: i64) -> Result<FireIncidentRecord, StoreError> {
        self.with_reader(|conn| incident_by_id(conn, id))
    }

    pub(crate) fn fire_order_events(&self, id: i64) -> Result<Vec<FireOrderEvent>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, actor, action, from_state, to_state, detail
                 FROM fire_order_events WHERE incident_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(FireOrderEvent {
                    id: r.get(0)?,
                    at_ms: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    from_state: r.get(4)?,
                    to_state: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn fire_step(
        &self,
        id: i64,
        step: &FireStep,
        authorize: &dyn Fn(&FireIncidentRecord) -> Result<(), StoreError>,
        actor: &str,
        at_ms: i64,
    ) -> Result<FireIncidentRecord, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let rec = incident_by_id(&tx, id)?;
            authorize(&rec)?;
            let c = next(&rec, step, at_ms)?;
            let v = c.verification.as_ref();
            tx.execute(
                "UPDATE fire_incidents SET state = ?2, assignee = ?3, dispatched_at = ?4, first_verified_at = ?5,
                    verified_at = ?6, finding = ?7, burned_mu = ?8, action_taken = ?9, photos = ?10,
                    closed_at = ?11, updated_at = ?12
                 WHERE id = ?1",
                params![
                    id,
                    c.state.map(OrderState::as_str),
                    c.assignee,
                    c.dispatched_at,
                    c.first_verified_at,
                    c.verified_at,
                    v.map(|v| v.finding.as_str()),
                    v.and_then(|v| v.burned_mu),
                    v.map(|v| v.action.as_str()),
                    serde_json::to_string(&v.map(|v| v.photos.clone()).unwrap_or_default())
                        .unwrap_or_else(|_| "[]".to_owned()),
                    c.closed_at,
                    at_ms
                ],
            )?;
            let (detail, audit) = step_records(&rec, step, &c, actor, at_ms);
            insert_event(
                &tx,
                id,
                at_ms,
                actor,
                step.name(),
                state_str(rec.state),
                state_str(c.state),
                &detail,
            )?;
            insert_audit(&tx, &audit)?;
            let after = incident_by_id(&tx, id)?;
            tx.commit()?;
            Ok(after)
        })
    }
}
