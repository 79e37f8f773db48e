//! `lantian import csv PATH…`: generic long-format CSV into the store.
//!
//! Many town and micro-station vendors export hourly data one value a row:
//! `station,time,pollutant,value[,flag]`. The columns are found by their header (English or
//! Chinese names, or `--columns`), the text is UTF-8, GBK/GB18030 or UTF-16, the delimiter a
//! comma, semicolon or tab. Each file is read whole and checked row by row: a bad row is
//! reported with its file and line and skipped, the others are imported.
//!
//! Values are grouped per (station, pollutant, Beijing day) and offered to the store, which
//! never overwrites: re-importing a file changes nothing and says so; a value that differs from
//! a stored one is kept out and recorded as a conflict (origin: the file name), and reported
//! here with its line. The same hour twice in the input keeps the first value; a different
//! later value is reported with both lines.
//!
//! Exit codes: 0 nothing rejected, 1 something rejected (a bad row, an unknown station or
//! pollutant, a conflict, an unreadable or truncated file), 2 an error (bad arguments, no file
//! could be read, the store failed).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::{Args as ClapArgs, ValueEnum};
use jiff::civil::{Date, DateTime};
use lantian_aq::{Concentration, Pollutant};
use lantian_store::{DayItem, DayValues, Quantity, Station, Store, WriteSummary};

use crate::import_cnemc::{expand, read_bytes};
use crate::out;

/// Arguments of `lantian import csv`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// Long-format CSV files, one value a row (plain, `.gz` or `.xz`; UTF-8, GBK/GB18030 or
    /// UTF-16; comma, semicolon or tab), folders of them (`*.csv[.gz|.xz]`), or globs.
    #[arg(required = true)]
    paths: Vec<String>,
    /// Which header names which column, e.g.
    /// `station=站点编码,time=监测时间,pollutant=因子,value=浓度,flag=标记`. Columns not named
    /// here are found by their usual names: station (station, code, 站点编码, 监测点编码, 站点),
    /// time (time, datetime, 监测时间, 时间), pollutant (pollutant, factor, 污染物, 监测因子),
    /// value (value, 浓度, 监测值, 数值), and the optional flag (flag, 标记, 数据标记).
    #[arg(long, value_name = "FIELD=HEADER,…")]
    columns: Option<String>,
    /// What the time of a row stamps. `end` (the default): the end of the hour, as CNEMC and
    /// the standards label hourly values: `2024-03-01 16:00` (16时) is the hour 15:00–16:00,
    /// and `2024-03-02 00:00` the last hour of 1 March. `start`: the start of the hour (as HJ
    /// 212 `DataTime` does): `16:00` is 16:00–17:00. Times are Beijing time; minutes and
    /// seconds must be zero (this importer takes hourly values).
    #[arg(long, value_enum, default_value_t = TimeLabel::End)]
    time_label: TimeLabel,
    /// First day of the expected period (Beijing): hours of earlier days are rejected as
    /// outside the expected period. Hours in the future are always rejected.
    #[arg(long, value_name = "DATE")]
    from: Option<Date>,
    /// Last day of the expected period (Beijing), inclusive.
    #[arg(long, value_name = "DATE")]
    to: Option<Date>,
    /// The unit of CO values in the files: `mg` (mg/m³, the standard unit, stored as is) or
    /// `ug` (µg/m³, converted exactly to mg/m³). Other pollutants are always µg/m³.
    #[arg(long, value_enum, default_value_t = CoUnit::Mg)]
    co_unit: CoUnit,
    /// Register station codes the registry does not know (as unclassified) instead of
    /// rejecting their values.
    #[arg(long)]
    register_unknown: bool,
}

/// What a row's time stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum TimeLabel {
    /// The start of the hour.
    Start,
    /// The end of the hour (CNEMC, the standards).
    End,
}

/// The unit of CO values in the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum CoUnit {
    /// mg/m³.
    Mg,
    /// µg/m³.
    Ug,
}

/// CO above this many mg/m³ (the top of the HJ 633 IAQI scale for 1-h CO) is taken for a value
/// in µg/m³: the file's CO rows are then not imported.
const CO_MG_PLAUSIBLE_MAX: i64 = 150;

/// Per-row messages printed at most (all are counted in the summary).
const MESSAGES_SHOWN: usize = 200;

// ---------------------------------------------------------------------------------------------
// Columns.

/// The columns of a long-format file, and their usual header names (compared after
/// [`normalize`]; earlier names win when several are present).
const FIELDS: [(&str, &[&str]); 5] = [
    (
        "station",
        &["station", "code", "站点编码", "监测点编码", "站点"],
    ),
    ("time", &["time", "datetime", "监测时间", "时间"]),
    ("pollutant", &["pollutant", "factor", "污染物", "监测因子"]),
    ("value", &["value", "浓度", "监测值", "数值"]),
    ("flag", &["flag", "标记", "数据标记"]),
];
const STATION: usize = 0;
const TIME: usize = 1;
const POLLUTANT: usize = 2;
const VALUE: usize = 3;
const FLAG: usize = 4;

/// A header name as compared with the usual names: trimmed, ASCII lower case, and without a
/// unit or note in brackets (`浓度(μg/m³)` → `浓度`).
fn normalize(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{feff}');
    let h = h.find(['(', '（', '[', '【']).map_or(h, |i| &h[..i]).trim();
    h.to_ascii_lowercase()
}

/// The header names asked for with `--columns`, by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ColumnSpec([Option<String>; 5]);

impl ColumnSpec {
    /// Parses `station=站点编码,time=监测时间,…`.
    fn parse(spec: &str) -> Result<ColumnSpec> {
        let mut out = ColumnSpec::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((field, header)) = part.split_once('=') else {
                bail!("--columns: {part:?} is not FIELD=HEADER (e.g. station=站点编码)");
            };
            let field = field.trim().to_ascii_lowercase();
            let Some(i) = FIELDS.iter().position(|(f, _)| *f == field) else {
                bail!(
                    "--columns: unknown field {field:?}; the fields are station, time, \
                     pollutant, value and flag"
                );
            };
            let header = header.trim();
            if header.is_empty() {
                bail!("--columns: {field}= names no header");
            }
            if out.0[i].is_some() {
                bail!("--columns: {field} is given twice");
            }
            out.0[i] = Some(header.to_owned());
        }
        Ok(out)
    }
}

/// Where the fields are in a file's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// Column index of each field (the flag is optional).
    columns: [Option<usize>; 5],
    /// The header as found.
    header: Vec<String>,
}

impl Layout {
    fn col(&self, field: usize) -> usize {
        self.columns[field].unwrap_or(usize::MAX)
    }

    /// `station=站点编码, time=监测时间, …`, for the summary.
    fn describe(&self) -> String {
        FIELDS
            .iter()
            .zip(&self.columns)
            .filter_map(|((f, _), c)| c.map(|c| format!("{f}={}", self.header[c])))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Finds the columns in a header row: the names given with `--columns` first, else the usual
/// names. The error names what is missing and lists the header found.
fn find_layout(header: &[String], spec: &ColumnSpec) -> Result<Layout, String> {
    let normalized: Vec<String> = header.iter().map(|h| normalize(h)).collect();
    let mut columns = [None; 5];
    for (i, (field, aliases)) in FIELDS.iter().enumerate() {
        columns[i] = match &spec.0[i] {
            Some(name) => {
                let found = header
                    .iter()
                    .position(|h| h.trim() == name.as_str())
                    .or_else(|| normalized.iter().position(|h| *h == normalize(name)));
                if found.is_none() {
                    return Err(format!(
                        "--columns {field}={name}: no such column; the header has: {}",
                        header.join(", ")
                    ));
                }
                found
            }
            None => aliases
                .iter()
                .find_map(|a| normalized.iter().position(|h| h == a)),
        };
        if columns[i].is_none() && i != FLAG {
            return Err(format!(
                "no {field} column (looked for {}); the header has: {}; name the columns \
                 with --columns station=…,time=…,pollutant=…,value=…",
                aliases.join(", "),
                header.join(", ")
            ));
        }
    }
    for (i, a) in columns.iter().enumerate() {
        for (j, b) in columns.iter().enumerate().skip(i + 1) {
            if let (Some(a), Some(b)) = (a, b) {
                if a == b {
                    return Err(format!(
                        "the column {:?} cannot be both {} and {}",
                        header[*a], FIELDS[i].0, FIELDS[j].0
                    ));
                }
            }
        }
    }
    Ok(Layout {
        columns,
        header: header.to_vec(),
    })
}

/// The delimiter: whichever of comma, semicolon and tab is most frequent on one of the first
/// lines (a comma on a tie).
fn delimiter(text: &str) -> u8 {
    let mut best = (0, b',');
    for line in text.lines().take(10) {
        for d in [b',', b';', b'\t'] {
            let n = line.bytes().filter(|b| *b == d).count();
            if n > best.0 {
                best = (n, d);
            }
        }
    }
    best.1
}

// ---------------------------------------------------------------------------------------------
// Fields.

/// Parses a pollutant name: the customary codes (`PM2.5`, `pm25`, `SO2`, …), the Chinese names
/// and the HJ 212-2017 factor codes. `None` for anything else (other factors are not stored by
/// this importer).
fn pollutant(name: &str) -> Option<Pollutant> {
    let n = name.trim();
    if let Some(p) = Pollutant::from_code(n) {
        return Some(p);
    }
    Some(match n.to_ascii_lowercase().as_str() {
        "细颗粒物" | "细微颗粒物" | "a34004" => Pollutant::Pm25,
        "可吸入颗粒物" | "a34002" => Pollutant::Pm10,
        "二氧化硫" | "a21026" => Pollutant::So2,
        "二氧化氮" | "a21004" => Pollutant::No2,
        "一氧化碳" | "a21005" => Pollutant::Co,
        "臭氧" | "a05024" => Pollutant::O3,
        _ => return None,
    })
}

/// Whether a value cell says "no value" (the hour is missing, not wrong).
fn is_missing(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "" | "-" | "--" | "—" | "na" | "n/a" | "null" | "none"
    )
}

/// Parses a value in the file's unit into the stored unit (CO mg/m³, others µg/m³), exactly.
fn value(text: &str, p: Pollutant, co_unit: CoUnit) -> Result<Concentration, String> {
    let c = Concentration::parse(text).map_err(|e| format!("value {text:?}: {e}"))?;
    if p != Pollutant::Co || co_unit == CoUnit::Mg {
        return Ok(c);
    }
    if c.micros() % 1000 != 0 {
        return Err(format!(
            "value {text:?}: CO in µg/m³ with more than 3 decimals cannot be converted to \
             mg/m³ exactly"
        ));
    }
    Concentration::from_micros(c.micros() / 1000).map_err(|e| format!("value {text:?}: {e}"))
}

/// Parses a data flag: empty, or one ASCII letter (HJ 212 data flags such as `N`, `M`, `T`).
fn flag(text: &str) -> Result<u8, String> {
    match text.as_bytes() {
        [] => Ok(0),
        [b] if b.is_ascii_alphabetic() => Ok(*b),
        _ => Err(format!(
            "flag {text:?}: a data flag is one letter (e.g. N, M, T, D)"
        )),
    }
}

/// A time stamp as written, in Beijing time unless it gives an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    date: Date,
    /// 0–24 (24:00 is the end of the day).
    hour: i8,
    minute: i8,
    second: i8,
    /// Whether a fraction of a second other than zero was given.
    fraction: bool,
    /// An explicit UTC offset, in minutes.
    offset: Option<i32>,
}

/// A cursor over a time stamp's characters.
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    /// Reads `min..=max` ASCII digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<i32> {
        let n = self
            .rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if n < min {
            return None;
        }
        let v = self.rest[..n].parse().ok()?;
        self.rest = &self.rest[n..];
        Some(v)
    }

    /// Consumes `c` if it comes next.
    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    /// Consumes one of `cs` if it comes next.
    fn eat_any(&mut self, cs: &[char]) -> Option<char> {
        let c = self.rest.chars().next().filter(|c| cs.contains(c))?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }

    /// Consumes white space; whether there was some.
    fn space(&mut self) -> bool {
        let before = self.rest.len();
        self.rest = self.rest.trim_start();
        self.rest.len() != before
    }
}

fn parse_stamp(s: &str) -> Result<Stamp, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "time {s:?} is not a time (use e.g. 2024-03-01 16:00, 2024/03/01 16:00, \
             2024030116, 20240301160000 or 2024-03-01T16:00:00)"
        )
    };
    let date = |y: i32, m: i32, d: i32| {
        Date::new(y as i16, m as i8, d as i8).map_err(|_| format!("time {s:?}: no such date"))
    };
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| s[r].parse::<i32>().unwrap_or(0);
        let (minute, second) = match s.len() {
            10 => (0, 0),
            12 => (n(10..12), 0),
            14 => (n(10..12), n(12..14)),
            8 => {
                return Err(format!(
                    "time {s:?} is a date without an hour (hourly values need the hour)"
                ));
            }
            _ => return Err(bad()),
        };
        return Ok(Stamp {
            date: date(n(0..4), n(4..6), n(6..8))?,
            hour: n(8..10).clamp(0, 99) as i8,
            minute: minute as i8,
            second: second as i8,
            fraction: false,
            offset: None,
        });
    }
    let mut c = Cursor { rest: s };
    let y = c.digits(4, 4).ok_or_else(bad)?;
    let sep = c.eat_any(&['-', '/', '.', '年']).ok_or_else(bad)?;
    let m = c.digits(1, 2).ok_or_else(bad)?;
    if !c.eat(if sep == '年' { '月' } else { sep }) {
        return Err(bad());
    }
    let d = c.digits(1, 2).ok_or_else(bad)?;
    let chinese = sep == '年' && c.eat('日');
    let separated = c.eat('T') | c.space();
    if c.rest.is_empty() {
        return Err(format!(
            "time {s:?} is a date without an hour (hourly values need the hour)"
        ));
    }
    if !separated && !chinese {
        return Err(bad());
    }
    let hour = c.digits(1, 2).ok_or_else(bad)?;
    let (mut minute, mut second, mut fraction) = (0, 0, false);
    if c.eat(':') {
        minute = c.digits(2, 2).ok_or_else(bad)?;
        if c.eat(':') {
            second = c.digits(2, 2).ok_or_else(bad)?;
            if c.eat_any(&['.', ',']).is_some() {
                fraction = c.digits(1, 9).ok_or_else(bad)? != 0;
            }
        }
    } else if c.eat_any(&['时', '点']).is_some() {
        if let Some(mi) = c.digits(1, 2) {
            minute = mi;
            if !c.eat('分') {
                return Err(bad());
            }
            if let Some(se) = c.digits(1, 2) {
                second = se;
                if !c.eat('秒') {
                    return Err(bad());
                }
            }
        }
    }
    c.space();
    let offset = if c.eat('Z') {
        Some(0)
    } else if let Some(sign) = c.eat_any(&['+', '-']) {
        let h = c.digits(2, 2).ok_or_else(bad)?;
        c.eat(':');
        let m = c.digits(2, 2).unwrap_or(0);
        Some(if sign == '-' { -1 } else { 1 } * (h * 60 + m))
    } else {
        None
    };
    if !c.rest.is_empty() {
        return Err(bad());
    }
    Ok(Stamp {
        date: date(y, m, d)?,
        hour: hour.clamp(0, 99) as i8,
        minute: minute as i8,
        second: second as i8,
        fraction,
        offset,
    })
}

/// The start of the hour a time stamp identifies (Beijing time), given what it stamps.
fn hour_start(s: &str, label: TimeLabel) -> Result<DateTime, String> {
    let st = parse_stamp(s)?;
    let s = s.trim();
    if st.minute != 0 || st.second != 0 || st.fraction {
        return Err(format!(
            "time {s:?} is not on the hour: this importer takes hourly values, whose time is a \
             whole hour (minutes and seconds :00)"
        ));
    }
    if st.hour > 24 {
        return Err(format!("time {s:?}: no hour {}", st.hour));
    }
    let span = |h: i64| jiff::Span::new().hours(h);
    let overflow = |_| format!("time {s:?} is out of range");
    let mut t = st.date.to_datetime(jiff::civil::Time::midnight());
    t = t.checked_add(span(i64::from(st.hour))).map_err(overflow)?;
    if let Some(minutes) = st.offset {
        // To Beijing time (UTC+8).
        t = t
            .checked_add(jiff::Span::new().minutes(8 * 60 - i64::from(minutes)))
            .map_err(overflow)?;
    }
    if label == TimeLabel::End {
        t = t.checked_sub(span(1)).map_err(overflow)?;
    }
    Ok(t)
}

/// `3 rows`, `1 row`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `2024-03-01 15:00`: the start of an hour.
fn hour_start_text(start: DateTime) -> String {
    format!("{} {:02}:00", start.date(), start.hour())
}

/// `2024-03-01 15:00–16:00`: an hour by its start.
fn hour_text(start: DateTime) -> String {
    let end = start
        .checked_add(jiff::Span::new().hours(1))
        .unwrap_or(start);
    let end = if end.date() == start.date() {
        format!("{:02}:00", end.hour())
    } else {
        "24:00".to_owned()
    };
    format!("{} {:02}:00–{end}", start.date(), start.hour())
}

// ---------------------------------------------------------------------------------------------
// Files.

/// Decodes a file: UTF-16 with a BOM, else UTF-8 or GB18030 ([`lantian_report::table::decode_text`]). When neither
/// UTF-8 nor GB18030 fits cleanly, the one with fewer undecodable bytes is used. Returns the
/// text, the encoding's name and the number of characters that could not be decoded (shown as
/// U+FFFD); refuses what is plainly not a text file.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str, usize), String> {
    let bad = |t: &str| t.chars().filter(|c| *c == '\u{fffd}').count();
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(
            "this is an Excel workbook or another zip archive, not a CSV text file: save it as \
             CSV (UTF-8 or GBK) first"
                .to_owned(),
        );
    }
    let (text, name) = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (t, enc, _) = encoding_rs::UTF_16LE.decode(bytes);
        (t, enc.name())
    } else {
        let (t, name) = lantian_report::table::decode_text(bytes);
        let n = bad(&t);
        if name != "UTF-8" && n > 0 {
            let plain = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let lossy = String::from_utf8_lossy(plain);
            if bad(&lossy) <= n {
                (lossy, "UTF-8")
            } else {
                (t, name)
            }
        } else {
            (t, name)
        }
    };
    if text.contains('\0') {
        return Err("binary data (NUL bytes), not a CSV text file".to_owned());
    }
    let n = bad(&text);
    Ok((text, name, n))
}

/// Why a row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Shape,
    Encoding,
    Time,
    Value,
    Flag,
    Pollutant,
    Station,
    Period,
}

/// Rows rejected, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
struct Rejected {
    bad_row_shape: u64,
    bad_encoding: u64,
    bad_time: u64,
    bad_value: u64,
    bad_flag: u64,
    unknown_pollutant: u64,
    unknown_station: u64,
    outside_period: u64,
}

impl Rejected {
    fn count(&mut self, r: Reason, n: u64) {
        *match r {
            Reason::Shape => &mut self.bad_row_shape,
            Reason::Encoding => &mut self.bad_encoding,
            Reason::Time => &mut self.bad_time,
            Reason::Value => &mut self.bad_value,
            Reason::Flag => &mut self.bad_flag,
            Reason::Pollutant => &mut self.unknown_pollutant,
            Reason::Station => &mut self.unknown_station,
            Reason::Period => &mut self.outside_period,
        } += n;
    }

    fn add(&mut self, o: &Rejected) {
        self.bad_row_shape += o.bad_row_shape;
        self.bad_encoding += o.bad_encoding;
        self.bad_time += o.bad_time;
        self.bad_value += o.bad_value;
        self.bad_flag += o.bad_flag;
        self.unknown_pollutant += o.unknown_pollutant;
        self.unknown_station += o.unknown_station;
        self.outside_period += o.outside_period;
    }

    fn total(&self) -> u64 {
        self.bad_row_shape
            + self.bad_encoding
            + self.bad_time
            + self.bad_value
            + self.bad_flag
            + self.unknown_pollutant
            + self.unknown_station
            + self.outside_period
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("bad row shape", self.bad_row_shape),
            ("undecodable text", self.bad_encoding),
            ("bad time", self.bad_time),
            ("bad value", self.bad_value),
            ("bad flag", self.bad_flag),
            ("unknown pollutant", self.unknown_pollutant),
            ("unknown station", self.unknown_station),
            ("outside the expected period", self.outside_period),
        ];
        let shown: Vec<String> = parts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{what} {n}"))
            .collect();
        f.write_str(&shown.join(", "))
    }
}

/// How rows are read.
#[derive(Debug, Clone)]
struct Options {
    columns: ColumnSpec,
    label: TimeLabel,
    from: Option<Date>,
    to: Option<Date>,
    co_unit: CoUnit,
    /// The latest hour start accepted (now, Beijing time).
    latest: DateTime,
}

/// One good row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    /// Index into [`ParsedFile::stations`].
    station: u32,
    pollutant: Pollutant,
    /// The hour's start, Beijing time.
    start: DateTime,
    value: Concentration,
    flag: u8,
    line: u32,
}

/// What a file held.
#[derive(Debug, Default)]
struct ParsedFile {
    encoding: &'static str,
    /// Characters that could not be decoded.
    undecodable: usize,
    columns: Option<String>,
    header_line: u64,
    /// Station codes, indexed by [`Row::station`].
    stations: Vec<String>,
    rows: Vec<Row>,
    /// Data rows (blank rows and repeated headers not counted).
    records: u64,
    /// Rows without a value (empty, `-`, `NA`…): a missing hour, skipped.
    missing: u64,
    rejected: Rejected,
    /// Row-level messages: (line, text).
    problems: Vec<(u64, String)>,
    /// File-level messages (always shown).
    notes: Vec<String>,
    /// The file could not be read at all.
    error: Option<String>,
    /// The file was cut short (a compressed file that ends early).
    truncated: bool,
}

/// Reads a decoded file's rows. Never fails: problems are in the result.
fn parse_file(text: &str, opts: &Options) -> ParsedFile {
    let mut f = ParsedFile::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut layout: Option<Layout> = None;
    let mut header_error: Option<(u64, String)> = None;
    let mut tried = 0;
    let mut station_ids: HashMap<String, u32> = HashMap::new();
    let mut unknown_pollutants: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                f.records += 1;
                f.rejected.count(Reason::Shape, 1);
                f.problems.push((line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let Some(layout) = &layout else {
            // The header: the first row (of the first ten) that names the columns; rows above
            // it (a title) are skipped.
            let header: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
            match find_layout(&header, &opts.columns) {
                Ok(l) => {
                    f.columns = Some(l.describe());
                    f.header_line = line;
                    layout = Some(l);
                }
                Err(e) => {
                    header_error.get_or_insert((line, e));
                    tried += 1;
                    if tried == 10 {
                        break;
                    }
                }
            }
            continue;
        };
        if record
            .iter()
            .map(str::trim)
            .eq(layout.header.iter().map(String::as_str))
        {
            // A repeated header (files concatenated): not data.
            continue;
        }
        f.records += 1;
        let reject = |f: &mut ParsedFile, r: Reason, msg: String| {
            f.rejected.count(r, 1);
            f.problems.push((line, msg));
        };
        let width = layout.header.len();
        let needed = layout.columns.iter().take(FLAG).flatten().max().copied();
        let extra = record.iter().skip(width).any(|v| !v.trim().is_empty());
        if extra || needed.is_some_and(|n| record.len() <= n) {
            reject(
                &mut f,
                Reason::Shape,
                format!("{} fields, the header has {width}", record.len()),
            );
            continue;
        }
        let get = |field: usize| record.get(layout.col(field)).map_or("", str::trim);
        if is_missing(get(VALUE)) {
            f.missing += 1;
            continue;
        }
        if (0..5).any(|i| get(i).contains('\u{fffd}')) {
            reject(
                &mut f,
                Reason::Encoding,
                format!(
                    "undecodable bytes (shown as \u{fffd}) in {:?}: the file is neither clean \
                     UTF-8 nor GBK/GB18030",
                    record.iter().collect::<Vec<_>>().join(",")
                ),
            );
            continue;
        }
        let code = get(STATION);
        if code.is_empty() {
            reject(&mut f, Reason::Shape, "empty station code".to_owned());
            continue;
        }
        let name = get(POLLUTANT);
        if name.is_empty() {
            reject(&mut f, Reason::Shape, "empty pollutant".to_owned());
            continue;
        }
        let Some(p) = pollutant(name) else {
            f.rejected.count(Reason::Pollutant, 1);
            let e = unknown_pollutants
                .entry(name.to_owned())
                .or_insert((line, 0));
            e.1 += 1;
            continue;
        };
        let start = match hour_start(get(TIME), opts.label) {
            Ok(t) => t,
            Err(e) => {
                reject(&mut f, Reason::Time, e);
                continue;
            }
        };
        let day = start.date();
        if opts.from.is_some_and(|d| day < d) || opts.to.is_some_and(|d| day > d) {
            let period = match (opts.from, opts.to) {
                (Some(a), Some(b)) => format!("{a} … {b}"),
                (Some(a), None) => format!("from {a}"),
                (None, Some(b)) => format!("up to {b}"),
                (None, None) => String::new(),
            };
            reject(
                &mut f,
                Reason::Period,
                format!(
                    "time {:?} (the hour {}) is outside the expected period ({period})",
                    get(TIME),
                    hour_text(start),
                ),
            );
            continue;
        }
        if start > opts.latest {
            reject(
                &mut f,
                Reason::Period,
                format!(
                    "time {:?} (the hour {}) is in the future (Beijing time)",
                    get(TIME),
                    hour_text(start)
                ),
            );
            continue;
        }
        let v = match value(get(VALUE), p, opts.co_unit) {
            Ok(v) => v,
            Err(e) => {
                reject(&mut f, Reason::Value, e);
                continue;
            }
        };
        let fl = match flag(get(FLAG)) {
            Ok(fl) => fl,
            Err(e) => {
                reject(&mut f, Reason::Flag, e);
                continue;
            }
        };
        let next = f.stations.len() as u32;
        let station = *station_ids.entry(code.to_owned()).or_insert_with(|| {
            f.stations.push(code.to_owned());
            next
        });
        f.rows.push(Row {
            station,
            pollutant: p,
            start,
            value: v,
            flag: fl,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        });
    }
    if layout.is_none() {
        f.error = Some(match header_error {
            Some((line, e)) => format!("line {line}: {e}"),
            None => "empty: no header and no rows".to_owned(),
        });
        return f;
    }
    for (name, (first, n)) in unknown_pollutants {
        f.problems.push((
            first,
            format!(
                "pollutant {name:?} is not one of the six basic pollutants (SO2, NO2, PM10, CO, \
                 O3, PM2.5), the only ones this importer stores for now: {} not imported",
                plural(n, "row")
            ),
        ));
    }
    f.problems.sort_by_key(|(line, _)| *line);
    if opts.co_unit == CoUnit::Mg {
        check_co_unit(&mut f);
    }
    f
}

/// CO values far above any ambient level in mg/m³ are µg/m³: the file's CO rows are then
/// rejected rather than stored a thousand times too high.
fn check_co_unit(f: &mut ParsedFile) {
    let max = f
        .rows
        .iter()
        .filter(|r| r.pollutant == Pollutant::Co)
        .max_by_key(|r| r.value);
    let Some(&max) = max else { return };
    if max.value.micros() <= CO_MG_PLAUSIBLE_MAX * lantian_aq::conc::MICROS_PER_UNIT {
        return;
    }
    let before = f.rows.len();
    f.rows.retain(|r| r.pollutant != Pollutant::Co);
    let n = (before - f.rows.len()) as u64;
    f.rejected.count(Reason::Value, n);
    f.problems.push((
        u64::from(max.line),
        format!(
            "CO {} mg/m³ is above {CO_MG_PLAUSIBLE_MAX} mg/m³, the top of the HJ 633 scale: \
             the file's CO values look like µg/m³, so its {} not imported (import it \
             with --co-unit ug if they are µg/m³)",
            max.value,
            plural(n, "CO row")
        ),
    ));
}

/// Reads and parses one file.
fn read_file(path: &Path, opts: &Options, buf: &mut Vec<u8>) -> ParsedFile {
    let read_error = read_bytes(path, buf).err();
    let mut truncated = None;
    if let Some(e) = read_error {
        if buf.is_empty() {
            return ParsedFile {
                error: Some(format!("{e:#}")),
                ..ParsedFile::default()
            };
        }
        // A compressed file cut short: import the complete lines read before the damage.
        let keep = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        buf.truncate(keep);
        truncated = Some(format!("{e:#}"));
    }
    let (text, encoding, undecodable) = match decode(buf) {
        Ok(d) => d,
        Err(e) => {
            return ParsedFile {
                error: Some(e),
                ..ParsedFile::default()
            };
        }
    };
    let mut f = parse_file(&text, opts);
    f.encoding = encoding;
    f.undecodable = undecodable;
    if undecodable > 0 {
        let first = text
            .find('\u{fffd}')
            .map_or(0, |i| text[..i].matches('\n').count() + 1);
        f.notes.push(format!(
            "line {first}: {} undecodable, neither UTF-8 nor GBK/GB18030 (read as \
             {encoding}; rows whose station, time, pollutant, value or flag they touch are \
             rejected)",
            plural(undecodable as u64, "character")
        ));
    }
    if let Some(e) = truncated {
        f.truncated = true;
        let lines = text.matches('\n').count();
        f.notes.push(format!(
            "line {}: the file ends here, cut short ({e}); the rows of the {lines} complete \
             lines before were read",
            lines + 1
        ));
    } else if !text.is_empty() && !text.ends_with('\n') {
        // A plain file cut mid-line: say so when its last row was rejected.
        let last = text.matches('\n').count() as u64 + 1;
        if let Some((_, msg)) = f.problems.iter_mut().rev().find(|(l, _)| *l == last) {
            msg.push_str(" (the file ends on this line without a line break: truncated?)");
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Gathering the values of all files.

/// Where a value came from: file index and line.
type Source = (u32, u32);

/// One (station, pollutant, day) of the input.
#[derive(Debug, Clone)]
struct Slot {
    values: DayValues,
    sources: [Source; 24],
}

/// A value offered twice in the input with different values.
#[derive(Debug, Clone, PartialEq, Eq)]
struct InputConflict {
    station: String,
    pollutant: Pollutant,
    start: DateTime,
    kept: Concentration,
    kept_at: Source,
    offered: Concentration,
    offered_at: Source,
}

/// The values of all files, one per (station, pollutant, hour): the first offered wins.
#[derive(Debug, Default)]
struct Gathered {
    stations: Vec<String>,
    station_ids: HashMap<String, u32>,
    slots: HashMap<(u32, Pollutant, Date), Slot>,
    /// The same hour again with the same value.
    repeated: u64,
    conflicts: Vec<InputConflict>,
    first_hour: Option<DateTime>,
    last_hour: Option<DateTime>,
}

impl Gathered {
    fn station_id(&mut self, code: &str) -> u32 {
        if let Some(&i) = self.station_ids.get(code) {
            return i;
        }
        let i = self.stations.len() as u32;
        self.stations.push(code.to_owned());
        self.station_ids.insert(code.to_owned(), i);
        i
    }

    fn add(&mut self, code: &str, row: &Row, file: u32) {
        let station = self.station_id(code);
        let hour = row.start.hour() as usize;
        let slot = self
            .slots
            .entry((station, row.pollutant, row.start.date()))
            .or_insert_with(|| Slot {
                values: DayValues::default(),
                sources: [(0, 0); 24],
            });
        match slot.values.values[hour] {
            None => {
                slot.values.values[hour] = Some(row.value);
                slot.values.flags[hour] = row.flag;
                slot.sources[hour] = (file, row.line);
                self.first_hour = Some(self.first_hour.map_or(row.start, |f| f.min(row.start)));
                self.last_hour = Some(self.last_hour.map_or(row.start, |l| l.max(row.start)));
            }
            Some(v) if v == row.value => self.repeated += 1,
            Some(v) => self.conflicts.push(InputConflict {
                station: code.to_owned(),
                pollutant: row.pollutant,
                start: row.start,
                kept: v,
                kept_at: slot.sources[hour],
                offered: row.value,
                offered_at: (file, row.line),
            }),
        }
    }

    /// The day items to store, one per (station, pollutant, day, file) with the file's name
    /// as its origin, sorted by key.
    fn items(&self, names: &[String]) -> Vec<DayItem> {
        let mut items = Vec::with_capacity(self.slots.len());
        for ((station, p, day), slot) in &self.slots {
            let mut files: Vec<u32> = (0..24)
                .filter(|h| slot.values.values[*h].is_some())
                .map(|h| slot.sources[h].0)
                .collect();
            files.sort_unstable();
            files.dedup();
            for file in files {
                let mut values = DayValues::default();
                for h in 0..24 {
                    if slot.values.values[h].is_some() && slot.sources[h].0 == file {
                        values.values[h] = slot.values.values[h];
                        values.flags[h] = slot.values.flags[h];
                    }
                }
                items.push(DayItem {
                    station: self.stations[*station as usize].clone(),
                    quantity: Quantity::Pollutant(*p),
                    day: *day,
                    values,
                    origin: names[file as usize].clone(),
                });
            }
        }
        items.sort_unstable_by(|a, b| {
            (a.station.as_str(), a.quantity, a.day, a.origin.as_str()).cmp(&(
                b.station.as_str(),
                b.quantity,
                b.day,
                b.origin.as_str(),
            ))
        });
        items
    }

    /// Where the value of an hour came from.
    fn source(&self, station: &str, p: Pollutant, day: Date, hour: u8) -> Option<Source> {
        let id = self.station_ids.get(station)?;
        let slot = self.slots.get(&(*id, p, day))?;
        let h = usize::from(hour);
        slot.values.values.get(h)?.as_ref()?;
        slot.sources.get(h).copied()
    }
}

// ---------------------------------------------------------------------------------------------
// The run.

/// One file in the summary.
#[derive(Debug, Default, serde::Serialize)]
struct FileSummary {
    file: String,
    encoding: String,
    undecodable_characters: u64,
    columns: Option<String>,
    header_line: u64,
    rows: u64,
    rejected: u64,
    truncated: bool,
    error: Option<String>,
}

/// Totals of a run, also stored with the import run as JSON.
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    files: u64,
    files_failed: u64,
    files_truncated: u64,
    rows: u64,
    time_label: Option<TimeLabel>,
    co_unit: Option<CoUnit>,
    first_hour: Option<String>,
    last_hour: Option<String>,
    stations: u64,
    values_missing: u64,
    values_in_files: u64,
    values_stored: u64,
    values_already_stored: u64,
    values_repeated_in_input: u64,
    values_conflicting: u64,
    values_conflicting_in_input: u64,
    rows_rejected: u64,
    rejected: Rejected,
    unknown_stations: Vec<String>,
    registered_stations: Vec<String>,
    problems: u64,
    file_details: Vec<FileSummary>,
    seconds: f64,
}

pub(crate) fn run(store: &Store, args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let opts = Options {
        columns: match &args.columns {
            Some(c) => ColumnSpec::parse(c)?,
            None => ColumnSpec::default(),
        },
        label: args.time_label,
        from: args.from,
        to: args.to,
        co_unit: args.co_unit,
        latest: jiff::tz::Offset::constant(8).to_datetime(jiff::Timestamp::now()),
    };
    if let (Some(a), Some(b)) = (args.from, args.to) {
        if a > b {
            bail!("--from {a} is after --to {b}");
        }
    }
    let files = expand(&args.paths, "")?;
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect();
    let shown: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut known: HashSet<String> = store.stations()?.into_iter().map(|s| s.code).collect();

    let mut sum = Summary {
        time_label: Some(args.time_label),
        co_unit: Some(args.co_unit),
        ..Summary::default()
    };
    let mut gathered = Gathered::default();
    // Row-level messages by file and line (shown up to a limit), and file-level ones (always
    // shown).
    let mut problems: Vec<(u32, u64, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    // Unknown stations: code → (file, line, values).
    let mut unknown: BTreeMap<String, (u32, u32, u64)> = BTreeMap::new();
    let mut to_register: BTreeMap<String, String> = BTreeMap::new();
    let mut buf = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let fi = i as u32;
        let shown_path = &shown[i];
        let f = read_file(path, &opts, &mut buf);
        sum.files += 1;
        let mut detail = FileSummary {
            file: shown_path.clone(),
            encoding: f.encoding.to_owned(),
            undecodable_characters: f.undecodable as u64,
            columns: f.columns.clone(),
            header_line: f.header_line,
            rows: f.records,
            rejected: f.rejected.total(),
            truncated: f.truncated,
            error: f.error.clone(),
        };
        if let Some(e) = &f.error {
            sum.files_failed += 1;
            notes.push(format!("{shown_path}: {e}; the file was not imported"));
            sum.file_details.push(detail);
            continue;
        }
        if detail.truncated {
            sum.files_truncated += 1;
        }
        sum.rows += f.records;
        sum.values_missing += f.missing;
        sum.rejected.add(&f.rejected);
        problems.extend(
            f.problems
                .iter()
                .map(|(line, msg)| (fi, *line, format!("{shown_path}: line {line}: {msg}"))),
        );
        notes.extend(f.notes.iter().map(|n| format!("{shown_path}: {n}")));
        for row in &f.rows {
            let code = &f.stations[row.station as usize];
            if !known.contains(code) {
                if args.register_unknown {
                    to_register
                        .entry(code.clone())
                        .or_insert_with(|| names[i].clone());
                } else {
                    sum.rejected.count(Reason::Station, 1);
                    detail.rejected += 1;
                    unknown.entry(code.clone()).or_insert((fi, row.line, 0)).2 += 1;
                    continue;
                }
            }
            gathered.add(code, row, fi);
        }
        sum.file_details.push(detail);
    }
    if sum.files_failed == sum.files {
        for n in &notes {
            out::warn(n);
        }
        bail!("no file could be imported");
    }
    for (code, (fi, line, n)) in &unknown {
        notes.push(format!(
            "{}: line {line}: station {code} is not registered: {} not imported (register \
             it with `lantian import stations`, or use --register-unknown)",
            shown[*fi as usize],
            plural(*n, "value")
        ));
    }
    for c in &gathered.conflicts {
        let (fi, line) = c.offered_at;
        problems.push((
            fi,
            u64::from(line),
            format!(
                "{}: line {}: {} {} the hour {}: {} differs from {} on line {} of {} (the first \
             is kept)",
                shown[c.offered_at.0 as usize],
                c.offered_at.1,
                c.station,
                c.pollutant,
                hour_text(c.start),
                c.offered,
                c.kept,
                c.kept_at.1,
                names[c.kept_at.0 as usize],
            ),
        ));
    }

    let description = if files.len() == 1 {
        shown[0].clone()
    } else {
        format!(
            "{} files: {} … {}",
            files.len(),
            shown[0],
            shown[files.len() - 1]
        )
    };
    let import = store.begin_import("csv", &description)?;
    if !to_register.is_empty() {
        let new: Vec<Station> = to_register
            .iter()
            .map(|(code, source)| Station::unclassified(code, source))
            .collect();
        store.upsert_stations(&new)?;
        for s in new {
            known.insert(s.code.clone());
            sum.registered_stations.push(s.code);
        }
    }
    let items = gathered.items(&names);
    let mut written = WriteSummary::default();
    for batch in items.chunks(20_000) {
        written.add(&store.write_days(import, batch)?);
    }
    if written.conflicts > 0 {
        for c in store.conflicts(Some(import))? {
            let Quantity::Pollutant(p) = c.quantity else {
                continue;
            };
            let midnight = c.day.to_datetime(jiff::civil::Time::midnight());
            let start = midnight
                .checked_add(jiff::Span::new().hours(i64::from(c.hour)))
                .unwrap_or(midnight);
            let (fi, line, at) = match gathered.source(&c.station, p, c.day, c.hour) {
                Some((fi, line)) => (
                    fi,
                    u64::from(line),
                    format!("{}: line {line}", shown[fi as usize]),
                ),
                None => (u32::MAX, 0, c.origin.clone()),
            };
            problems.push((
                fi,
                line,
                format!(
                    "{at}: {} {} the hour {}: {} differs from the stored {}, which is kept \
                 (conflict recorded in import run {import})",
                    c.station,
                    p,
                    hour_text(start),
                    c.offered,
                    c.kept
                ),
            ));
        }
    }

    sum.stations = gathered.stations.len() as u64;
    sum.first_hour = gathered.first_hour.map(hour_start_text);
    sum.last_hour = gathered.last_hour.map(hour_start_text);
    sum.values_stored = written.values_added;
    sum.values_already_stored = written.values_unchanged;
    sum.values_conflicting = written.conflicts;
    sum.values_repeated_in_input = gathered.repeated;
    sum.values_conflicting_in_input = gathered.conflicts.len() as u64;
    sum.rows_rejected = sum.rejected.total();
    sum.values_in_files = sum.rows - sum.values_missing;
    sum.unknown_stations = unknown.keys().cloned().collect();
    sum.problems = (problems.len() + notes.len()) as u64;
    sum.seconds = started.elapsed().as_secs_f64();
    store.finish_import(import, &serde_json::to_string(&sum)?)?;

    // In file and line order (stable: a row's messages keep their order).
    problems.sort_by_key(|(fi, line, _)| (*fi, *line));
    for (_, _, p) in problems.iter().take(MESSAGES_SHOWN) {
        out::warn(p);
    }
    if problems.len() > MESSAGES_SHOWN {
        out::warn(&format!(
            "… and {} more problems like these",
            problems.len() - MESSAGES_SHOWN
        ));
    }
    for n in &notes {
        out::warn(n);
    }
    out::text(&render(&sum, import))?;
    let rejected = sum.files_failed > 0
        || sum.files_truncated > 0
        || sum.rows_rejected > 0
        || sum.values_conflicting > 0
        || sum.values_conflicting_in_input > 0;
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render(s: &Summary, import: i64) -> String {
    let period = match (&s.first_hour, &s.last_hour) {
        (Some(a), Some(b)) => format!("hours starting {a} … {b} (Beijing time)"),
        _ => "no data".to_owned(),
    };
    let label = match s.time_label {
        Some(TimeLabel::Start) => "times read as the start of the hour",
        _ => "times read as the end of the hour",
    };
    let mut o = format!(
        "import run {import}: {} ({} unreadable, {} truncated), {}, {}, {period}; {label}\n",
        plural(s.files, "file"),
        s.files_failed,
        s.files_truncated,
        plural(s.rows, "row"),
        plural(s.stations, "station"),
    );
    for f in &s.file_details {
        let what = match &f.error {
            Some(_) => "not imported".to_owned(),
            None => format!(
                "{}{}, {} rows, {} rejected, columns {}",
                f.encoding,
                if f.undecodable_characters > 0 {
                    format!(
                        " ({} undecodable)",
                        plural(f.undecodable_characters, "character")
                    )
                } else {
                    String::new()
                },
                f.rows,
                f.rejected,
                f.columns.as_deref().unwrap_or("?")
            ),
        };
        o.push_str(&format!("  {}: {what}\n", f.file));
    }
    o.push_str(&format!(
        "values in the files: {} (rows without a value, skipped: {})\n\
         \u{20}  stored now:                          {}\n\
         \u{20}  already stored (unchanged):          {}\n\
         \u{20}  repeated in the input, same value:   {}\n\
         \u{20}  conflicting with stored (kept):      {}\n\
         \u{20}  conflicting within the input (first kept): {}\n\
         \u{20}  rejected:                            {}{}\n",
        s.values_in_files,
        s.values_missing,
        s.values_stored,
        s.values_already_stored,
        s.values_repeated_in_input,
        s.values_conflicting,
        s.values_conflicting_in_input,
        s.rows_rejected,
        if s.rows_rejected > 0 {
            format!(" ({})", s.rejected)
        } else {
            String::new()
        },
    ));
    if !s.registered_stations.is_empty() {
        o.push_str(&format!(
            "stations registered (unclassified): {}\n",
            s.registered_stations.join(", ")
        ));
    }
    o.push_str(&format!("problems reported: {}\n", s.problems));
    if s.values_stored == 0 {
        o.push_str(
            match (
                s.values_already_stored > 0 && s.values_conflicting == 0,
                s.rows_rejected,
            ) {
                (true, 0) => "nothing new: every value was already stored\n",
                (true, _) => "nothing new: every value was already stored (rejected rows aside)\n",
                (false, _) => "nothing stored\n",
            },
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn header(h: &str) -> Vec<String> {
        h.split(',').map(str::to_owned).collect()
    }

    fn opts() -> Options {
        Options {
            columns: ColumnSpec::default(),
            label: TimeLabel::End,
            from: None,
            to: None,
            co_unit: CoUnit::Mg,
            latest: date(2030, 1, 1).at(0, 0, 0, 0),
        }
    }

    fn c(s: &str) -> Concentration {
        Concentration::parse(s).unwrap()
    }

    #[test]
    fn header_detection() {
        let none = ColumnSpec::default();
        let l = find_layout(&header("station,time,pollutant,value"), &none).unwrap();
        assert_eq!(l.columns, [Some(0), Some(1), Some(2), Some(3), None]);
        let l = find_layout(
            &header("监测点名称,站点编码,监测时间,监测因子,浓度(μg/m³),数据标记"),
            &none,
        )
        .unwrap();
        assert_eq!(l.columns, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
        assert_eq!(
            l.describe(),
            "station=站点编码, time=监测时间, pollutant=监测因子, value=浓度(μg/m³), flag=数据标记"
        );
        // Case and spaces do not matter; the more specific name wins over 站点.
        let l = find_layout(&header(" Code ,站点,DateTime,Factor,VALUE,Flag"), &none).unwrap();
        assert_eq!(l.columns, [Some(0), Some(2), Some(3), Some(4), Some(5)]);
        let l = find_layout(&header("站点,站点编码,时间,污染物,数值"), &none).unwrap();
        assert_eq!(l.columns[STATION], Some(1));

        let e = find_layout(&header("站点,时间,因子,值"), &none).unwrap_err();
        assert!(e.starts_with("no pollutant column"), "{e}");
        assert!(e.contains("the header has: 站点, 时间, 因子, 值"), "{e}");
    }

    #[test]
    fn column_mapping() {
        let spec =
            ColumnSpec::parse("station=站点, time=日期时间, pollutant=因子, value=值,flag=F")
                .unwrap();
        let l = find_layout(&header("F,值,因子,日期时间,站点"), &spec).unwrap();
        assert_eq!(l.columns, [Some(4), Some(3), Some(2), Some(1), Some(0)]);
        // Fields not named are found by their usual names.
        let spec = ColumnSpec::parse("pollutant=因子").unwrap();
        let l = find_layout(&header("code,time,因子,value"), &spec).unwrap();
        assert_eq!(l.columns, [Some(0), Some(1), Some(2), Some(3), None]);
        let e = find_layout(&header("code,time,污染物,value"), &spec).unwrap_err();
        assert_eq!(
            e,
            "--columns pollutant=因子: no such column; the header has: code, time, 污染物, value"
        );
        let spec = ColumnSpec::parse("station=value").unwrap();
        assert!(
            find_layout(&header("code,time,pollutant,value"), &spec)
                .unwrap_err()
                .contains("cannot be both station and value")
        );
        for bad in ["station", "site=code", "station=a,station=b", "time="] {
            assert!(ColumnSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(delimiter("title\na\tb\tc\n"), b'\t');
        assert_eq!(delimiter(""), b',');
    }

    #[test]
    fn time_formats() {
        let end = |s: &str| hour_start(s, TimeLabel::End).unwrap();
        let start = |s: &str| hour_start(s, TimeLabel::Start).unwrap();
        let h = |d: i8, h: i8| date(2024, 3, d).at(h, 0, 0, 0);
        for s in [
            "2024-03-01 16:00",
            "2024-03-01 16:00:00",
            "2024/03/01 16:00",
            "2024/3/1 16:00",
            "2024.03.01 16:00:00",
            "2024030116",
            "202403011600",
            "20240301160000",
            "2024-03-01T16:00:00",
            "2024-03-01T16:00:00.000",
            "2024-03-01T16:00:00+08:00",
            "2024-03-01T08:00:00Z",
            "2024-03-01 16",
            "2024年3月1日 16时",
            "2024年03月01日16时00分",
            " 2024-03-01 16:00 ",
        ] {
            assert_eq!(end(s), h(1, 15), "{s}");
            assert_eq!(start(s), h(1, 16), "{s}");
        }
        // The end-labelled midnight is the previous day's last hour.
        assert_eq!(end("2024-03-02 00:00"), h(1, 23));
        assert_eq!(end("2024-03-01 24:00"), h(1, 23));
        assert_eq!(start("2024-03-01 00:00"), h(1, 0));
        assert_eq!(end("2024-01-01 00:00"), date(2023, 12, 31).at(23, 0, 0, 0));
    }

    #[test]
    fn time_rejects() {
        for (s, why) in [
            ("2024-03-01 16:30", "not on the hour"),
            ("2024-03-01 16:00:05", "not on the hour"),
            ("2024-03-01T16:00:00.5", "not on the hour"),
            ("202403011630", "not on the hour"),
            ("2024-03-01", "without an hour"),
            ("20240301", "without an hour"),
            ("2024-02-30 10:00", "no such date"),
            ("2024-03-01 25:00", "no hour 25"),
            ("2024-03-01 24:30", "not on the hour"),
            ("", "is not a time"),
            ("yesterday", "is not a time"),
            ("2024-03-01 16:00 noon", "is not a time"),
            ("2024-03/01 16:00", "is not a time"),
            ("2024031", "is not a time"),
            ("45352.625", "is not a time"),
        ] {
            let e = hour_start(s, TimeLabel::End).unwrap_err();
            assert!(e.contains(why), "{s}: {e}");
        }
    }

    #[test]
    fn pollutant_names() {
        for (names, p) in [
            (
                &[
                    "PM2.5",
                    "pm2.5",
                    "PM25",
                    "pm25",
                    "细颗粒物",
                    "a34004",
                    "A34004",
                ][..],
                Pollutant::Pm25,
            ),
            (&["PM10", "可吸入颗粒物", "a34002"][..], Pollutant::Pm10),
            (&["SO2", "so2", "二氧化硫", "a21026"][..], Pollutant::So2),
            (&["NO2", "二氧化氮", "a21004"][..], Pollutant::No2),
            (&["CO", "一氧化碳", "a21005"][..], Pollutant::Co),
            (&["O3", "o3", "臭氧", "a05024"][..], Pollutant::O3),
        ] {
            for n in names {
                assert_eq!(pollutant(n), Some(p), "{n}");
            }
        }
        for n in ["O3_8h", "TSP", "a01001", "温度", "NOx", ""] {
            assert_eq!(pollutant(n), None, "{n}");
        }
    }

    #[test]
    fn values_and_flags() {
        assert_eq!(value("35", Pollutant::Pm25, CoUnit::Mg), Ok(c("35")));
        assert_eq!(value("0.8", Pollutant::Co, CoUnit::Mg), Ok(c("0.8")));
        assert_eq!(value("850", Pollutant::Co, CoUnit::Ug), Ok(c("0.85")));
        assert_eq!(
            value("850.125", Pollutant::Co, CoUnit::Ug),
            Ok(c("0.850125"))
        );
        assert!(
            value("850.1255", Pollutant::Co, CoUnit::Ug)
                .unwrap_err()
                .contains("exactly")
        );
        // Only CO is converted.
        assert_eq!(value("35", Pollutant::Pm25, CoUnit::Ug), Ok(c("35")));
        for bad in ["-3", "abc", "NaN", "1,5", "3 µg"] {
            assert!(value(bad, Pollutant::So2, CoUnit::Mg).is_err(), "{bad}");
        }
        for m in ["", "-", "—", "NA", "null"] {
            assert!(is_missing(m), "{m}");
        }
        assert!(!is_missing("0"));
        assert_eq!(flag(""), Ok(0));
        assert_eq!(flag("N"), Ok(b'N'));
        assert!(flag("NN").is_err());
        assert!(flag("1").is_err());
        assert!(flag("标").is_err());
    }

    #[test]
    fn encodings() {
        let (t, e, n) = decode("站点编码,时间\n".as_bytes()).unwrap();
        assert_eq!((t.as_ref(), e, n), ("站点编码,时间\n", "UTF-8", 0));
        let (gbk, _, _) = encoding_rs::GBK.encode("站点编码,时间\n");
        let (t, e, n) = decode(&gbk).unwrap();
        assert_eq!((t.as_ref(), e, n), ("站点编码,时间\n", "GB18030", 0));
        // UTF-16 with a BOM (Excel's "Unicode text").
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "站点\tb\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let (t, e, _) = decode(&utf16).unwrap();
        assert_eq!((t.as_ref(), e), ("站点\tb\n", "UTF-16LE"));
        // UTF-8 with one stray byte stays UTF-8 rather than turning all Chinese into mojibake.
        let mut stray = "站点编码,时间\n".as_bytes().to_vec();
        stray.push(0xFF);
        let (t, e, n) = decode(&stray).unwrap();
        assert_eq!((e, n), ("UTF-8", 1));
        assert!(t.starts_with("站点编码"));
        assert!(decode(b"PK\x03\x04rest").unwrap_err().contains("Excel"));
        assert!(decode(b"a,b\0c").unwrap_err().contains("binary"));
    }

    #[test]
    fn rows_are_checked_one_by_one() {
        let text = "\
导出数据,,,,
station,time,pollutant,value,flag
T01,2024-03-01 01:00,PM2.5,35,N
T01,2024-03-01 02:00,PM2.5,,
T01,2024-03-01 03:00,PM2.5,-4,
T01,2024-03-01 03:30,PM2.5,4,
T01,2024-03-01 04:00,温度,12.5,
T01,2024-03-01 05:00,温度,12.5,
T01,2024-03-01 06:00,CO,0.6,NN
T01,2024-03-01 07:00,CO
,2024-03-01 08:00,SO2,5,
T01,2024-03-01 09:00,SO2,5,,extra
station,time,pollutant,value,flag
T02,2024-03-02 00:00,so2,6,,,
T01,2031-01-01 00:00,SO2,5,
";
        let f = parse_file(text, &opts());
        assert_eq!(f.error, None);
        assert_eq!(f.header_line, 2);
        assert_eq!(f.records, 12);
        assert_eq!(f.missing, 1);
        assert_eq!(f.stations, ["T01", "T02"]);
        assert_eq!(f.rows.len(), 2);
        assert_eq!(
            f.rows[0],
            Row {
                station: 0,
                pollutant: Pollutant::Pm25,
                start: date(2024, 3, 1).at(0, 0, 0, 0),
                value: c("35"),
                flag: b'N',
                line: 3,
            }
        );
        assert_eq!(f.rows[1].start, date(2024, 3, 1).at(23, 0, 0, 0));
        let r = &f.rejected;
        assert_eq!(
            (
                r.bad_value,
                r.bad_time,
                r.unknown_pollutant,
                r.bad_flag,
                r.bad_row_shape,
                r.outside_period
            ),
            (1, 1, 2, 1, 3, 1)
        );
        let lines: Vec<u64> = f.problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [5, 6, 7, 9, 10, 11, 12, 15]);
        assert!(f.problems[2].1.contains("\"温度\""), "{:?}", f.problems[2]);
        assert!(f.problems[2].1.contains("2 rows not imported"));
        assert_eq!(f.problems[4].1, "3 fields, the header has 5");
        assert_eq!(f.problems[6].1, "6 fields, the header has 5");
        assert!(f.problems[7].1.contains("in the future"));
    }

    #[test]
    fn period_and_header_errors() {
        let mut o = opts();
        o.from = Some(date(2024, 3, 1));
        o.to = Some(date(2024, 3, 1));
        let f = parse_file(
            "code,time,pollutant,value\nA,2024-03-01 00:00,O3,5\nA,2024-03-01 01:00,O3,5\n\
             A,2024-03-02 00:00,O3,5\nA,2024-03-02 01:00,O3,5\n",
            &o,
        );
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rejected.outside_period, 2);
        assert!(f.problems[0].1.contains("the hour 2024-02-29 23:00–24:00"));
        let f = parse_file("a,b\n1,2\n", &opts());
        assert!(
            f.error
                .as_deref()
                .unwrap()
                .starts_with("line 1: no station column"),
            "{:?}",
            f.error
        );
        assert!(parse_file("", &opts()).error.unwrap().contains("empty"));
    }

    #[test]
    fn co_in_micrograms_is_caught() {
        let text = "code,time,pollutant,value\nA,2024-03-01 01:00,CO,800\n\
                    A,2024-03-01 02:00,CO,90\nA,2024-03-01 02:00,PM10,90\n";
        let f = parse_file(text, &opts());
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rejected.bad_value, 2);
        assert!(f.problems[0].1.contains("--co-unit ug"), "{:?}", f.problems);
        let mut o = opts();
        o.co_unit = CoUnit::Ug;
        let f = parse_file(text, &o);
        assert_eq!(f.rows.len(), 3);
        assert_eq!(f.rows[0].value, c("0.8"));
    }

    #[test]
    fn gathering_keeps_the_first_value() {
        let row = |h: i8, v: &str, line: u32| Row {
            station: 0,
            pollutant: Pollutant::No2,
            start: date(2024, 3, 1).at(h, 0, 0, 0),
            value: c(v),
            flag: 0,
            line,
        };
        let mut g = Gathered::default();
        g.add("A", &row(5, "10", 2), 0);
        g.add("A", &row(6, "11", 3), 0);
        g.add("A", &row(5, "10", 2), 1);
        g.add("A", &row(5, "12", 9), 1);
        g.add("A", &row(7, "13", 4), 1);
        assert_eq!(g.repeated, 1);
        assert_eq!(g.conflicts.len(), 1);
        assert_eq!(g.conflicts[0].kept_at, (0, 2));
        assert_eq!(g.conflicts[0].offered_at, (1, 9));
        let items = g.items(&["a.csv".to_owned(), "b.csv".to_owned()]);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].origin, "a.csv");
        assert_eq!(items[0].values.count(), 2);
        assert_eq!(items[1].origin, "b.csv");
        assert_eq!(items[1].values.values[7], Some(c("13")));
        assert_eq!(
            g.source("A", Pollutant::No2, date(2024, 3, 1), 7),
            Some((1, 4))
        );
        assert_eq!(
            (g.first_hour, g.last_hour),
            (
                Some(date(2024, 3, 1).at(5, 0, 0, 0)),
                Some(date(2024, 3, 1).at(7, 0, 0, 0))
            )
        );
    }

    #[test]
    fn hour_texts() {
        assert_eq!(
            hour_text(date(2024, 3, 1).at(15, 0, 0, 0)),
            "2024-03-01 15:00–16:00"
        );
        assert_eq!(
            hour_text(date(2024, 3, 1).at(23, 0, 0, 0)),
            "2024-03-01 23:00–24:00"
        );
    }
}
