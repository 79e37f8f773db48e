//! The SQLite engine: a file, WAL, one writer connection, a few reader connections.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};

use crate::chunk::{DayValues, merge};
use crate::model::{
    Area, AreaMember, ConflictRecord, DayItem, ImportRun, Quantity, ReviewMark, Station,
    WriteSummary, conflict_record, day_date, day_number, now, review_mark,
};
use crate::{MIGRATIONS_SQLITE, StoreError};

/// Reader connections kept open.
const READERS: usize = 4;

/// A lantian store in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: String,
    /// Station code → series id per quantity ([`Quantity::index`]), for the writer.
    series: Mutex<HashMap<String, [Option<i64>; Quantity::COUNT]>>,
    /// Set when a background checkpointer runs; cleared on drop to stop it.
    checkpointer: Mutex<Option<Arc<AtomicBool>>>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Ok(Some(run)) = self.checkpointer.get_mut().map(Option::take) {
            run.store(false, Ordering::Relaxed);
        }
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a device is answered only after its data is committed, and a commit must survive
    // power loss, not only a crash of the process (WAL with NORMAL survives only the latter).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    conn.pragma_update(None, "cache_size", -65536)?; // 64 MiB
    Ok(())
}

impl SqliteStore {
    /// The database file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&conn)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: path.to_string_lossy().into_owned(),
            series: Mutex::new(HashMap::new()),
            checkpointer: Mutex::new(None),
        })
    }

    /// Moves most WAL checkpoint work off the writer: a thread with its own connection runs a
    /// passive checkpoint every `every` (which never blocks the writer), and the writer's own
    /// checkpoints become rare and short. Small, frequent checkpoints keep the answer latency's
    /// tail short (`lantian serve` uses 200 ms: p99 61 ms instead of 353 ms with 1 s, at 25,000
    /// frames/s). For servers with a continuous write load; a no-op
    /// when already running.
    pub(crate) fn background_checkpoints(
        &self,
        every: std::time::Duration,
    ) -> Result<(), StoreError> {
        let mut slot = self.checkpointer.lock().map_err(|_| StoreError::Poisoned)?;
        if slot.is_some() {
            return Ok(());
        }
        let conn = Connection::open(&self.path)?;
        configure(&conn)?;
        // The writer still checkpoints, rarely (every 16 MiB of WAL): by then the background
        // thread has copied most pages, so the writer's checkpoint is short and ends with the
        // WAL fully copied, which lets the next transaction restart the WAL at its beginning
        // (a WAL that is never fully copied grows without end, and extending a file is slow).
        self.with_writer(|w| Ok(w.pragma_update(None, "wal_autocheckpoint", 4096)?))?;
        let run = Arc::new(AtomicBool::new(true));
        let flag = run.clone();
        std::thread::Builder::new()
            .name("lantian-checkpoint".to_owned())
            .spawn(move || {
                while flag.load(Ordering::Relaxed) {
                    std::thread::sleep(every);
                    // PASSIVE: copy what no reader needs; never waits for the writer.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the checkpointer: {e}")))?;
        *slot = Some(run);
        Ok(())
    }

    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = match self.readers.lock().map_err(|_| StoreError::Poisoned)?.pop() {
            Some(c) => c,
            None => {
                let c = Connection::open(&self.path)?;
                configure(&c)?;
                c
            }
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().map_err(|_| StoreError::Poisoned)?;
        if pool.len() < READERS {
            pool.push(conn);
        }
        result
    }

    pub(crate) fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn)
    }

    pub(crate) fn upsert_stations(&self, stations: &[Station]) -> Result<u64, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let mut changed = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO stations (code, name, city, province, lon, lat, level, source, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (code) DO UPDATE SET
                name = COALESCE(excluded.name, stations.name),
                city = COALESCE(excluded.city, stations.city),
                province = COALESCE(excluded.province, stations.province),
                lon = COALESCE(excluded.lon, stations.lon),
                lat = COALESCE(excluded.lat, stations.lat),
                level = CASE WHEN excluded.level = 'unclassified' THEN stations.level
                             ELSE excluded.level END,
                source = excluded.source, updated_at = excluded.updated_at
             WHERE (COALESCE(excluded.name, stations.name), COALESCE(excluded.city, stations.city),
                    COALESCE(excluded.province, stations.province),
                    COALESCE(excluded.lon, stations.lon), COALESCE(excluded.lat, stations.lat),
                    CASE WHEN excluded.level = 'unclassified' THEN stations.level
                         ELSE excluded.level END)
                IS NOT (stations.name, stations.city, stations.province, stations.lon,
                      stations.lat, stations.level)",
                )?;
                for s in stations {
                    changed += stmt.execute(params![
                        s.code,
                        s.name,
                        s.city,
                        s.province,
                        s.lon,
                        s.lat,
                        s.level.as_str(),
                        s.source,
                        now()
                    ])? as u64;
                }
            }
            tx.commit()?;
            Ok(changed)
        })
    }

    pub(crate) fn stations(&self) -> Result<Vec<Station>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT code, name, city, province, lon, lat, level, source FROM stations ORDER BY code",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get::<_, String>(6)?,
                    r.get(7)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (code, name, city, province, lon, lat, level, source) = row?;
                out.push(Station {
                    level: level.parse().map_err(StoreError::Corrupt)?,
                    code,
                    name,
                    city,
                    province,
                    lon,
                    lat,
                    source,
                });
            }
            Ok(out)
        })
    }

    pub(crate) fn put_area(&self, area: &Area) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO areas (code, name, kind, alias) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (code) DO UPDATE SET
                    name = excluded.name, kind = excluded.kind, alias = excluded.alias",
                params![area.code, area.name, area.kind, area.alias],
            )?;
            let area_id: i64 =
                tx.query_row("SELECT id FROM areas WHERE code = ?1", [&area.code], |r| {
                    r.get(0)
                })?;
            tx.execute("DELETE FROM area_stations WHERE area_id = ?1", [area_id])?;
            for m in &area.members {
                let station_id: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM stations WHERE code = ?1",
                        [&m.station],
                        |r| r.get(0),
                    )
                    .optional()?;
                let station_id =
                    station_id.ok_or_else(|| StoreError::UnknownStation(m.station.clone()))?;
                tx.execute(
                    "INSERT INTO area_stations (area_id, station_id, counts) VALUES (?1, ?2, ?3)",
                    params![area_id, station_id, m.counts],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub(crate) fn areas(&self) -> Result<Vec<Area>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.code, a.name, a.kind, a.alias, s.code, m.counts
                 FROM areas a
                 LEFT JOIN area_stations m ON m.area_id = a.id
                 LEFT JOIN stations s ON s.id = m.station_id
                 ORDER BY a.code, s.code",
            )?;
            let mut out: Vec<Area> = Vec::new();
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<bool>>(5)?,
                ))
            })?;
            for row in rows {
                let (code, name, kind, alias, station, counts) = row?;
                if out.last().map(|a| &a.code) != Some(&code) {
                    out.push(Area {
                        code,
                        name,
                        kind,
                        alias,
                        members: Vec::new(),
                    });
                }
                if let (Some(station), Some(counts), Some(area)) = (station, counts, out.last_mut())
                {
                    area.members.push(AreaMember { station, counts });
                }
            }
            Ok(out)
        })
    }

    pub(crate) fn begin_import(&self, kind: &str, description: &str) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            conn.execute(
                "INSERT INTO import_runs (kind, description, started_at) VALUES (?1, ?2, ?3)",
                params![kind, description, now()],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    pub(crate) fn finish_import(&self, id: i64, summary: &str) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            conn.execute(
                "UPDATE import_runs SET finished_at = ?2, summary = ?3 WHERE id = ?1",
                params![id, now(), summary],
            )?;
            Ok(())
        })
    }

    pub(crate) fn import_runs(&self) -> Result<Vec<ImportRun>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, kind, description, started_at, finished_at, summary
                 FROM import_runs ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(ImportRun {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    description: r.get(2)?,
                    started_at: r.get(3)?,
                    finished_at: r.get(4)?,
                    summary: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The series id of (station, quantity), creating the series; `None` if the station is not
    /// registered.
    fn series_id(
        &self,
        tx: &rusqlite::Transaction<'_>,
        cache: &mut HashMap<String, [Option<i64>; Quantity::COUNT]>,
        station: &str,
        quantity: Quantity,
    ) -> Result<i64, StoreError> {
        if let Some(id) = cache.get(station).and_then(|ids| ids[quantity.index()]) {
            return Ok(id);
        }
        let station_id: Option<i64> = tx
            .prepare_cached("SELECT id FROM stations WHERE code = ?1")?
            .query_row([station], |r| r.get(0))
            .optional()?;
        let station_id =
            station_id.ok_or_else(|| StoreError::UnknownStation(station.to_owned()))?;
        tx.prepare_cached(
            "INSERT INTO series (station_id, quantity) VALUES (?1, ?2)
             ON CONFLICT (station_id, quantity) DO NOTHING",
        )?
        .execute(params![station_id, quantity.code()])?;
        let id: i64 = tx
            .prepare_cached("SELECT id FROM series WHERE station_id = ?1 AND quantity = ?2")?
            .query_row(params![station_id, quantity.code()], |r| r.get(0))?;
        cache.entry(station.to_owned()).or_default()[quantity.index()] = Some(id);
        Ok(id)
    }

    pub(crate) fn write_days(
        &self,
        import_id: i64,
        items: &[DayItem],
    ) -> Result<WriteSummary, StoreError> {
        let mut cache = self.series.lock().map_err(|_| StoreError::Poisoned)?;
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let mut sum = WriteSummary::default();
            for item in items {
                if item.values.is_empty() {
                    continue;
                }
                let series = self.series_id(&tx, &mut cache, &item.station, item.quantity)?;
                let day = day_number(item.day);
                let n = item.values.count() as i64;
                let inserted = tx
                    .prepare_cached(
                        "INSERT INTO hourly (series_id, day, n, vals, flags, import_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![
                        series,
                        day,
                        n,
                        item.values.encode_values(),
                        item.values.encode_flags(),
                        import_id
                    ])?;
                if inserted == 1 {
                    sum.rows_inserted += 1;
                    sum.values_added += n as u64;
                    continue;
                }
                let (vals, flags): (Vec<u8>, Option<Vec<u8>>) = tx
                    .prepare_cached("SELECT vals, flags FROM hourly WHERE series_id = ?1 AND day = ?2")?
                    .query_row(params![series, day], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let stored = DayValues::decode(&vals, flags.as_deref())?;
                let m = merge(&stored, &item.values);
                sum.values_added += u64::from(m.added);
                sum.values_unchanged += u64::from(m.unchanged);
                sum.conflicts += m.conflicts.len() as u64;
                if m.changed() {
                    sum.rows_updated += 1;
                    tx.prepare_cached(
                        "UPDATE hourly SET n = ?3, vals = ?4, flags = ?5 WHERE series_id = ?1 AND day = ?2",
                    )?
                    .execute(params![
                        series,
                        day,
                        m.merged.count() as i64,
                        m.merged.encode_values(),
                        m.merged.encode_flags()
                    ])?;
                }
                for c in &m.conflicts {
                    tx.prepare_cached(
                        "INSERT INTO conflicts (import_id, series_id, day, hour, kept, offered, origin)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        import_id,
                        series,
                        day,
                        c.hour,
                        c.kept.micros(),
                        c.offered.micros(),
                        item.origin
                    ])?;
                }
            }
            tx.commit()?;
            Ok(sum)
        })
    }

    pub(crate) fn read_days(
        &self,
        station: &str,
        quantity: Quantity,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, DayValues)>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT h.day, h.vals, h.flags FROM hourly h
                 JOIN series s ON s.id = h.series_id
                 JOIN stations st ON st.id = s.station_id
                 WHERE st.code = ?1 AND s.quantity = ?2 AND h.day BETWEEN ?3 AND ?4
                 ORDER BY h.day",
            )?;
            let rows = stmt.query_map(
                params![station, quantity.code(), day_number(from), day_number(to)],
                |r| {
                    Ok((
                        r.get::<_, i32>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Option<Vec<u8>>>(2)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (day, vals, flags) = row?;
                out.push((day_date(day), DayValues::decode(&vals, flags.as_deref())?));
            }
            Ok(out)
        })
    }

    pub(crate) fn value_count(&self, quantity: Option<Quantity>) -> Result<u64, StoreError> {
        self.with_reader(|conn| {
            let n: i64 = match quantity {
                Some(q) => conn.query_row(
                    "SELECT COALESCE(SUM(h.n), 0) FROM hourly h JOIN series s ON s.id = h.series_id
                     WHERE s.quantity = ?1",
                    [q.code()],
                    |r| r.get(0),
                )?,
                None => conn.query_row(
                    "SELECT COALESCE(SUM(h.n), 0) FROM hourly h JOIN series s ON s.id = h.series_id
                     WHERE s.quantity <> 'AQI@CNEMC'",
                    [],
                    |r| r.get(0),
                )?,
            };
            Ok(n as u64)
        })
    }

    pub(crate) fn conflicts(
        &self,
        import_id: Option<i64>,
    ) -> Result<Vec<ConflictRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.import_id, st.code, s.quantity, c.day, c.hour, c.kept, c.offered, c.origin
                 FROM conflicts c
                 JOIN series s ON s.id = c.series_id
                 JOIN stations st ON st.id = s.station_id
                 WHERE ?1 IS NULL OR c.import_id = ?1
                 ORDER BY c.id",
            )?;
            let rows = stmt.query_map([import_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i32>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (import_id, station, q, day, hour, kept, offered, origin) = row?;
                out.push(conflict_record(
                    import_id, station, &q, day, hour, kept, offered, origin,
                )?);
            }
            Ok(out)
        })
    }

    pub(crate) fn add_review_mark(&self, mark: &ReviewMark) -> Result<i64, StoreError> {
        let mut cache = self.series.lock().map_err(|_| StoreError::Poisoned)?;
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let series = self.series_id(&tx, &mut cache, &mark.station, mark.quantity)?;
            let (action, value) = mark.action.parts();
            tx.execute(
                "INSERT INTO review_marks (series_id, day, hour, action, value, reviewer, at, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    series,
                    day_number(mark.day),
                    mark.hour,
                    action,
                    value,
                    mark.reviewer,
                    mark.at,
                    mark.reason
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn review_marks(
        &self,
        station: &str,
        quantity: Quantity,
        from: Date,
        to: Date,
    ) -> Result<Vec<ReviewMark>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT r.day, r.hour, r.action, r.value, r.reviewer, r.at, r.reason
                 FROM review_marks r
                 JOIN series s ON s.id = r.series_id
                 JOIN stations st ON st.id = s.station_id
                 WHERE st.code = ?1 AND s.quantity = ?2 AND r.day BETWEEN ?3 AND ?4
                 ORDER BY r.id",
            )?;
            let rows = stmt.query_map(
                params![station, quantity.code(), day_number(from), day_number(to)],
                |r| {
                    Ok((
                        r.get::<_, i32>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (day, hour, action, value, reviewer, at, reason) = row?;
                out.push(review_mark(
                    station, quantity, day, hour, &action, value, reviewer, at, reason,
                )?);
            }
            Ok(out)
        })
    }
}

/// Applies the migrations not yet applied, in order, each in its own transaction.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS_SQLITE {
        let done: Option<i64> = conn
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            continue;
        }
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(*version, e.to_string()))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, now()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStore {
    /// Runs a `SELECT` (built by the store, never from input) and hands each row to `f` as
    /// engine-neutral values.
    pub(crate) fn scan_rows(
        &self,
        sql: &str,
        f: &mut dyn FnMut(Vec<crate::copy::Value>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use crate::copy::Value;
        use rusqlite::types::ValueRef;
        self.with_reader(|conn| {
            let mut stmt = conn.prepare(sql)?;
            let n = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let mut row = Vec::with_capacity(n);
                for i in 0..n {
                    row.push(match r.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(v) => Value::Int(v),
                        ValueRef::Real(v) => Value::Real(v),
                        ValueRef::Text(t) => Value::Text(
                            String::from_utf8(t.to_vec())
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        ),
                        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    });
                }
                f(row)?;
            }
            Ok(())
        })
    }
}
