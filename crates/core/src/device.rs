//! The device registry's record (设备档案): what a device is, who owns it, what it measures,
//! how often it reports and the limits its values are held to.

use serde::{Deserialize, Serialize};

use crate::reading::ReadingKind;
use crate::{MICROS_PER_UNIT, micros_of};

/// What a device monitors, which decides its default rules and how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// 烟气在线监测 (CEMS) on a stack.
    Cems,
    /// 挥发性有机物在线监测 (VOCs, park or plant).
    Vocs,
    /// 施工扬尘在线监测 (construction-site dust).
    ConstructionDust,
    /// 餐饮油烟在线监测 (restaurant oil fume).
    OilFume,
    /// 空气微站 (ambient air micro-station).
    AirMicroStation,
    /// Anything else.
    Other,
}

impl DeviceKind {
    /// All kinds, in display order.
    pub const ALL: [DeviceKind; 6] = [
        DeviceKind::Cems,
        DeviceKind::Vocs,
        DeviceKind::ConstructionDust,
        DeviceKind::OilFume,
        DeviceKind::AirMicroStation,
        DeviceKind::Other,
    ];

    /// The stable machine name (`cems`, `vocs`, `construction_dust`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Cems => "cems",
            DeviceKind::Vocs => "vocs",
            DeviceKind::ConstructionDust => "construction_dust",
            DeviceKind::OilFume => "oil_fume",
            DeviceKind::AirMicroStation => "air_micro_station",
            DeviceKind::Other => "other",
        }
    }

    /// The Chinese name used in the console and reports.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            DeviceKind::Cems => "烟气在线监测",
            DeviceKind::Vocs => "VOCs在线监测",
            DeviceKind::ConstructionDust => "施工扬尘监测",
            DeviceKind::OilFume => "餐饮油烟监测",
            DeviceKind::AirMicroStation => "空气微站",
            DeviceKind::Other => "其他",
        }
    }

    /// Parses [`DeviceKind::as_str`] or the Chinese name.
    #[must_use]
    pub fn parse(s: &str) -> Option<DeviceKind> {
        let s = s.trim();
        DeviceKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s) || k.zh() == s)
    }
}

/// Who is responsible for the monitored source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    /// 企业 (an enterprise: stacks, VOCs).
    #[default]
    Enterprise,
    /// 工地 (a construction site).
    ConstructionSite,
    /// 餐饮单位 (a restaurant or canteen).
    Restaurant,
    /// 政府/监测站 (a government-run station).
    Government,
}

impl OwnerKind {
    /// The stable machine name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Enterprise => "enterprise",
            OwnerKind::ConstructionSite => "construction_site",
            OwnerKind::Restaurant => "restaurant",
            OwnerKind::Government => "government",
        }
    }

    /// Parses [`OwnerKind::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<OwnerKind> {
        [
            OwnerKind::Enterprise,
            OwnerKind::ConstructionSite,
            OwnerKind::Restaurant,
            OwnerKind::Government,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The monitored source's owner: an enterprise, a construction site or a restaurant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Owner {
    /// What kind of owner.
    pub kind: OwnerKind,
    /// Name (企业/工地/餐饮单位名称).
    pub name: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Town (区镇/街道) responsible for it; alarms are dispatched there.
    #[serde(default)]
    pub town: String,
    /// Longitude (WGS-84).
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude (WGS-84).
    #[serde(default)]
    pub lat: Option<f64>,
}

/// One factor a device measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFactor {
    /// The code on the wire (`a34004`, vendor codes such as `CONC`).
    pub code: String,
    /// Name in Chinese (`PM2.5`, `油烟浓度`).
    #[serde(default)]
    pub name: String,
    /// Unit of the values this device sends (never inferred from the standard's table).
    #[serde(default)]
    pub unit: String,
    /// Upper end of the instrument's range, in millionths of `unit`: values pinned there are
    /// suspicious.
    #[serde(default, with = "opt_micros")]
    pub range_max: Option<i64>,
}

/// Which values a limit is applied to (the averaging window of the standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "window", content = "minutes")]
pub enum Averaging {
    /// Every real-time value (2011 `-Rtd`).
    Sample,
    /// Mean over this many minutes: the device's minute data (2051 `-Avg`) when its interval
    /// equals it, otherwise the mean of the real-time values in each aligned window.
    Minutes(u16),
    /// Hourly mean (2061 `-Avg`).
    Hour,
    /// Daily mean (2031 `-Avg`).
    Day,
}

impl Averaging {
    /// The text form used in CSV files: `sample`, `min5`, `min15`, `hour`, `day`.
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Averaging::Sample => "sample".to_owned(),
            Averaging::Minutes(n) => format!("min{n}"),
            Averaging::Hour => "hour".to_owned(),
            Averaging::Day => "day".to_owned(),
        }
    }

    /// Parses [`Averaging::label`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Averaging> {
        let s = s.trim();
        match s {
            "sample" | "rtd" => Some(Averaging::Sample),
            "hour" => Some(Averaging::Hour),
            "day" => Some(Averaging::Day),
            _ => {
                let n: u16 = s.strip_prefix("min")?.parse().ok()?;
                (n > 0 && n <= 1440).then_some(Averaging::Minutes(n))
            }
        }
    }

    /// The upload kind whose values are compared directly, if any.
    #[must_use]
    pub fn direct_kind(self) -> Option<ReadingKind> {
        match self {
            Averaging::Sample => Some(ReadingKind::RealTime),
            Averaging::Minutes(_) => Some(ReadingKind::Minute),
            Averaging::Hour => Some(ReadingKind::Hour),
            Averaging::Day => Some(ReadingKind::Day),
        }
    }
}

/// An alarm limit on one factor (超标限值). Emission standards' limits whose text was not
/// verified (DB32/4437 dust, Jiangsu catering) are configuration, never code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// Factor code.
    pub factor: String,
    /// Averaging window.
    #[serde(flatten)]
    pub averaging: Averaging,
    /// The limit, in millionths of the factor's unit; a value strictly above it exceeds.
    #[serde(with = "micros")]
    pub max: i64,
    /// Compare the converted value (折算, `-Zs*`) instead of the measured one (CEMS limits
    /// defined at reference O2).
    #[serde(default)]
    pub converted: bool,
    /// Exceedances tolerated per Beijing day before an alarm (e.g. "≤ 2 per day" rules).
    #[serde(default)]
    pub allowed_per_day: u16,
    /// Where the limit comes from (standard, permit number), shown with the alarm.
    #[serde(default)]
    pub basis: String,
}

/// How often a device is expected to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intervals {
    /// Real-time (2011) interval in seconds; `None` if it sends none.
    pub realtime_s: Option<u32>,
    /// Minute-data (2051) interval in seconds.
    pub minute_s: Option<u32>,
    /// Sends hourly data (2061).
    pub hourly: bool,
    /// Offline after this many expected intervals without any data.
    pub offline_after: u32,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            realtime_s: Some(60),
            minute_s: None,
            hourly: true,
            offline_after: 3,
        }
    }
}

impl Intervals {
    /// The shortest expected interval between uploads, in seconds.
    #[must_use]
    pub fn shortest_s(&self) -> u32 {
        [self.realtime_s, self.minute_s, self.hourly.then_some(3600)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(86_400)
    }

    /// Seconds of silence after which the device is offline.
    #[must_use]
    pub fn offline_after_s(&self) -> i64 {
        i64::from(self.shortest_s()).saturating_mul(i64::from(self.offline_after.max(1)))
    }
}

/// A registered device (在线监测设备).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// MN (设备唯一标识), the key: an opaque string of 1–32 printable characters.
    pub mn: String,
    /// Access password (PW) the device must send.
    pub password: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// What it monitors.
    pub kind: DeviceKind,
    /// Protocol generation it speaks: `2005`, `2017` or `2025` (frames are still read by their
    /// own Flag; this decides what the platform sends it).
    #[serde(default = "default_generation")]
    pub generation: String,
    /// CRC variant of its frames: `standard`, `modbus`, `modbus_swapped`, `signed_char`.
    #[serde(default = "default_crc")]
    pub crc: String,
    /// System code (ST) it sends.
    #[serde(default)]
    pub st: String,
    /// Owner of the monitored source.
    #[serde(default)]
    pub owner: Owner,
    /// The factors it measures.
    #[serde(default)]
    pub factors: Vec<DeviceFactor>,
    /// Expected reporting intervals.
    #[serde(default)]
    pub intervals: Intervals,
    /// Alarm limits.
    #[serde(default)]
    pub limits: Vec<Limit>,
    /// Whether data from it is accepted.
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_generation() -> String {
    "2017".to_owned()
}

fn default_crc() -> String {
    "standard".to_owned()
}

fn default_true() -> bool {
    true
}

/// Why a device record is not acceptable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    /// The MN is empty, too long or not printable ASCII.
    #[error("MN {0:?} must be 1–32 printable ASCII characters")]
    Mn(String),
    /// The password is empty or not printable.
    #[error("password of {0} must be 1–64 printable ASCII characters")]
    Password(String),
    /// Unknown protocol generation.
    #[error("generation {0:?} is not 2005, 2017 or 2025")]
    Generation(String),
    /// Unknown CRC variant.
    #[error("CRC variant {0:?} is not standard, modbus, modbus_swapped or signed_char")]
    Crc(String),
    /// A limit names a factor the device does not list.
    #[error("limit on {0:?}: the device does not list that factor")]
    LimitFactor(String),
    /// A limit is not positive.
    #[error("limit on {0:?} must be above zero")]
    LimitValue(String),
    /// An interval is zero.
    #[error("reporting intervals must be above zero")]
    Interval,
    /// Coordinates out of range.
    #[error("coordinates ({0}, {1}) are not a longitude and latitude")]
    Coordinates(f64, f64),
}

fn printable(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic())
}

impl Device {
    /// Checks the record; the first problem found is returned.
    ///
    /// # Errors
    ///
    /// [`DeviceError`] naming the field.
    pub fn validate(&self) -> Result<(), DeviceError> {
        // `;`, `=`, `,` and `&` would break the packet grammar, so they cannot be in an MN.
        if !printable(&self.mn, 32) || self.mn.bytes().any(|b| b";=,&".contains(&b)) {
            return Err(DeviceError::Mn(self.mn.clone()));
        }
        if !printable(&self.password, 64) {
            return Err(DeviceError::Password(self.mn.clone()));
        }
        if !matches!(self.generation.as_str(), "2005" | "2017" | "2025") {
            return Err(DeviceError::Generation(self.generation.clone()));
        }
        if self.crc_variant().is_none() {
            return Err(DeviceError::Crc(self.crc.clone()));
        }
        for l in &self.limits {
            if !self.factors.iter().any(|f| f.code == l.factor) {
                return Err(DeviceError::LimitFactor(l.factor.clone()));
            }
            if l.max <= 0 {
                return Err(DeviceError::LimitValue(l.factor.clone()));
            }
        }
        let i = &self.intervals;
        if i.realtime_s == Some(0) || i.minute_s == Some(0) || i.offline_after == 0 {
            return Err(DeviceError::Interval);
        }
        if let (Some(lon), Some(lat)) = (self.owner.lon, self.owner.lat) {
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                return Err(DeviceError::Coordinates(lon, lat));
            }
        }
        Ok(())
    }

    /// The CRC variant, if the name is known.
    #[must_use]
    pub fn crc_variant(&self) -> Option<lantian_hj212::CrcVariant> {
        use lantian_hj212::CrcVariant;
        Some(match self.crc.as_str() {
            "standard" => CrcVariant::Standard,
            "modbus" => CrcVariant::Modbus,
            "modbus_swapped" => CrcVariant::ModbusSwapped,
            "signed_char" => CrcVariant::SignedChar,
            _ => return None,
        })
    }

    /// The registered factor with this code.
    #[must_use]
    pub fn factor(&self, code: &str) -> Option<&DeviceFactor> {
        self.factors.iter().find(|f| f.code == code)
    }
}

/// Formats millionths as a plain decimal (`2000000` → `2`, `1500` → `0.0015`).
#[must_use]
pub fn format_micros(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let int = a / MICROS_PER_UNIT.unsigned_abs();
    let frac = a % MICROS_PER_UNIT.unsigned_abs();
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        let f = format!("{frac:06}");
        format!("{sign}{int}.{}", f.trim_end_matches('0'))
    }
}

/// Parses a decimal into millionths, exactly (more than six decimals is an error).
#[must_use]
pub fn parse_micros(s: &str) -> Option<i64> {
    let d: lantian_hj212::Decimal = s.trim().parse().ok()?;
    let v = micros_of(d)?;
    // Reject what `micros_of` had to round: a limit must be exact.
    (d.scale() <= 6).then_some(v)
}

mod micros {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_micros(*v))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_micros(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a decimal number")))
    }
}

mod opt_micros {
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(&super::format_micros(*v)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => super::parse_micros(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a decimal number"))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn fume() -> Device {
        Device {
            mn: "YY0001".to_owned(),
            password: "123456".to_owned(),
            name: "某饭店油烟".to_owned(),
            kind: DeviceKind::OilFume,
            generation: "2017".to_owned(),
            crc: "standard".to_owned(),
            st: "99".to_owned(),
            owner: Owner::default(),
            factors: vec![DeviceFactor {
                code: "a34041".to_owned(),
                name: "油烟".to_owned(),
                unit: "mg/m3".to_owned(),
                range_max: Some(20 * MICROS_PER_UNIT),
            }],
            intervals: Intervals::default(),
            limits: vec![Limit {
                factor: "a34041".to_owned(),
                averaging: Averaging::Minutes(10),
                max: 2 * MICROS_PER_UNIT,
                converted: false,
                allowed_per_day: 0,
                basis: "GB 18483-2001".to_owned(),
            }],
            active: true,
        }
    }

    #[test]
    fn validates_and_names_the_field() {
        let mut d = fume();
        assert_eq!(d.validate(), Ok(()));
        d.mn = "A;B".to_owned();
        assert_eq!(d.validate(), Err(DeviceError::Mn("A;B".to_owned())));
        let mut d = fume();
        d.limits[0].factor = "a99999".to_owned();
        assert_eq!(
            d.validate(),
            Err(DeviceError::LimitFactor("a99999".to_owned()))
        );
        let mut d = fume();
        d.crc = "crc32".to_owned();
        assert!(matches!(d.validate(), Err(DeviceError::Crc(_))));
    }

    #[test]
    fn micros_text_round_trips() {
        for (text, v) in [("2", 2_000_000), ("0.0015", 1_500), ("-3.5", -3_500_000)] {
            assert_eq!(parse_micros(text), Some(v));
            assert_eq!(format_micros(v), text);
        }
        assert_eq!(parse_micros("1.0000001"), None);
        assert_eq!(parse_micros("abc"), None);
    }

    #[test]
    fn averaging_labels() {
        for a in [
            Averaging::Sample,
            Averaging::Minutes(15),
            Averaging::Hour,
            Averaging::Day,
        ] {
            assert_eq!(Averaging::parse(&a.label()), Some(a));
        }
        assert_eq!(Averaging::parse("min0"), None);
    }

    #[test]
    fn serde_json_round_trip() {
        let d = fume();
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert!(json.contains(r#""max":"2""#), "{json}");
        let back: Device = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, d);
    }

    #[test]
    fn offline_window() {
        let i = Intervals {
            realtime_s: Some(30),
            minute_s: Some(600),
            hourly: true,
            offline_after: 4,
        };
        assert_eq!(i.offline_after_s(), 120);
    }

    /// The device record the store keeps (JSON), pinned (issue #23 item 4): a renamed field or
    /// variant fails here instead of silently changing stored records, and the stored text reads
    /// back as the same device.
    #[test]
    fn stored_device_json_is_pinned() {
        let d = Device {
            mn: "MNFUME0001".into(),
            password: "123456".into(),
            name: "油烟监测".into(),
            kind: DeviceKind::OilFume,
            generation: "2017".into(),
            crc: "standard".into(),
            st: "32".into(),
            owner: Owner {
                kind: OwnerKind::Restaurant,
                name: "测试饭店".into(),
                address: "北京中路600号".into(),
                town: "海门街道".into(),
                lon: Some(121.17),
                lat: Some(31.89),
            },
            factors: vec![DeviceFactor {
                code: "a34041".into(),
                name: "油烟浓度".into(),
                unit: "mg/m³".into(),
                range_max: Some(20_000_000),
            }],
            intervals: Intervals {
                realtime_s: Some(60),
                minute_s: Some(600),
                hourly: true,
                offline_after: 3,
            },
            limits: vec![
                Limit {
                    factor: "a34041".into(),
                    averaging: Averaging::Minutes(10),
                    max: 2_000_000,
                    converted: false,
                    allowed_per_day: 0,
                    basis: "DB32/1160".into(),
                },
                Limit {
                    factor: "a34041".into(),
                    averaging: Averaging::Hour,
                    max: 1_500_000,
                    converted: true,
                    allowed_per_day: 2,
                    basis: "排污许可证".into(),
                },
            ],
            active: true,
        };
        let stored = serde_json::to_string(&d).unwrap();
        insta::assert_snapshot!(stored);
        assert_eq!(serde_json::from_str::<Device>(&stored).unwrap(), d);
    }
}
