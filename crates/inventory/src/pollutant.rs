//! The inventory's pollutants (standards.md §6.5; the nine).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A pollutant of the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Pollutant {
    /// 二氧化硫.
    SO2,
    /// 氮氧化物 (as NO2).
    NOx,
    /// 一氧化碳.
    CO,
    /// 可吸入颗粒物.
    PM10,
    /// 细颗粒物.
    #[serde(rename = "PM2.5")]
    PM25,
    /// 黑碳.
    BC,
    /// 有机碳.
    OC,
    /// 挥发性有机物.
    VOCs,
    /// 氨.
    NH3,
}

impl Pollutant {
    /// Every pollutant, in the order of the tables.
    pub const ALL: [Pollutant; 9] = [
        Pollutant::SO2,
        Pollutant::NOx,
        Pollutant::CO,
        Pollutant::PM10,
        Pollutant::PM25,
        Pollutant::BC,
        Pollutant::OC,
        Pollutant::VOCs,
        Pollutant::NH3,
    ];

    /// As written in the tables: `SO2`, `NOx`, `CO`, `PM10`, `PM2.5`, `BC`, `OC`, `VOCs`, `NH3`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Pollutant::SO2 => "SO2",
            Pollutant::NOx => "NOx",
            Pollutant::CO => "CO",
            Pollutant::PM10 => "PM10",
            Pollutant::PM25 => "PM2.5",
            Pollutant::BC => "BC",
            Pollutant::OC => "OC",
            Pollutant::VOCs => "VOCs",
            Pollutant::NH3 => "NH3",
        }
    }

    /// From a table cell, case and subscripts forgiven (`NOX`, `PM₂.₅`, `VOC`, `氮氧化物`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Pollutant> {
        let t: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '₂' => '2',
                '₃' => '3',
                '₅' => '5',
                '₁' => '1',
                '₀' => '0',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        Some(match t.as_str() {
            "SO2" | "二氧化硫" => Pollutant::SO2,
            "NOX" | "氮氧化物" => Pollutant::NOx,
            "CO" | "一氧化碳" => Pollutant::CO,
            "PM10" => Pollutant::PM10,
            "PM2.5" | "PM25" => Pollutant::PM25,
            "BC" | "黑碳" => Pollutant::BC,
            "OC" | "有机碳" => Pollutant::OC,
            "VOCS" | "VOC" | "挥发性有机物" => Pollutant::VOCs,
            "NH3" | "氨" => Pollutant::NH3,
            _ => return None,
        })
    }
}

impl fmt::Display for Pollutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for p in Pollutant::ALL {
            assert_eq!(Pollutant::parse(p.as_str()), Some(p));
        }
        assert_eq!(Pollutant::parse(" nox "), Some(Pollutant::NOx));
        assert_eq!(Pollutant::parse("PM₂.₅"), Some(Pollutant::PM25));
        assert_eq!(Pollutant::parse("挥发性有机物"), Some(Pollutant::VOCs));
        assert_eq!(Pollutant::parse("O3"), None);
    }
}
