//! Online monitoring on SQLite: the single writer connection orders every frame chain.

use std::collections::HashMap;

use lantian_core::evidence::{GENESIS, chain_hash};
use lantian_core::{AlarmAction, AlarmKind, AlarmState, Device};
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    ALARM_COLUMNS, AlarmEventRecord, AlarmFilter, AlarmRecord, AlarmScopeRecord, ChainCheck,
    EvidenceFrame, IngestFrame, IngestOutcome, MonitoringCounts, OpenAlarmCount, Reject, RejectDay,
    RejectsPruned, StoredDevice, StoredReading, decode_vals, device_from_json, device_to_json,
    factor_col, factor_of, list_limit, parse_kind, parse_state, reading_slot,
};
use crate::sqlite::SqliteStore;
use crate::{AlarmUpdate, StoreError};

/// The filter of an alarm list (`?1`–`?11`, see [`filter_params`]).
const ALARM_WHERE: &str = "FROM alarms a JOIN devices d ON d.id = a.device_id
     WHERE (?1 = 0 OR a.state NOT IN ('closed', 'dismissed')) AND (?2 IS NULL OR d.mn = ?2)
       AND (?3 IS NULL OR a.id = ?3)
       AND (?4 IS NULL OR a.raised_at >= ?4) AND (?5 IS NULL OR a.raised_at < ?5)
       AND (?6 IS NULL OR a.kind = ?6) AND (?7 IS NULL OR d.town = ?7)
       AND (?8 IS NULL OR a.start_at >= ?8) AND (?9 IS NULL OR a.start_at < ?9)
       AND (?10 IS NULL OR d.town = ?10 OR a.assignee = ?10) AND (?11 IS NULL OR a.assignee = ?11)";

type FilterParams<'a> = (
    bool,
    Option<&'a str>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
    Option<&'a str>,
    Option<i64>,
    Option<i64>,
    Option<&'a str>,
    Option<&'a str>,
);

fn filter_params(f: &AlarmFilter) -> FilterParams<'_> {
    (
        f.open_only,
        f.mn.as_deref(),
        f.id,
        f.raised_from_ms,
        f.raised_to_ms,
        f.kind.map(AlarmKind::as_str),
        f.town.as_deref(),
        f.start_from,
        f.start_to,
        f.reader_town.as_deref(),
        f.reader_department.as_deref(),
    )
}

/// An alarm from a row selected with [`ALARM_COLUMNS`] first.
fn alarm_from_row(r: &rusqlite::Row<'_>) -> Result<AlarmRecord, StoreError> {
    Ok(AlarmRecord {
        id: r.get(0)?,
        mn: r.get(1)?,
        kind: parse_kind(&r.get::<_, String>(2)?)?,
        factor: factor_of(r.get(3)?),
        state: parse_state(&r.get::<_, String>(4)?)?,
        start: r.get(5)?,
        end: r.get(6)?,
        value: r.get(7)?,
        limit: r.get(8)?,
        detail: r.get(9)?,
        raised_at_ms: r.get(10)?,
        recovered_at_ms: r.get(11)?,
        assignee: r.get(12)?,
    })
}

impl SqliteStore {
    pub(crate) fn upsert_devices(&self, devices: &[Device]) -> Result<u64, StoreError> {
        let now = super::now_ms();
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let mut n = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO devices (mn, kind, town, active, spec, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (mn) DO UPDATE SET kind = excluded.kind, town = excluded.town,
                        active = excluded.active, spec = excluded.spec, updated_at = excluded.updated_at
                     WHERE devices.spec IS NOT excluded.spec",
                )?;
                for d in devices {
                    n += stmt.execute(params![
                        d.mn,
                        d.kind.as_str(),
                        d.owner.town,
                        d.active,
                        device_to_json(d)?,
                        now
                    ])? as u64;
                }
            }
            tx.commit()?;
            Ok(n)
        })
    }

    pub(crate) fn devices(&self) -> Result<Vec<StoredDevice>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id, spec FROM devices ORDER BY mn")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, spec) = row?;
                out.push(StoredDevice {
                    id,
                    device: device_from_json(&spec)?,
                });
            }
            Ok(out)
        })
    }

    pub(crate) fn ingest(&self, frames: &[IngestFrame]) -> Result<Vec<IngestOutcome>, StoreError> {
        self.with_writer(|conn| {
            // Chain heads advanced in this transaction; published only after commit.
            let mut heads: HashMap<i64, (i64, [u8; 32])> = HashMap::new();
            let mut head_rows: HashMap<i64, (i64, i64)> = HashMap::new();
            let mut out = Vec::with_capacity(frames.len());
            // IMMEDIATE: take the write lock now, not at the first write (another process
            // writing the file makes this wait for busy_timeout instead of failing late).
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                // Frame ids are allocated here so that the reading can be inserted first: its
                // primary key decides, in one B-tree descent, whether the frame is new.
                let mut next_id: i64 =
                    tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM frames", [], |r| r.get(0))?;
                let mut find = tx.prepare_cached(
                    "SELECT frame_id FROM readings WHERE device_id = ?1 AND cn = ?2 AND data_time = ?3 AND part = ?4",
                )?;
                let mut find_undated = tx.prepare_cached(
                    "SELECT id FROM frames WHERE device_id = ?1 AND cn = ?2 AND qn = ?3 AND data_time IS NULL",
                )?;
                let mut head = tx.prepare_cached(
                    "SELECT seq, hash FROM chain_heads WHERE device_id = ?1",
                )?;
                let mut put_frame = tx.prepare_cached(
                    "INSERT INTO frames (id, device_id, seq, received_at, cn, qn, data_time, raw, prev_hash, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?;
                let mut put_reading = tx.prepare_cached(
                    "INSERT INTO readings (device_id, cn, data_time, part, frame_id, vals) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT DO NOTHING",
                )?;
                for f in frames {
                    if let Some(t) = f.data_time {
                        if put_reading.execute(params![f.device_id, f.cn, t, f.part, next_id, f.vals])? == 0 {
                            let id = find.query_row(params![f.device_id, f.cn, t, f.part], |r| r.get::<_, i64>(0))?;
                            out.push(IngestOutcome::Duplicate { frame_id: id });
                            continue;
                        }
                    } else if let Some(qn) = &f.qn {
                        if let Some(id) = find_undated
                            .query_row(params![f.device_id, f.cn, qn], |r| r.get::<_, i64>(0))
                            .optional()?
                        {
                            out.push(IngestOutcome::Duplicate { frame_id: id });
                            continue;
                        }
                    }
                    // The head is read from the database in this (IMMEDIATE) transaction, not
                    // cached: another process writing the same file cannot fork a chain.
                    let (seq, prev) = match heads.get(&f.device_id) {
                        Some(h) => *h,
                        None => head
                            .query_row([f.device_id], |r| {
                                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                            })
                            .optional()?
                            .map(|(s, h)| (s, h.try_into().unwrap_or(GENESIS)))
                            .unwrap_or((0, GENESIS)),
                    };
                    let hash = chain_hash(&prev, f.received_at_ms, &f.raw);
                    let frame_id = next_id;
                    put_frame.execute(params![
                        frame_id,
                        f.device_id,
                        seq + 1,
                        f.received_at_ms,
                        f.cn,
                        f.qn,
                        f.data_time,
                        f.raw,
                        prev.as_slice(),
                        hash.as_slice()
                    ])?;
                    next_id += 1;
                    heads.insert(f.device_id, (seq + 1, hash));
                    head_rows.insert(f.device_id, (frame_id, f.received_at_ms));
                    out.push(IngestOutcome::Stored { frame_id });
                }
            }
            {
                let mut put_head = tx.prepare_cached(
                    "INSERT INTO chain_heads (device_id, seq, hash, frame_id, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                        frame_id = excluded.frame_id, received_at = excluded.received_at",
                )?;
                for (device, (seq, hash)) in &heads {
                    let (frame_id, at) = head_rows.get(device).copied().unwrap_or_default();
                    put_head.execute(params![device, seq, hash.as_slice(), frame_id, at])?;
                }
            }
            tx.commit()?;
            Ok(out)
        })
    }

    pub(crate) fn record_rejects(&self, rejects: &[Reject]) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO ingest_rejects (received_at, peer, mn, reason, excerpt) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for r in rejects {
                    stmt.execute(params![r.received_at_ms, r.peer, r.mn, r.reason, r.excerpt])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub(crate) fn rejects(&self, limit: usize) -> Result<Vec<Reject>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT received_at, peer, mn, reason, excerpt FROM ingest_rejects ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([list_limit(limit)], |r| {
                Ok(Reject {
                    received_at_ms: r.get(0)?,
                    peer: r.get(1)?,
                    mn: r.get(2)?,
                    reason: r.get(3)?,
                    excerpt: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn prune_rejects(
        &self,
        detail_before_ms: i64,
        max_rows: u64,
        days_before_ms: i64,
    ) -> Result<RejectsPruned, StoreError> {
        let mut done = RejectsPruned::default();
        // Rows with an id up to this one are beyond the newest `max_rows`.
        let excess: i64 = self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    "SELECT id FROM ingest_rejects ORDER BY id DESC LIMIT 1 OFFSET ?1",
                    [i64::try_from(max_rows).unwrap_or(i64::MAX)],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0))
        })?;
        loop {
            let n = self.with_writer(|conn| {
                let tx = conn.transaction()?;
                let rows: Vec<(i64, String, String)> = {
                    let mut stmt = tx.prepare_cached(
                        "DELETE FROM ingest_rejects WHERE id IN (SELECT id FROM ingest_rejects
                            WHERE received_at < ?1 OR id <= ?2 ORDER BY id LIMIT ?3)
                         RETURNING received_at, peer, reason",
                    )?;
                    let rows = stmt.query_map(
                        params![detail_before_ms, excess, super::PRUNE_BATCH],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )?;
                    rows.collect::<Result<_, _>>()?
                };
                {
                    let mut put = tx.prepare_cached(
                        "INSERT INTO ingest_reject_days (day, reason, peer_addr, rejects, first_at, last_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (day, reason, peer_addr) DO UPDATE SET
                            rejects = rejects + excluded.rejects,
                            first_at = min(first_at, excluded.first_at),
                            last_at = max(last_at, excluded.last_at)",
                    )?;
                    for ((day, reason, addr), (n, first, last)) in
                        super::fold_rejects(rows.iter().cloned())
                    {
                        put.execute(params![day, reason, addr, n, first, last])?;
                    }
                }
                tx.commit()?;
                Ok(rows.len() as u64)
            })?;
            done.folded += n;
            if n < super::PRUNE_BATCH as u64 {
                break;
            }
        }
        done.days_removed = self.with_writer(|conn| {
            Ok(conn.execute(
                "DELETE FROM ingest_reject_days WHERE day < ?1",
                [super::beijing_day(days_before_ms)],
            )? as u64)
        })?;
        Ok(done)
    }

    pub(crate) fn reject_days(&self, limit: usize) -> Result<Vec<RejectDay>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT day, reason, peer_addr, rejects, first_at, last_at FROM ingest_reject_days
                 ORDER BY day DESC, rejects DESC, reason, peer_addr LIMIT ?1",
            )?;
            let mut rows = stmt.query([list_limit(limit)])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(RejectDay {
                    day: super::day_date(r.get(0)?)?,
                    reason: r.get(1)?,
                    peer_addr: r.get(2)?,
                    rejects: r.get::<_, i64>(3)?.max(0) as u64,
                    first_at_ms: r.get(4)?,
                    last_at_ms: r.get(5)?,
                });
            }
            Ok(out)
        })
    }

    pub(crate) fn readings(
        &self,
        device_id: i64,
        cn: u16,
        from: i64,
        to: i64,
    ) -> Result<Vec<StoredReading>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT data_time, part, frame_id, vals FROM readings
                 WHERE device_id = ?1 AND cn = ?2 AND data_time >= ?3 AND data_time < ?4 ORDER BY data_time, part",
            )?;
            let rows = stmt.query_map(params![device_id, cn, from, to], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, Vec<u8>>(3)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (data_time, part, frame_id, vals) = row?;
                out.push(StoredReading {
                    cn,
                    data_time,
                    part,
                    frame_id,
                    values: decode_vals(&vals)?,
                });
            }
            Ok(out)
        })
    }

    pub(crate) fn latest_readings(
        &self,
        cn: u16,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, StoredReading)>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT device_id, data_time, part, frame_id, vals FROM readings
                 WHERE cn = ?1 AND data_time >= ?2 AND data_time < ?3 ORDER BY data_time DESC, part DESC",
            )?;
            let mut rows = stmt.query(params![cn, from, to])?;
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let device_id: i64 = r.get(0)?;
                if !seen.insert(device_id) {
                    continue;
                }
                out.push((
                    device_id,
                    StoredReading {
                        cn,
                        data_time: r.get(1)?,
                        part: r.get(2)?,
                        frame_id: r.get(3)?,
                        values: decode_vals(&r.get::<_, Vec<u8>>(4)?)?,
                    },
                ));
            }
            out.sort_by_key(|(d, _)| *d);
            Ok(out)
        })
    }

    pub(crate) fn devices_version(&self) -> Result<(i64, i64), StoreError> {
        self.with_reader(|conn| {
            Ok(conn.query_row(super::DEVICES_VERSION_SQL, [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
        })
    }

    pub(crate) fn devices_last_seen(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(super::LAST_SEEN_SQL)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn unrecovered_alarms(
        &self,
        device_id: Option<i64>,
    ) -> Result<Vec<(i64, AlarmKind, Option<String>)>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{} AND (?1 IS NULL OR device_id = ?1) ORDER BY id",
                super::UNRECOVERED_SQL
            ))?;
            let rows = stmt.query_map([device_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for r in rows {
                let (id, kind, factor) = r?;
                out.push((id, parse_kind(&kind)?, factor_of(factor)));
            }
            Ok(out)
        })
    }

    pub(crate) fn frame_raw(&self, frame_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row("SELECT raw FROM frames WHERE id = ?1", [frame_id], |r| {
                    r.get(0)
                })
                .optional()?)
        })
    }

    pub(crate) fn monitoring_counts(&self) -> Result<MonitoringCounts, StoreError> {
        self.with_reader(|conn| {
            let mut c = MonitoringCounts {
                frames: conn.query_row("SELECT count(*) FROM frames", [], |r| r.get::<_, i64>(0))?
                    as u64,
                rejects: conn.query_row("SELECT count(*) FROM ingest_rejects", [], |r| {
                    r.get::<_, i64>(0)
                })? as u64,
                alarms: conn.query_row("SELECT count(*) FROM alarms", [], |r| r.get::<_, i64>(0))?
                    as u64,
                ..MonitoringCounts::default()
            };
            let mut stmt = conn.prepare("SELECT cn, count(*) FROM readings GROUP BY cn")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (cn, n) = row?;
                c.readings[reading_slot(cn)] += n as u64;
            }
            Ok(c)
        })
    }

    pub(crate) fn apply_alarm_updates(
        &self,
        updates: &[AlarmUpdate],
        at_ms: i64,
    ) -> Result<Vec<i64>, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let raised = apply_updates(&tx, updates, at_ms)?;
            tx.commit()?;
            Ok(raised)
        })
    }

    pub(crate) fn alarm_action(
        &self,
        alarm_id: i64,
        actor: &str,
        action: &AlarmAction,
        authorize: &dyn Fn(&AlarmScopeRecord) -> Result<(), StoreError>,
        at_ms: i64,
    ) -> Result<AlarmState, StoreError> {
        self.with_writer(|conn| {
            // The single writer connection: nothing else writes between this read and the
            // commit, so the scope checked is the scope written under.
            let tx = conn.transaction()?;
            let scope = {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {ALARM_COLUMNS}, d.town FROM alarms a JOIN devices d ON d.id = a.device_id
                     WHERE a.id = ?1"
                ))?;
                let mut rows = stmt.query([alarm_id])?;
                let row = rows.next()?.ok_or(StoreError::NotFound("alarm", alarm_id))?;
                AlarmScopeRecord {
                    alarm: alarm_from_row(row)?,
                    town: row.get(13)?,
                }
            };
            authorize(&scope)?;
            let from = scope.alarm.state;
            let to = from.apply(action)?;
            let assignee = match action {
                AlarmAction::Dispatch { to } => Some(to.as_str()),
                _ => None,
            };
            tx.execute(
                "UPDATE alarms SET state = ?2, assignee = COALESCE(?3, assignee), updated_at = ?4 WHERE id = ?1",
                params![alarm_id, to.as_str(), assignee, at_ms],
            )?;
            let attachments = match action {
                AlarmAction::Handle { attachments, .. } => attachments.clone(),
                _ => Vec::new(),
            };
            insert_event(
                &tx,
                alarm_id,
                at_ms,
                actor,
                action.as_str(),
                from.as_str(),
                to.as_str(),
                action.note(),
                &attachments,
            )?;
            crate::accounts::sqlite::insert_audit(
                &tx,
                &super::alarm_audit(alarm_id, actor, action, from, to, at_ms),
            )?;
            tx.commit()?;
            Ok(to)
        })
    }

    pub(crate) fn alarms(&self, filter: &AlarmFilter) -> Result<Vec<AlarmRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ALARM_COLUMNS} {ALARM_WHERE} ORDER BY a.id DESC LIMIT ?12 OFFSET ?13"
            ))?;
            let f = filter_params(filter);
            let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
            let mut rows = stmt.query(params![
                f.0,
                f.1,
                f.2,
                f.3,
                f.4,
                f.5,
                f.6,
                f.7,
                f.8,
                f.9,
                f.10,
                list_limit(filter.limit),
                offset
            ])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(alarm_from_row(row)?);
            }
            Ok(out)
        })
    }

    pub(crate) fn alarms_found(&self, filter: &AlarmFilter) -> Result<u64, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!("SELECT count(*) {ALARM_WHERE}"))?;
            let f = filter_params(filter);
            let n: i64 = stmt.query_row(
                params![f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8, f.9, f.10],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
    }

    pub(crate) fn open_alarm_counts(&self) -> Result<Vec<OpenAlarmCount>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(super::OPEN_ALARM_COUNTS_SQL)?;
            let rows = stmt.query_map([], |r| {
                Ok(OpenAlarmCount {
                    mn: r.get(0)?,
                    open: r.get::<_, i64>(1)?.max(0) as u64,
                    offline_now: r.get::<_, i64>(2)? > 0,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn alarm_events(&self, alarm_id: i64) -> Result<Vec<AlarmEventRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at, actor, action, from_state, to_state, note, attachments
                 FROM alarm_events WHERE alarm_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([alarm_id], |r| {
                Ok(AlarmEventRecord {
                    at_ms: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    from: r.get(3)?,
                    to: r.get(4)?,
                    note: r.get(5)?,
                    attachments: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn alarm_evidence(&self, alarm_id: i64) -> Result<Vec<EvidenceFrame>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT f.id, f.seq, f.received_at, f.raw, f.hash, f.prev_hash
                 FROM alarm_evidence e JOIN frames f ON f.id = e.frame_id
                 WHERE e.alarm_id = ?1 ORDER BY f.id",
            )?;
            let rows = stmt.query_map([alarm_id], |r| {
                Ok(EvidenceFrame {
                    frame_id: r.get(0)?,
                    seq: r.get(1)?,
                    received_at_ms: r.get(2)?,
                    raw: r.get(3)?,
                    hash: r.get(4)?,
                    prev_hash: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn verify_frames(&self, mn: Option<&str>) -> Result<Vec<ChainCheck>, StoreError> {
        self.with_reader(|conn| {
            // One snapshot for the heads and the frames, while ingest goes on.
            let tx = conn.unchecked_transaction()?;
            let conn = &*tx;
            let mut devices = conn.prepare(
                "SELECT d.id, d.mn, h.seq, h.hash FROM devices d LEFT JOIN chain_heads h ON h.device_id = d.id
                 WHERE ?1 IS NULL OR d.mn = ?1 ORDER BY d.mn",
            )?;
            let list = devices
                .query_map([mn], |r| {
                    let head = match (r.get::<_, Option<i64>>(2)?, r.get::<_, Option<Vec<u8>>>(3)?) {
                        (Some(s), Some(h)) => Some((s, h)),
                        _ => None,
                    };
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, head))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let only = match (mn, list.first()) {
                (Some(_), Some(d)) => Some(d.0),
                (Some(_), None) => return Ok(Vec::new()),
                (None, _) => None,
            };
            let mut stmt = conn.prepare(
                "SELECT device_id, seq, received_at, raw, prev_hash, hash FROM frames
                 WHERE ?1 IS NULL OR device_id = ?1 ORDER BY id",
            )?;
            let mut rows = stmt.query([only])?;
            let mut v = super::ChainVerifier::default();
            while let Some(r) = rows.next()? {
                let raw: Vec<u8> = r.get(3)?;
                let prev: Vec<u8> = r.get(4)?;
                let hash: Vec<u8> = r.get(5)?;
                v.push(r.get(0)?, r.get(1)?, r.get(2)?, &raw, &prev, &hash);
            }
            drop(rows);
            drop(stmt);
            drop(devices);
            tx.finish()?;
            Ok(v.finish(list))
        })
    }
}

fn device_id(tx: &Connection, mn: &str) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_row("SELECT id FROM devices WHERE mn = ?1", [mn], |r| r.get(0))
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &Connection,
    alarm_id: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    from: &str,
    to: &str,
    note: &str,
    attachments: &[String],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alarm_events (alarm_id, at, actor, action, from_state, to_state, note, attachments)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            alarm_id,
            at_ms,
            actor,
            action,
            from,
            to,
            note,
            serde_json::to_string(attachments).unwrap_or_else(|_| "[]".to_owned())
        ],
    )?;
    Ok(())
}

/// Raise, extend or recover alarms; returns the ids of newly raised alarms.
fn apply_updates(
    tx: &Connection,
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
                let factor = factor_col(c.factor.as_deref());
                // The same condition still unrecovered on an open alarm: extend that one.
                let open: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM alarms WHERE device_id = ?1 AND kind = ?2 AND factor = ?3
                           AND recovered_at IS NULL AND state NOT IN ('closed', 'dismissed')
                         ORDER BY id DESC LIMIT 1",
                        params![dev, c.kind.as_str(), factor],
                        |r| r.get(0),
                    )
                    .optional()?;
                let id = if let Some(id) = open {
                    tx.execute(
                        "UPDATE alarms SET end_at = max(end_at, ?2), updated_at = ?3 WHERE id = ?1",
                        params![id, c.end, at_ms],
                    )?;
                    id
                } else {
                    tx.execute(
                        "INSERT INTO alarms (device_id, kind, factor, state, start_at, end_at, value, lim, detail, raised_at, updated_at)
                         VALUES (?1, ?2, ?3, 'raised', ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                        params![dev, c.kind.as_str(), factor, c.start, c.end, c.value, c.limit, c.detail, at_ms],
                    )?;
                    let id = tx.last_insert_rowid();
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
                    let mut stmt = tx.prepare_cached(
                        "INSERT INTO alarm_evidence (alarm_id, frame_id)
                         SELECT ?1, frame_id FROM readings WHERE device_id = ?2 AND cn = ?3 AND data_time = ?4
                         ON CONFLICT DO NOTHING",
                    )?;
                    for t in &c.evidence {
                        stmt.execute(params![id, dev, kind.cn(), t])?;
                    }
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
                let ids: Vec<i64> = {
                    let mut stmt = tx.prepare_cached(
                        "SELECT id FROM alarms WHERE device_id = ?1 AND kind = ?2 AND factor = ?3 AND recovered_at IS NULL",
                    )?;
                    stmt.query_map(
                        params![dev, kind.as_str(), factor_col(factor.as_deref())],
                        |r| r.get(0),
                    )?
                    .collect::<Result<_, _>>()?
                };
                for id in ids {
                    tx.execute(
                        "UPDATE alarms SET recovered_at = ?2, updated_at = ?3 WHERE id = ?1",
                        params![id, at.saturating_mul(1000), at_ms],
                    )?;
                    let state: String =
                        tx.query_row("SELECT state FROM alarms WHERE id = ?1", [id], |r| r.get(0))?;
                    insert_event(
                        tx,
                        id,
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
