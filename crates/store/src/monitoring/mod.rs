//! Online monitoring in the store: the device registry, stored HJ 212 frames with their
//! per-device hash chain, readings by kind, refused frames, and alarms with their evidence and
//! lifecycle. The SQL lives in the engine files; types and rules shared by both are here.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use lantian_core::{AlarmKind, AlarmState, Device, FactorValue};

/// A registered device with its store id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDevice {
    /// Store id.
    pub id: i64,
    /// The registry record.
    pub device: Device,
}

/// A frame to store: one accepted upload from a registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestFrame {
    /// Device id ([`StoredDevice::id`]).
    pub device_id: i64,
    /// When it was received (Unix milliseconds).
    pub received_at_ms: i64,
    /// CN.
    pub cn: u16,
    /// QN as sent.
    pub qn: Option<String>,
    /// `DataTime` (Unix seconds); frames with one are deduplicated on (device, CN, DataTime,
    /// part).
    pub data_time: Option<i64>,
    /// PNO of a split message (拆分包: each part carries the same `DataTime` and its own
    /// items), 0 when the message is not split.
    pub part: i64,
    /// The frame's bytes, verbatim (`##` to `\r\n`).
    pub raw: Vec<u8>,
    /// The values, [`lantian_core::reading::encode_values`].
    pub vals: Vec<u8>,
}

/// What became of an [`IngestFrame`]; both mean the data is stored (and may be answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Stored now as this frame.
    Stored {
        /// Frame id.
        frame_id: i64,
    },
    /// The same (device, CN, DataTime) was already stored as this frame; nothing written.
    Duplicate {
        /// The earlier frame.
        frame_id: i64,
    },
}

/// A frame refused at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Unix milliseconds.
    pub received_at_ms: i64,
    /// Peer address.
    pub peer: String,
    /// MN, if it had one.
    pub mn: Option<String>,
    /// Why (a stable reason name such as `unknown_mn`, `wrong_password`).
    pub reason: String,
    /// The first bytes of the frame.
    pub excerpt: Vec<u8>,
}

/// A stored reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReading {
    /// CN.
    pub cn: u16,
    /// `DataTime` (Unix seconds).
    pub data_time: i64,
    /// Part of a split message (PNO), 0 when not split.
    pub part: i64,
    /// The frame it came in.
    pub frame_id: i64,
    /// Values.
    pub values: Vec<FactorValue>,
}

/// A stored alarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmRecord {
    /// Id.
    pub id: i64,
    /// Device MN.
    pub mn: String,
    /// Kind.
    pub kind: AlarmKind,
    /// Factor, for factor rules.
    pub factor: Option<String>,
    /// Lifecycle state.
    pub state: AlarmState,
    /// Evidence window start (Unix seconds).
    pub start: i64,
    /// Evidence window end (Unix seconds); extended while the condition lasts.
    pub end: i64,
    /// Triggering value (millionths).
    pub value: Option<i64>,
    /// Limit (millionths).
    pub limit: Option<i64>,
    /// Detail (Chinese).
    pub detail: String,
    /// Raised (Unix milliseconds).
    pub raised_at_ms: i64,
    /// When the condition ended, if it has.
    pub recovered_at_ms: Option<i64>,
    /// Town or department it was dispatched to.
    pub assignee: String,
}

/// One lifecycle action on an alarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmEventRecord {
    /// When (Unix milliseconds).
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// Action name ([`lantian_core::AlarmAction::as_str`], or `raise`, `recover`).
    pub action: String,
    /// State before.
    pub from: String,
    /// State after.
    pub to: String,
    /// Note, reason or target.
    pub note: String,
    /// Attachments.
    pub attachments: Vec<String>,
}

/// A frame of an alarm's evidence, verbatim, with its place in the device's hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFrame {
    /// Frame id.
    pub frame_id: i64,
    /// Position in the device's chain.
    pub seq: i64,
    /// Received (Unix milliseconds).
    pub received_at_ms: i64,
    /// The bytes as received.
    pub raw: Vec<u8>,
    /// Its chain hash.
    pub hash: Vec<u8>,
    /// The previous frame's chain hash (genesis for the first).
    pub prev_hash: Vec<u8>,
}

/// Which alarms to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlarmFilter {
    /// Only open ones (not closed or dismissed).
    pub open_only: bool,
    /// Only this device.
    pub mn: Option<String>,
    /// Only this alarm.
    pub id: Option<i64>,
    /// At most this many, newest first (0 = 1,000; at most 100,000).
    pub limit: usize,
    /// Skip this many (newest first) before taking `limit`: paging is done by the database.
    pub offset: usize,
    /// Only alarms raised at or after this (Unix ms)…
    pub raised_from_ms: Option<i64>,
    /// …and before this.
    pub raised_to_ms: Option<i64>,
    /// Only this kind.
    pub kind: Option<AlarmKind>,
    /// Only devices of this town (the registry's `owner.town`).
    pub town: Option<String>,
    /// Only episodes starting at or after this (Unix seconds)…
    pub start_from: Option<i64>,
    /// …and before this.
    pub start_to: Option<i64>,
    /// Only what this town reads: alarms of its devices or dispatched to it (the read scope,
    /// `lantian_core::Reads::Town`).
    pub reader_town: Option<String>,
    /// Only what this department reads: alarms dispatched to it (`Reads::Department`).
    pub reader_department: Option<String>,
}

/// Open alarms of one device, for lists of devices (counted by the database instead of
/// loading every open alarm).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenAlarmCount {
    /// Device MN.
    pub mn: String,
    /// Open alarms (not closed or dismissed).
    pub open: u64,
    /// Whether one of them is an offline alarm whose condition has not recovered.
    pub offline_now: bool,
}

/// What a person's action on an alarm is authorised against: read inside the action's
/// transaction, so a dispatch to another town between the check and the write cannot slip
/// through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmScopeRecord {
    /// The alarm as it is in the transaction.
    pub alarm: AlarmRecord,
    /// The town of its device (the registry's `owner.town`; empty when it has none).
    pub town: String,
}

/// The result of checking one device's frame chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// Device MN.
    pub mn: String,
    /// Frames checked.
    pub frames: u64,
    /// The sequence number of the first frame that does not verify (or is missing).
    pub broken_at: Option<i64>,
}

/// Counts of what the monitoring tables hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitoringCounts {
    /// Stored frames.
    pub frames: u64,
    /// Readings by kind: 2011, 2051, 2061, 2031, other.
    pub readings: [u64; 5],
    /// Refused frames recorded.
    pub rejects: u64,
    /// Alarms.
    pub alarms: u64,
}

/// A cheap fingerprint of the registry: how many devices, and the latest change.
pub(crate) const DEVICES_VERSION_SQL: &str =
    "SELECT count(*), coalesce(max(updated_at), 0) FROM devices";

/// Each device's last stored frame's receive time.
pub(crate) const LAST_SEEN_SQL: &str = "SELECT device_id, received_at FROM chain_heads";

pub(crate) fn reading_slot(cn: i64) -> usize {
    match cn {
        2011 => 0,
        2051 => 1,
        2061 => 2,
        2031 => 3,
        _ => 4,
    }
}

/// `'' ↔ None` for the factor column (part of a key, so never NULL).
pub(crate) fn factor_col(f: Option<&str>) -> &str {
    f.unwrap_or("")
}

pub(crate) fn factor_of(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

pub(crate) fn parse_kind(s: &str) -> Result<AlarmKind, crate::StoreError> {
    AlarmKind::parse(s).ok_or_else(|| crate::StoreError::Corrupt(format!("alarm kind {s:?}")))
}

pub(crate) fn parse_state(s: &str) -> Result<AlarmState, crate::StoreError> {
    AlarmState::parse(s).ok_or_else(|| crate::StoreError::Corrupt(format!("alarm state {s:?}")))
}

pub(crate) fn device_from_json(s: &str) -> Result<Device, crate::StoreError> {
    serde_json::from_str(s).map_err(|e| crate::StoreError::Corrupt(format!("device record: {e}")))
}

pub(crate) fn device_to_json(d: &Device) -> Result<String, crate::StoreError> {
    serde_json::to_string(d).map_err(|e| crate::StoreError::Corrupt(format!("device record: {e}")))
}

pub(crate) fn decode_vals(b: &[u8]) -> Result<Vec<FactorValue>, crate::StoreError> {
    lantian_core::reading::decode_values(b)
        .ok_or_else(|| crate::StoreError::Corrupt("reading values".to_owned()))
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Limits a list query.
pub(crate) fn list_limit(n: usize) -> i64 {
    if n == 0 { 1000 } else { n.min(100_000) as i64 }
}

/// A change the alarm rules ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmUpdate {
    /// Raise an alarm, or extend the open one for the same (device, kind, factor) whose
    /// condition has not recovered; evidence frames are attached either way.
    Raise(lantian_core::AlarmCandidate),
    /// The condition ended at `at` (Unix seconds): open alarms for the key get `recovered_at`
    /// (they stay open until a person closes them).
    Recover {
        /// Device MN.
        mn: String,
        /// Kind.
        kind: AlarmKind,
        /// Factor.
        factor: Option<String>,
        /// When (Unix seconds).
        at: i64,
    },
}

/// A device to verify: id, MN and its recorded chain head `(seq, hash)`.
pub(crate) type ChainDevice = (i64, String, Option<(i64, Vec<u8>)>);

/// Checks every device's chain in one pass over the frames in id order: each frame's hash
/// must recompute from its bytes and its `prev_hash`, `prev_hash` must be the device's previous
/// frame's hash, sequence numbers must follow on, and each chain must end at its recorded head.
#[derive(Debug, Default)]
pub(crate) struct ChainVerifier {
    /// device id → (frames verified, last hash, first broken sequence)
    chains: std::collections::HashMap<i64, (u64, lantian_core::ChainHash, Option<i64>)>,
}

impl ChainVerifier {
    pub(crate) fn push(
        &mut self,
        device_id: i64,
        seq: i64,
        received_at_ms: i64,
        raw: &[u8],
        prev_hash: &[u8],
        hash: &[u8],
    ) {
        let c = self
            .chains
            .entry(device_id)
            .or_insert((0, lantian_core::GENESIS, None));
        if c.2.is_some() {
            return;
        }
        let expected = c.0 as i64 + 1;
        let h = lantian_core::chain_hash(&c.1, received_at_ms, raw);
        if seq != expected || prev_hash != c.1.as_slice() || h.as_slice() != hash {
            c.2 = Some(expected);
            return;
        }
        c.0 += 1;
        c.1 = h;
    }

    /// The result per device, given each device's recorded head `(seq, hash)`.
    pub(crate) fn finish(mut self, devices: Vec<ChainDevice>) -> Vec<ChainCheck> {
        devices
            .into_iter()
            .map(|(id, mn, head)| {
                let (frames, last, broken) =
                    self.chains
                        .remove(&id)
                        .unwrap_or((0, lantian_core::GENESIS, None));
                let broken_at = broken.or_else(|| match head {
                    // Frames after the last one present are missing.
                    Some((seq, hash)) if seq != frames as i64 || hash != last.as_slice() => {
                        Some(frames as i64 + 1)
                    }
                    None if frames > 0 => Some(1),
                    _ => None,
                });
                ChainCheck {
                    mn,
                    frames,
                    broken_at,
                }
            })
            .collect()
    }
}

/// The audit entry of a person's action on an alarm (written in the action's transaction).
pub(crate) fn alarm_audit(
    alarm_id: i64,
    actor: &str,
    action: &lantian_core::AlarmAction,
    from: AlarmState,
    to: AlarmState,
    at_ms: i64,
) -> crate::AuditEntry {
    crate::AuditEntry {
        at_ms,
        actor: actor.to_owned(),
        action: format!("alarm.{}", action.as_str()),
        target: format!("alarm:{alarm_id}"),
        detail: serde_json::json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "note": action.note(),
        })
        .to_string(),
    }
}

/// The columns of an [`AlarmRecord`], in the order the engines' row readers expect.
pub(crate) const ALARM_COLUMNS: &str =
    "a.id, d.mn, a.kind, a.factor, a.state, a.start_at, a.end_at,
    a.value, a.lim, a.detail, a.raised_at, a.recovered_at, a.assignee";

/// Unrecovered alarms (all, or one device's), except offline ones (the offline job's).
pub(crate) const UNRECOVERED_SQL: &str = "SELECT device_id, kind, factor FROM alarms
     WHERE recovered_at IS NULL AND kind <> 'offline'";

/// Open alarms per device, and whether one is an unrecovered offline alarm.
pub(crate) const OPEN_ALARM_COUNTS_SQL: &str = "SELECT d.mn, count(*),
        sum(CASE WHEN a.kind = 'offline' AND a.recovered_at IS NULL THEN 1 ELSE 0 END)
     FROM alarms a JOIN devices d ON d.id = a.device_id
     WHERE a.state NOT IN ('closed', 'dismissed')
     GROUP BY d.mn ORDER BY d.mn";

/// Refused frames of one Beijing day, one reason and one peer address, counted once their
/// detailed rows were pruned ([`crate::Store::prune_rejects`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectDay {
    /// The day (Beijing time).
    pub day: jiff::civil::Date,
    /// Why (as [`Reject::reason`]).
    pub reason: String,
    /// The peer's IPv4 address, or its IPv6 /64 (`2001:db8::/64`), without the port (as
    /// recorded when it is not an address).
    pub peer_addr: String,
    /// How many frames.
    pub rejects: u64,
    /// The first of them (Unix milliseconds).
    pub first_at_ms: i64,
    /// The last of them (Unix milliseconds).
    pub last_at_ms: i64,
}

/// What [`crate::Store::prune_rejects`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejectsPruned {
    /// Detailed rows folded into day counts and removed.
    pub folded: u64,
    /// Day counts removed because they are older than their keep.
    pub days_removed: u64,
}

/// Detailed refused frames are folded this many at a time, one transaction each: the SQLite
/// writer is free in between for the receiver's commits.
pub(crate) const PRUNE_BATCH: i64 = 10_000;

/// Beijing days since 1970-01-01 of a Unix-milliseconds time.
pub(crate) fn beijing_day(ms: i64) -> i64 {
    (ms.saturating_add(8 * 3_600_000)).div_euclid(86_400_000)
}

pub(crate) fn day_date(day: i64) -> Result<jiff::civil::Date, crate::StoreError> {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(day))
        .map_err(|e| crate::StoreError::Corrupt(format!("reject day {day}: {e}")))
}

/// The address of a peer recorded as `ip:port` (the port changes with every connection, so it
/// would make each connection a group of its own). An IPv6 peer is grouped by its /64 (one
/// host's or site's allocation), so that rotating addresses inside it cannot make every
/// refusal a day count of its own.
pub(crate) fn peer_addr(peer: &str) -> String {
    match peer.parse::<std::net::SocketAddr>() {
        Ok(std::net::SocketAddr::V6(a)) => match a.ip().to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let net = u128::from(*a.ip()) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(net))
            }
        },
        Ok(a) => a.ip().to_string(),
        Err(_) => peer.to_owned(),
    }
}

/// Folds removed detailed rows `(received_at, peer, reason)` into day counts:
/// `(day, reason, address) → (count, first, last)`.
pub(crate) fn fold_rejects(
    rows: impl IntoIterator<Item = (i64, String, String)>,
) -> std::collections::BTreeMap<(i64, String, String), (i64, i64, i64)> {
    let mut out = std::collections::BTreeMap::new();
    for (at, peer, reason) in rows {
        let e = out
            .entry((beijing_day(at), reason, peer_addr(&peer)))
            .or_insert((0, at, at));
        e.0 += 1;
        e.1 = e.1.min(at);
        e.2 = e.2.max(at);
    }
    out
}
