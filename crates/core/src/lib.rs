//! The plan's domain for lantian: online-monitoring devices and their limits, the readings they
//! send, the alarm rules that watch them (exceedance, offline, abnormal data), the alarm
//! lifecycle, and the hash chain that makes stored frames usable as evidence.
//!
//! This crate is pure: no IO, no async, no clock, no database. Time is always an argument
//! (seconds since the Unix epoch, UTC). The receiver (`lantian-server`) and the store
//! (`lantian-store`) are shells around it.
//!
//! # Layout
//!
//! * [`device`]: the device registry's record ([`Device`]): kind, owner, factors, reporting
//!   intervals, alarm limits.
//! * [`reading`]: one stored measurement upload ([`Reading`]) and its values in exact
//!   millionths ([`micros_of`]).
//! * [`monitor`]: the alarm rules, evaluated per reading and on a periodic tick
//!   ([`DeviceMonitor`]).
//! * [`alarm`]: alarm kinds, candidates and the lifecycle state machine.
//! * [`evidence`]: the per-device SHA-256 hash chain over stored raw frames.
//! * [`access`]: roles and scopes, and the checks every write goes through.
//! * [`geo`]: GCJ-02 ↔ WGS-84 and point-in-polygon, for boundaries and map layers.

pub mod access;
pub mod alarm;
pub mod device;
pub mod evidence;
pub mod geo;
pub mod monitor;
pub mod reading;
pub mod throttle;

pub use access::{Actor, AlarmScope, Denied, Party, ReadScope, Reads, Role};
pub use alarm::{AlarmAction, AlarmCandidate, AlarmKind, AlarmState, TransitionError};
pub use device::{
    Averaging, Device, DeviceError, DeviceFactor, DeviceKind, Intervals, Limit, Owner, OwnerKind,
};
pub use evidence::{ChainHash, GENESIS, chain_hash};
pub use monitor::{AbnormalRules, DeviceMonitor};
pub use reading::{FactorValue, Reading, ReadingKind, micros_of};
pub use throttle::{Attempt, AuthThrottle, Refusal, ThrottlePolicy};

/// Millionths per unit: values are fixed-point integers, as in `lantian-aq`.
pub const MICROS_PER_UNIT: i64 = 1_000_000;
