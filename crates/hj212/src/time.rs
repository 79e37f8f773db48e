//! Times on the wire: `DataTime`/`BeginTime`/… as `YYYYMMDDhhmmss` (N14, China Standard Time,
//! UTC+8, no DST) and `QN` as `YYYYMMDDhhmmsszzz` (milliseconds).
//!
//! Times are civil (wall-clock) values; attaching the +08:00 zone is the caller's business.

use std::fmt;

use jiff::civil::DateTime;

/// Why a time field is not a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TimeError {
    /// Not 14 (or 16/17) ASCII digits.
    #[error("not a YYYYMMDDhhmmss time")]
    Format,
    /// Digits, but no such calendar time (month 13, 25 o'clock, …).
    #[error("no such date or time")]
    Range,
}

/// A parsed `DataTime`-style value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WireTime {
    /// The time, to the second.
    pub time: DateTime,
    /// Digits after the 14th that were dropped (16- and 17-digit DataTimes occur, E17). Flag
    /// such values: the sender is non-standard.
    pub dropped_digits: u8,
}

fn digits<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    for (o, c) in out.iter_mut().zip(b) {
        if !c.is_ascii_digit() {
            return None;
        }
        *o = c - b'0';
    }
    Some(out)
}

fn num(d: &[u8]) -> i32 {
    d.iter().fold(0i32, |a, &x| a * 10 + i32::from(x))
}

fn civil(d: &[u8; 14], nanos: i32) -> Result<DateTime, TimeError> {
    DateTime::new(
        num(&d[0..4]) as i16,
        num(&d[4..6]) as i8,
        num(&d[6..8]) as i8,
        num(&d[8..10]) as i8,
        num(&d[10..12]) as i8,
        num(&d[12..14]) as i8,
        nanos,
    )
    .map_err(|_| TimeError::Range)
}

/// Parse `YYYYMMDDhhmmss`; 15 to 17 digits are accepted with the extra ones dropped and counted.
///
/// ```
/// let t = lantian_hj212::time::parse_data_time("20160824003817000").unwrap();
/// assert_eq!(t.time.to_string(), "2016-08-24T00:38:17");
/// assert_eq!(t.dropped_digits, 3);
/// ```
///
/// # Errors
///
/// [`TimeError`].
pub fn parse_data_time(s: &str) -> Result<WireTime, TimeError> {
    let b = s.as_bytes();
    if !(14..=17).contains(&b.len()) || !b.iter().all(u8::is_ascii_digit) {
        return Err(TimeError::Format);
    }
    let d = digits::<14>(b).ok_or(TimeError::Format)?;
    Ok(WireTime {
        time: civil(&d, 0)?,
        dropped_digits: (b.len() - 14) as u8,
    })
}

/// The time inside a 17-digit QN (`YYYYMMDDhhmmsszzz`), with milliseconds; `None` for the other
/// forms seen (14, 13 or 18 digits, empty).
///
/// ```
/// let t = lantian_hj212::time::parse_qn("20160801085857223").unwrap();
/// assert_eq!(t.to_string(), "2016-08-01T08:58:57.223");
/// ```
#[must_use]
pub fn parse_qn(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let d = digits::<17>(b)?;
    let mut d14 = [0u8; 14];
    d14.copy_from_slice(&d[..14]);
    civil(&d14, num(&d[14..17]) * 1_000_000).ok()
}

/// Formats `YYYYMMDDhhmmss` (14 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataTimeText(pub DateTime);

impl fmt::Display for DataTimeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// Formats a QN `YYYYMMDDhhmmsszzz` (17 digits) from a time with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QnText(pub DateTime);

impl fmt::Display for QnText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:03}",
            DataTimeText(self.0),
            self.0.subsec_nanosecond() / 1_000_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_times() {
        let t = parse_data_time("20160801084000").unwrap();
        assert_eq!(t.dropped_digits, 0);
        assert_eq!(DataTimeText(t.time).to_string(), "20160801084000");
        assert_eq!(parse_data_time("2016080108400"), Err(TimeError::Format));
        assert_eq!(parse_data_time("20161301084000"), Err(TimeError::Range));
        assert_eq!(parse_data_time("2016080108400x"), Err(TimeError::Format));
        assert_eq!(
            parse_data_time("2024112320423050").unwrap().dropped_digits,
            2
        );
    }

    #[test]
    fn qns() {
        let t = parse_qn("20201015123632010").unwrap();
        assert_eq!(QnText(t).to_string(), "20201015123632010");
        assert!(parse_qn("1617936069734").is_none());
        assert!(parse_qn("202411123203230940").is_none());
        assert!(parse_qn("").is_none());
        assert!(parse_qn("20201315123632010").is_none());
    }
}
