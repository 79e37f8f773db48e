//! A day of hourly values of one series: the unit of storage (pure: no IO).
//!
//! Both engines store hourly observations as one row per (series, day) holding the day's 24
//! values. A station-year is 365 rows per quantity instead of 8,760, which makes bulk import and
//! whole-year reads an order of magnitude cheaper than one row per value, while every value
//! stays exact and individually addressable through the API.
//!
//! # Encoding (`vals`, format 1)
//!
//! ```text
//! byte 0      format version (1)
//! bytes 1..4  presence bitmap, hour h ↔ bit h (little endian, 24 bits)
//! byte 4      decimals d (0..=6): each value is an integer v with micros = v · 10^(6−d)
//! then        one LEB128 varint v per present hour, in hour order
//! ```
//!
//! `d` is the fewest decimals that represent every value of the chunk exactly, so typical
//! integer concentrations take one or two bytes. Flags (`flags`) are stored only when some
//! hour has one: 24 bytes, 0 = no flag, else the flag's ASCII letter (HJ 212 data flags).

use lantian_aq::Concentration;
use lantian_aq::conc::MICROS_PER_UNIT;

// The encoding's six decimals are the resolution of a `Concentration`.
const _: () = assert!(MICROS_PER_UNIT == 1_000_000);

/// Hours in a chunk.
pub const HOURS: usize = 24;

/// The hourly values of one series on one day (Beijing time; hour `h` is the hour starting
/// `h`:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayValues {
    /// The values; `None` is missing.
    pub values: [Option<Concentration>; HOURS],
    /// A flag per hour (`0` = none; otherwise an ASCII letter such as `N`, `M`, `T`).
    pub flags: [u8; HOURS],
}

/// Why stored bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The format byte is unknown.
    #[error("unknown chunk format {0}")]
    Format(u8),
    /// The bytes end early or have extra bytes.
    #[error("chunk of {0} bytes is malformed")]
    Malformed(usize),
    /// The flags column is not 24 bytes.
    #[error("flags of {0} bytes, expected 24")]
    Flags(usize),
}

impl DayValues {
    /// Number of present values.
    pub fn count(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }

    /// Whether no hour has a value.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }

    /// Whether some hour has a flag.
    pub fn has_flags(&self) -> bool {
        self.flags.iter().any(|f| *f != 0)
    }

    /// Encodes the values (see the module docs).
    pub fn encode_values(&self) -> Vec<u8> {
        let mut bitmap = 0u32;
        let mut decimals = 0u32;
        for (h, v) in self.values.iter().enumerate() {
            if let Some(c) = v {
                bitmap |= 1 << h;
                decimals = decimals.max(decimals_needed(c.micros()));
            }
        }
        let mut out = Vec::with_capacity(5 + 3 * HOURS);
        out.push(1);
        out.extend_from_slice(&bitmap.to_le_bytes()[..3]);
        out.push(decimals as u8);
        let step = 10i64.pow(6 - decimals);
        for c in self.values.iter().flatten() {
            write_varint(&mut out, (c.micros() / step) as u64);
        }
        out
    }

    /// The flags column: `None` when no hour has a flag.
    pub fn encode_flags(&self) -> Option<Vec<u8>> {
        self.has_flags().then(|| self.flags.to_vec())
    }

    /// Decodes stored columns.
    pub fn decode(vals: &[u8], flags: Option<&[u8]>) -> Result<DayValues, ChunkError> {
        let mut out = DayValues::default();
        let (&format, rest) = vals.split_first().ok_or(ChunkError::Malformed(0))?;
        if format != 1 {
            return Err(ChunkError::Format(format));
        }
        if rest.len() < 4 {
            return Err(ChunkError::Malformed(vals.len()));
        }
        let bitmap = u32::from_le_bytes([rest[0], rest[1], rest[2], 0]);
        let decimals = u32::from(rest[3]);
        if decimals > 6 {
            return Err(ChunkError::Malformed(vals.len()));
        }
        let step = 10i64.pow(6 - decimals);
        let mut pos = 4;
        for h in 0..HOURS {
            if bitmap & (1 << h) == 0 {
                continue;
            }
            let (v, used) = read_varint(&rest[pos..]).ok_or(ChunkError::Malformed(vals.len()))?;
            pos += used;
            let micros = i64::try_from(v)
                .ok()
                .and_then(|v| v.checked_mul(step))
                .ok_or(ChunkError::Malformed(vals.len()))?;
            out.values[h] = Some(
                Concentration::from_micros(micros)
                    .map_err(|_| ChunkError::Malformed(vals.len()))?,
            );
        }
        if pos != rest.len() {
            return Err(ChunkError::Malformed(vals.len()));
        }
        if let Some(f) = flags {
            out.flags = f.try_into().map_err(|_| ChunkError::Flags(f.len()))?;
        }
        Ok(out)
    }
}

/// Fewest decimals that represent `micros` exactly.
fn decimals_needed(micros: i64) -> u32 {
    let mut d = 6;
    let mut m = micros;
    while d > 0 && m % 10 == 0 {
        m /= 10;
        d -= 1;
    }
    d
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// A stored value and a newly offered one disagree: the first is kept (values are never
/// silently changed) and the disagreement recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourConflict {
    /// The hour (0–23).
    pub hour: u8,
    /// The value kept.
    pub kept: Concentration,
    /// The value offered and not stored.
    pub offered: Concentration,
}

/// What merging offered values into stored ones did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Merge {
    /// The merged day (stored values win).
    pub merged: DayValues,
    /// Hours that were missing and now have a value.
    pub added: u32,
    /// Hours offered with the value already stored.
    pub unchanged: u32,
    /// Hours offered with a different value.
    pub conflicts: Vec<HourConflict>,
}

impl Merge {
    /// Whether the stored row must be rewritten.
    pub fn changed(&self) -> bool {
        self.added > 0
    }
}

/// Merges `offered` into `stored`: missing hours are filled, equal ones are unchanged, different
/// ones keep the stored value and are reported as conflicts. A flag arrives with its value.
pub fn merge(stored: &DayValues, offered: &DayValues) -> Merge {
    let mut m = Merge {
        merged: *stored,
        ..Merge::default()
    };
    for h in 0..HOURS {
        match (stored.values[h], offered.values[h]) {
            (_, None) => {}
            (None, Some(v)) => {
                m.merged.values[h] = Some(v);
                m.merged.flags[h] = offered.flags[h];
                m.added += 1;
            }
            (Some(a), Some(b)) if a == b => m.unchanged += 1,
            (Some(a), Some(b)) => m.conflicts.push(HourConflict {
                hour: h as u8,
                kept: a,
                offered: b,
            }),
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<Concentration> {
        Some(Concentration::parse(s).unwrap())
    }

    #[test]
    fn round_trips_exactly_and_compactly() {
        let mut d = DayValues::default();
        d.values[0] = c("53");
        d.values[5] = c("0.8");
        d.values[23] = c("1043");
        let bytes = d.encode_values();
        // header 5 + 53→530 (2 bytes) + 8 (1) + 10430 (2) at one decimal
        assert_eq!(bytes.len(), 10, "{bytes:?}");
        assert_eq!(DayValues::decode(&bytes, None).unwrap(), d);

        let mut all = DayValues::default();
        for h in 0..HOURS {
            all.values[h] = c("12");
        }
        let bytes = all.encode_values();
        assert_eq!(bytes.len(), 5 + 24);
        assert_eq!(DayValues::decode(&bytes, None).unwrap(), all);

        let empty = DayValues::default();
        assert_eq!(
            DayValues::decode(&empty.encode_values(), None).unwrap(),
            empty
        );

        let mut fine = DayValues::default();
        fine.values[3] = c("2.697001");
        fine.values[4] = c("999999999");
        fine.flags[3] = b'M';
        let f = fine.encode_flags().unwrap();
        assert_eq!(
            DayValues::decode(&fine.encode_values(), Some(&f)).unwrap(),
            fine
        );
    }

    #[test]
    fn rejects_bad_bytes() {
        assert_eq!(DayValues::decode(&[], None), Err(ChunkError::Malformed(0)));
        assert_eq!(
            DayValues::decode(&[2, 0, 0, 0, 0], None),
            Err(ChunkError::Format(2))
        );
        assert!(
            DayValues::decode(&[1, 1, 0, 0, 0], None).is_err(),
            "value missing"
        );
        assert!(
            DayValues::decode(&[1, 0, 0, 0, 0, 7], None).is_err(),
            "extra byte"
        );
        assert!(
            DayValues::decode(&[1, 0, 0, 0, 9], None).is_err(),
            "decimals > 6"
        );
        assert_eq!(
            DayValues::decode(&[1, 0, 0, 0, 0], Some(&[0; 3])),
            Err(ChunkError::Flags(3))
        );
    }

    #[test]
    fn merge_keeps_the_first_value() {
        let mut a = DayValues::default();
        a.values[1] = c("10");
        a.values[2] = c("20");
        let mut b = DayValues::default();
        b.values[1] = c("10");
        b.values[2] = c("21");
        b.values[3] = c("30");
        b.flags[3] = b'N';
        let m = merge(&a, &b);
        assert_eq!((m.added, m.unchanged), (1, 1));
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].hour, 2);
        assert_eq!(m.merged.values[2], c("20"));
        assert_eq!(m.merged.values[3], c("30"));
        assert_eq!(m.merged.flags[3], b'N');
        let again = merge(&m.merged, &b);
        assert!(!again.changed());
    }
}
