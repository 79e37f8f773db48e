//! The AQI forecast a warning is judged on: either the hourly rolling 24-h AQI (日AQI over any
//! 24 consecutive hours, crossing midnight, standards.md §4.1) or daily AQIs. A forecast is a
//! gapless series: a missing hour or day is refused with its time, never filled in.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

/// What one forecast value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// One value per hour: the 24-h AQI of the 24 hours ending with that hour.
    Hourly,
    /// One value per day: the day's AQI.
    Daily,
}

impl Basis {
    /// Hours one value stands for.
    #[must_use]
    pub fn hours_per_value(self) -> u32 {
        match self {
            Basis::Hourly => 1,
            Basis::Daily => 24,
        }
    }

    /// `hourly` or `daily`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Hourly => "hourly",
            Basis::Daily => "daily",
        }
    }
}

/// The largest AQI the breakpoint tables give.
pub const MAX_AQI: u16 = 500;

/// A forecast that cannot be used, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForecastError {
    /// No values.
    #[error("the forecast has no values")]
    Empty,
    /// A time is not the start of an hour (hourly) or a day (daily).
    #[error("{0}: not the start of an hour (hourly) or of a day (daily)")]
    NotAligned(DateTime),
    /// The same time twice.
    #[error("{0} appears twice")]
    Duplicate(DateTime),
    /// Times out of order.
    #[error("{0} comes after a later time: the forecast must be in time order")]
    Unordered(DateTime),
    /// A stretch without values.
    #[error("gap in the forecast: nothing from {from} until {until} (a forecast must be complete)")]
    Gap {
        /// First missing time.
        from: DateTime,
        /// The next time with a value.
        until: DateTime,
    },
    /// A time without a value.
    #[error("{0}: no AQI value (a forecast must be complete)")]
    Missing(DateTime),
    /// An AQI outside 0–500.
    #[error("{time}: AQI {value} is outside 0–500")]
    OutOfRange {
        /// When.
        time: DateTime,
        /// The value.
        value: u32,
    },
    /// A line of a CSV forecast that cannot be read.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// A complete forecast: consecutive values from `start` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    start: DateTime,
    basis: Basis,
    values: Vec<u16>,
}

impl Forecast {
    /// A forecast from `(time, AQI)` points in time order, one per hour or per day, none
    /// missing.
    pub fn new(
        basis: Basis,
        points: &[(DateTime, Option<u32>)],
    ) -> Result<Forecast, ForecastError> {
        let Some(&(start, _)) = points.first() else {
            return Err(ForecastError::Empty);
        };
        let step = step(basis);
        let mut values = Vec::with_capacity(points.len());
        let mut expected = start;
        for (i, &(t, v)) in points.iter().enumerate() {
            if !aligned(basis, t) {
                return Err(ForecastError::NotAligned(t));
            }
            if i > 0 {
                if t < expected {
                    let prev = expected.checked_sub(step).unwrap_or(expected);
                    return Err(if t == prev {
                        ForecastError::Duplicate(t)
                    } else {
                        ForecastError::Unordered(t)
                    });
                }
                if t > expected {
                    return Err(ForecastError::Gap {
                        from: expected,
                        until: t,
                    });
                }
            }
            let v = v.ok_or(ForecastError::Missing(t))?;
            let v = u16::try_from(v)
                .ok()
                .filter(|v| *v <= MAX_AQI)
                .ok_or(ForecastError::OutOfRange { time: t, value: v })?;
            values.push(v);
            expected = t
                .checked_add(step)
                .map_err(|_| ForecastError::NotAligned(t))?;
        }
        Ok(Forecast {
            start,
            basis,
            values,
        })
    }

    /// Reads a forecast from CSV text: a header `time,aqi` (hourly; times such as
    /// `2019-01-12 08`, `2019-01-12 08:00` or `2019-01-12T08:00:00`, Beijing) or `date,aqi`
    /// (daily), then one row per hour or day. A byte-order mark, blank lines and lines starting
    /// with `#` are skipped. An empty AQI is a missing value (refused).
    pub fn parse_csv(text: &str) -> Result<Forecast, ForecastError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut basis = None;
        let mut points = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = l.split(',').map(str::trim).collect();
            let Some(b) = basis else {
                basis = Some(match cols.as_slice() {
                    [t, a] if t.eq_ignore_ascii_case("time") && a.eq_ignore_ascii_case("aqi") => {
                        Basis::Hourly
                    }
                    [d, a] if d.eq_ignore_ascii_case("date") && a.eq_ignore_ascii_case("aqi") => {
                        Basis::Daily
                    }
                    _ => {
                        return Err(ForecastError::Line {
                            line,
                            message: format!(
                                "header {l:?}: expected \"time,aqi\" (hourly) or \"date,aqi\" (daily)"
                            ),
                        });
                    }
                });
                continue;
            };
            let [t, a] = cols.as_slice() else {
                return Err(ForecastError::Line {
                    line,
                    message: format!("expected 2 columns, found {}", cols.len()),
                });
            };
            let time = parse_time(b, t).ok_or_else(|| ForecastError::Line {
                line,
                message: format!("time {t:?} is not understood"),
            })?;
            let value = if a.is_empty() {
                None
            } else {
                Some(a.parse::<u32>().map_err(|_| ForecastError::Line {
                    line,
                    message: format!("AQI {a:?} is not a whole number"),
                })?)
            };
            points.push((time, value));
        }
        Forecast::new(basis.unwrap_or(Basis::Hourly), &points)
    }

    /// The first value's time (Beijing).
    #[must_use]
    pub fn start(&self) -> DateTime {
        self.start
    }

    /// Hourly or daily.
    #[must_use]
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The values.
    #[must_use]
    pub fn values(&self) -> &[u16] {
        &self.values
    }

    /// Hours covered.
    #[must_use]
    pub fn hours(&self) -> u32 {
        u32::try_from(self.values.len())
            .unwrap_or(u32::MAX)
            .saturating_mul(self.basis.hours_per_value())
    }

    /// The time value `i` starts at.
    #[must_use]
    pub fn time_of(&self, i: usize) -> DateTime {
        let n = i64::try_from(i).unwrap_or(i64::MAX);
        let span = match self.basis {
            Basis::Hourly => jiff::Span::new().try_hours(n),
            Basis::Daily => jiff::Span::new().try_days(n),
        };
        span.ok()
            .and_then(|s| self.start.checked_add(s).ok())
            .unwrap_or(self.start)
    }

    /// The forecast's first `hours` hours (at least one value).
    #[must_use]
    pub fn prefix_hours(&self, hours: u32) -> Forecast {
        let per = self.basis.hours_per_value();
        let n = usize::try_from(hours.div_ceil(per).max(1)).unwrap_or(usize::MAX);
        Forecast {
            start: self.start,
            basis: self.basis,
            values: self.values.iter().copied().take(n).collect(),
        }
    }
}

fn step(basis: Basis) -> jiff::Span {
    match basis {
        Basis::Hourly => jiff::Span::new().hours(1),
        Basis::Daily => jiff::Span::new().days(1),
    }
}

fn aligned(basis: Basis, t: DateTime) -> bool {
    t.minute() == 0
        && t.second() == 0
        && t.subsec_nanosecond() == 0
        && (basis == Basis::Hourly || t.hour() == 0)
}

fn parse_time(basis: Basis, s: &str) -> Option<DateTime> {
    if basis == Basis::Daily {
        return s
            .parse::<Date>()
            .ok()
            .map(|d| d.to_datetime(jiff::civil::time(0, 0, 0, 0)));
    }
    if let Ok(t) = s.parse::<DateTime>() {
        return Some(t);
    }
    // "2019-01-12 08"
    let (d, h) = s.split_once([' ', 'T'])?;
    let date: Date = d.parse().ok()?;
    let hour: i8 = h.parse().ok()?;
    (0..24).contains(&hour).then(|| date.at(hour, 0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn t(d: i8, h: i8) -> DateTime {
        date(2019, 1, d).at(h, 0, 0, 0)
    }

    #[test]
    fn csv_hourly_and_daily() {
        let f = Forecast::parse_csv("\u{feff}time,aqi\n2019-01-12 23,151\n2019-01-13 00:00,160\n\n# note\n2019-01-13T01:00:00,170\n").unwrap();
        assert_eq!(
            (f.start(), f.basis(), f.values()),
            (t(12, 23), Basis::Hourly, &[151, 160, 170][..])
        );
        assert_eq!(f.hours(), 3);
        assert_eq!(f.time_of(2), t(13, 1));
        let d = Forecast::parse_csv("date,AQI\n2019-01-12,210\n2019-01-13,220\n").unwrap();
        assert_eq!((d.basis(), d.hours()), (Basis::Daily, 48));
        assert_eq!(d.time_of(1), t(13, 0));
    }

    #[test]
    fn gaps_and_bad_lines_are_named() {
        let e = |s: &str| Forecast::parse_csv(s).unwrap_err().to_string();
        assert_eq!(
            e("time,aqi\n2019-01-12 08,100\n2019-01-12 11,100\n"),
            "gap in the forecast: nothing from 2019-01-12T09:00:00 until 2019-01-12T11:00:00 (a forecast must be complete)"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08,\n"),
            "2019-01-12T08:00:00: no AQI value (a forecast must be complete)"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08,100\n2019-01-12 08,100\n"),
            "2019-01-12T08:00:00 appears twice"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08,100\n2019-01-12 06,100\n"),
            "2019-01-12T06:00:00 comes after a later time: the forecast must be in time order"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08:30,100\n"),
            "2019-01-12T08:30:00: not the start of an hour (hourly) or of a day (daily)"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08,501\n"),
            "2019-01-12T08:00:00: AQI 501 is outside 0–500"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08,x\n"),
            "line 2: AQI \"x\" is not a whole number"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 25,1\n"),
            "line 2: time \"2019-01-12 25\" is not understood"
        );
        assert_eq!(
            e("when,aqi\n"),
            "line 1: header \"when,aqi\": expected \"time,aqi\" (hourly) or \"date,aqi\" (daily)"
        );
        assert_eq!(
            e("time,aqi\n2019-01-12 08,1,2\n"),
            "line 2: expected 2 columns, found 3"
        );
        assert_eq!(e("time,aqi\n"), "the forecast has no values");
    }

    #[test]
    fn prefix() {
        let f = Forecast::new(
            Basis::Hourly,
            &(0..10).map(|h| (t(1, h), Some(100))).collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(f.prefix_hours(4).values().len(), 4);
        assert_eq!(f.prefix_hours(40).values().len(), 10);
        let d = Forecast::new(
            Basis::Daily,
            &(1..4).map(|d| (t(d, 0), Some(100))).collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(d.prefix_hours(36).values().len(), 2);
    }
}
