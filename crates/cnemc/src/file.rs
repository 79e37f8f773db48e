//! Reader of one CNEMC daily file (`china_sites_YYYYMMDD.csv`, the quotsoft layout).
//!
//! ```text
//! date,hour,type,1001A,1002A,...\r\n
//! 20190101,0,AQI,73,,92,...
//! ```
//!
//! One row per (hour, type); 15 types per hour; empty field = missing; CRLF; ASCII; columns
//! vary by day and may repeat (`3207A` twice from 2019-06-01: the first is kept). Values are
//! read exactly into millionths ([`Concentration`]); a bad field or row is reported with its
//! line and column and reading goes on.

use std::fmt;

use jiff::civil::{Date, DateTime};
use lantian_aq::time::hour_from_cnemc_label;
use lantian_aq::{Concentration, Pollutant};

/// The 15 row types of a CNEMC file, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(non_camel_case_types)]
pub enum RowType {
    /// CNEMC's published real-time AQI.
    Aqi,
    /// PM2.5 1-h.
    Pm25,
    /// PM2.5 24-h moving mean ending this hour.
    Pm25_24h,
    /// PM10 1-h.
    Pm10,
    /// PM10 24-h moving mean.
    Pm10_24h,
    /// SO2 1-h.
    So2,
    /// SO2 24-h moving mean.
    So2_24h,
    /// NO2 1-h.
    No2,
    /// NO2 24-h moving mean.
    No2_24h,
    /// O3 1-h.
    O3,
    /// Maximum 1-h O3 of the last 24 h.
    O3_24h,
    /// O3 8-h moving mean.
    O3_8h,
    /// Maximum 8-h O3 mean of the last 24 h.
    O3_8h_24h,
    /// CO 1-h (mg/m³).
    Co,
    /// CO 24-h moving mean.
    Co_24h,
}

impl RowType {
    /// All types, in file order.
    pub const ALL: [RowType; 15] = [
        RowType::Aqi,
        RowType::Pm25,
        RowType::Pm25_24h,
        RowType::Pm10,
        RowType::Pm10_24h,
        RowType::So2,
        RowType::So2_24h,
        RowType::No2,
        RowType::No2_24h,
        RowType::O3,
        RowType::O3_24h,
        RowType::O3_8h,
        RowType::O3_8h_24h,
        RowType::Co,
        RowType::Co_24h,
    ];

    /// The 1-h concentration row of each of the six pollutants.
    pub const HOURLY: [(Pollutant, RowType); 6] = [
        (Pollutant::So2, RowType::So2),
        (Pollutant::No2, RowType::No2),
        (Pollutant::Pm10, RowType::Pm10),
        (Pollutant::Co, RowType::Co),
        (Pollutant::O3, RowType::O3),
        (Pollutant::Pm25, RowType::Pm25),
    ];

    /// The label in the file.
    pub const fn label(self) -> &'static str {
        match self {
            RowType::Aqi => "AQI",
            RowType::Pm25 => "PM2.5",
            RowType::Pm25_24h => "PM2.5_24h",
            RowType::Pm10 => "PM10",
            RowType::Pm10_24h => "PM10_24h",
            RowType::So2 => "SO2",
            RowType::So2_24h => "SO2_24h",
            RowType::No2 => "NO2",
            RowType::No2_24h => "NO2_24h",
            RowType::O3 => "O3",
            RowType::O3_24h => "O3_24h",
            RowType::O3_8h => "O3_8h",
            RowType::O3_8h_24h => "O3_8h_24h",
            RowType::Co => "CO",
            RowType::Co_24h => "CO_24h",
        }
    }

    fn from_label(label: &[u8]) -> Option<RowType> {
        RowType::ALL
            .into_iter()
            .find(|t| t.label().as_bytes() == label)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// A set of row types to read (the others are skipped without parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowTypes(u16);

impl RowTypes {
    /// Every type.
    pub const ALL: RowTypes = RowTypes(0x7fff);

    /// The given types.
    pub fn of(types: &[RowType]) -> RowTypes {
        RowTypes(types.iter().fold(0, |m, t| m | 1 << t.index()))
    }

    /// Whether the set holds `t`.
    pub const fn contains(self, t: RowType) -> bool {
        self.0 & (1 << t.index()) != 0
    }
}

/// What is wrong with a row or field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The header does not start with `date,hour,type`.
    BadHeader,
    /// The `date` field is not `YYYYMMDD`.
    BadDate(String),
    /// The `hour` field is not 0–23.
    BadHour(String),
    /// The row's date differs from the file's first row.
    DateMismatch(String),
    /// The `type` field is not one of the 15 types.
    UnknownType(String),
    /// The row has a different number of fields from the header; the row is not used.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The same (hour, type) row appears twice; the second is not used.
    DuplicateRow,
    /// A value is not a usable concentration; the field is read as missing.
    BadValue {
        /// Station code of the column.
        station: String,
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
    /// The header repeats a station code; the repeated column must agree with the first (a
    /// disagreement is reported as a [`ProblemKind::BadValue`]).
    DuplicateStation(String),
    /// The text is not ASCII/UTF-8 where a label was expected.
    NotText,
}

impl ProblemKind {
    /// Whether data were left out because of it. A repeated station column whose values agree
    /// with the first is only a note.
    pub fn is_rejection(&self) -> bool {
        !matches!(self, ProblemKind::DuplicateStation(_))
    }
}

/// A problem found while reading, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.kind {
            ProblemKind::BadHeader => f.write_str("header does not start with date,hour,type"),
            ProblemKind::BadDate(s) => write!(f, "bad date {s:?}"),
            ProblemKind::BadHour(s) => write!(f, "bad hour {s:?}"),
            ProblemKind::DateMismatch(s) => write!(f, "date {s} differs from the file's date"),
            ProblemKind::UnknownType(s) => write!(f, "unknown type {s:?}"),
            ProblemKind::FieldCount { expected, found } => {
                write!(f, "{found} fields, header has {expected}; row skipped")
            }
            ProblemKind::DuplicateRow => f.write_str("duplicate (hour, type) row; skipped"),
            ProblemKind::BadValue {
                station, reason, ..
            } => write!(f, "column {station}: {reason}; read as missing"),
            ProblemKind::DuplicateStation(s) => {
                write!(
                    f,
                    "station {s} repeated in header; its values are checked against the first column"
                )
            }
            ProblemKind::NotText => f.write_str("not text"),
        }
    }
}

const MISSING: i64 = i64::MIN;

/// One hour of a file: every row type's values for every station.
#[derive(Debug, Clone)]
pub struct HourBlock {
    /// The hour label as in the file (0–23); the hour ends at this label.
    pub label: u8,
    /// The start of the hour (Beijing time): label − 1 h (hour 0 is 23:00 the day before).
    pub start: DateTime,
    present: u16,
    /// Where each row type's values start in `values`, in rows (`NO_SLOT` if not read).
    slot: [u8; 15],
    /// `values[slot[type] × stations + station]`, millionths; `MISSING` if empty.
    values: Vec<i64>,
    stations: usize,
}

const NO_SLOT: u8 = u8::MAX;

impl HourBlock {
    /// Whether the file has this hour's row of type `t`.
    pub fn has(&self, t: RowType) -> bool {
        self.present & (1 << t.index()) != 0
    }

    /// The value of type `t` for the station at index `station` (see [`DayFile::stations`]).
    pub fn value(&self, t: RowType, station: usize) -> Option<Concentration> {
        let slot = self.slot[t.index()];
        if slot == NO_SLOT || station >= self.stations {
            return None;
        }
        let v = *self
            .values
            .get(usize::from(slot) * self.stations + station)?;
        if v == MISSING {
            None
        } else {
            Concentration::from_micros(v).ok()
        }
    }

    /// The official AQI as an integer, if present and integral.
    pub fn aqi(&self, station: usize) -> Option<u16> {
        let c = self.value(RowType::Aqi, station)?;
        let m = c.micros();
        (m % 1_000_000 == 0)
            .then(|| u16::try_from(m / 1_000_000).ok())
            .flatten()
    }
}

/// A parsed day file.
#[derive(Debug, Clone)]
pub struct DayFile {
    /// The date of the file's rows (from the first data row).
    pub date: Option<Date>,
    /// Station codes in header order, each once.
    pub stations: Vec<String>,
    /// The hours present, in file order.
    pub hours: Vec<HourBlock>,
    /// Problems found; reading went on after each.
    pub problems: Vec<Problem>,
    /// Bytes read.
    pub bytes: usize,
}

impl DayFile {
    /// The index of a station code.
    pub fn station_index(&self, code: &str) -> Option<usize> {
        self.stations.iter().position(|s| s == code)
    }

    /// Parses a whole file, reading only the row types in `types`.
    pub fn parse(bytes: &[u8], types: RowTypes) -> DayFile {
        let mut out = DayFile {
            date: None,
            stations: Vec::new(),
            hours: Vec::new(),
            problems: Vec::new(),
            bytes: bytes.len(),
        };
        let mut lines = Lines::new(bytes);
        let Some((_, header)) = lines.next() else {
            out.problems.push(Problem {
                line: 1,
                kind: ProblemKind::BadHeader,
            });
            return out;
        };
        // Header: date,hour,type,codes…; column j (0-based, after the first 3) → station index;
        // a repeated code maps to the same station and is checked against its first column.
        let mut fields = header.split(|b| *b == b',');
        let first3: Vec<&[u8]> = fields.by_ref().take(3).collect();
        if first3 != [b"date".as_slice(), b"hour", b"type"] {
            out.problems.push(Problem {
                line: 1,
                kind: ProblemKind::BadHeader,
            });
            return out;
        }
        let mut col_map: Vec<usize> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for code in fields {
            let code = String::from_utf8_lossy(code).into_owned();
            match seen.get(&code) {
                Some(&station) => {
                    out.problems.push(Problem {
                        line: 1,
                        kind: ProblemKind::DuplicateStation(code),
                    });
                    col_map.push(station);
                }
                None => {
                    seen.insert(code.clone(), out.stations.len());
                    col_map.push(out.stations.len());
                    out.stations.push(code);
                }
            }
        }
        let n = out.stations.len();
        let expected = col_map.len() + 3;
        // Only the requested row types get storage.
        let mut slot = [NO_SLOT; 15];
        let mut slots = 0u8;
        for t in RowType::ALL {
            if types.contains(t) {
                slot[t.index()] = slots;
                slots += 1;
            }
        }

        for (line_no, line) in lines {
            if line.is_empty() {
                continue;
            }
            let mut p = 0;
            let next_field = |p: &mut usize| -> &[u8] {
                let rest = &line[*p..];
                let end = memchr::memchr(b',', rest).unwrap_or(rest.len());
                *p += end + 1;
                &rest[..end]
            };
            let date_f = next_field(&mut p);
            let hour_f = next_field(&mut p);
            let type_f = next_field(&mut p);
            let Some(date) = parse_date(date_f) else {
                out.problems.push(Problem {
                    line: line_no,
                    kind: ProblemKind::BadDate(String::from_utf8_lossy(date_f).into_owned()),
                });
                continue;
            };
            match out.date {
                None => out.date = Some(date),
                Some(d) if d != date => {
                    out.problems.push(Problem {
                        line: line_no,
                        kind: ProblemKind::DateMismatch(date.to_string()),
                    });
                    continue;
                }
                Some(_) => {}
            }
            let hour = match std::str::from_utf8(hour_f)
                .ok()
                .and_then(|s| s.parse::<u8>().ok())
            {
                Some(h) if h <= 23 => h,
                _ => {
                    out.problems.push(Problem {
                        line: line_no,
                        kind: ProblemKind::BadHour(String::from_utf8_lossy(hour_f).into_owned()),
                    });
                    continue;
                }
            };
            let Some(rtype) = RowType::from_label(type_f) else {
                out.problems.push(Problem {
                    line: line_no,
                    kind: ProblemKind::UnknownType(String::from_utf8_lossy(type_f).into_owned()),
                });
                continue;
            };
            if !types.contains(rtype) {
                continue;
            }
            let Some(start) = hour_from_cnemc_label(date, hour) else {
                continue;
            };
            let block_index = match out.hours.iter().rposition(|h| h.label == hour) {
                Some(i) => i,
                None => {
                    out.hours.push(HourBlock {
                        label: hour,
                        start,
                        present: 0,
                        slot,
                        values: vec![MISSING; usize::from(slots) * n],
                        stations: n,
                    });
                    out.hours.len() - 1
                }
            };
            let block = &mut out.hours[block_index];
            if block.has(rtype) {
                out.problems.push(Problem {
                    line: line_no,
                    kind: ProblemKind::DuplicateRow,
                });
                continue;
            }
            let at = usize::from(block.slot[rtype.index()]) * n;
            let row = &mut block.values[at..at + n];
            let values = if p <= line.len() { &line[p..] } else { &[][..] };
            match parse_values(values, &col_map, row) {
                Ok(bad) => {
                    block.present |= 1 << rtype.index();
                    for (col, reason) in bad {
                        let station = col_map
                            .get(col)
                            .and_then(|i| out.stations.get(*i))
                            .cloned()
                            .unwrap_or_default();
                        let text = field_text(values, col);
                        out.problems.push(Problem {
                            line: line_no,
                            kind: ProblemKind::BadValue {
                                station,
                                text,
                                reason,
                            },
                        });
                    }
                }
                Err(found) => {
                    row.fill(MISSING);
                    out.problems.push(Problem {
                        line: line_no,
                        kind: ProblemKind::FieldCount {
                            expected,
                            found: found + 3,
                        },
                    });
                }
            }
        }
        out
    }
}

/// Lines without their CR LF, numbered from 1.
struct Lines<'a> {
    rest: &'a [u8],
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            rest: bytes,
            line: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((self.line, line))
    }
}

fn parse_date(f: &[u8]) -> Option<Date> {
    if f.len() != 8 || !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| f[r].iter().fold(0i32, |a, b| a * 10 + i32::from(b - b'0'));
    Date::new(n(0..4) as i16, n(4..6) as i8, n(6..8) as i8).ok()
}

fn field_text(values: &[u8], col: usize) -> String {
    values
        .split(|b| *b == b',')
        .nth(col)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .unwrap_or_default()
}

/// Most digits a field may have (integer and fraction together) before it is refused as out of
/// range: 10 integer digits (10⁹ units, see [`Concentration::from_micros`]) and 6 decimals.
const MAX_DIGITS: u32 = 16;
/// Largest value accepted, in millionths.
const MAX_MICROS: u64 = 1_000_000_000 * 1_000_000;
const POW10: [u64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// Parses the value fields of a row into `row` (indexed by station). Returns the columns whose
/// value was bad (read as missing), or `Err(fields found)` if the count differs from `col_map`.
///
/// One pass over the bytes: each field's digits (integer and fraction) accumulate into one
/// integer, scaled to millionths at the comma. When the header repeats no station, columns are
/// stations and values go straight into `row`; otherwise through a scratch row and `col_map`,
/// and a repeated column must agree with the station's first column (the first is kept).
fn parse_values(
    bytes: &[u8],
    col_map: &[usize],
    row: &mut [i64],
) -> Result<Vec<(usize, String)>, usize> {
    if col_map.len() == row.len() {
        return fill(bytes, row);
    }
    let mut cols = vec![MISSING; col_map.len()];
    let mut bad = fill(bytes, &mut cols)?;
    let mut filled = vec![false; row.len()];
    for (c, &station) in col_map.iter().enumerate() {
        if !filled[station] {
            filled[station] = true;
            row[station] = cols[c];
        } else if cols[c] != row[station] {
            let show = |v: i64| {
                Concentration::from_micros(v).map_or_else(|_| "empty".to_owned(), |c| c.to_string())
            };
            bad.push((
                c,
                format!(
                    "repeated column differs from the station's first column ({} vs {}); the first is kept",
                    show(cols[c]),
                    show(row[station])
                ),
            ));
        }
    }
    Ok(bad)
}

/// Fills `cols` from the fields of `bytes`; see [`parse_values`].
fn fill(bytes: &[u8], cols: &mut [i64]) -> Result<Vec<(usize, String)>, usize> {
    let mut bad_cols = Vec::new();
    let found = scan_fields(bytes, cols, &mut bad_cols);
    if found != cols.len() {
        return Err(found);
    }
    // Fields the fast scan refused: re-read them the exact, slow way (trailing zeros past six
    // decimals are fine), and keep the reason for those still refused.
    let mut bad = Vec::new();
    for c in bad_cols {
        let text = field_text(bytes, c);
        match Concentration::parse(&text) {
            Ok(v) => cols[c] = v.micros(),
            Err(e) => bad.push((c, e.to_string())),
        }
    }
    Ok(bad)
}

/// Marks a field the fast scan could not read.
const BAD: i64 = i64::MIN + 1;

/// Reads up to `cols.len()` comma-separated fields into `cols`; returns the number of fields
/// in `bytes` (which may exceed `cols.len()`). Fields it cannot read go to `bad`.
fn scan_fields(bytes: &[u8], cols: &mut [i64], bad: &mut Vec<usize>) -> usize {
    let mut col = 0usize;
    let mut acc: u64 = 0;
    let mut digits = 0u32;
    let mut frac_digits = 0u32;
    let mut point = false;
    let mut ok = true;
    let mut empty = true;
    for &b in bytes {
        if b == b',' {
            store(
                cols,
                bad,
                col,
                field_value(acc, digits, frac_digits, ok, empty),
            );
            col += 1;
            acc = 0;
            digits = 0;
            frac_digits = 0;
            point = false;
            ok = true;
            empty = true;
            continue;
        }
        empty = false;
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            if digits <= MAX_DIGITS {
                acc = acc * 10 + u64::from(d);
            }
            digits += 1;
            frac_digits += u32::from(point);
        } else if b == b'.' && !point {
            point = true;
        } else {
            ok = false;
        }
    }
    store(
        cols,
        bad,
        col,
        field_value(acc, digits, frac_digits, ok, empty),
    );
    col + 1
}

#[inline(always)]
fn field_value(acc: u64, digits: u32, frac_digits: u32, ok: bool, empty: bool) -> i64 {
    if empty {
        MISSING
    } else if ok && digits > 0 && digits <= MAX_DIGITS && frac_digits <= 6 {
        let micros = acc * POW10[frac_digits as usize];
        if micros <= MAX_MICROS {
            micros as i64
        } else {
            BAD
        }
    } else {
        BAD
    }
}

#[inline(always)]
fn store(cols: &mut [i64], bad: &mut Vec<usize>, col: usize, value: i64) {
    if let Some(slot) = cols.get_mut(col) {
        if value == BAD {
            bad.push(col);
            *slot = MISSING;
        } else {
            *slot = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"date,hour,type,1001A,1002A,3207A,3207A\r\n\
20190101,0,AQI,73,,92,92\r\n\
20190101,0,PM2.5,53,,68,68\r\n\
20190101,0,CO,0.8,1.25,,\r\n\
20190101,1,AQI,70,12,,\r\n";

    #[test]
    fn reads_values_by_header_name() {
        let f = DayFile::parse(SAMPLE, RowTypes::ALL);
        assert_eq!(f.stations, ["1001A", "1002A", "3207A"]);
        assert_eq!(f.date, Some(jiff::civil::date(2019, 1, 1)));
        assert_eq!(f.hours.len(), 2);
        let h0 = &f.hours[0];
        assert_eq!(h0.label, 0);
        assert_eq!(h0.start, jiff::civil::date(2018, 12, 31).at(23, 0, 0, 0));
        assert_eq!(h0.aqi(0), Some(73));
        assert_eq!(h0.aqi(1), None);
        assert_eq!(h0.aqi(2), Some(92));
        assert_eq!(
            h0.value(RowType::Co, 1).map(|c| c.to_string()).as_deref(),
            Some("1.25")
        );
        assert!(h0.has(RowType::Pm25) && !h0.has(RowType::O3));
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert!(matches!(
            f.problems[0].kind,
            ProblemKind::DuplicateStation(_)
        ));
    }

    #[test]
    fn a_repeated_column_must_agree() {
        let f = DayFile::parse(
            b"date,hour,type,A,B,A\n20190601,1,PM10,1,2,1\n20190601,1,SO2,1,2,9\n",
            RowTypes::ALL,
        );
        let lines: Vec<String> = f.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(!f.problems[0].kind.is_rejection());
        assert!(
            lines[1].starts_with("line 3: column A: repeated column differs"),
            "{lines:?}"
        );
        assert!(f.problems[1].kind.is_rejection());
        assert_eq!(
            f.hours[0].value(RowType::So2, 0),
            Some(Concentration::from_units(1))
        );
    }

    #[test]
    fn bad_rows_and_values_are_reported_and_skipped() {
        let text = b"date,hour,type,A,B\r\n\
20190101,0,AQI,73,x\r\n\
20190101,0,PM2.5,1,2,3\r\n\
20190101,25,PM10,1,2\r\n\
2019010,1,PM10,1,2\r\n\
20190101,1,FOO,1,2\r\n\
20190101,1,AQI,1,2\r\n\
20190101,1,AQI,1,2\r\n\
20190102,1,SO2,1,2\r\n\
20190101,1,SO2,-4,1.0000001\r\n";
        let f = DayFile::parse(text, RowTypes::ALL);
        let lines: Vec<String> = f.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            lines,
            [
                "line 2: column B: not a decimal number: \"x\"; read as missing",
                "line 3: 6 fields, header has 5; row skipped",
                "line 4: bad hour \"25\"",
                "line 5: bad date \"2019010\"",
                "line 6: unknown type \"FOO\"",
                "line 8: duplicate (hour, type) row; skipped",
                "line 9: date 2019-01-02 differs from the file's date",
                "line 10: column A: negative concentration: \"-4\"; read as missing",
                "line 10: column B: more than 6 significant decimal places: \"1.0000001\"; read as missing",
            ]
        );
        assert_eq!(f.hours[0].aqi(0), Some(73));
        assert_eq!(f.hours[0].aqi(1), None);
        assert!(
            !f.hours[0].has(RowType::Pm25),
            "the misaligned row is not used"
        );
    }

    #[test]
    fn skips_unrequested_types_and_tolerates_no_final_newline() {
        let f = DayFile::parse(
            b"date,hour,type,A\n20190101,5,AQI,3\n20190101,5,PM10,4",
            RowTypes::of(&[RowType::Pm10]),
        );
        assert!(f.problems.is_empty());
        assert!(!f.hours[0].has(RowType::Aqi));
        assert_eq!(
            f.hours[0].value(RowType::Pm10, 0),
            Some(Concentration::from_units(4))
        );
    }

    #[test]
    fn empty_and_garbage_input() {
        assert_eq!(
            DayFile::parse(b"", RowTypes::ALL).problems[0].kind,
            ProblemKind::BadHeader
        );
        let f = DayFile::parse(b"\xff\xfe,,\n\x00\x01", RowTypes::ALL);
        assert_eq!(f.problems[0].kind, ProblemKind::BadHeader);
    }
}
