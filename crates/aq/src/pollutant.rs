//! The six basic pollutants of GB 3095 (基本项目) and their units.

use std::fmt;
use std::ops::{Index, IndexMut};

/// One of the six basic pollutants (基本项目) that enter the AQI and the HJ 663 assessment.
///
/// Units: CO in mg/m³, every other pollutant in µg/m³ ([`Pollutant::unit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pollutant {
    /// Sulphur dioxide, 二氧化硫.
    So2,
    /// Nitrogen dioxide, 二氧化氮.
    No2,
    /// Particulate matter ≤ 10 µm, 可吸入颗粒物.
    Pm10,
    /// Carbon monoxide, 一氧化碳 (mg/m³).
    Co,
    /// Ozone, 臭氧.
    O3,
    /// Particulate matter ≤ 2.5 µm, 细颗粒物.
    Pm25,
}

impl Pollutant {
    /// All six, in the order CNEMC and HJ 633 tables list them.
    pub const ALL: [Pollutant; 6] = [
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Pm10,
        Pollutant::Co,
        Pollutant::O3,
        Pollutant::Pm25,
    ];

    /// The order of Chinese assessment reports: PM2.5, PM10, SO2, NO2, CO, O3.
    pub const REPORT_ORDER: [Pollutant; 6] = [
        Pollutant::Pm25,
        Pollutant::Pm10,
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Co,
        Pollutant::O3,
    ];

    /// The unit concentrations of this pollutant are given in.
    pub const fn unit(self) -> Unit {
        match self {
            Pollutant::Co => Unit::MilligramPerCubicMetre,
            _ => Unit::MicrogramPerCubicMetre,
        }
    }

    /// The customary short name (`PM2.5`, `SO2`, …), as used in CNEMC files.
    pub const fn code(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::Pm10 => "PM10",
            Pollutant::Co => "CO",
            Pollutant::O3 => "O3",
            Pollutant::Pm25 => "PM2.5",
        }
    }

    /// The Chinese name used in reports.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Pollutant::So2 => "二氧化硫",
            Pollutant::No2 => "二氧化氮",
            Pollutant::Pm10 => "可吸入颗粒物",
            Pollutant::Co => "一氧化碳",
            Pollutant::O3 => "臭氧",
            Pollutant::Pm25 => "细颗粒物",
        }
    }

    /// Decimal places of the published concentration (HJ 633-2026 §4.2.2–4.2.3, also CNEMC
    /// practice): integers for all but CO, one decimal for CO.
    pub const fn reporting_decimals(self) -> u32 {
        match self {
            Pollutant::Co => 1,
            _ => 0,
        }
    }

    /// The index of this pollutant in [`Pollutant::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Parses the customary short name (`PM2.5`, `pm25`, `SO2`, …), case-insensitively.
    pub fn from_code(code: &str) -> Option<Pollutant> {
        let c = code.trim();
        Some(match c.to_ascii_uppercase().as_str() {
            "SO2" => Pollutant::So2,
            "NO2" => Pollutant::No2,
            "PM10" => Pollutant::Pm10,
            "CO" => Pollutant::Co,
            "O3" => Pollutant::O3,
            "PM2.5" | "PM25" | "PM2_5" => Pollutant::Pm25,
            _ => return None,
        })
    }
}

impl fmt::Display for Pollutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Unit of a concentration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// µg/m³ (微克/立方米).
    MicrogramPerCubicMetre,
    /// mg/m³ (毫克/立方米), used for CO.
    MilligramPerCubicMetre,
}

impl Unit {
    /// The unit's symbol.
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::MicrogramPerCubicMetre => "µg/m³",
            Unit::MilligramPerCubicMetre => "mg/m³",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A value for each of the six pollutants, indexable by [`Pollutant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PollutantMap<T>(pub [T; 6]);

impl<T> PollutantMap<T> {
    /// Builds a map by calling `f` for each pollutant.
    pub fn from_fn(mut f: impl FnMut(Pollutant) -> T) -> Self {
        PollutantMap(Pollutant::ALL.map(&mut f))
    }

    /// Iterates over `(pollutant, value)` pairs in [`Pollutant::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Pollutant, &T)> {
        Pollutant::ALL.into_iter().zip(self.0.iter())
    }

    /// Maps every value.
    pub fn map<U>(&self, mut f: impl FnMut(Pollutant, &T) -> U) -> PollutantMap<U> {
        PollutantMap::from_fn(|p| f(p, &self[p]))
    }
}

impl<T> Index<Pollutant> for PollutantMap<T> {
    type Output = T;
    fn index(&self, p: Pollutant) -> &T {
        &self.0[p.index()]
    }
}

impl<T> IndexMut<Pollutant> for PollutantMap<T> {
    fn index_mut(&mut self, p: Pollutant) -> &mut T {
        &mut self.0[p.index()]
    }
}

/// A set of pollutants (a small bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PollutantSet(u8);

impl PollutantSet {
    /// The empty set.
    pub const EMPTY: PollutantSet = PollutantSet(0);

    /// Adds a pollutant.
    pub fn insert(&mut self, p: Pollutant) {
        self.0 |= 1 << p.index();
    }

    /// Whether the set holds `p`.
    pub const fn contains(self, p: Pollutant) -> bool {
        self.0 & (1 << p.index()) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in [`Pollutant::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Pollutant> {
        Pollutant::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Pollutant> for PollutantSet {
    fn from_iter<I: IntoIterator<Item = Pollutant>>(iter: I) -> Self {
        let mut s = PollutantSet::EMPTY;
        for p in iter {
            s.insert(p);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_all_order() {
        for (i, p) in Pollutant::ALL.iter().enumerate() {
            assert_eq!(p.index(), i);
            assert_eq!(Pollutant::from_code(p.code()), Some(*p));
        }
        assert_eq!(Pollutant::from_code("pm25"), Some(Pollutant::Pm25));
        assert_eq!(Pollutant::from_code("NOx"), None);
        assert_eq!(Pollutant::Co.unit().symbol(), "mg/m³");
        assert_eq!(Pollutant::Pm25.unit(), Unit::MicrogramPerCubicMetre);
    }

    #[test]
    fn sets() {
        let s: PollutantSet = [Pollutant::O3, Pollutant::So2].into_iter().collect();
        assert!(s.contains(Pollutant::O3) && !s.contains(Pollutant::Co));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [Pollutant::So2, Pollutant::O3]
        );
        assert!(PollutantSet::EMPTY.is_empty());
    }
}
