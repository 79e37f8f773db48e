//! Fire detections from files: NASA FIRMS CSV (MODIS and VIIRS, standard and NRT column sets,
//! `acq_time` as `HHMM` or `HH:MM`, UTC) and a generic CSV (`lon,lat,time,source,confidence`,
//! time in Beijing or with an offset) for provincial pushes, video towers and drones. Every bad
//! line is named and skipped; the good ones are kept.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How sure the detector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// MODIS and generic: 0–100.
    Percent(u8),
    /// VIIRS `l`.
    Low,
    /// VIIRS `n`.
    Nominal,
    /// VIIRS `h`.
    High,
}

impl Confidence {
    /// As text: `85`, `l`, `n`, `h`.
    #[must_use]
    pub fn as_text(self) -> String {
        match self {
            Confidence::Percent(p) => p.to_string(),
            Confidence::Low => "l".to_owned(),
            Confidence::Nominal => "n".to_owned(),
            Confidence::High => "h".to_owned(),
        }
    }

    fn parse(s: &str) -> Option<Confidence> {
        match s.trim() {
            "l" | "low" => Some(Confidence::Low),
            "n" | "nominal" => Some(Confidence::Nominal),
            "h" | "high" => Some(Confidence::High),
            p => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= 100)
                .map(Confidence::Percent),
        }
    }
}

/// One detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// WGS-84 longitude.
    pub lon: f64,
    /// WGS-84 latitude.
    pub lat: f64,
    /// When (UTC).
    pub at: Timestamp,
    /// `MODIS`, `VIIRS`, or the generic file's source (省厅推送, 视频塔, 无人机, …).
    pub source: String,
    /// Satellite (`T`, `A`, `N`, `1`, `Terra`, …), empty for other sources.
    pub satellite: String,
    /// Confidence.
    pub confidence: Confidence,
    /// Fire radiative power (MW), when given.
    pub frp: Option<f64>,
    /// `D` or `N`, when given.
    pub daynight: String,
}

impl Detection {
    /// Everything read of the record: two detections with the same identity are one record
    /// read twice (the same line in two downloaded files).
    #[must_use]
    pub fn identity(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{:?}|{}",
            self.source,
            self.satellite,
            self.lat,
            self.lon,
            self.at.as_millisecond(),
            self.confidence.as_text(),
            self.frp,
            self.daynight
        )
    }

    /// The key duplicates share across files: source, satellite, position to 1e-4° and time to
    /// the minute.
    #[must_use]
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{:.4}|{:.4}|{}",
            self.source,
            self.satellite,
            self.lat,
            self.lon,
            self.at.as_second().div_euclid(60)
        )
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// What a file gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The detections read.
    pub detections: Vec<Detection>,
    /// The 1-based line of each detection (as long as `detections`).
    pub lines: Vec<usize>,
    /// The lines skipped.
    pub errors: Vec<LineError>,
    /// `firms-modis`, `firms-viirs` or `generic`.
    pub layout: &'static str,
}

fn split(line: &str) -> Vec<&str> {
    line.split(',').map(str::trim).collect()
}

/// A cell by column, empty when the column or the cell is absent.
fn cell<'a>(c: &[&'a str], j: Option<usize>) -> &'a str {
    j.and_then(|j| c.get(j).copied()).unwrap_or("")
}

/// A position from its two cells (`names` as the file calls them), on the globe.
fn position(lat: &str, lon: &str, names: (&str, &str)) -> Result<(f64, f64), String> {
    let y: f64 = lat.parse().map_err(|_| format!("{} {lat:?}", names.0))?;
    let x: f64 = lon.parse().map_err(|_| format!("{} {lon:?}", names.1))?;
    if !(-90.0..=90.0).contains(&y) || !(-180.0..=180.0).contains(&x) {
        return Err(format!("position {y},{x} is not on the globe"));
    }
    Ok((y, x))
}

/// Reads every non-empty line with `row`, keeping what it gives and naming what it refuses.
fn read_lines<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    out: &mut Parsed,
    row: impl Fn(&[&str]) -> Result<Detection, String>,
) {
    for (i, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        match row(&split(l)) {
            Ok(d) => {
                out.detections.push(d);
                out.lines.push(i + 1);
            }
            Err(message) => out.errors.push(LineError {
                line: i + 1,
                message,
            }),
        }
    }
}

/// Reads a FIRMS or generic CSV, recognised by its header.
pub fn parse(text: &str) -> Result<Parsed, LineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let header = loop {
        match lines.next() {
            Some((_, l)) if l.trim().is_empty() => continue,
            Some((_, l)) => break l,
            None => {
                return Err(LineError {
                    line: 1,
                    message: "empty file".to_owned(),
                });
            }
        }
    };
    let cols: Vec<String> = split(header)
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let find = |name: &str| cols.iter().position(|c| c == name);
    let mut out = Parsed::default();
    if let (Some(lat), Some(lon), Some(date), Some(time)) = (
        find("latitude"),
        find("longitude"),
        find("acq_date"),
        find("acq_time"),
    ) {
        let sat = find("satellite");
        let inst = find("instrument");
        let conf = find("confidence");
        let frp = find("frp");
        let dn = find("daynight");
        let viirs_cols = find("bright_ti4").is_some();
        read_lines(lines, &mut out, |c| {
            let get = |j| cell(c, j);
            let (lat, lon) = position(get(Some(lat)), get(Some(lon)), ("latitude", "longitude"))?;
            let at = firms_time(get(Some(date)), get(Some(time)))?;
            let confidence = Confidence::parse(get(conf))
                .ok_or_else(|| format!("confidence {:?}", get(conf)))?;
            let instrument = match get(inst) {
                "" if viirs_cols
                    || matches!(
                        confidence,
                        Confidence::Low | Confidence::Nominal | Confidence::High
                    ) =>
                {
                    "VIIRS"
                }
                "" => "MODIS",
                i => i,
            };
            Ok(Detection {
                lon,
                lat,
                at,
                source: instrument.to_ascii_uppercase(),
                satellite: get(sat).to_owned(),
                confidence,
                frp: get(frp).parse().ok(),
                daynight: get(dn).to_owned(),
            })
        });
        out.layout = if out.detections.iter().any(|d| d.source == "VIIRS") || viirs_cols {
            "firms-viirs"
        } else {
            "firms-modis"
        };
        return Ok(out);
    }
    let (Some(lon), Some(lat), Some(time)) = (find("lon"), find("lat"), find("time")) else {
        return Err(LineError {
            line: 1,
            message: format!(
                "header {header:?}: expected FIRMS columns (latitude, longitude, acq_date, acq_time, …) or lon,lat,time,source,confidence"
            ),
        });
    };
    let source = find("source");
    let conf = find("confidence");
    read_lines(lines, &mut out, |c| {
        let get = |j| cell(c, j);
        let (lat, lon) = position(get(Some(lat)), get(Some(lon)), ("lat", "lon"))?;
        let at = generic_time(get(Some(time)))?;
        let confidence = match get(conf) {
            "" => Confidence::Percent(100),
            s => Confidence::parse(s).ok_or_else(|| format!("confidence {s:?}"))?,
        };
        let source = match get(source) {
            "" => "其他".to_owned(),
            s => s.to_owned(),
        };
        Ok(Detection {
            lon,
            lat,
            at,
            source,
            satellite: String::new(),
            confidence,
            frp: None,
            daynight: String::new(),
        })
    });
    out.layout = "generic";
    Ok(out)
}

/// FIRMS `acq_date` (`YYYY-MM-DD`) and `acq_time` (`HHMM`, `HMM` or `HH:MM`), UTC.
fn firms_time(date: &str, time: &str) -> Result<Timestamp, String> {
    let d: jiff::civil::Date = date.parse().map_err(|_| format!("acq_date {date:?}"))?;
    let t = time.replace(':', "");
    let n: u32 = t.parse().map_err(|_| format!("acq_time {time:?}"))?;
    let (h, m) = (n / 100, n % 100);
    if t.is_empty() || t.len() > 4 || h > 23 || m > 59 {
        return Err(format!("acq_time {time:?}"));
    }
    let dt = d.at(
        i8::try_from(h).unwrap_or(0),
        i8::try_from(m).unwrap_or(0),
        0,
        0,
    );
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// A generic time: RFC 3339 with an offset, or a civil time in Beijing
/// (`2026-11-20 14:05[:00]`).
fn generic_time(s: &str) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil = s.replace(' ', "T");
    let civil = if civil.len() == 16 {
        format!("{civil}:00")
    } else {
        civil
    };
    civil
        .parse::<jiff::civil::DateTime>()
        .map_err(|_| format!("time {s:?} (RFC 3339, or Beijing YYYY-MM-DD HH:MM)"))?
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// Which detections of an import are new records, and the key each is stored under.
///
/// Two detections are two detections unless they are the same record: every field read equal
/// ([`Detection::identity`]). [`Detection::key`] (source, satellite, position to 1e-4°, the
/// minute) is the stored key that finds a record imported before; when a second, different
/// record shares it (two VIIRS pixels 2 m apart in the same minute, with different radiative
/// power), that one is kept under the key followed by its identity, so nothing read is dropped
/// but an exact repeat, and the same file imported again gives the same keys.
#[derive(Debug, Default)]
pub struct Keys {
    /// Identities of the records seen in this import.
    records: std::collections::HashSet<String>,
    /// Coarse keys given out in this import.
    keys: std::collections::HashSet<String>,
}

impl Keys {
    /// The key to store `d` under, or `None` when the same record was seen before in this
    /// import (in this file or an earlier one).
    pub fn key_of(&mut self, d: &Detection) -> Option<String> {
        let identity = d.identity();
        if !self.records.insert(identity.clone()) {
            return None;
        }
        let key = d.key();
        if self.keys.insert(key.clone()) {
            Some(key)
        } else {
            Some(format!("{key}|{identity}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layouts_as_found() {
        let modis = "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n\
                     32.0113,121.1234,310.5,1.0,1.0,2023-08-01,0535,T,85,6.1NRT,290.1,12.3,D\n";
        let p = parse(modis).unwrap();
        assert_eq!(p.layout, "firms-modis");
        assert_eq!(p.lines, [2]);
        let d = &p.detections[0];
        assert_eq!(
            (d.source.as_str(), d.satellite.as_str(), d.confidence),
            ("MODIS", "T", Confidence::Percent(85))
        );
        // 05:35 UTC is 13:35 in Beijing.
        assert_eq!(d.at.to_string(), "2023-08-01T05:35:00Z");
        let nrt = "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n\
                   32.0,121.1,310.5,1.0,1.0,2019-02-21,00:15,A,50,6.0NRT,290.1,12.3,N\n";
        assert_eq!(
            parse(nrt).unwrap().detections[0].at.to_string(),
            "2019-02-21T00:15:00Z"
        );
        let viirs = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,frp,daynight\n\
                     -10.5,-50.2,330.1,0.4,0.4,2020-10-02,0412,N,VIIRS,n,2.0NRT,290,5.2,N\n";
        let p = parse(viirs).unwrap();
        assert_eq!(
            (p.layout, p.detections[0].confidence),
            ("firms-viirs", Confidence::Nominal)
        );
        // NOAA-20 with MODIS column names but VIIRS data.
        let j1 = "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_t31,frp,daynight\n\
                  -10.5,-50.2,330.1,0.4,0.4,2020-10-02,412,1,VIIRS,h,2.0NRT,290,5.2,N\n";
        let d = &parse(j1).unwrap().detections[0];
        assert_eq!(
            (d.source.as_str(), d.confidence, d.at.to_string().as_str()),
            ("VIIRS", Confidence::High, "2020-10-02T04:12:00Z")
        );
        let generic = "lon,lat,time,source,confidence\n121.2,31.9,2026-11-20 14:05,无人机,90\n121.2,31.9,2026-11-20T06:05:00Z,视频塔,\n";
        let p = parse(generic).unwrap();
        assert_eq!(p.layout, "generic");
        assert_eq!(
            p.detections[0].at, p.detections[1].at,
            "Beijing 14:05 is 06:05 UTC"
        );
        assert_eq!(p.detections[1].confidence, Confidence::Percent(100));
    }

    #[test]
    fn bad_lines_are_named_and_the_rest_kept() {
        let t = "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n\
                 32.0,121.1,310,1,1,2023-08-01,0535,T,85,6.1NRT,290,12,D\n\
                 95.0,121.1,310,1,1,2023-08-01,0535,T,85,6.1NRT,290,12,D\n\
                 32.0,121.1,310,1,1,2023-08-01,2460,T,85,6.1NRT,290,12,D\n\
                 32.0,121.1,310,1,1,2023-08-01,0535,T,x,6.1NRT,290,12,D\n";
        let p = parse(t).unwrap();
        assert_eq!(p.detections.len(), 1);
        let e: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            e,
            [
                "line 3: position 95,121.1 is not on the globe",
                "line 4: acq_time \"2460\"",
                "line 5: confidence \"x\"",
            ]
        );
        assert!(
            parse("a,b\n1,2\n")
                .unwrap_err()
                .to_string()
                .contains("expected FIRMS columns")
        );
        // The same record in a second file is one record.
        let mut keys = Keys::default();
        let d = &parse(t).unwrap().detections[0];
        assert_eq!(keys.key_of(d), Some(d.key()));
        assert_eq!(keys.key_of(d), None);
    }

    /// Issue #28: two VIIRS pixels about 2 m apart in the same minute, with different
    /// radiative power, share the coarse key but are two records; both are kept, the second
    /// under a longer key, and reading the same lines again gives the same keys.
    #[test]
    fn near_pixels_in_one_file_are_two_detections() {
        let t = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,frp,daynight\n\
                 31.91231,121.21231,330.1,0.4,0.4,2024-06-01,0512,N,VIIRS,n,2.0NRT,290.2,3.1,D\n\
                 31.91233,121.21232,331.0,0.4,0.4,2024-06-01,0512,N,VIIRS,n,2.0NRT,290.9,4.7,D\n\
                 31.91233,121.21232,331.0,0.4,0.4,2024-06-01,0512,N,VIIRS,n,2.0NRT,290.9,4.7,D\n";
        let p = parse(t).unwrap();
        assert_eq!(p.detections.len(), 3);
        // 1e-4° rounding: both pixels have the coarse key of the first.
        assert_eq!(p.detections[0].key(), p.detections[1].key());
        let keys = |p: &Parsed| {
            let mut k = Keys::default();
            p.detections.iter().map(|d| k.key_of(d)).collect::<Vec<_>>()
        };
        let once = keys(&p);
        assert_eq!(once[0], Some(p.detections[0].key()));
        let second = once[1].clone().unwrap();
        assert!(second.starts_with(&p.detections[0].key()) && second != p.detections[0].key());
        // The third line repeats the second record exactly: one record.
        assert_eq!(once[2], None);
        assert_eq!(keys(&p), once, "the same lines give the same keys");
    }
}
