//! One measurement upload as lantian keeps it ([`Reading`]): which device, which kind of data,
//! its `DataTime`, and every factor's value, converted value, statistics and flag in exact
//! millionths.

use lantian_hj212::{DataFlag, Decimal, Packet, Validity};

use crate::MICROS_PER_UNIT;

/// The four kinds of measurement data, kept apart (HJ 212 CN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReadingKind {
    /// 2011 实时数据: `DataTime` is the sampling instant.
    RealTime,
    /// 2051 分钟数据: `DataTime` is the interval start.
    Minute,
    /// 2061 小时数据: `DataTime` is the hour start.
    Hour,
    /// 2031 日数据: `DataTime` is the day start.
    Day,
}

impl ReadingKind {
    /// All kinds.
    pub const ALL: [ReadingKind; 4] = [
        ReadingKind::RealTime,
        ReadingKind::Minute,
        ReadingKind::Hour,
        ReadingKind::Day,
    ];

    /// The kind of a CN, if it is one of the four.
    #[must_use]
    pub fn from_cn(cn: u16) -> Option<ReadingKind> {
        match cn {
            2011 => Some(ReadingKind::RealTime),
            2051 => Some(ReadingKind::Minute),
            2061 => Some(ReadingKind::Hour),
            2031 => Some(ReadingKind::Day),
            _ => None,
        }
    }

    /// The CN.
    #[must_use]
    pub fn cn(self) -> u16 {
        match self {
            ReadingKind::RealTime => 2011,
            ReadingKind::Minute => 2051,
            ReadingKind::Hour => 2061,
            ReadingKind::Day => 2031,
        }
    }
}

/// One factor's values in one reading. Values are millionths of the device's unit; a value
/// that is absent or not a number is `None` (the raw frame keeps the text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FactorValue {
    /// Factor code as sent.
    pub code: String,
    /// The value: `-Rtd` for real-time data, `-Avg` for minute/hour/day data.
    pub value: Option<i64>,
    /// The converted value (折算): `-ZsRtd` or `-ZsAvg`.
    pub converted: Option<i64>,
    /// `-Min` (or `-ZsMin` is not kept).
    pub min: Option<i64>,
    /// `-Max`.
    pub max: Option<i64>,
    /// `-Cou` (cumulative amount).
    pub cou: Option<i64>,
    /// `-Flag` as sent (`N`, `M`, …); `None` when the device sends none.
    pub flag: Option<String>,
}

impl FactorValue {
    /// What the flag means for using the value (no flag counts as valid: 2005 devices often
    /// omit it, hj212.md §5).
    #[must_use]
    pub fn validity(&self, st: Option<&str>) -> Validity {
        match &self.flag {
            None => Validity::Valid,
            Some(f) => DataFlag::parse(f, st).validity(),
        }
    }

    /// Whether the value counts as measured: valid, or above the range (a lower bound).
    #[must_use]
    pub fn is_measured(&self, st: Option<&str>) -> bool {
        matches!(self.validity(st), Validity::Valid | Validity::OverRange)
    }

    /// The value the limits compare: the converted one if asked for.
    #[must_use]
    pub fn compared(&self, converted: bool) -> Option<i64> {
        if converted {
            self.converted
        } else {
            self.value
        }
    }
}

/// One stored measurement upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// Device MN.
    pub mn: String,
    /// Which data.
    pub kind: ReadingKind,
    /// `DataTime` in seconds since the Unix epoch (UTC); the wire time is Beijing time.
    pub data_time: i64,
    /// The packet's ST (decides 2005 digit flags).
    pub st: String,
    /// Every factor, in the order sent.
    pub values: Vec<FactorValue>,
}

/// A decimal as millionths, rounding half away from zero beyond six decimals; `None` if it
/// does not fit.
#[must_use]
pub fn micros_of(d: Decimal) -> Option<i64> {
    let m = i128::from(d.mantissa());
    let s = u32::from(d.scale());
    let v = if s <= 6 {
        m.checked_mul(10i128.pow(6 - s))?
    } else {
        let div = 10i128.checked_pow(s - 6)?;
        let q = m / div;
        let r = m % div;
        if 2 * r.abs() >= div {
            q + m.signum()
        } else {
            q
        }
    };
    i64::try_from(v).ok()
}

/// Seconds since the Unix epoch of a Beijing civil time (UTC+8, no daylight saving).
#[must_use]
pub fn beijing_to_unix(t: lantian_hj212::time::WireTime) -> i64 {
    let dt = t.time;
    let days = days_from_civil(
        i64::from(dt.year()),
        i64::from(dt.month()),
        i64::from(dt.day()),
    );
    days * 86_400
        + i64::from(dt.hour()) * 3600
        + i64::from(dt.minute()) * 60
        + i64::from(dt.second())
        - 8 * 3600
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Why a packet is not a storable reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    /// Not 2011/2051/2061/2031.
    #[error("CN {0} is not measurement data")]
    NotData(u16),
    /// No MN.
    #[error("no MN")]
    NoMn,
    /// No or unreadable `DataTime`.
    #[error("no valid DataTime")]
    NoDataTime,
}

impl Reading {
    /// Reads a measurement upload. Values that are not numbers become `None`; the raw frame
    /// keeps their text.
    ///
    /// # Errors
    ///
    /// [`ReadingError`] if the packet is not measurement data or lacks MN or `DataTime`.
    pub fn from_packet(p: &Packet<'_>) -> Result<Reading, ReadingError> {
        let kind = ReadingKind::from_cn(p.cn_code()).ok_or(ReadingError::NotData(p.cn_code()))?;
        let mn = p.mn().filter(|m| !m.is_empty()).ok_or(ReadingError::NoMn)?;
        let t = match p.data_time() {
            Some(Ok(t)) => t,
            _ => return Err(ReadingError::NoDataTime),
        };
        let num = |v: Option<lantian_hj212::Value<'_>>| {
            v.and_then(|v| v.decimal().ok()).and_then(micros_of)
        };
        let values = p
            .factors()
            .map(|f| {
                let (value, converted) = if kind == ReadingKind::RealTime {
                    (num(f.rtd), num(f.zs_rtd))
                } else {
                    (num(f.avg), num(f.zs_avg))
                };
                FactorValue {
                    code: f.code.to_owned(),
                    value,
                    converted,
                    min: num(f.min),
                    max: num(f.max),
                    cou: num(f.cou),
                    flag: f.flag.map(|v| v.as_str().to_owned()),
                }
            })
            .collect();
        Ok(Reading {
            mn: mn.to_owned(),
            kind,
            data_time: beijing_to_unix(t),
            st: p.st().to_owned(),
            values,
        })
    }

    /// The factor with this code.
    #[must_use]
    pub fn factor(&self, code: &str) -> Option<&FactorValue> {
        self.values.iter().find(|v| v.code == code)
    }
}

/// Compact binary encoding of a reading's values, as stored (`readings.vals`).
///
/// Per factor: code length (1 byte) and bytes; a presence byte (bit 0 value, 1 converted,
/// 2 min, 3 max, 4 cou, 5 flag); each present number as 8 bytes little-endian; the flag as
/// length (1 byte) and bytes.
#[must_use]
pub fn encode_values(values: &[FactorValue]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 24);
    for v in values {
        let code = &v.code.as_bytes()[..v.code.len().min(255)];
        out.push(code.len() as u8);
        out.extend_from_slice(code);
        let nums = [v.value, v.converted, v.min, v.max, v.cou];
        let mut bits = 0u8;
        for (i, n) in nums.iter().enumerate() {
            if n.is_some() {
                bits |= 1 << i;
            }
        }
        if v.flag.is_some() {
            bits |= 1 << 5;
        }
        out.push(bits);
        for n in nums.into_iter().flatten() {
            out.extend_from_slice(&n.to_le_bytes());
        }
        if let Some(f) = &v.flag {
            let f = &f.as_bytes()[..f.len().min(255)];
            out.push(f.len() as u8);
            out.extend_from_slice(f);
        }
    }
    out
}

/// Decodes [`encode_values`]; `None` if the bytes are not such an encoding.
#[must_use]
pub fn decode_values(mut b: &[u8]) -> Option<Vec<FactorValue>> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (h, t) = b.split_at(n);
        *b = t;
        Some(h)
    }
    let mut out = Vec::new();
    while !b.is_empty() {
        let n = usize::from(*take(&mut b, 1)?.first()?);
        let code = String::from_utf8(take(&mut b, n)?.to_vec()).ok()?;
        let bits = *take(&mut b, 1)?.first()?;
        let mut nums = [None; 5];
        for (i, slot) in nums.iter_mut().enumerate() {
            if bits & (1 << i) != 0 {
                let bytes: [u8; 8] = take(&mut b, 8)?.try_into().ok()?;
                *slot = Some(i64::from_le_bytes(bytes));
            }
        }
        let flag = if bits & (1 << 5) != 0 {
            let n = usize::from(*take(&mut b, 1)?.first()?);
            Some(String::from_utf8(take(&mut b, n)?.to_vec()).ok()?)
        } else {
            None
        };
        let [value, converted, min, max, cou] = nums;
        out.push(FactorValue {
            code,
            value,
            converted,
            min,
            max,
            cou,
            flag,
        });
    }
    Some(out)
}

/// Whole units as millionths.
#[must_use]
pub const fn units(n: i64) -> i64 {
    n * MICROS_PER_UNIT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_time_packet() {
        let p = Packet::parse("QN=20210115100001001;ST=22;CN=2011;PW=123456;MN=LB4200001;Flag=5;CP=&&DataTime=20210115100000;a34004-Rtd=35.2,a34004-Flag=N;a34002-Rtd=x,a34002-Flag=M;SO2-ZsRtd=1.25&&")
            .unwrap_or_else(|e| panic!("{e}"));
        let r = Reading::from_packet(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.kind, ReadingKind::RealTime);
        // 2021-01-15 10:00:00 Beijing = 02:00:00 UTC.
        assert_eq!(r.data_time, 1_610_676_000);
        assert_eq!(r.values.len(), 3);
        assert_eq!(r.values[0].value, Some(35_200_000));
        assert_eq!(r.values[0].flag.as_deref(), Some("N"));
        assert_eq!(r.values[1].value, None);
        assert_eq!(r.values[1].validity(Some("22")), Validity::Invalid);
        assert_eq!(r.values[2].converted, Some(1_250_000));
        assert_eq!(
            decode_values(&encode_values(&r.values)),
            Some(r.values.clone())
        );
    }

    #[test]
    fn hourly_uses_avg() {
        let p = Packet::parse("QN=1;ST=31;CN=2061;PW=1;MN=M1;Flag=4;CP=&&DataTime=20240101000000;a21026-Min=1,a21026-Avg=2.5,a21026-Max=4,a21026-ZsAvg=3,a21026-Flag=N&&")
            .unwrap_or_else(|e| panic!("{e}"));
        let r = Reading::from_packet(&p).unwrap_or_else(|e| panic!("{e}"));
        let f = &r.values[0];
        assert_eq!(
            (f.value, f.converted, f.min, f.max),
            (
                Some(2_500_000),
                Some(3_000_000),
                Some(1_000_000),
                Some(4_000_000)
            )
        );
        assert_eq!(r.data_time, 1_704_038_400);
    }

    #[test]
    fn micros_rounding() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_else(|_| panic!("{s}"));
        assert_eq!(micros_of(d("0.0000005")), Some(1));
        assert_eq!(micros_of(d("-0.0000005")), Some(-1));
        assert_eq!(micros_of(d("0.00000049")), Some(0));
        assert_eq!(micros_of(d("99999999999999")), None);
    }

    proptest::proptest! {
        #[test]
        fn values_round_trip(codes in proptest::collection::vec("[a-z0-9]{1,8}", 0..12), n in proptest::prelude::any::<i64>(), flag in proptest::option::of("[A-Z]")) {
            let values: Vec<FactorValue> = codes.into_iter().enumerate().map(|(i, code)| FactorValue {
                code,
                value: (i % 2 == 0).then_some(n),
                converted: (i % 3 == 0).then_some(-n / 3),
                min: None,
                max: (i % 5 == 0).then_some(n / 7),
                cou: None,
                flag: flag.clone(),
            }).collect();
            proptest::prop_assert_eq!(decode_values(&encode_values(&values)), Some(values));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = decode_values(&bytes);
        }
    }
}
