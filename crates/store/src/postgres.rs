//! The PostgreSQL engine: a connection pool, monthly partitions of `hourly`, binary COPY for
//! bulk writes.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use jiff::civil::Date;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{NoTls, Transaction};
use r2d2::{CustomizeConnection, Pool};
use r2d2_postgres::PostgresConnectionManager;

use crate::chunk::{DayValues, merge};
use crate::model::{
    Area, AreaMember, ConflictRecord, DayItem, ImportRun, Quantity, ReviewMark, Station,
    WriteSummary, conflict_record, day_date, day_number, now, review_mark,
};
use crate::{MIGRATIONS_POSTGRES, StoreError};

pub(crate) type Manager = PostgresConnectionManager<NoTls>;

/// Sets the schema search path of every pooled connection (used to isolate tests, or to keep
/// several lantian databases in one PostgreSQL database).
#[derive(Debug)]
struct SearchPath(String);

impl CustomizeConnection<postgres::Client, postgres::Error> for SearchPath {
    fn on_acquire(&self, conn: &mut postgres::Client) -> Result<(), postgres::Error> {
        conn.batch_execute(&format!("SET search_path TO {}", quote_ident(&self.0)))
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A lantian store in PostgreSQL.
pub struct PgStore {
    pool: Pool<Manager>,
    /// Months whose `hourly` partition is known to exist.
    partitions: Mutex<HashSet<(i16, i8)>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (a `postgres://` URL), optionally inside `schema` (created if
    /// missing), and applies pending migrations.
    pub fn open(url: &str, schema: Option<&str>) -> Result<PgStore, StoreError> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Url(url.to_owned(), e.to_string()))?;
        if let Some(schema) = schema {
            let mut client = config.connect(NoTls)?;
            client.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                quote_ident(schema)
            ))?;
        }
        let manager = PostgresConnectionManager::new(config, NoTls);
        let mut builder = Pool::builder().max_size(8);
        if let Some(schema) = schema {
            builder = builder.connection_customizer(Box::new(SearchPath(schema.to_owned())));
        }
        let pool = builder.build(manager)?;
        let store = PgStore {
            pool,
            partitions: Mutex::new(HashSet::new()),
        };
        store.migrate()?;
        Ok(store)
    }

    pub(crate) fn client(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        Ok(self.pool.get()?)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // One migrator at a time across nodes.
        tx.execute("SELECT pg_advisory_xact_lock(7274680)", &[])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )?;
        for (version, sql) in MIGRATIONS_POSTGRES {
            let done = tx
                .query_opt(
                    "SELECT version FROM schema_migrations WHERE version = $1",
                    &[&(*version as i32)],
                )?
                .is_some();
            if done {
                continue;
            }
            tx.batch_execute(sql)
                .map_err(|e| StoreError::Migration(*version, e.to_string()))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&(*version as i32), &now()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn upsert_stations(&self, stations: &[Station]) -> Result<u64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let stmt = tx.prepare(
            "INSERT INTO stations (code, name, city, province, lon, lat, level, source, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
                IS DISTINCT FROM (stations.name, stations.city, stations.province, stations.lon,
                      stations.lat, stations.level)",
        )?;
        let mut changed = 0;
        let t = now();
        for s in stations {
            changed += tx.execute(
                &stmt,
                &[
                    &s.code,
                    &s.name,
                    &s.city,
                    &s.province,
                    &s.lon,
                    &s.lat,
                    &s.level.as_str(),
                    &s.source,
                    &t,
                ],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    pub(crate) fn stations(&self) -> Result<Vec<Station>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT code, name, city, province, lon, lat, level, source FROM stations ORDER BY code",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Station {
                    code: r.get(0),
                    name: r.get(1),
                    city: r.get(2),
                    province: r.get(3),
                    lon: r.get(4),
                    lat: r.get(5),
                    level: r.get::<_, String>(6).parse().map_err(StoreError::Corrupt)?,
                    source: r.get(7),
                })
            })
            .collect()
    }

    pub(crate) fn put_area(&self, area: &Area) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let area_id: i64 = tx
            .query_one(
                "INSERT INTO areas (code, name, kind, alias) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code) DO UPDATE SET
                    name = excluded.name, kind = excluded.kind, alias = excluded.alias
                 RETURNING id",
                &[&area.code, &area.name, &area.kind, &area.alias],
            )?
            .get(0);
        tx.execute("DELETE FROM area_stations WHERE area_id = $1", &[&area_id])?;
        for m in &area.members {
            let station_id: i64 = tx
                .query_opt("SELECT id FROM stations WHERE code = $1", &[&m.station])?
                .ok_or_else(|| StoreError::UnknownStation(m.station.clone()))?
                .get(0);
            tx.execute(
                "INSERT INTO area_stations (area_id, station_id, counts) VALUES ($1, $2, $3)",
                &[&area_id, &station_id, &m.counts],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn areas(&self) -> Result<Vec<Area>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT a.code, a.name, a.kind, a.alias, s.code, m.counts
             FROM areas a
             LEFT JOIN area_stations m ON m.area_id = a.id
             LEFT JOIN stations s ON s.id = m.station_id
             ORDER BY a.code, s.code",
            &[],
        )?;
        let mut out: Vec<Area> = Vec::new();
        for r in rows {
            let code: String = r.get(0);
            if out.last().map(|a| &a.code) != Some(&code) {
                out.push(Area {
                    code,
                    name: r.get(1),
                    kind: r.get(2),
                    alias: r.get(3),
                    members: Vec::new(),
                });
            }
            let station: Option<String> = r.get(4);
            let counts: Option<bool> = r.get(5);
            if let (Some(station), Some(counts), Some(area)) = (station, counts, out.last_mut()) {
                area.members.push(AreaMember { station, counts });
            }
        }
        Ok(out)
    }

    pub(crate) fn begin_import(&self, kind: &str, description: &str) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        Ok(c.query_one(
            "INSERT INTO import_runs (kind, description, started_at) VALUES ($1, $2, $3) RETURNING id",
            &[&kind, &description, &now()],
        )?
        .get(0))
    }

    pub(crate) fn finish_import(&self, id: i64, summary: &str) -> Result<(), StoreError> {
        let mut c = self.client()?;
        c.execute(
            "UPDATE import_runs SET finished_at = $2, summary = $3 WHERE id = $1",
            &[&id, &now(), &summary],
        )?;
        Ok(())
    }

    pub(crate) fn import_runs(&self) -> Result<Vec<ImportRun>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT id, kind, description, started_at, finished_at, summary FROM import_runs ORDER BY id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| ImportRun {
                id: r.get(0),
                kind: r.get(1),
                description: r.get(2),
                started_at: r.get(3),
                finished_at: r.get(4),
                summary: r.get(5),
            })
            .collect())
    }

    /// Series ids for the items' (station, quantity) pairs, creating missing series.
    fn series_ids(
        tx: &mut Transaction<'_>,
        items: &[DayItem],
    ) -> Result<HashMap<(String, Quantity), i64>, StoreError> {
        let mut wanted: Vec<(String, Quantity)> = items
            .iter()
            .map(|i| (i.station.clone(), i.quantity))
            .collect();
        wanted.sort();
        wanted.dedup();
        let codes: Vec<&str> = wanted.iter().map(|(s, _)| s.as_str()).collect();
        let quantities: Vec<&str> = wanted.iter().map(|(_, q)| q.code()).collect();
        // Create what is missing, then read all ids back, in two set-based statements.
        tx.execute(
            "INSERT INTO series (station_id, quantity)
             SELECT st.id, w.quantity
             FROM unnest($1::text[], $2::text[]) AS w (code, quantity)
             JOIN stations st ON st.code = w.code
             ON CONFLICT (station_id, quantity) DO NOTHING",
            &[&codes, &quantities],
        )?;
        let rows = tx.query(
            "SELECT st.code, s.quantity, s.id
             FROM unnest($1::text[], $2::text[]) AS w (code, quantity)
             JOIN stations st ON st.code = w.code
             JOIN series s ON s.station_id = st.id AND s.quantity = w.quantity",
            &[&codes, &quantities],
        )?;
        let mut out = HashMap::new();
        for r in rows {
            let q: String = r.get(1);
            let q = Quantity::from_code(&q)
                .ok_or_else(|| StoreError::Corrupt(format!("quantity {q}")))?;
            out.insert((r.get::<_, String>(0), q), r.get::<_, i64>(2));
        }
        if let Some((code, _)) = wanted.iter().find(|w| !out.contains_key(*w)) {
            return Err(StoreError::UnknownStation(code.clone()));
        }
        Ok(out)
    }

    /// Creates the monthly partitions of `hourly` that `days` need.
    fn ensure_partitions(&self, tx: &mut Transaction<'_>, days: &[Date]) -> Result<(), StoreError> {
        let mut months: Vec<(i16, i8)> = days.iter().map(|d| (d.year(), d.month())).collect();
        months.sort();
        months.dedup();
        let mut known = self.partitions.lock().map_err(|_| StoreError::Poisoned)?;
        let missing: Vec<(i16, i8)> = months.into_iter().filter(|m| !known.contains(m)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        tx.execute("SELECT pg_advisory_xact_lock(7274681)", &[])?;
        for (y, m) in missing {
            let first = Date::new(y, m, 1).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let next = first
                .checked_add(jiff::Span::new().months(1))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS hourly_{y:04}_{m:02} PARTITION OF hourly FOR VALUES FROM ({}) TO ({})",
                day_number(first),
                day_number(next)
            ))?;
            known.insert((y, m));
        }
        Ok(())
    }

    pub(crate) fn write_days(
        &self,
        import_id: i64,
        items: &[DayItem],
    ) -> Result<WriteSummary, StoreError> {
        let items: Vec<&DayItem> = items.iter().filter(|i| !i.values.is_empty()).collect();
        let mut sum = WriteSummary::default();
        if items.is_empty() {
            return Ok(sum);
        }
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let owned: Vec<DayItem> = items.iter().map(|i| (*i).clone()).collect();
        let ids = Self::series_ids(&mut tx, &owned)?;
        let days: Vec<Date> = items.iter().map(|i| i.day).collect();
        self.ensure_partitions(&mut tx, &days)?;

        tx.batch_execute(
            "CREATE TEMP TABLE IF NOT EXISTS incoming (
                 pos INTEGER NOT NULL, series_id BIGINT NOT NULL, day INTEGER NOT NULL,
                 n INTEGER NOT NULL, vals BYTEA NOT NULL, flags BYTEA
             ) ON COMMIT DELETE ROWS",
        )?;
        {
            let sink = tx
                .copy_in("COPY incoming (pos, series_id, day, n, vals, flags) FROM STDIN BINARY")?;
            let mut w = BinaryCopyInWriter::new(
                sink,
                &[
                    Type::INT4,
                    Type::INT8,
                    Type::INT4,
                    Type::INT4,
                    Type::BYTEA,
                    Type::BYTEA,
                ],
            );
            for (pos, item) in items.iter().enumerate() {
                let series = ids[&(item.station.clone(), item.quantity)];
                let vals = item.values.encode_values();
                let flags = item.values.encode_flags();
                w.write(&[
                    &(pos as i32),
                    &series,
                    &day_number(item.day),
                    &(item.values.count() as i32),
                    &vals,
                    &flags,
                ])?;
            }
            w.finish()?;
        }
        // New rows go straight in; the ones that collide are merged below.
        let inserted = tx.query(
            "INSERT INTO hourly (series_id, day, n, vals, flags, import_id)
             SELECT DISTINCT ON (series_id, day) series_id, day, n, vals, flags, $1 FROM incoming
             ORDER BY series_id, day, pos
             ON CONFLICT DO NOTHING
             RETURNING series_id, day, n",
            &[&import_id],
        )?;
        let mut fresh: HashSet<(i64, i32)> = HashSet::new();
        for r in &inserted {
            fresh.insert((r.get(0), r.get(1)));
            sum.rows_inserted += 1;
            sum.values_added += r.get::<_, i32>(2) as u64;
        }
        let collided = tx.query(
            "SELECT i.pos, i.series_id, i.day, h.vals, h.flags
             FROM incoming i JOIN hourly h ON h.series_id = i.series_id AND h.day = i.day
             ORDER BY i.pos",
            &[],
        )?;
        // Merge in offer order; a key inserted by this statement is merged from its second
        // offer on.
        let mut current: HashMap<(i64, i32), DayValues> = HashMap::new();
        let mut first_offer_done: HashSet<(i64, i32)> = HashSet::new();
        let mut updates: Vec<(i64, i32)> = Vec::new();
        let mut conflicts: Vec<(i64, i32, u8, i64, i64, String)> = Vec::new();
        for r in collided {
            let pos = r.get::<_, i32>(0) as usize;
            let key: (i64, i32) = (r.get(1), r.get(2));
            let item = items[pos];
            if fresh.contains(&key) && first_offer_done.insert(key) {
                // This offer is the row just inserted.
                current.insert(key, item.values);
                continue;
            }
            let stored = match current.get(&key) {
                Some(v) => *v,
                None => {
                    let vals: Vec<u8> = r.get(3);
                    let flags: Option<Vec<u8>> = r.get(4);
                    DayValues::decode(&vals, flags.as_deref())?
                }
            };
            let m = merge(&stored, &item.values);
            sum.values_added += u64::from(m.added);
            sum.values_unchanged += u64::from(m.unchanged);
            sum.conflicts += m.conflicts.len() as u64;
            for cf in &m.conflicts {
                conflicts.push((
                    key.0,
                    key.1,
                    cf.hour,
                    cf.kept.micros(),
                    cf.offered.micros(),
                    item.origin.clone(),
                ));
            }
            if m.changed() && !updates.contains(&key) {
                updates.push(key);
            }
            current.insert(key, m.merged);
        }
        let upd = tx.prepare(
            "UPDATE hourly SET n = $3, vals = $4, flags = $5 WHERE series_id = $1 AND day = $2",
        )?;
        for key in &updates {
            let v = &current[key];
            tx.execute(
                &upd,
                &[
                    &key.0,
                    &key.1,
                    &(v.count() as i32),
                    &v.encode_values(),
                    &v.encode_flags(),
                ],
            )?;
            if !fresh.contains(key) {
                sum.rows_updated += 1;
            }
        }
        if !conflicts.is_empty() {
            let ins = tx.prepare(
                "INSERT INTO conflicts (import_id, series_id, day, hour, kept, offered, origin)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?;
            for (series, day, hour, kept, offered, origin) in &conflicts {
                tx.execute(
                    &ins,
                    &[
                        &import_id,
                        series,
                        day,
                        &i32::from(*hour),
                        kept,
                        offered,
                        origin,
                    ],
                )?;
            }
        }
        tx.commit()?;
        Ok(sum)
    }

    pub(crate) fn read_days(
        &self,
        station: &str,
        quantity: Quantity,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, DayValues)>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT h.day, h.vals, h.flags FROM hourly h
             JOIN series s ON s.id = h.series_id
             JOIN stations st ON st.id = s.station_id
             WHERE st.code = $1 AND s.quantity = $2 AND h.day BETWEEN $3 AND $4
             ORDER BY h.day",
            &[
                &station,
                &quantity.code(),
                &day_number(from),
                &day_number(to),
            ],
        )?;
        rows.iter()
            .map(|r| {
                let vals: Vec<u8> = r.get(1);
                let flags: Option<Vec<u8>> = r.get(2);
                Ok((
                    day_date(r.get(0)),
                    DayValues::decode(&vals, flags.as_deref())?,
                ))
            })
            .collect()
    }

    pub(crate) fn value_count(&self, quantity: Option<Quantity>) -> Result<u64, StoreError> {
        let mut c = self.client()?;
        let n: i64 = match quantity {
            Some(q) => c
                .query_one(
                    "SELECT COALESCE(SUM(h.n), 0)::BIGINT FROM hourly h JOIN series s ON s.id = h.series_id
                     WHERE s.quantity = $1",
                    &[&q.code()],
                )?
                .get(0),
            None => c
                .query_one(
                    "SELECT COALESCE(SUM(h.n), 0)::BIGINT FROM hourly h JOIN series s ON s.id = h.series_id
                     WHERE s.quantity <> 'AQI@CNEMC'",
                    &[],
                )?
                .get(0),
        };
        Ok(n as u64)
    }

    pub(crate) fn conflicts(
        &self,
        import_id: Option<i64>,
    ) -> Result<Vec<ConflictRecord>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT c.import_id, st.code, s.quantity, c.day, c.hour, c.kept, c.offered, c.origin
             FROM conflicts c
             JOIN series s ON s.id = c.series_id
             JOIN stations st ON st.id = s.station_id
             WHERE $1::BIGINT IS NULL OR c.import_id = $1
             ORDER BY c.id",
            &[&import_id],
        )?;
        rows.iter()
            .map(|r| {
                conflict_record(
                    r.get(0),
                    r.get(1),
                    &r.get::<_, String>(2),
                    r.get(3),
                    i64::from(r.get::<_, i32>(4)),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                )
            })
            .collect()
    }

    pub(crate) fn add_review_mark(&self, mark: &ReviewMark) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let probe = [DayItem {
            station: mark.station.clone(),
            quantity: mark.quantity,
            day: mark.day,
            values: DayValues::default(),
            origin: String::new(),
        }];
        let ids = Self::series_ids(&mut tx, &probe)?;
        let series = ids[&(mark.station.clone(), mark.quantity)];
        let (action, value) = mark.action.parts();
        let id: i64 = tx
            .query_one(
                "INSERT INTO review_marks (series_id, day, hour, action, value, reviewer, at, reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &series,
                    &day_number(mark.day),
                    &i32::from(mark.hour),
                    &action,
                    &value,
                    &mark.reviewer,
                    &mark.at,
                    &mark.reason,
                ],
            )?
            .get(0);
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn review_marks(
        &self,
        station: &str,
        quantity: Quantity,
        from: Date,
        to: Date,
    ) -> Result<Vec<ReviewMark>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT r.day, r.hour, r.action, r.value, r.reviewer, r.at, r.reason
             FROM review_marks r
             JOIN series s ON s.id = r.series_id
             JOIN stations st ON st.id = s.station_id
             WHERE st.code = $1 AND s.quantity = $2 AND r.day BETWEEN $3 AND $4
             ORDER BY r.id",
            &[
                &station,
                &quantity.code(),
                &day_number(from),
                &day_number(to),
            ],
        )?;
        rows.iter()
            .map(|r| {
                review_mark(
                    station,
                    quantity,
                    r.get(0),
                    i64::from(r.get::<_, i32>(1)),
                    &r.get::<_, String>(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                )
            })
            .collect()
    }
}

/// A value read from PostgreSQL in the copy's engine-neutral form.
fn neutral(row: &postgres::Row, i: usize) -> Result<crate::copy::Value, StoreError> {
    use crate::copy::Value;
    let ty = row
        .columns()
        .get(i)
        .map(|c| c.type_().clone())
        .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))?;
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)?
            .map_or(Value::Null, Value::Real),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Value::Null, Value::Blob),
        Type::TEXT | Type::VARCHAR => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text),
        other => {
            return Err(StoreError::Corrupt(format!(
                "column type {other} is not handled by the store copy"
            )));
        }
    })
}

/// A neutral value as the target column's type, for binary COPY.
fn typed(
    v: crate::copy::Value,
    ty: &Type,
    table: &str,
    column: &str,
) -> Result<Box<dyn postgres::types::ToSql + Sync>, StoreError> {
    use crate::copy::Value;
    let bad = |v: &Value| {
        StoreError::Invalid(format!(
            "{table}.{column}: value {v:?} does not fit the target's type {ty}"
        ))
    };
    Ok(match (ty, v) {
        (&Type::INT8, Value::Null) => Box::new(None::<i64>),
        (&Type::INT8, Value::Int(i)) => Box::new(i),
        (&Type::INT4, Value::Null) => Box::new(None::<i32>),
        (&Type::INT4, Value::Int(i)) => {
            Box::new(i32::try_from(i).map_err(|_| bad(&Value::Int(i)))?)
        }
        (&Type::BOOL, Value::Null) => Box::new(None::<bool>),
        (&Type::BOOL, Value::Int(i @ (0 | 1))) => Box::new(i == 1),
        (&Type::FLOAT8, Value::Null) => Box::new(None::<f64>),
        (&Type::FLOAT8, Value::Real(f)) => Box::new(f),
        (&Type::FLOAT8, Value::Int(i)) => Box::new(i as f64),
        (&Type::BYTEA, Value::Null) => Box::new(None::<Vec<u8>>),
        (&Type::BYTEA, Value::Blob(b)) => Box::new(b),
        (&Type::TEXT, Value::Null) => Box::new(None::<String>),
        (&Type::TEXT, Value::Text(s)) => Box::new(s),
        (_, v) => return Err(bad(&v)),
    })
}

impl PgStore {
    /// Runs a `SELECT` (built by the store, never from input) and hands each row to `f` as
    /// engine-neutral values, fetching 10,000 rows at a time.
    pub(crate) fn scan_rows(
        &self,
        sql: &str,
        f: &mut dyn FnMut(Vec<crate::copy::Value>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.build_transaction().read_only(true).start()?;
        let portal = tx.bind(sql, &[])?;
        loop {
            let rows = tx.query_portal(&portal, 10_000)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let row = (0..r.len())
                    .map(|i| neutral(r, i))
                    .collect::<Result<Vec<_>, _>>()?;
                f(row)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Copies every table of `source` into this store (which must hold no data) in one
    /// transaction, keeping ids, and moves the id sequences past the copied ids.
    pub(crate) fn copy_from(
        &self,
        source: &crate::Store,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<Vec<(&'static str, u64)>, StoreError> {
        use crate::copy::{TABLES, Value, scan};
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        for t in TABLES {
            let any: bool = tx
                .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {})", t.name), &[])?
                .get(0);
            if any {
                return Err(StoreError::Invalid(format!(
                    "the target already holds data (table {}): copy into an empty database",
                    t.name
                )));
            }
        }
        // The monthly partitions of `hourly` the source's days need.
        let mut days = Vec::new();
        let mut collect = |row: Vec<Value>| {
            if let Some(Value::Int(d)) = row.first() {
                days.push(day_date(i32::try_from(*d).unwrap_or(0)));
            }
            Ok(())
        };
        match source {
            crate::Store::Sqlite(s) => {
                s.scan_rows("SELECT DISTINCT day FROM hourly", &mut collect)?
            }
            crate::Store::Postgres(s) => {
                s.scan_rows("SELECT DISTINCT day FROM hourly", &mut collect)?;
            }
        }
        self.ensure_partitions(&mut tx, &days)?;

        let mut copied = Vec::with_capacity(TABLES.len());
        for t in TABLES {
            let cols = t.columns.join(", ");
            let types: Vec<Type> = tx
                .prepare(&format!("SELECT {cols} FROM {} LIMIT 0", t.name))?
                .columns()
                .iter()
                .map(|c| c.type_().clone())
                .collect();
            let sink = tx.copy_in(&format!(
                "COPY {} ({cols}) FROM STDIN (FORMAT binary)",
                t.name
            ))?;
            let mut w = BinaryCopyInWriter::new(sink, &types);
            let mut n = 0u64;
            scan(source, t, &mut |row: Vec<Value>| {
                let vals = row
                    .into_iter()
                    .zip(types.iter().zip(t.columns))
                    .map(|(v, (ty, col))| typed(v, ty, t.name, col))
                    .collect::<Result<Vec<_>, _>>()?;
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    vals.iter().map(AsRef::as_ref).collect();
                w.write(&refs)?;
                n += 1;
                if n % 100_000 == 0 {
                    progress(t.name, n);
                }
                Ok(())
            })?;
            w.finish()?;
            progress(t.name, n);
            if t.key == ["id"] {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{0}', 'id'), max(id)) FROM {0} HAVING max(id) IS NOT NULL",
                        t.name
                    ),
                    &[],
                )?;
            }
            copied.push((t.name, n));
        }
        tx.commit()?;
        Ok(copied)
    }
}
