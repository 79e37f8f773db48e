//! The store's domain types.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use lantian_aq::{Concentration, Pollutant};

use crate::chunk::DayValues;

/// A station's place in the monitoring network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StationLevel {
    /// 国控点: national network station.
    National,
    /// 省控点: provincial station.
    Provincial,
    /// 区镇站: town (区镇/街道) station.
    Town,
    /// 微站: air micro-station.
    Micro,
    /// Not yet classified (e.g. a code first seen in a data file).
    Unclassified,
}

impl StationLevel {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            StationLevel::National => "national",
            StationLevel::Provincial => "provincial",
            StationLevel::Town => "town",
            StationLevel::Micro => "micro",
            StationLevel::Unclassified => "unclassified",
        }
    }

    /// The Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            StationLevel::National => "国控点",
            StationLevel::Provincial => "省控点",
            StationLevel::Town => "区镇站",
            StationLevel::Micro => "微站",
            StationLevel::Unclassified => "未分类",
        }
    }
}

impl FromStr for StationLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "national" => StationLevel::National,
            "provincial" => StationLevel::Provincial,
            "town" => StationLevel::Town,
            "micro" => StationLevel::Micro,
            "unclassified" => StationLevel::Unclassified,
            other => return Err(format!("unknown station level {other:?}")),
        })
    }
}

impl fmt::Display for StationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A monitoring station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Its code (CNEMC's for national stations, e.g. `2008A`).
    pub code: String,
    /// Name (监测点名称), when known.
    pub name: Option<String>,
    /// City (城市), when known.
    pub city: Option<String>,
    /// Province, when known.
    pub province: Option<String>,
    /// Longitude (WGS-84 unless the source says otherwise).
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Network level.
    pub level: StationLevel,
    /// Where the record came from (a file name or `config`).
    pub source: String,
}

impl Station {
    /// A station known only by its code.
    pub fn unclassified(code: &str, source: &str) -> Station {
        Station {
            code: code.to_owned(),
            name: None,
            city: None,
            province: None,
            lon: None,
            lat: None,
            level: StationLevel::Unclassified,
            source: source.to_owned(),
        }
    }
}

/// A station's membership of an area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaMember {
    /// Station code.
    pub station: String,
    /// Whether it counts in the area's assessment (评价点位).
    pub counts: bool,
}

/// An area (district, town, city) and its stations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// A stable code (e.g. the administrative code `320614`).
    pub code: String,
    /// Display name (海门区).
    pub name: String,
    /// Kind: `district`, `town`, `city`, …
    pub kind: String,
    /// A short ASCII name for the command line (`haimen`), unique.
    pub alias: Option<String>,
    /// Its stations.
    pub members: Vec<AreaMember>,
}

impl Area {
    /// Whether `key` names this area: its code, name or alias.
    pub fn is_named(&self, key: &str) -> bool {
        self.code == key || self.name == key || self.alias.as_deref() == Some(key)
    }

    /// The stations that count in the area's assessment.
    pub fn assessed_stations(&self) -> Vec<&str> {
        self.members
            .iter()
            .filter(|m| m.counts)
            .map(|m| m.station.as_str())
            .collect()
    }
}

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quantity {
    /// A pollutant's concentration (the observation proper).
    Pollutant(Pollutant),
    /// CNEMC's published hourly AQI, kept as a reference to compare with (not an observation).
    CnemcAqi,
}

impl Quantity {
    /// The six pollutants.
    pub const POLLUTANTS: [Quantity; 6] = [
        Quantity::Pollutant(Pollutant::So2),
        Quantity::Pollutant(Pollutant::No2),
        Quantity::Pollutant(Pollutant::Pm10),
        Quantity::Pollutant(Pollutant::Co),
        Quantity::Pollutant(Pollutant::O3),
        Quantity::Pollutant(Pollutant::Pm25),
    ];

    /// How many quantities there are.
    pub const COUNT: usize = 7;

    /// A dense index, 0..[`Quantity::COUNT`].
    pub const fn index(self) -> usize {
        match self {
            Quantity::Pollutant(p) => p.index(),
            Quantity::CnemcAqi => 6,
        }
    }

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Quantity::Pollutant(p) => p.code(),
            Quantity::CnemcAqi => "AQI@CNEMC",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Quantity> {
        if code == "AQI@CNEMC" {
            return Some(Quantity::CnemcAqi);
        }
        Pollutant::from_code(code).map(Quantity::Pollutant)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One day of one station's quantity, offered for storage.
#[derive(Debug, Clone, PartialEq)]
pub struct DayItem {
    /// Station code.
    pub station: String,
    /// Quantity.
    pub quantity: Quantity,
    /// The Beijing date.
    pub day: Date,
    /// The values.
    pub values: DayValues,
    /// Where the values came from (a file name), recorded with any conflict.
    pub origin: String,
}

/// A recorded conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRecord {
    /// The import that offered the value.
    pub import_id: i64,
    /// Station code.
    pub station: String,
    /// Quantity.
    pub quantity: Quantity,
    /// Date.
    pub day: Date,
    /// Hour (0–23, the hour starting then).
    pub hour: u8,
    /// The value kept.
    pub kept: Concentration,
    /// The value offered.
    pub offered: Concentration,
    /// Where the offered value came from.
    pub origin: String,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteSummary {
    /// Day rows created.
    pub rows_inserted: u64,
    /// Day rows that existed and gained values.
    pub rows_updated: u64,
    /// Values stored that were not there.
    pub values_added: u64,
    /// Values offered that were already stored, equal.
    pub values_unchanged: u64,
    /// Values offered that differ from the stored ones (recorded, not stored).
    pub conflicts: u64,
}

impl WriteSummary {
    /// Adds another summary.
    pub fn add(&mut self, o: &WriteSummary) {
        self.rows_inserted += o.rows_inserted;
        self.rows_updated += o.rows_updated;
        self.values_added += o.values_added;
        self.values_unchanged += o.values_unchanged;
        self.conflicts += o.conflicts;
    }
}

/// An import run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRun {
    /// Id.
    pub id: i64,
    /// Kind (`cnemc`, `csv`, …).
    pub kind: String,
    /// What was imported (paths).
    pub description: String,
    /// Start, Unix seconds.
    pub started_at: i64,
    /// End, Unix seconds, once finished.
    pub finished_at: Option<i64>,
    /// The summary, as written by the importer (JSON).
    pub summary: Option<String>,
}

/// A review mark (审核标记): a judgement on a stored value, kept beside it, never replacing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewMark {
    /// Station code.
    pub station: String,
    /// Quantity.
    pub quantity: Quantity,
    /// Date.
    pub day: Date,
    /// Hour.
    pub hour: u8,
    /// What the reviewer decided.
    pub action: ReviewAction,
    /// Who.
    pub reviewer: String,
    /// When, Unix seconds.
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// A reviewer's decision on a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// The value is invalid and must not enter statistics.
    Invalidate,
    /// The value is confirmed valid (e.g. a flagged value reviewed and accepted).
    Confirm,
    /// The value is to be read as this one instead (the stored one stays).
    Correct(Concentration),
}

impl fmt::Display for ReviewAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewAction::Invalidate => f.write_str("无效 (invalidate)"),
            ReviewAction::Confirm => f.write_str("确认有效 (confirm)"),
            ReviewAction::Correct(v) => write!(f, "修正为 {v} (correct)"),
        }
    }
}

impl ReviewAction {
    pub(crate) fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            ReviewAction::Invalidate => ("invalidate", None),
            ReviewAction::Confirm => ("confirm", None),
            ReviewAction::Correct(c) => ("correct", Some(c.micros())),
        }
    }

    pub(crate) fn from_parts(action: &str, value: Option<i64>) -> Option<ReviewAction> {
        match (action, value) {
            ("invalidate", _) => Some(ReviewAction::Invalidate),
            ("confirm", _) => Some(ReviewAction::Confirm),
            ("correct", Some(v)) => Concentration::from_micros(v)
                .ok()
                .map(ReviewAction::Correct),
            _ => None,
        }
    }
}

/// Builds a conflict record from stored columns.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conflict_record(
    import_id: i64,
    station: String,
    quantity: &str,
    day: i32,
    hour: i64,
    kept: i64,
    offered: i64,
    origin: String,
) -> Result<ConflictRecord, crate::StoreError> {
    let bad = |what: &str| crate::StoreError::Corrupt(format!("conflict {what}"));
    Ok(ConflictRecord {
        import_id,
        station,
        quantity: Quantity::from_code(quantity).ok_or_else(|| bad("quantity"))?,
        day: day_date(day),
        hour: u8::try_from(hour).map_err(|_| bad("hour"))?,
        kept: Concentration::from_micros(kept).map_err(|_| bad("value"))?,
        offered: Concentration::from_micros(offered).map_err(|_| bad("value"))?,
        origin,
    })
}

/// Builds a review mark from stored columns.
#[allow(clippy::too_many_arguments)]
pub(crate) fn review_mark(
    station: &str,
    quantity: Quantity,
    day: i32,
    hour: i64,
    action: &str,
    value: Option<i64>,
    reviewer: String,
    at: i64,
    reason: String,
) -> Result<ReviewMark, crate::StoreError> {
    let bad = |what: String| crate::StoreError::Corrupt(what);
    Ok(ReviewMark {
        station: station.to_owned(),
        quantity,
        day: day_date(day),
        hour: u8::try_from(hour).map_err(|_| bad(format!("hour {hour}")))?,
        action: ReviewAction::from_parts(action, value)
            .ok_or_else(|| bad(format!("review action {action}")))?,
        reviewer,
        at,
        reason,
    })
}

/// Days since 1970-01-01 (the stored `day`).
pub fn day_number(d: Date) -> i32 {
    d.since(jiff::civil::date(1970, 1, 1))
        .map(|s| s.get_days())
        .unwrap_or(0)
}

/// The date of a stored `day`.
pub fn day_date(n: i32) -> Date {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(n)))
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers() {
        assert_eq!(day_number(jiff::civil::date(1970, 1, 2)), 1);
        let d = jiff::civil::date(2019, 7, 15);
        assert_eq!(day_date(day_number(d)), d);
        for q in Quantity::POLLUTANTS.into_iter().chain([Quantity::CnemcAqi]) {
            assert_eq!(Quantity::from_code(q.code()), Some(q));
        }
        for l in ["national", "provincial", "town", "micro", "unclassified"] {
            assert_eq!(l.parse::<StationLevel>().unwrap().as_str(), l);
        }
    }
}
