//! The packet `Flag` (拆分包及应答标志, HJ 212-2017 §6.3.3) and the per-value data flags
//! (数据标记, HJ 212-2017 Table 8; HJ/T 212-2005 `xxx-Flag`).

use std::fmt;

/// Protocol generation, from the Flag version bits V5..V0 (`Flag >> 2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// HJ/T 212-2005 (`000000`), also assumed when Flag is absent.
    V2005,
    /// HJ 212-2017 (`000001`).
    V2017,
    /// HJ 212-2025 (`000010`) (2025, secondary source).
    V2025,
    /// Any other version number (parsed anyway; count these).
    Unknown(u8),
}

impl Version {
    /// From the 6 version bits.
    #[must_use]
    pub const fn from_bits(v: u8) -> Version {
        match v {
            0 => Version::V2005,
            1 => Version::V2017,
            2 => Version::V2025,
            n => Version::Unknown(n),
        }
    }

    /// The 6 version bits.
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            Version::V2005 => 0,
            Version::V2017 => 1,
            Version::V2025 => 2,
            Version::Unknown(n) => n & 0x3F,
        }
    }

    /// The Flag value of a packet of this version with the given A and D bits.
    #[must_use]
    pub const fn flag(self, ack: bool, split: bool) -> PacketFlag {
        PacketFlag((self.bits() << 2) | ((split as u8) << 1) | ack as u8)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::V2005 => f.write_str("HJ/T 212-2005"),
            Version::V2017 => f.write_str("HJ 212-2017"),
            Version::V2025 => f.write_str("HJ 212-2025"),
            Version::Unknown(n) => write!(f, "unknown version {n}"),
        }
    }
}

/// The header `Flag` value: bits V5..V0 (version), D (bit 1, packet numbers present),
/// A (bit 0, answer required).
///
/// ```
/// use lantian_hj212::{PacketFlag, Version};
/// let f = PacketFlag::new(7);
/// assert_eq!(f.version(), Version::V2017);
/// assert!(f.ack_required() && f.split());
/// assert_eq!(PacketFlag::new(9).version(), Version::V2025);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketFlag(pub u8);

impl PacketFlag {
    /// Wrap a raw value.
    #[must_use]
    pub const fn new(raw: u8) -> Self {
        PacketFlag(raw)
    }
    /// The raw value.
    #[must_use]
    pub const fn raw(self) -> u8 {
        self.0
    }
    /// Version bits.
    #[must_use]
    pub const fn version(self) -> Version {
        Version::from_bits(self.0 >> 2)
    }
    /// A (命令是否应答): the receiver must answer.
    #[must_use]
    pub const fn ack_required(self) -> bool {
        self.0 & 1 != 0
    }
    /// D (是否有数据包序号): the packet is one of a split message and carries PNUM/PNO.
    #[must_use]
    pub const fn split(self) -> bool {
        self.0 & 2 != 0
    }
}

/// What a data flag means for using the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// Measured normally: use it for compliance and exceedance.
    Valid,
    /// Not a valid measurement (stopped, maintenance, fault, calibration, comms, power): count
    /// it as data-availability loss.
    Invalid,
    /// `T`: above the instrument's range. The true value is at least the reading: raise an
    /// over-range alarm and review it as a possible exceedance.
    OverRange,
    /// `S`: a manually entered set value, not measured. Keep it; exclude it from automatic
    /// exceedance unless a reviewer accepts it.
    SetValue,
    /// Unknown flag: decide by configuration.
    Unknown,
}

/// A data flag (`xxxxxx-Flag`).
///
/// HJ 212-2017 letters, plus HJ/T 212-2005's `P` and the 2005 ambient-station digits `0`-`3`
/// (which occur only with ST=22, see [`DataFlag::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataFlag {
    /// `N` 在线监控（监测）仪器仪表工作正常: normal.
    Normal,
    /// `F` 仪器仪表停运: instrument (or source) stopped.
    Stopped,
    /// `M` 仪器仪表处于维护期间: maintenance.
    Maintenance,
    /// `S` 手工输入的设定值: manually entered set value.
    SetValue,
    /// `D` 仪器仪表故障: instrument fault.
    Fault,
    /// `C` 仪器仪表处于校准状态: calibration.
    Calibration,
    /// `T` 采样数值超过测量上限: above the upper measuring limit.
    OverRange,
    /// `B` 仪器仪表与数采仪通讯异常: instrument-to-logger comms failure.
    CommFailure,
    /// `P` (2005) 电源故障: power failure.
    PowerFailure,
    /// 2005 ambient `0`: calibration.
    AmbientCalibration,
    /// 2005 ambient `1`: meteorological parameter.
    AmbientMeteorological,
    /// 2005 ambient `2`: abnormal.
    AmbientAbnormal,
    /// 2005 ambient `3`: normal.
    AmbientNormal,
    /// Anything else (kept as text by the caller).
    Unknown,
}

impl DataFlag {
    /// Read a flag value. Digit flags are the 2005 ambient-air ones only when the packet's ST
    /// is `22`; elsewhere a digit is [`DataFlag::Unknown`].
    #[must_use]
    pub fn parse(s: &str, st: Option<&str>) -> DataFlag {
        match s {
            "N" => DataFlag::Normal,
            "F" => DataFlag::Stopped,
            "M" => DataFlag::Maintenance,
            "S" => DataFlag::SetValue,
            "D" => DataFlag::Fault,
            "C" => DataFlag::Calibration,
            "T" => DataFlag::OverRange,
            "B" => DataFlag::CommFailure,
            "P" => DataFlag::PowerFailure,
            "0" | "1" | "2" | "3" if st == Some("22") => match s {
                "0" => DataFlag::AmbientCalibration,
                "1" => DataFlag::AmbientMeteorological,
                "2" => DataFlag::AmbientAbnormal,
                _ => DataFlag::AmbientNormal,
            },
            _ => DataFlag::Unknown,
        }
    }

    /// What the flag means for using the value (spec §5).
    #[must_use]
    pub const fn validity(self) -> Validity {
        match self {
            DataFlag::Normal | DataFlag::AmbientNormal | DataFlag::AmbientMeteorological => {
                Validity::Valid
            }
            DataFlag::OverRange => Validity::OverRange,
            DataFlag::SetValue => Validity::SetValue,
            DataFlag::Stopped
            | DataFlag::Maintenance
            | DataFlag::Fault
            | DataFlag::Calibration
            | DataFlag::CommFailure
            | DataFlag::PowerFailure
            | DataFlag::AmbientCalibration
            | DataFlag::AmbientAbnormal => Validity::Invalid,
            DataFlag::Unknown => Validity::Unknown,
        }
    }

    /// The standard's Chinese meaning.
    #[must_use]
    pub const fn name_zh(self) -> &'static str {
        match self {
            DataFlag::Normal => "在线监控（监测）仪器仪表工作正常",
            DataFlag::Stopped => "在线监控（监测）仪器仪表停运",
            DataFlag::Maintenance => "在线监控（监测）仪器仪表处于维护期间产生的数据",
            DataFlag::SetValue => "手工输入的设定值",
            DataFlag::Fault => "在线监控（监测）仪器仪表故障",
            DataFlag::Calibration => "在线监控（监测）仪器仪表处于校准状态",
            DataFlag::OverRange => "在线监控（监测）仪器仪表采样数值超过测量上限",
            DataFlag::CommFailure => "在线监控（监测）仪器仪表与数采仪通讯异常",
            DataFlag::PowerFailure => "电源故障",
            DataFlag::AmbientCalibration => "校准",
            DataFlag::AmbientMeteorological => "气象参数",
            DataFlag::AmbientAbnormal => "异常",
            DataFlag::AmbientNormal => "正常",
            DataFlag::Unknown => "未知",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        for (raw, v, a, d) in [
            (0, Version::V2005, false, false),
            (3, Version::V2005, true, true),
            (4, Version::V2017, false, false),
            (5, Version::V2017, true, false),
            (8, Version::V2025, false, false),
            (11, Version::V2025, true, true),
            (255, Version::Unknown(63), true, true),
        ] {
            let f = PacketFlag::new(raw);
            assert_eq!(
                (f.version(), f.ack_required(), f.split()),
                (v, a, d),
                "{raw}"
            );
            assert_eq!(v.flag(a, d), f);
        }
    }

    #[test]
    fn data_flags() {
        assert_eq!(DataFlag::parse("N", None).validity(), Validity::Valid);
        assert_eq!(DataFlag::parse("T", None).validity(), Validity::OverRange);
        assert_eq!(DataFlag::parse("S", None).validity(), Validity::SetValue);
        for f in ["F", "M", "D", "C", "B", "P"] {
            assert_eq!(
                DataFlag::parse(f, None).validity(),
                Validity::Invalid,
                "{f}"
            );
        }
        assert_eq!(DataFlag::parse("3", Some("22")), DataFlag::AmbientNormal);
        assert_eq!(DataFlag::parse("3", Some("31")), DataFlag::Unknown);
        assert_eq!(
            DataFlag::parse("0", Some("22")).validity(),
            Validity::Invalid
        );
        assert_eq!(DataFlag::parse("x", None).validity(), Validity::Unknown);
    }
}
