//! Online monitoring on PostgreSQL. Several nodes may write: each batch takes a transaction
//! advisory lock per device before it reads the device's chain head, so chains stay linear.

use std::collections::HashMap;

use lantian_core::evidence::{GENESIS, chain_hash};
use lantian_core::{AlarmAction, AlarmKind, AlarmState, Device};
use postgres::Transaction;

use super::{
    ALARM_COLUMNS, AlarmEventRecord, AlarmFilter, AlarmRecord, AlarmScopeRecord, ChainCheck,
    ChainVerifier, EvidenceFrame, IngestFrame, IngestOutcome, MonitoringCounts, OpenAlarmCount,
    Reject, RejectDay, RejectsPruned, StoredDevice, StoredReading, decode_vals, device_from_json,
    device_to_json, factor_col, factor_of, list_limit, parse_kind, parse_state, reading_slot,
};
use crate::postgres::PgStore;
use crate::{AlarmUpdate, StoreError};
use postgres::types::ToSql;

/// Advisory-lock namespace of frame chains (a device id is added).
const CHAIN_LOCK_BASE: i64 = 0x4C54_0000_0000;
/// Advisory-lock namespace of a device's alarms (a device id is added): two nodes cannot open
/// the same alarm twice.
const ALARM_LOCK_BASE: i64 = 0x4C55_0000_0000;

/// The filter of an alarm list (`$1`–`$11`).
const ALARM_WHERE: &str = "FROM alarms a JOIN devices d ON d.id = a.device_id
     WHERE (NOT $1 OR a.state NOT IN ('closed', 'dismissed')) AND ($2::text IS NULL OR d.mn = $2)
       AND ($3::bigint IS NULL OR a.id = $3)
       AND ($4::bigint IS NULL OR a.raised_at >= $4) AND ($5::bigint IS NULL OR a.raised_at < $5)
       AND ($6::text IS NULL OR a.kind = $6) AND ($7::text IS NULL OR d.town = $7)
       AND ($8::bigint IS NULL OR a.start_at >= $8) AND ($9::bigint IS NULL OR a.start_at < $9)
       AND ($10::text IS NULL OR d.town = $10 OR a.assignee = $10)
       AND ($11::text IS NULL OR a.assignee = $11)";

/// The parameters `$1`–`$11` of [`ALARM_WHERE`]; `kind` is the filter's kind as text.
fn filter_params<'a>(
    f: &'a AlarmFilter,
    kind: &'a Option<&'static str>,
) -> [&'a (dyn ToSql + Sync); 11] {
    [
        &f.open_only,
        &f.mn,
        &f.id,
        &f.raised_from_ms,
        &f.raised_to_ms,
        kind,
        &f.town,
        &f.start_from,
        &f.start_to,
        &f.reader_town,
        &f.reader_department,
    ]
}

/// An alarm from a row selected with [`ALARM_COLUMNS`] first.
fn alarm_from_row(r: &postgres::Row) -> Result<AlarmRecord, StoreError> {
    Ok(AlarmRecord {
        id: r.get(0),
        mn: r.get(1),
        kind: parse_kind(r.get(2))?,
        factor: factor_of(r.get(3)),
        state: parse_state(r.get(4))?,
        start: r.get(5),
        end: r.get(6),
        value: r.get(7),
        limit: r.get(8),
        detail: r.get(9),
        raised_at_ms: r.get(10),
        recovered_at_ms: r.get(11),
        assignee: r.get(12),
    })
}

impl PgStore {
    pub(crate) fn upsert_devices(&self, devices: &[Device]) -> Result<u64, StoreError> {
        let now = super::now_ms();
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let stmt = tx.prepare(
            "INSERT INTO devices (mn, kind, town, active, spec, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (mn) DO UPDATE SET kind = excluded.kind, town = excluded.town,
                active = excluded.active, spec = excluded.spec, updated_at = excluded.updated_at
             WHERE devices.spec IS DISTINCT FROM excluded.spec",
        )?;
        let mut n = 0;
        for d in devices {
            n += tx.execute(
                &stmt,
                &[
                    &d.mn,
                    &d.kind.as_str(),
                    &d.owner.town,
                    &i64::from(d.active),
                    &device_to_json(d)?,
                    &now,
                ],
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    pub(crate) fn devices(&self) -> Result<Vec<StoredDevice>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query("SELECT id, spec FROM devices ORDER BY mn", &[])?;
        rows.iter()
            .map(|r| {
                Ok(StoredDevice {
                    id: r.get(0),
                    device: device_from_json(r.get(1))?,
                })
            })
            .collect()
    }

    /// One transaction of a fixed number of round trips, whatever the batch size: array
    /// parameters (`unnest`) instead of a statement per frame.
    pub(crate) fn ingest(&self, frames: &[IngestFrame]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // Lock every device of the batch in id order (no deadlock between nodes).
        let mut ids: Vec<i64> = frames.iter().map(|f| f.device_id).collect();
        ids.sort_unstable();
        ids.dedup();
        // `ids` is sorted here; a scan of `unnest` follows the array's order.
        tx.query(
            "SELECT pg_advisory_xact_lock($1 + x) FROM unnest($2::bigint[]) AS x",
            &[&CHAIN_LOCK_BASE, &ids],
        )?;
        let mut heads: HashMap<i64, (i64, [u8; 32])> = HashMap::new();
        for r in tx.query(
            "SELECT device_id, seq, hash FROM chain_heads WHERE device_id = ANY($1)",
            &[&ids],
        )? {
            let h: Vec<u8> = r.get(2);
            heads.insert(r.get(0), (r.get(1), h.try_into().unwrap_or(GENESIS)));
        }
        let n = i64::try_from(frames.len()).unwrap_or(i64::MAX);
        let new_ids: Vec<i64> = tx
            .query(
                "SELECT nextval(pg_get_serial_sequence('frames', 'id')) FROM generate_series(1, $1::bigint)",
                &[&n],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out: Vec<Option<IngestOutcome>> = vec![None; frames.len()];
        // Dated frames: the readings key decides, in one statement, which are new.
        let dated: Vec<usize> = (0..frames.len())
            .filter(|&i| frames[i].data_time.is_some())
            .collect();
        if !dated.is_empty() {
            let cn: Vec<i64> = dated.iter().map(|&i| i64::from(frames[i].cn)).collect();
            let dt: Vec<i64> = dated
                .iter()
                .map(|&i| frames[i].data_time.unwrap_or(0))
                .collect();
            let dev: Vec<i64> = dated.iter().map(|&i| frames[i].device_id).collect();
            let part: Vec<i64> = dated.iter().map(|&i| frames[i].part).collect();
            let fid: Vec<i64> = dated.iter().map(|&i| new_ids[i]).collect();
            let vals: Vec<&[u8]> = dated.iter().map(|&i| frames[i].vals.as_slice()).collect();
            let inserted: std::collections::HashSet<i64> = tx
                .query(
                    "INSERT INTO readings (cn, data_time, device_id, part, frame_id, vals)
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bytea[])
                     ON CONFLICT DO NOTHING RETURNING frame_id",
                    &[&cn, &dt, &dev, &part, &fid, &vals],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut dup_rows = Vec::new();
            for (k, &i) in dated.iter().enumerate() {
                if !inserted.contains(&new_ids[i]) {
                    dup_rows.push((i, cn[k], dt[k], dev[k], part[k]));
                }
            }
            if !dup_rows.is_empty() {
                let cn: Vec<i64> = dup_rows.iter().map(|d| d.1).collect();
                let dt: Vec<i64> = dup_rows.iter().map(|d| d.2).collect();
                let dev: Vec<i64> = dup_rows.iter().map(|d| d.3).collect();
                let part: Vec<i64> = dup_rows.iter().map(|d| d.4).collect();
                let mut existing = HashMap::new();
                for r in tx.query(
                    "SELECT r.cn, r.data_time, r.device_id, r.part, r.frame_id FROM readings r
                     JOIN unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS k(cn, dt, dev, part)
                       ON r.cn = k.cn AND r.data_time = k.dt AND r.device_id = k.dev AND r.part = k.part",
                    &[&cn, &dt, &dev, &part],
                )? {
                    existing.insert(
                        (r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2), r.get::<_, i64>(3)),
                        r.get::<_, i64>(4),
                    );
                }
                for (i, cn, dt, dev, part) in dup_rows {
                    let frame_id =
                        existing.get(&(cn, dt, dev, part)).copied().ok_or_else(|| {
                            StoreError::Corrupt("a reading vanished during ingest".to_owned())
                        })?;
                    out[i] = Some(IngestOutcome::Duplicate { frame_id });
                }
            }
        }
        // Undated uploads: deduplicated on QN (rare; one lookup each), also within the batch.
        let mut undated_seen: HashMap<(i64, u16, &str), i64> = HashMap::new();
        for (i, f) in frames.iter().enumerate() {
            if let (None, Some(qn)) = (f.data_time, &f.qn) {
                let cn = i64::from(f.cn);
                if let Some(&frame_id) = undated_seen.get(&(f.device_id, f.cn, qn.as_str())) {
                    out[i] = Some(IngestOutcome::Duplicate { frame_id });
                    continue;
                }
                let existing = tx.query_opt(
                    "SELECT id FROM frames WHERE device_id = $1 AND cn = $2 AND qn = $3 AND data_time IS NULL",
                    &[&f.device_id, &cn, qn],
                )?;
                let frame_id = match existing {
                    Some(r) => {
                        let id: i64 = r.get(0);
                        out[i] = Some(IngestOutcome::Duplicate { frame_id: id });
                        id
                    }
                    None => new_ids[i],
                };
                undated_seen.insert((f.device_id, f.cn, qn.as_str()), frame_id);
            }
        }
        // The new frames, chained in batch order.
        let mut cols = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let mut head_rows: HashMap<i64, (i64, i64)> = HashMap::new();
        for (i, f) in frames.iter().enumerate() {
            if out[i].is_some() {
                continue;
            }
            let (seq, prev) = heads.get(&f.device_id).copied().unwrap_or((0, GENESIS));
            let hash = chain_hash(&prev, f.received_at_ms, &f.raw);
            let frame_id = new_ids[i];
            cols.0.push(frame_id);
            cols.1.push(f.device_id);
            cols.2.push(seq + 1);
            cols.3.push(f.received_at_ms);
            cols.4.push(i64::from(f.cn));
            cols.5.push(f.qn.as_deref());
            cols.6.push(f.data_time);
            cols.7.push(f.raw.as_slice());
            cols.8.push(prev.to_vec());
            cols.9.push(hash.to_vec());
            heads.insert(f.device_id, (seq + 1, hash));
            head_rows.insert(f.device_id, (frame_id, f.received_at_ms));
            out[i] = Some(IngestOutcome::Stored { frame_id });
        }
        if !cols.0.is_empty() {
            tx.execute(
                "INSERT INTO frames (id, device_id, seq, received_at, cn, qn, data_time, raw, prev_hash, hash)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
                                      $6::text[], $7::bigint[], $8::bytea[], $9::bytea[], $10::bytea[])",
                &[&cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5, &cols.6, &cols.7, &cols.8, &cols.9],
            )?;
            let mut h = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (device, (frame_id, at)) in &head_rows {
                if let Some((seq, hash)) = heads.get(device) {
                    h.0.push(*device);
                    h.1.push(*seq);
                    h.2.push(hash.to_vec());
                    h.3.push(*frame_id);
                    h.4.push(*at);
                }
            }
            tx.execute(
                "INSERT INTO chain_heads (device_id, seq, hash, frame_id, received_at)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bigint[], $5::bigint[])
                 ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                    frame_id = excluded.frame_id, received_at = excluded.received_at",
                &[&h.0, &h.1, &h.2, &h.3, &h.4],
            )?;
        }
        tx.commit()?;
        out.into_iter()
            .map(|o| o.ok_or_else(|| StoreError::Corrupt("a frame without an outcome".to_owned())))
            .collect()
    }

    pub(crate) fn record_rejects(&self, rejects: &[Reject]) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let stmt = tx.prepare(
            "INSERT INTO ingest_rejects (received_at, peer, mn, reason, excerpt) VALUES ($1, $2, $3, $4, $5)",
        )?;
        for r in rejects {
            tx.execute(
                &stmt,
                &[&r.received_at_ms, &r.peer, &r.mn, &r.reason, &r.excerpt],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn rejects(&self, limit: usize) -> Result<Vec<Reject>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT received_at, peer, mn, reason, excerpt FROM ingest_rejects ORDER BY id DESC LIMIT $1",
            &[&list_limit(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| Reject {
                received_at_ms: r.get(0),
                peer: r.get(1),
                mn: r.get(2),
                reason: r.get(3),
                excerpt: r.get(4),
            })
            .collect())
    }

    pub(crate) fn prune_rejects(
        &self,
        detail_before_ms: i64,
        max_rows: u64,
        days_before_ms: i64,
    ) -> Result<RejectsPruned, StoreError> {
        let mut done = RejectsPruned::default();
        let mut c = self.client()?;
        // Rows with an id up to this one are beyond the newest `max_rows`.
        let excess: i64 = c
            .query_opt(
                "SELECT id FROM ingest_rejects ORDER BY id DESC LIMIT 1 OFFSET $1",
                &[&i64::try_from(max_rows).unwrap_or(i64::MAX)],
            )?
            .map_or(0, |r| r.get(0));
        loop {
            let mut tx = c.transaction()?;
            // Rows are removed and returned in one statement (rows another node is folding
            // are skipped), so no row is counted twice.
            let rows = tx.query(
                "DELETE FROM ingest_rejects WHERE id IN (SELECT id FROM ingest_rejects
                    WHERE received_at < $1 OR id <= $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 RETURNING received_at, peer, reason",
                &[&detail_before_ms, &excess, &super::PRUNE_BATCH],
            )?;
            let put = tx.prepare(
                "INSERT INTO ingest_reject_days (day, reason, peer_addr, rejects, first_at, last_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (day, reason, peer_addr) DO UPDATE SET
                    rejects = ingest_reject_days.rejects + excluded.rejects,
                    first_at = LEAST(ingest_reject_days.first_at, excluded.first_at),
                    last_at = GREATEST(ingest_reject_days.last_at, excluded.last_at)",
            )?;
            for ((day, reason, addr), (n, first, last)) in super::fold_rejects(
                rows.iter()
                    .map(|r| (r.get::<_, i64>(0), r.get(1), r.get(2))),
            ) {
                tx.execute(&put, &[&day, &reason, &addr, &n, &first, &last])?;
            }
            tx.commit()?;
            let n = rows.len() as u64;
            done.folded += n;
            if n < super::PRUNE_BATCH as u64 {
                break;
            }
        }
        done.days_removed = c.execute(
            "DELETE FROM ingest_reject_days WHERE day < $1",
            &[&super::beijing_day(days_before_ms)],
        )?;
        Ok(done)
    }

    pub(crate) fn reject_days(&self, limit: usize) -> Result<Vec<RejectDay>, StoreError> {
        let mut c = self.client()?;
        c.query(
            "SELECT day, reason, peer_addr, rejects, first_at, last_at FROM ingest_reject_days
             ORDER BY day DESC, rejects DESC, reason, peer_addr LIMIT $1",
            &[&list_limit(limit)],
        )?
        .iter()
        .map(|r| {
            Ok(RejectDay {
                day: super::day_date(r.get(0))?,
                reason: r.get(1),
                peer_addr: r.get(2),
                rejects: r.get::<_, i64>(3).max(0) as u64,
                first_at_ms: r.get(4),
                last_at_ms: r.get(5),
            })
        })
        .collect()
    }

    pub(crate) fn readings(
        &self,
        device_id: i64,
        cn: u16,
        from: i64,
        to: i64,
    ) -> Result<Vec<StoredReading>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT data_time, part, frame_id, vals FROM readings
             WHERE device_id = $1 AND cn = $2 AND data_time >= $3 AND data_time < $4 ORDER BY data_time, part",
            &[&device_id, &i64::from(cn), &from, &to],
        )?;
        rows.iter()
            .map(|r| {
                Ok(StoredReading {
                    cn,
                    data_time: r.get(0),
                    part: r.get(1),
                    frame_id: r.get(2),
                    values: decode_vals(r.get(3))?,
                })
            })
            .collect()
    }

    pub(crate) fn latest_readings(
        &self,
        cn: u16,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, StoredReading)>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT DISTINCT ON (device_id) device_id, data_time, part, frame_id, vals FROM readings
             WHERE cn = $1 AND data_time >= $2 AND data_time < $3
             ORDER BY device_id, data_time DESC, part DESC",
            &[&i64::from(cn), &from, &to],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get(0),
                    StoredReading {
                        cn,
                        data_time: r.get(1),
                        part: r.get(2),
                        frame_id: r.get(3),
                        values: decode_vals(r.get(4))?,
                    },
                ))
            })
            .collect()
    }

    pub(crate) fn devices_version(&self) -> Result<(i64, i64), StoreError> {
        let mut c = self.client()?;
        let r = c.query_one(super::DEVICES_VERSION_SQL, &[])?;
        Ok((r.get(0), r.get(1)))
    }

    pub(crate) fn devices_last_seen(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut c = self.client()?;
        Ok(c.query(super::LAST_SEEN_SQL, &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub(crate) fn unrecovered_alarms(
        &self,
        device_id: Option<i64>,
    ) -> Result<Vec<(i64, AlarmKind, Option<String>)>, StoreError> {
        let mut c = self.client()?;
        c.query(
            &format!(
                "{} AND ($1::bigint IS NULL OR device_id = $1) ORDER BY id",
                super::UNRECOVERED_SQL
            ),
            &[&device_id],
        )?
        .into_iter()
        .map(|r| {
            Ok((
                r.get::<_, i64>(0),
                parse_kind(r.get(1))?,
                factor_of(r.get(2)),
            ))
        })
        .collect()
    }

    pub(crate) fn frame_raw(&self, frame_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let mut c = self.client()?;
        Ok(
            c.query_opt("SELECT raw FROM frames WHERE id = $1", &[&frame_id])?
                .map(|r| r.get(0)),
        )
    }

    pub(crate) fn monitoring_counts(&self) -> Result<MonitoringCounts, StoreError> {
        let mut c = self.client()?;
        let count = |c: &mut postgres::Client, sql: &str| -> Result<u64, StoreError> {
            Ok(c.query_one(sql, &[])?.get::<_, i64>(0) as u64)
        };
        let mut m = MonitoringCounts {
            frames: count(&mut c, "SELECT count(*) FROM frames")?,
            rejects: count(&mut c, "SELECT count(*) FROM ingest_rejects")?,
            alarms: count(&mut c, "SELECT count(*) FROM alarms")?,
            ..MonitoringCounts::default()
        };
        for r in c.query("SELECT cn, count(*) FROM readings GROUP BY cn", &[])? {
            m.readings[reading_slot(r.get(0))] += r.get::<_, i64>(1) as u64;
        }
        Ok(m)
    }

    pub(crate) fn apply_alarm_updates(
        &self,
        updates: &[AlarmUpdate],
        at_ms: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let raised = apply_updates(&mut tx, updates, at_ms)?;
        tx.commit()?;
        Ok(raised)
    }

    pub(crate) fn alarm_action(
        &self,
        alarm_id: i64,
        actor: &str,
        action: &AlarmAction,
        authorize: &dyn Fn(&AlarmScopeRecord) -> Result<(), StoreError>,
        at_ms: i64,
    ) -> Result<AlarmState, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // The alarm row is locked until the commit: a dispatch elsewhere waits, so the scope
        // checked is the scope written under.
        let row = tx
            .query_opt(
                &format!(
                    "SELECT {ALARM_COLUMNS}, d.town FROM alarms a JOIN devices d ON d.id = a.device_id
                     WHERE a.id = $1 FOR UPDATE OF a"
                ),
                &[&alarm_id],
            )?
            .ok_or(StoreError::NotFound("alarm", alarm_id))?;
        let scope = AlarmScopeRecord {
            alarm: alarm_from_row(&row)?,
            town: row.get(13),
        };
        authorize(&scope)?;
        let from = scope.alarm.state;
        let to = from.apply(action)?;
        let assignee = match action {
            AlarmAction::Dispatch { to } => Some(to.as_str()),
            _ => None,
        };
        tx.execute(
            "UPDATE alarms SET state = $2, assignee = COALESCE($3, assignee), updated_at = $4 WHERE id = $1",
            &[&alarm_id, &to.as_str(), &assignee, &at_ms],
        )?;
        let attachments = match action {
            AlarmAction::Handle { attachments, .. } => attachments.clone(),
            _ => Vec::new(),
        };
        insert_event(
            &mut tx,
            alarm_id,
            at_ms,
            actor,
            action.as_str(),
            from.as_str(),
            to.as_str(),
            action.note(),
            &attachments,
        )?;
        crate::accounts::postgres::insert_audit(
            &mut tx,
            &super::alarm_audit(alarm_id, actor, action, from, to, at_ms),
        )?;
        tx.commit()?;
        Ok(to)
    }

    pub(crate) fn alarms(&self, filter: &AlarmFilter) -> Result<Vec<AlarmRecord>, StoreError> {
        let mut c = self.client()?;
        let kind = filter.kind.map(AlarmKind::as_str);
        let (limit, offset) = (
            list_limit(filter.limit),
            i64::try_from(filter.offset).unwrap_or(i64::MAX),
        );
        let mut params = filter_params(filter, &kind).to_vec();
        params.extend([&limit as &(dyn ToSql + Sync), &offset]);
        let rows = c.query(
            &format!(
                "SELECT {ALARM_COLUMNS} {ALARM_WHERE} ORDER BY a.id DESC LIMIT $12 OFFSET $13"
            ),
            &params,
        )?;
        rows.iter().map(alarm_from_row).collect()
    }

    pub(crate) fn alarms_found(&self, filter: &AlarmFilter) -> Result<u64, StoreError> {
        let mut c = self.client()?;
        let kind = filter.kind.map(AlarmKind::as_str);
        let row = c.query_one(
            &format!("SELECT count(*) {ALARM_WHERE}"),
            &filter_params(filter, &kind),
        )?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }

    pub(crate) fn open_alarm_counts(&self) -> Result<Vec<OpenAlarmCount>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(super::OPEN_ALARM_COUNTS_SQL, &[])?;
        Ok(rows
            .iter()
            .map(|r| OpenAlarmCount {
                mn: r.get(0),
                open: r.get::<_, i64>(1).max(0) as u64,
                offline_now: r.get::<_, i64>(2) > 0,
            })
            .collect())
    }

    pub(crate) fn alarm_events(&self, alarm_id: i64) -> Result<Vec<AlarmEventRecord>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT at, actor, action, from_state, to_state, note, attachments
             FROM alarm_events WHERE alarm_id = $1 ORDER BY id",
            &[&alarm_id],
        )?;
        Ok(rows
            .iter()
            .map(|r| AlarmEventRecord {
                at_ms: r.get(0),
                actor: r.get(1),
                action: r.get(2),
                from: r.get(3),
                to: r.get(4),
                note: r.get(5),
                attachments: serde_json::from_str(r.get(6)).unwrap_or_default(),
            })
            .collect())
    }

    pub(crate) fn alarm_evidence(&self, alarm_id: i64) -> Result<Vec<EvidenceFrame>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT f.id, f.seq, f.received_at, f.raw, f.hash, f.prev_hash
             FROM alarm_evidence e JOIN frames f ON f.id = e.frame_id
             WHERE e.alarm_id = $1 ORDER BY f.id",
            &[&alarm_id],
        )?;
        Ok(rows
            .iter()
            .map(|r| EvidenceFrame {
                frame_id: r.get(0),
                seq: r.get(1),
                received_at_ms: r.get(2),
                raw: r.get(3),
                hash: r.get(4),
                prev_hash: r
                    .get::<_, Option<Vec<u8>>>(5)
                    .unwrap_or_else(|| GENESIS.to_vec()),
            })
            .collect())
    }

    pub(crate) fn verify_frames(&self, mn: Option<&str>) -> Result<Vec<ChainCheck>, StoreError> {
        let mut c = self.client()?;
        // One snapshot for the heads and the frames, while ingest goes on.
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let list: Vec<super::ChainDevice> = tx
            .query(
                "SELECT d.id, d.mn, h.seq, h.hash FROM devices d LEFT JOIN chain_heads h ON h.device_id = d.id
                 WHERE $1::text IS NULL OR d.mn = $1 ORDER BY d.mn",
                &[&mn],
            )?
            .iter()
            .map(|r| {
                let head = match (r.get::<_, Option<i64>>(2), r.get::<_, Option<Vec<u8>>>(3)) {
                    (Some(s), Some(h)) => Some((s, h)),
                    _ => None,
                };
                (r.get(0), r.get(1), head)
            })
            .collect();
        let only: Option<i64> = match (mn, list.first()) {
            (Some(_), Some(d)) => Some(d.0),
            (Some(_), None) => return Ok(Vec::new()),
            (None, _) => None,
        };
        let mut v = ChainVerifier::default();
        let portal = tx.bind(
            "SELECT device_id, seq, received_at, raw, prev_hash, hash FROM frames
             WHERE $1::bigint IS NULL OR device_id = $1 ORDER BY id",
            &[&only],
        )?;
        loop {
            let rows = tx.query_portal(&portal, 10_000)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let raw: &[u8] = r.get(3);
                let prev: &[u8] = r.get(4);
                let hash: &[u8] = r.get(5);
                v.push(r.get(0), r.get(1), r.get(2), raw, prev, hash);
            }
        }
        tx.commit()?;
        Ok(v.finish(list))
    }
}

fn device_id(tx: &mut Transaction<'_>, mn: &str) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_opt("SELECT id FROM devices WHERE mn = $1", &[&mn])?
        .map(|r| r.get(0)))
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &mut Transaction<'_>,
    alarm_id: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    from: &str,
    to: &str,
    note: &str,
    attachments: &[String],
) -> Result<(), StoreError> {
    let attachments = serde_json::to_string(attachments).unwrap_or_else(|_| "[]".to_owned());
    tx.execute(
        "INSERT INTO alarm_events (alarm_id, at, actor, action, from_state, to_state, note, attachments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&alarm_id, &at_ms, &actor, &action, &from, &to, &note, &attachments],
    )?;
    Ok(())
}

fn apply_updates(
    tx: &mut Transaction<'_>,
    updates: &[AlarmUpdate],
    at_ms: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut raised = Vec::new();
    for u in updates {
        match u {
            AlarmUpdate::Raise(c) => {
                let Some(dev) = device_id(tx, &c.mn)? else {
                    continue;
                };
                tx.execute(
                    "SELECT pg_advisory_xact_lock($1)",
                    &[&(ALARM_LOCK_BASE + dev)],
                )?;
                let factor = factor_col(c.factor.as_deref());
                let open = tx.query_opt(
                    "SELECT id FROM alarms WHERE device_id = $1 AND kind = $2 AND factor = $3
                       AND recovered_at IS NULL AND state NOT IN ('closed', 'dismissed')
                     ORDER BY id DESC LIMIT 1 FOR UPDATE",
                    &[&dev, &c.kind.as_str(), &factor],
                )?;
                let id = if let Some(r) = open {
                    let id: i64 = r.get(0);
                    tx.execute(
                        "UPDATE alarms SET end_at = greatest(end_at, $2), updated_at = $3 WHERE id = $1",
                        &[&id, &c.end, &at_ms],
                    )?;
                    id
                } else {
                    let id: i64 = tx
                        .query_one(
                            "INSERT INTO alarms (device_id, kind, factor, state, start_at, end_at, value, lim, detail, raised_at, updated_at)
                             VALUES ($1, $2, $3, 'raised', $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                            &[&dev, &c.kind.as_str(), &factor, &c.start, &c.end, &c.value, &c.limit, &c.detail, &at_ms],
                        )?
                        .get(0);
                    insert_event(
                        tx,
                        id,
                        at_ms,
                        "system",
                        "raise",
                        "",
                        "raised",
                        &c.detail,
                        &[],
                    )?;
                    raised.push(id);
                    id
                };
                if let Some(kind) = c.evidence_kind {
                    let cn = i64::from(kind.cn());
                    tx.execute(
                        "INSERT INTO alarm_evidence (alarm_id, frame_id)
                         SELECT $1, frame_id FROM readings WHERE device_id = $2 AND cn = $3 AND data_time = ANY($4)
                         ON CONFLICT DO NOTHING",
                        &[&id, &dev, &cn, &c.evidence],
                    )?;
                }
            }
            AlarmUpdate::Recover {
                mn,
                kind,
                factor,
                at,
            } => {
                let Some(dev) = device_id(tx, mn)? else {
                    continue;
                };
                tx.execute(
                    "SELECT pg_advisory_xact_lock($1)",
                    &[&(ALARM_LOCK_BASE + dev)],
                )?;
                let rows = tx.query(
                    "UPDATE alarms SET recovered_at = $4, updated_at = $5
                     WHERE device_id = $1 AND kind = $2 AND factor = $3 AND recovered_at IS NULL
                     RETURNING id, state",
                    &[
                        &dev,
                        &kind.as_str(),
                        &factor_col(factor.as_deref()),
                        &at.saturating_mul(1000),
                        &at_ms,
                    ],
                )?;
                for r in rows {
                    let state: String = r.get(1);
                    insert_event(
                        tx,
                        r.get(0),
                        at_ms,
                        "system",
                        "recover",
                        &state,
                        &state,
                        "条件已消除",
                        &[],
                    )?;
                }
            }
        }
    }
    Ok(raised)
}
