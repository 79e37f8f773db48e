//! lantian's store: one API in the domain's terms, two engines.
//!
//! * **SQLite** (the default, zero set-up: a file path): bundled, WAL, one writer connection
//!   with batched transactions, a few readers.
//! * **PostgreSQL** (`postgres://…`): a connection pool, `hourly` partitioned by month, binary
//!   `COPY` for bulk writes. For several nodes and province scale.
//!
//! Both run their own SQL migrations at start-up (`migrations/{sqlite,postgres}`) and pass the
//! same contract tests (`tests/it`).
//!
//! # Layout
//!
//! * [`model`]: stations, areas, quantities, day items, import runs, conflicts, review marks.
//! * [`chunk`]: a day of hourly values, its exact compact encoding and the merge rule (pure).
//! * [`sqlite`], [`postgres`](mod@postgres): the engines.
//!
//! # Rules every engine keeps
//!
//! * **Values are never overwritten.** Offering a value for an hour that already has a
//!   different one keeps the first and records a [`ConflictRecord`]; offering the same value
//!   changes nothing. Re-importing a file is therefore idempotent.
//! * **Review marks are separate records** ([`ReviewMark`]) with who, when and why.
//! * Every write happens in one transaction: a batch is stored whole or not at all.
//! * SQL is parameterised; identifiers built in code come from the code, never from input.
//!
//! # Example
//!
//! ```
//! use lantian_store::{Store, Station, DayItem, Quantity, chunk::DayValues};
//! use lantian_aq::{Concentration, Pollutant};
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path().join("lantian.db").to_str().unwrap())?;
//! store.upsert_stations(&[Station::unclassified("2008A", "example")])?;
//! let import = store.begin_import("example", "by hand")?;
//! let mut values = DayValues::default();
//! values.values[9] = Some(Concentration::parse("35")?);
//! let item = DayItem {
//!     station: "2008A".into(),
//!     quantity: Quantity::Pollutant(Pollutant::Pm25),
//!     day: jiff::civil::date(2019, 7, 1),
//!     values,
//!     origin: "by hand".into(),
//! };
//! let first = store.write_days(import, &[item.clone()])?;
//! let again = store.write_days(import, &[item])?;
//! assert_eq!((first.values_added, again.values_added, again.values_unchanged), (1, 0, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod accounts;
pub mod assessment;
pub mod chunk;
pub mod copy;
pub mod emergency;
pub mod enforcement;
pub mod fire;
pub mod inventory;
pub mod jobs;
pub mod model;
pub mod monitoring;
pub mod plan;
pub mod postgres;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

use std::path::Path;

use jiff::civil::Date;
use lantian_aq::{Concentration, HourlyFrame, Pollutant};

pub use accounts::{AuditEntry, AuditRecord, MapLayer, MapLayerInfo, NewUser, UserRecord};
pub use assessment::{
    AssessmentResultRecord, AssessmentRulesRecord, NewAssessmentResult, NewAssessmentRules,
};
pub use chunk::{ChunkError, DayValues};
pub use emergency::{NewWarning, ReductionListRecord, WarningEvent, WarningRecord};
pub use enforcement::{CaseFilter, CaseRecord, CreditRow, NewCase, NewCredit};
pub use fire::{
    FireBatchItem, FireBatchOutcome, FireFilter, FireIncidentRecord, FireOrderEvent, FirePlace,
    FireStep, FireTarget, NewFireDetection, StoredFireDetection,
};
pub use inventory::{InventoryVersionRecord, NewInventoryVersion};
pub use jobs::{JobRun, JobRunRecord, Lease, OfflineWatch};
pub use model::{
    Area, AreaMember, ConflictRecord, DayItem, ImportRun, Quantity, ReviewAction, ReviewMark,
    Station, StationLevel, WriteSummary,
};
pub use monitoring::{
    AlarmEventRecord, AlarmFilter, AlarmRecord, AlarmScopeRecord, AlarmUpdate, ChainCheck,
    EvidenceFrame, IngestFrame, IngestOutcome, MonitoringCounts, OpenAlarmCount, Reject, RejectDay,
    RejectsPruned, StoredDevice, StoredReading,
};
pub use plan::{
    AttachmentRecord, IndicatorValueRecord, NewAttachment, NewIndicatorValue, NewTaskReport,
    PlanVersion, TaskReportEvent, TaskReportFilter, TaskReportRecord,
};

/// The SQLite migrations, in order.
pub(crate) const MIGRATIONS_SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_monitoring.sql")),
    (3, include_str!("../migrations/sqlite/0003_accounts.sql")),
    (4, include_str!("../migrations/sqlite/0004_map_layers.sql")),
    (5, include_str!("../migrations/sqlite/0005_plan.sql")),
    (
        6,
        include_str!("../migrations/sqlite/0006_audit_append_only.sql"),
    ),
    (7, include_str!("../migrations/sqlite/0007_jobs.sql")),
    (8, include_str!("../migrations/sqlite/0008_emergency.sql")),
    (9, include_str!("../migrations/sqlite/0009_fire.sql")),
    (10, include_str!("../migrations/sqlite/0010_inventory.sql")),
    (11, include_str!("../migrations/sqlite/0011_assessment.sql")),
    (
        12,
        include_str!("../migrations/sqlite/0012_enforcement.sql"),
    ),
    (
        13,
        include_str!("../migrations/sqlite/0013_reject_retention.sql"),
    ),
];
/// The PostgreSQL migrations, in order.
pub(crate) const MIGRATIONS_POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_monitoring.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_accounts.sql")),
    (
        4,
        include_str!("../migrations/postgres/0004_map_layers.sql"),
    ),
    (5, include_str!("../migrations/postgres/0005_plan.sql")),
    (
        6,
        include_str!("../migrations/postgres/0006_audit_append_only.sql"),
    ),
    (7, include_str!("../migrations/postgres/0007_jobs.sql")),
    (8, include_str!("../migrations/postgres/0008_emergency.sql")),
    (9, include_str!("../migrations/postgres/0009_fire.sql")),
    (
        10,
        include_str!("../migrations/postgres/0010_inventory.sql"),
    ),
    (
        11,
        include_str!("../migrations/postgres/0011_assessment.sql"),
    ),
    (
        12,
        include_str!("../migrations/postgres/0012_enforcement.sql"),
    ),
    (
        13,
        include_str!("../migrations/postgres/0013_reject_retention.sql"),
    ),
];

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An error from SQLite.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// An error from PostgreSQL.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("PostgreSQL connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// A stored row could not be decoded.
    #[error("stored hourly data is corrupt: {0}")]
    Chunk(#[from] ChunkError),
    /// A stored value is not what the schema allows.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A station code is not registered.
    #[error("unknown station {0:?}: register it first (lantian import stations)")]
    UnknownStation(String),
    /// The store location cannot be understood.
    #[error("cannot open store {0:?}: {1}")]
    Url(String, String),
    /// A migration failed.
    #[error("migration {0} failed: {1}")]
    Migration(i64, String),
    /// No such record.
    #[error("no {0} with id {1}")]
    NotFound(&'static str, i64),
    /// A lifecycle action the record's state does not allow.
    #[error(transparent)]
    Transition(#[from] lantian_core::TransitionError),
    /// A change the record's state does not allow (e.g. resubmitting an accepted report).
    #[error("{0}")]
    Conflict(String),
    /// An argument the store refuses (e.g. an empty job name).
    #[error("{0}")]
    Invalid(String),
    /// The actor may not take this step on this record (checked inside the transaction).
    #[error("{0}")]
    Denied(String),
    /// A lock was poisoned by a panic in another thread.
    #[error("store lock poisoned")]
    Poisoned,
}

/// The store: SQLite or PostgreSQL behind one API.
#[derive(Debug)]
// One store per process: the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Store {
    /// SQLite file.
    Sqlite(sqlite::SqliteStore),
    /// PostgreSQL.
    Postgres(postgres::PgStore),
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*),
            Store::Postgres(s) => s.$method($($arg),*),
        }
    };
}

impl Store {
    /// Opens a store: a `postgres://` or `postgresql://` URL, or a SQLite file path (optionally
    /// prefixed `sqlite:`), created if missing. Pending migrations are applied.
    pub fn open(location: &str) -> Result<Store, StoreError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            return Ok(Store::Postgres(postgres::PgStore::open(location, None)?));
        }
        let path = location.strip_prefix("sqlite:").unwrap_or(location);
        if path.is_empty() {
            return Err(StoreError::Url(
                location.to_owned(),
                "empty path".to_owned(),
            ));
        }
        Ok(Store::Sqlite(sqlite::SqliteStore::open(Path::new(path))?))
    }

    /// Opens a PostgreSQL store inside `schema` (created if missing).
    pub fn open_postgres_schema(url: &str, schema: &str) -> Result<Store, StoreError> {
        Ok(Store::Postgres(postgres::PgStore::open(url, Some(schema))?))
    }

    /// Which engine.
    pub fn engine(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Adds or updates stations by code; returns how many rows changed. A field the new record
    /// leaves empty keeps its stored value, and `Unclassified` never replaces a known level, so
    /// sources that each know part of a station (a list with coordinates, another with names)
    /// can be imported in any order. Only a change of content counts as a change.
    pub fn upsert_stations(&self, stations: &[Station]) -> Result<u64, StoreError> {
        dispatch!(self.upsert_stations(stations))
    }

    /// Every registered station, by code.
    pub fn stations(&self) -> Result<Vec<Station>, StoreError> {
        dispatch!(self.stations())
    }

    /// Creates or replaces an area and its members (all must be registered stations).
    pub fn put_area(&self, area: &Area) -> Result<(), StoreError> {
        dispatch!(self.put_area(area))
    }

    /// Every area with its members, by code.
    pub fn areas(&self) -> Result<Vec<Area>, StoreError> {
        dispatch!(self.areas())
    }

    /// One area by code, name or alias.
    pub fn area(&self, key: &str) -> Result<Option<Area>, StoreError> {
        Ok(self.areas()?.into_iter().find(|a| a.is_named(key)))
    }

    /// Starts an import run and returns its id.
    pub fn begin_import(&self, kind: &str, description: &str) -> Result<i64, StoreError> {
        dispatch!(self.begin_import(kind, description))
    }

    /// Marks an import run finished, with its summary.
    pub fn finish_import(&self, id: i64, summary: &str) -> Result<(), StoreError> {
        dispatch!(self.finish_import(id, summary))
    }

    /// Every import run.
    pub fn import_runs(&self) -> Result<Vec<ImportRun>, StoreError> {
        dispatch!(self.import_runs())
    }

    /// Stores days of hourly values in one transaction (see the crate docs for the rules).
    pub fn write_days(
        &self,
        import_id: i64,
        items: &[DayItem],
    ) -> Result<WriteSummary, StoreError> {
        dispatch!(self.write_days(import_id, items))
    }

    /// The stored days of a station's quantity, `from` to `to` inclusive, in date order.
    pub fn read_days(
        &self,
        station: &str,
        quantity: Quantity,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, DayValues)>, StoreError> {
        dispatch!(self.read_days(station, quantity, from, to))
    }

    /// Stored values: of one quantity, or of every pollutant (reference AQI excluded).
    pub fn value_count(&self, quantity: Option<Quantity>) -> Result<u64, StoreError> {
        dispatch!(self.value_count(quantity))
    }

    /// Recorded conflicts, of one import run or all.
    pub fn conflicts(&self, import_id: Option<i64>) -> Result<Vec<ConflictRecord>, StoreError> {
        dispatch!(self.conflicts(import_id))
    }

    /// Records a review mark; returns its id.
    pub fn add_review_mark(&self, mark: &ReviewMark) -> Result<i64, StoreError> {
        dispatch!(self.add_review_mark(mark))
    }

    /// Review marks of a station's quantity between two dates, in the order they were made.
    pub fn review_marks(
        &self,
        station: &str,
        quantity: Quantity,
        from: Date,
        to: Date,
    ) -> Result<Vec<ReviewMark>, StoreError> {
        dispatch!(self.review_marks(station, quantity, from, to))
    }

    /// A station's six pollutants as an hourly frame with the review marks applied, in the
    /// order they were made: `Invalidate` removes the hour's value, `Correct(v)` replaces it
    /// with `v`, `Confirm` restores the stored value. This is what statistics are computed
    /// from; the stored values themselves are never changed. Also returns how many marks were
    /// applied.
    pub fn reviewed_frame(
        &self,
        station: &str,
        from: Date,
        to: Date,
    ) -> Result<(HourlyFrame<Concentration>, usize), StoreError> {
        let mut frame = self.hourly_frame(station, from, to)?;
        let applied = self.apply_review_marks(station, from, &mut frame)?;
        Ok((frame, applied))
    }

    /// Applies a station's review marks to `frame` (an [`Store::hourly_frame`] starting on
    /// `from`), in the order they were made; returns how many were applied. See
    /// [`Store::reviewed_frame`].
    pub fn apply_review_marks(
        &self,
        station: &str,
        from: Date,
        frame: &mut HourlyFrame<Concentration>,
    ) -> Result<usize, StoreError> {
        let days = frame.columns[Pollutant::Pm25].len().div_ceil(24);
        let to = from
            .checked_add(jiff::Span::new().days(days.saturating_sub(1) as i64))
            .unwrap_or(from);
        let mut applied = 0;
        for p in Pollutant::ALL {
            let marks = self.review_marks(station, Quantity::Pollutant(p), from, to)?;
            if marks.is_empty() {
                continue;
            }
            let stored = frame.columns[p].clone();
            for m in marks {
                let offset = m.day.since(from).map(|s| s.get_days()).unwrap_or(-1);
                let Ok(offset) = usize::try_from(offset) else {
                    continue;
                };
                let i = offset * 24 + usize::from(m.hour);
                let Some(slot) = frame.columns[p].get_mut(i) else {
                    continue;
                };
                *slot = match m.action {
                    ReviewAction::Invalidate => None,
                    ReviewAction::Correct(v) => Some(v),
                    ReviewAction::Confirm => stored[i],
                };
                applied += 1;
            }
        }
        Ok(applied)
    }

    /// A station's daily statistics (daily means, MDA8, daily maximum 1-h O3, with coverage),
    /// derived from its reviewed hourly values by the rules of `lantian_aq`.
    pub fn daily_records(
        &self,
        station: &str,
        from: Date,
        to: Date,
        config: &lantian_aq::Config,
    ) -> Result<Vec<lantian_aq::DailyRecord>, StoreError> {
        let (frame, _) = self.reviewed_frame(station, from, to)?;
        Ok(lantian_aq::daily_records(&frame, config))
    }

    /// A station's six pollutants as an hourly frame from `from` 00:00 to `to` 24:00 (Beijing),
    /// ready for `lantian_aq` (missing hours are `None`), as stored (no review marks applied:
    /// see [`Store::reviewed_frame`]).
    pub fn hourly_frame(
        &self,
        station: &str,
        from: Date,
        to: Date,
    ) -> Result<HourlyFrame<Concentration>, StoreError> {
        let days = to.since(from).map(|s| s.get_days()).unwrap_or(-1) + 1;
        let days = usize::try_from(days).unwrap_or(0);
        let first = lantian_aq::time::midnight(from);
        let mut frame = HourlyFrame::empty(first, days * 24);
        for p in Pollutant::ALL {
            for (day, values) in self.read_days(station, Quantity::Pollutant(p), from, to)? {
                let offset = day.since(from).map(|s| s.get_days()).unwrap_or(-1);
                let Ok(offset) = usize::try_from(offset) else {
                    continue;
                };
                for (h, v) in values.values.iter().enumerate() {
                    if let Some(slot) = frame.columns[p].get_mut(offset * 24 + h) {
                        *slot = *v;
                    }
                }
            }
        }
        Ok(frame)
    }

    // ---- Online monitoring (devices, frames, readings, alarms) ----

    /// Adds or replaces devices by MN; returns how many changed.
    pub fn upsert_devices(&self, devices: &[lantian_core::Device]) -> Result<u64, StoreError> {
        dispatch!(self.upsert_devices(devices))
    }

    /// Prepares the store for a continuous write load (`lantian serve`): on SQLite, WAL
    /// checkpoints move to a background thread so that commits do not wait for them. Nothing
    /// to do on PostgreSQL.
    pub fn prepare_for_ingest(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.background_checkpoints(std::time::Duration::from_millis(200)),
            Store::Postgres(_) => Ok(()),
        }
    }

    /// A fingerprint of the registry (device count, latest change): equal fingerprints mean
    /// no device was added or changed in between.
    pub fn devices_version(&self) -> Result<(i64, i64), StoreError> {
        dispatch!(self.devices_version())
    }

    /// Every registered device, by MN.
    pub fn devices(&self) -> Result<Vec<StoredDevice>, StoreError> {
        dispatch!(self.devices())
    }

    /// Stores accepted frames in one transaction, in order: each new one is appended to its
    /// device's hash chain and its reading stored; one whose (device, CN, DataTime) is already
    /// stored is a [`IngestOutcome::Duplicate`] and changes nothing. When this returns, every
    /// outcome is durable and may be answered.
    pub fn ingest(&self, frames: &[IngestFrame]) -> Result<Vec<IngestOutcome>, StoreError> {
        dispatch!(self.ingest(frames))
    }

    /// Records frames refused at the door.
    pub fn record_rejects(&self, rejects: &[Reject]) -> Result<(), StoreError> {
        dispatch!(self.record_rejects(rejects))
    }

    /// The latest refused frames, newest first (`limit` 0 = 1,000).
    pub fn rejects(&self, limit: usize) -> Result<Vec<Reject>, StoreError> {
        dispatch!(self.rejects(limit))
    }

    /// Keeps refused frames from growing without bound: detailed rows received before
    /// `detail_before_ms`, and all but the newest `max_rows`, are folded into per-day counts
    /// by reason and peer address ([`Store::reject_days`]) and removed, a batch per
    /// transaction; day counts of days before `days_before_ms` are removed.
    pub fn prune_rejects(
        &self,
        detail_before_ms: i64,
        max_rows: u64,
        days_before_ms: i64,
    ) -> Result<RejectsPruned, StoreError> {
        dispatch!(self.prune_rejects(detail_before_ms, max_rows, days_before_ms))
    }

    /// The day counts of pruned refused frames, newest day first (0 = 1,000).
    pub fn reject_days(&self, limit: usize) -> Result<Vec<RejectDay>, StoreError> {
        dispatch!(self.reject_days(limit))
    }

    /// A device's readings of one CN with `from ≤ DataTime < to` (Unix seconds).
    pub fn readings(
        &self,
        device_id: i64,
        cn: u16,
        from: i64,
        to: i64,
    ) -> Result<Vec<StoredReading>, StoreError> {
        dispatch!(self.readings(device_id, cn, from, to))
    }

    /// Each device's latest reading of one CN with a `DataTime` in `from..to` (Unix seconds),
    /// as `(device id, reading)` by device id: one scan of the window for all devices (the
    /// readings key is time first, so this is the cheap way to a fleet's latest values).
    pub fn latest_readings(
        &self,
        cn: u16,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, StoredReading)>, StoreError> {
        dispatch!(self.latest_readings(cn, from, to))
    }

    /// Records a plan file's text unless the same text of the same plan is stored; returns its
    /// id and whether it is new. The newest version is the plan in force.
    pub fn put_plan_version(
        &self,
        v: &PlanVersion,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        dispatch!(self.put_plan_version(v, audit))
    }

    /// The plan in force: the newest loaded version, parsed. A plan file without `start`
    /// starts supervision on the day (Beijing) it was loaded.
    pub fn active_plan(&self) -> Result<Option<(PlanVersion, lantian_plan::Plan)>, StoreError> {
        let Some(v) = self.plan_versions()?.into_iter().next() else {
            return Ok(None);
        };
        let mut plan = lantian_plan::load(&v.source).map_err(|e| {
            StoreError::Corrupt(format!("stored plan {} (id {}): {e}", v.code, v.id))
        })?;
        if plan.meta.start.is_none() {
            let beijing = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8));
            plan.meta.start = jiff::Timestamp::from_millisecond(v.loaded_at_ms)
                .ok()
                .map(|t| t.to_zoned(beijing).date());
        }
        Ok(Some((v, plan)))
    }

    /// Every loaded plan version, newest first.
    pub fn plan_versions(&self) -> Result<Vec<PlanVersion>, StoreError> {
        dispatch!(self.plan_versions())
    }

    /// Submits a task report: a new one, a resubmission of a returned one, or an edit of one
    /// not yet reviewed (`lantian_plan::supervision::on_submit`); an accepted report is a
    /// [`StoreError::Conflict`]. The history step and the audit entry (with before and after)
    /// are written in the same transaction.
    pub fn submit_task_report(
        &self,
        report: &NewTaskReport,
        actor: &str,
        at_ms: i64,
    ) -> Result<TaskReportRecord, StoreError> {
        dispatch!(self.submit_task_report(report, actor, at_ms))
    }

    /// Accepts or returns a submitted report with a comment (`on_review`).
    pub fn review_task_report(
        &self,
        id: i64,
        accept: bool,
        comment: &str,
        actor: &str,
        at_ms: i64,
    ) -> Result<TaskReportRecord, StoreError> {
        dispatch!(self.review_task_report(id, accept, comment, actor, at_ms))
    }

    /// Reports matching a filter, by task, period and party.
    pub fn task_reports(&self, f: &TaskReportFilter) -> Result<Vec<TaskReportRecord>, StoreError> {
        dispatch!(self.task_reports(f))
    }

    /// One report.
    pub fn task_report(&self, id: i64) -> Result<Option<TaskReportRecord>, StoreError> {
        dispatch!(self.task_report(id))
    }

    /// A report's history, oldest first.
    pub fn task_report_events(&self, report_id: i64) -> Result<Vec<TaskReportEvent>, StoreError> {
        dispatch!(self.task_report_events(report_id))
    }

    /// Stores a file; the audit entry's target becomes `attachment:<id>`.
    pub fn put_attachment(&self, a: &NewAttachment, audit: &AuditEntry) -> Result<i64, StoreError> {
        dispatch!(self.put_attachment(a, audit))
    }

    /// A file and its bytes.
    pub fn attachment(&self, id: i64) -> Result<Option<(AttachmentRecord, Vec<u8>)>, StoreError> {
        dispatch!(self.attachment(id))
    }

    /// Files' descriptions, in the order of `ids` (unknown ids left out).
    pub fn attachments(&self, ids: &[i64]) -> Result<Vec<AttachmentRecord>, StoreError> {
        dispatch!(self.attachments(ids))
    }

    /// Records an indicator value (append-only); the audit entry's target becomes
    /// `indicator_value:<id>`.
    pub fn add_indicator_value(
        &self,
        v: &NewIndicatorValue,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        dispatch!(self.add_indicator_value(v, audit))
    }

    /// A plan's indicator values, by indicator, date and id.
    pub fn indicator_values(
        &self,
        plan_code: &str,
    ) -> Result<Vec<IndicatorValueRecord>, StoreError> {
        dispatch!(self.indicator_values(plan_code))
    }

    /// Opens a warning under assessment (研判) with its forecast and proposal; its history and
    /// audit entry are written with it.
    pub fn open_warning(
        &self,
        w: &NewWarning,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        dispatch!(self.open_warning(w, actor, at_ms))
    }

    /// Replaces the forecast and proposal of a warning not yet lifted or cancelled (a new
    /// assessment); recorded in its history.
    pub fn reassess_warning(
        &self,
        id: i64,
        w: &NewWarning,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        dispatch!(self.reassess_warning(id, w, actor, at_ms))
    }

    /// Applies a workflow step (发布, 调整, 解除, 不发布) checked by
    /// `lantian_emergency::warning::WarningState::apply` against the stored proposal; a refused
    /// step is [`StoreError::Conflict`] with the reason. The step's history row and audit entry
    /// (before and after) are written in the same transaction.
    pub fn warning_step(
        &self,
        id: i64,
        action: &lantian_emergency::WarningAction,
        effective_ms: i64,
        actor: &str,
        at_ms: i64,
    ) -> Result<WarningRecord, StoreError> {
        dispatch!(self.warning_step(id, action, effective_ms, actor, at_ms))
    }

    /// Warnings (of one area, or all), newest first.
    pub fn warnings(
        &self,
        area: Option<&str>,
        limit: u32,
    ) -> Result<Vec<WarningRecord>, StoreError> {
        dispatch!(self.warnings(area, i64::from(limit)))
    }

    /// One warning.
    pub fn warning(&self, id: i64) -> Result<WarningRecord, StoreError> {
        dispatch!(self.warning(id))
    }

    /// A warning's history, oldest first.
    pub fn warning_events(&self, id: i64) -> Result<Vec<WarningEvent>, StoreError> {
        dispatch!(self.warning_events(id))
    }

    /// Stores an emergency-reduction list unless the same one (by SHA-256) is stored; returns
    /// its id and whether it is new. The newest is the list in force.
    pub fn put_reduction_list(
        &self,
        l: &ReductionListRecord,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        dispatch!(self.put_reduction_list(l, audit))
    }

    /// Every stored list, newest first (with their bodies when `with_body`).
    pub fn reduction_lists(&self, with_body: bool) -> Result<Vec<ReductionListRecord>, StoreError> {
        dispatch!(self.reduction_lists(with_body))
    }

    /// Stored fire detections from `from_ms` to `to_ms` (inclusive), each with its incident:
    /// what new detections are merged against.
    pub fn fire_detections_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<StoredFireDetection>, StoreError> {
        dispatch!(self.fire_detections_between(from_ms, to_ms))
    }

    /// An incident's detections, in time order.
    pub fn fire_detections_of(
        &self,
        incident_id: i64,
    ) -> Result<Vec<StoredFireDetection>, StoreError> {
        dispatch!(self.fire_detections_of(incident_id))
    }

    /// Writes an import of fire detections in one transaction: new incidents (with their
    /// `create` event, and `dispatch` when a town is given), detections to stored incidents,
    /// duplicates (by key) skipped, each touched incident's aggregates recomputed, and one audit
    /// entry with the outcome.
    pub fn put_fire_batch(
        &self,
        import_id: i64,
        items: &[FireBatchItem],
        actor: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<FireBatchOutcome, StoreError> {
        dispatch!(self.put_fire_batch(import_id, items, actor, at_ms, audit))
    }

    /// Fire incidents, newest first.
    pub fn fire_incidents(
        &self,
        filter: &FireFilter,
    ) -> Result<Vec<FireIncidentRecord>, StoreError> {
        dispatch!(self.fire_incidents(filter))
    }

    /// One fire incident.
    pub fn fire_incident(&self, id: i64) -> Result<FireIncidentRecord, StoreError> {
        dispatch!(self.fire_incident(id))
    }

    /// A work order's history, oldest first.
    pub fn fire_order_events(&self, id: i64) -> Result<Vec<FireOrderEvent>, StoreError> {
        dispatch!(self.fire_order_events(id))
    }

    /// Takes a step of an incident's work order: `authorize` sees the current record inside
    /// the transaction (the town it is dispatched to cannot change between the check and the
    /// write); the step is refused with `Conflict` when the workflow does not allow it. The
    /// event and the audit entry (before and after) are written with it.
    pub fn fire_step(
        &self,
        id: i64,
        step: &FireStep,
        authorize: &dyn Fn(&FireIncidentRecord) -> Result<(), StoreError>,
        actor: &str,
        at_ms: i64,
    ) -> Result<FireIncidentRecord, StoreError> {
        dispatch!(self.fire_step(id, step, authorize, actor, at_ms))
    }

    /// Appends a version of an inventory year with its audit entry, unless its body is the
    /// year's newest already; returns its id and whether it is new (and now in force).
    pub fn put_inventory_version(
        &self,
        v: &NewInventoryVersion,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        dispatch!(self.put_inventory_version(v, audit))
    }

    /// Inventory versions (of one year, or all), newest year and version first; bodies only
    /// when `with_body`.
    pub fn inventory_versions(
        &self,
        year: Option<i32>,
        with_body: bool,
    ) -> Result<Vec<InventoryVersionRecord>, StoreError> {
        dispatch!(self.inventory_versions(year, with_body))
    }

    /// One inventory version, with its body.
    pub fn inventory_version(&self, id: i64) -> Result<InventoryVersionRecord, StoreError> {
        dispatch!(self.inventory_version(id))
    }

    /// Loads a version of the assessment rules with its audit entry; returns its id and whether
    /// it is new. The same code and version with a different body is a `Conflict`.
    pub fn put_assessment_rules(
        &self,
        v: &NewAssessmentRules,
        audit: &AuditEntry,
    ) -> Result<(i64, bool), StoreError> {
        dispatch!(self.put_assessment_rules(v, audit))
    }

    /// Every loaded version of the assessment rules, by code, newest version first.
    pub fn assessment_rules(&self) -> Result<Vec<AssessmentRulesRecord>, StoreError> {
        dispatch!(self.assessment_rules())
    }

    /// Stores an assessment result with its audit entry; returns its id.
    pub fn put_assessment_result(
        &self,
        v: &NewAssessmentResult,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        dispatch!(self.put_assessment_result(v, audit))
    }

    /// Stored assessment results (of one period, or all), newest first.
    pub fn assessment_results(
        &self,
        period: Option<&str>,
    ) -> Result<Vec<AssessmentResultRecord>, StoreError> {
        dispatch!(self.assessment_results(period))
    }

    /// One stored assessment result.
    pub fn assessment_result(&self, id: i64) -> Result<AssessmentResultRecord, StoreError> {
        dispatch!(self.assessment_result(id))
    }

    /// Opens an enforcement case with its registration and audit entry; returns its id.
    pub fn open_case(
        &self,
        new: &NewCase,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        dispatch!(self.open_case(new, at_ms, audit))
    }

    /// Appends a step to case `id` after `authorize` and the case's rules have accepted it
    /// against the history read in the same transaction (`Conflict` with the reason when
    /// refused); returns the case after it.
    pub fn case_step(
        &self,
        id: i64,
        event: &lantian_enforcement::CaseEvent,
        authorize: &dyn Fn(&CaseRecord) -> Result<(), StoreError>,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<CaseRecord, StoreError> {
        dispatch!(self.case_step(id, event, authorize, at_ms, audit))
    }

    /// One enforcement case with its events.
    pub fn enforcement_case(&self, id: i64) -> Result<CaseRecord, StoreError> {
        dispatch!(self.enforcement_case(id))
    }

    /// Enforcement cases, newest first.
    pub fn enforcement_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRecord>, StoreError> {
        dispatch!(self.enforcement_cases(filter))
    }

    /// Adds a credit record for a case decided with a penalty or an order to correct, against
    /// the case's party; returns its id.
    pub fn add_credit(
        &self,
        new: &NewCredit,
        at_ms: i64,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        dispatch!(self.add_credit(new, at_ms, actor, audit))
    }

    /// Appends an event to credit record `id` after checking it against the record's history
    /// and `rules`; returns the record after it.
    pub fn credit_step(
        &self,
        id: i64,
        event: &lantian_enforcement::credit::Dated,
        rules: &lantian_enforcement::CreditRules,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<CreditRow, StoreError> {
        dispatch!(self.credit_step(id, event, rules, at_ms, audit))
    }

    /// Credit records (of one party, or all), newest first.
    pub fn credit_records(&self, party_key: Option<&str>) -> Result<Vec<CreditRow>, StoreError> {
        dispatch!(self.credit_records(party_key))
    }

    /// Takes or renews the lease of job `name` for node `holder` for `ttl_ms`: `Some` when
    /// `holder` now holds it (it was free, expired, or already `holder`'s), `None` when another
    /// node holds an unexpired lease. Times are the store's clock.
    pub fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        jobs::check_name(name)?;
        jobs::check_name(holder)?;
        dispatch!(self.try_lease(name, holder, ttl_ms.max(1)))
    }

    /// Gives up `holder`'s lease of `name` (a node stopping cleanly), so that another node
    /// takes the job at once; `false` if `holder` did not hold it.
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        dispatch!(self.release_lease(name, holder))
    }

    /// Every job's lease, by name.
    pub fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        dispatch!(self.leases())
    }

    /// Records a job's run.
    pub fn record_job_run(&self, run: &JobRun) -> Result<i64, StoreError> {
        dispatch!(self.record_job_run(run))
    }

    /// The latest `limit` runs (of job `name`, or of all), newest first.
    pub fn job_runs(
        &self,
        name: Option<&str>,
        limit: u32,
    ) -> Result<Vec<JobRunRecord>, StoreError> {
        dispatch!(self.job_runs(name, i64::from(limit)))
    }

    /// Housekeeping: removes job runs started before `before_ms` and sessions expired by
    /// `now_ms`; returns (runs, sessions) removed.
    pub fn prune(&self, before_ms: i64, now_ms: i64) -> Result<(u64, u64), StoreError> {
        dispatch!(self.prune(before_ms, now_ms))
    }

    /// Each device's last-seen time and open offline alarm, for the offline job.
    pub fn offline_watch(&self) -> Result<Vec<OfflineWatch>, StoreError> {
        dispatch!(self.offline_watch())
    }

    /// `(device id, Unix milliseconds)` of each device's last stored frame (restores the
    /// offline rule's state after a restart).
    pub fn devices_last_seen(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        dispatch!(self.devices_last_seen())
    }

    /// `(device id, kind, factor)` of every unrecovered alarm except offline ones (of one
    /// device, or all): the episodes a node's alarm rules take over when a device connects to
    /// it or the server starts ([`lantian_core::DeviceMonitor::adopt_open`]).
    pub fn unrecovered_alarms(
        &self,
        device_id: Option<i64>,
    ) -> Result<Vec<(i64, lantian_core::AlarmKind, Option<String>)>, StoreError> {
        dispatch!(self.unrecovered_alarms(device_id))
    }

    /// A stored frame's bytes.
    pub fn frame_raw(&self, frame_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        dispatch!(self.frame_raw(frame_id))
    }

    /// How many frames, readings, refusals and alarms are stored.
    pub fn monitoring_counts(&self) -> Result<MonitoringCounts, StoreError> {
        dispatch!(self.monitoring_counts())
    }

    /// Applies what the alarm rules found, in one transaction; returns new alarm ids.
    pub fn apply_alarm_updates(
        &self,
        updates: &[AlarmUpdate],
        at_ms: i64,
    ) -> Result<Vec<i64>, StoreError> {
        dispatch!(self.apply_alarm_updates(updates, at_ms))
    }

    /// Applies a person's lifecycle action to an alarm (checked by
    /// [`lantian_core::AlarmState::apply`]) and records it in the alarm's events and the audit
    /// log, in one transaction; returns the new state. `authorize` sees the alarm and its
    /// device's town as they are inside the transaction (PostgreSQL: the row locked), like
    /// [`Store::fire_step`]: a dispatch to another town between the check and the write
    /// cannot slip through. It refuses with [`StoreError::Denied`]; nothing is written then.
    pub fn alarm_action(
        &self,
        alarm_id: i64,
        actor: &str,
        action: &lantian_core::AlarmAction,
        authorize: &dyn Fn(&AlarmScopeRecord) -> Result<(), StoreError>,
        at_ms: i64,
    ) -> Result<lantian_core::AlarmState, StoreError> {
        dispatch!(self.alarm_action(alarm_id, actor, action, authorize, at_ms))
    }

    // ---- People: users, sessions, audit log ----

    /// Adds or replaces a user (by username) and records `audit` in the same transaction;
    /// returns the user's id. Deactivating a user ends their sessions.
    pub fn upsert_user(&self, user: &NewUser, audit: &AuditEntry) -> Result<i64, StoreError> {
        dispatch!(self.upsert_user(user, audit))
    }

    /// A user by login name.
    pub fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        dispatch!(self.user_by_name(username))
    }

    /// Every user, in creation order.
    pub fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        dispatch!(self.users())
    }

    /// Records a login session (by the SHA-256 hex of its token) valid until `expires_ms`;
    /// expired sessions are removed on the way.
    pub fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        dispatch!(self.create_session(token_hash, user_id, now_ms, expires_ms))
    }

    /// The active user of an unexpired session.
    pub fn session_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<UserRecord>, StoreError> {
        dispatch!(self.session_user(token_hash, now_ms))
    }

    /// Ends a session; true if it existed.
    pub fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        dispatch!(self.delete_session(token_hash))
    }

    /// Appends to the audit log.
    pub fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        dispatch!(self.record_audit(entry))
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        dispatch!(self.audit_log(limit))
    }

    // ---- Map layers ----

    /// Stores a map layer (replacing one of the same name) and records `audit`.
    pub fn put_map_layer(&self, layer: &MapLayer, audit: &AuditEntry) -> Result<(), StoreError> {
        dispatch!(self.put_map_layer(layer, audit))
    }

    /// A map layer by name.
    pub fn map_layer(&self, name: &str) -> Result<Option<MapLayer>, StoreError> {
        dispatch!(self.map_layer(name))
    }

    /// A map layer's name, source and version, without its GeoJSON.
    pub fn map_layer_info(&self, name: &str) -> Result<Option<MapLayerInfo>, StoreError> {
        dispatch!(self.map_layer_info(name))
    }

    /// Alarms, newest first: the page `filter.limit` and `filter.offset` select (in SQL).
    pub fn alarms(&self, filter: &AlarmFilter) -> Result<Vec<AlarmRecord>, StoreError> {
        dispatch!(self.alarms(filter))
    }

    /// How many alarms match `filter` before paging (its `limit` and `offset` are ignored).
    pub fn alarms_found(&self, filter: &AlarmFilter) -> Result<u64, StoreError> {
        dispatch!(self.alarms_found(filter))
    }

    /// Each device's open alarms (devices with none are left out), by MN.
    pub fn open_alarm_counts(&self) -> Result<Vec<OpenAlarmCount>, StoreError> {
        dispatch!(self.open_alarm_counts())
    }

    /// An alarm's lifecycle, oldest first.
    pub fn alarm_events(&self, alarm_id: i64) -> Result<Vec<AlarmEventRecord>, StoreError> {
        dispatch!(self.alarm_events(alarm_id))
    }

    /// An alarm's evidence: the frames, verbatim, with their chain hashes.
    pub fn alarm_evidence(&self, alarm_id: i64) -> Result<Vec<EvidenceFrame>, StoreError> {
        dispatch!(self.alarm_evidence(alarm_id))
    }

    /// Recomputes the frame hash chain of one device (or all).
    pub fn verify_frames(&self, mn: Option<&str>) -> Result<Vec<ChainCheck>, StoreError> {
        dispatch!(self.verify_frames(mn))
    }
}
