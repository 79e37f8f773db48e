//! The hour convention.
//!
//! Internally an hour is identified by its **start** in Beijing time: the hour
//! `[start, start + 1 h)`. A natural day (自然日) D is then simply the 24 hours starting
//! D 00:00 … D 23:00.
//!
//! Two outside conventions meet here (architecture.md, "Two time labels"):
//! * CNEMC and the standards label an hourly mean by its **end**: "16时" is 15:00–16:00, and
//!   hour 0 of day D is 23:00–24:00 of day D−1 ([`hour_from_cnemc_label`]).
//! * HJ 212 labels 2051/2061/2031 data by the **start** of the interval, so a `DataTime` of
//!   `…220000` on an hourly packet is the hour starting 22:00, CNEMC's "23时".

use jiff::civil::{Date, DateTime, Time};

/// The start of the hour CNEMC labels `label_hour` (0–23) on `date`. Returns `None` for an hour
/// out of range.
pub fn hour_from_cnemc_label(date: Date, label_hour: u8) -> Option<DateTime> {
    if label_hour > 23 {
        return None;
    }
    let end = date.to_datetime(Time::new(label_hour as i8, 0, 0, 0).ok()?);
    end.checked_sub(jiff::Span::new().hours(1)).ok()
}

/// The hour starting at `start`, as CNEMC labels it: its end's date and hour (0–23).
pub fn cnemc_label(start: DateTime) -> Option<(Date, u8)> {
    let end = start.checked_add(jiff::Span::new().hours(1)).ok()?;
    Some((end.date(), end.hour() as u8))
}

/// The hour starting at `start`, as the daily report labels it: the natural day it belongs to
/// and its end hour 1–24 ("24时" for 23:00–24:00).
pub fn day_label(start: DateTime) -> (Date, u8) {
    (start.date(), start.hour() as u8 + 1)
}

/// Hours from `a` to `b` (both starts of hours), `b − a`.
pub fn hours_between(a: DateTime, b: DateTime) -> i64 {
    let d = b.date().since(a.date()).map(|s| s.get_days()).unwrap_or(0);
    i64::from(d) * 24 + i64::from(b.hour()) - i64::from(a.hour())
}

/// Midnight (the first hour's start) of a date.
pub fn midnight(date: Date) -> DateTime {
    date.to_datetime(Time::midnight())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn cnemc_hour_zero_is_the_previous_day() {
        let d = date(2019, 1, 2);
        let start = hour_from_cnemc_label(d, 0).unwrap();
        assert_eq!(start, date(2019, 1, 1).at(23, 0, 0, 0));
        assert_eq!(day_label(start), (date(2019, 1, 1), 24));
        assert_eq!(cnemc_label(start), Some((d, 0)));
        let start = hour_from_cnemc_label(d, 16).unwrap();
        assert_eq!(start, d.at(15, 0, 0, 0));
        assert_eq!(hour_from_cnemc_label(d, 24), None);
    }

    #[test]
    fn hj212_hourly_datatime_is_cnemc_next_label() {
        // An HJ 212 hourly value DataTime=…220000 (start) is CNEMC's "23时".
        let hj212_start = date(2019, 9, 24).at(22, 0, 0, 0);
        assert_eq!(cnemc_label(hj212_start), Some((date(2019, 9, 24), 23)));
    }

    #[test]
    fn hours_between_days() {
        let a = date(2019, 1, 1).at(0, 0, 0, 0);
        let b = date(2019, 1, 2).at(5, 0, 0, 0);
        assert_eq!(hours_between(a, b), 29);
        assert_eq!(hours_between(b, a), -29);
    }
}
