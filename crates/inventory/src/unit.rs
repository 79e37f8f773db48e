//! Units of activity data and emission factors, checked by dimension: an activity in 万吨 meets
//! a factor in g/kg (mass per mass) and the emission comes out in tonnes; an activity in m³
//! against a factor per tonne is a unit mismatch, never a number.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Mass (base: kg).
    Mass,
    /// Volume (base: m³).
    Volume,
    /// Distance (base: km), e.g. vehicle-kilometres.
    Distance,
    /// Energy (base: GJ).
    Energy,
    /// Area (base: m²), e.g. construction sites.
    Area,
    /// Things counted (base: one), e.g. livestock heads, vehicles.
    Count,
}

impl Dimension {
    /// 质量, 体积, 里程, 能量, 面积, 数量.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Dimension::Mass => "质量",
            Dimension::Volume => "体积",
            Dimension::Distance => "里程",
            Dimension::Energy => "能量",
            Dimension::Area => "面积",
            Dimension::Count => "数量",
        }
    }
}

/// A unit: its dimension and how many base units one of it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Unit {
    /// The canonical symbol.
    pub symbol: &'static str,
    /// What it measures.
    pub dimension: Dimension,
    /// Base units in one of it (kg, m³, km, GJ, m², one).
    pub to_base: Decimal,
}

const fn unit(symbol: &'static str, dimension: Dimension, base: u32, scale: u32) -> Unit {
    Unit {
        symbol,
        dimension,
        to_base: Decimal::from_parts(base, 0, 0, false, scale),
    }
}

/// Every unit known, with its spellings.
const UNITS: &[(&[&str], Unit)] = &[
    (&["g", "克"], unit("g", Dimension::Mass, 1, 3)),
    (&["kg", "千克", "公斤"], unit("kg", Dimension::Mass, 1, 0)),
    (&["t", "吨"], unit("t", Dimension::Mass, 1_000, 0)),
    (
        &["万t", "万吨"],
        unit("万t", Dimension::Mass, 10_000_000, 0),
    ),
    (
        &["m3", "m³", "立方米", "方"],
        unit("m3", Dimension::Volume, 1, 0),
    ),
    (
        &["万m3", "万m³", "万立方米", "万方"],
        unit("万m3", Dimension::Volume, 10_000, 0),
    ),
    (
        &["亿m3", "亿m³", "亿立方米"],
        unit("亿m3", Dimension::Volume, 100_000_000, 0),
    ),
    (&["L", "l", "升"], unit("L", Dimension::Volume, 1, 3)),
    (
        &["km", "公里", "千米"],
        unit("km", Dimension::Distance, 1, 0),
    ),
    (
        &["万km", "万公里"],
        unit("万km", Dimension::Distance, 10_000, 0),
    ),
    (&["GJ", "吉焦"], unit("GJ", Dimension::Energy, 1, 0)),
    (&["MWh", "兆瓦时"], unit("MWh", Dimension::Energy, 36, 1)),
    (
        &["万kWh", "万千瓦时"],
        unit("万kWh", Dimension::Energy, 36_000, 0),
    ),
    (&["m2", "m²", "平方米"], unit("m2", Dimension::Area, 1, 0)),
    (
        &["万m2", "万m²", "万平方米"],
        unit("万m2", Dimension::Area, 10_000, 0),
    ),
    (
        &["个", "头", "只", "辆", "台"],
        unit("个", Dimension::Count, 1, 0),
    ),
    (
        &["万个", "万头", "万只", "万辆", "万台"],
        unit("万个", Dimension::Count, 10_000, 0),
    ),
];

/// A unit by any of its spellings.
#[must_use]
pub fn parse(s: &str) -> Option<Unit> {
    let s = s.trim();
    UNITS
        .iter()
        .find(|(names, _)| names.contains(&s))
        .map(|(_, u)| *u)
}

/// A factor's unit: a mass of pollutant per unit of activity (`g/kg`, `kg/t`, `kg/万m3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FactorUnit {
    /// The pollutant's mass unit.
    pub mass: Unit,
    /// Per this unit of activity.
    pub per: Unit,
}

impl FactorUnit {
    /// `g/kg` and the like; the numerator must be a mass.
    #[must_use]
    pub fn parse(s: &str) -> Option<FactorUnit> {
        let (m, p) = s.trim().split_once('/')?;
        let mass = parse(m)?;
        if mass.dimension != Dimension::Mass {
            return None;
        }
        Some(FactorUnit {
            mass,
            per: parse(p)?,
        })
    }

    /// Tonnes of pollutant per base unit of activity (kg of activity, m³, km, …).
    #[must_use]
    pub fn tonnes_per_base(self) -> Decimal {
        self.mass.to_base / Decimal::ONE_THOUSAND / self.per.to_base
    }
}

impl fmt::Display for FactorUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.mass.symbol, self.per.symbol)
    }
}

/// An activity and a factor whose units do not meet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unit mismatch: activity in {activity} ({activity_dim}) against a factor per {per} ({per_dim})"
)]
pub struct Mismatch {
    /// The activity's unit.
    pub activity: &'static str,
    /// Its dimension.
    pub activity_dim: &'static str,
    /// The factor's denominator.
    pub per: &'static str,
    /// Its dimension.
    pub per_dim: &'static str,
}

/// Tonnes emitted by `activity` (in `a`) at `factor` (in `f`) with removal efficiency
/// `efficiency_pct` (0–100): E = A × EF × (1 − η).
pub fn tonnes(
    activity: Decimal,
    a: Unit,
    factor: Decimal,
    f: FactorUnit,
    efficiency_pct: Decimal,
) -> Result<Decimal, Mismatch> {
    if a.dimension != f.per.dimension {
        return Err(Mismatch {
            activity: a.symbol,
            activity_dim: a.dimension.zh(),
            per: f.per.symbol,
            per_dim: f.per.dimension.zh(),
        });
    }
    let kept = Decimal::ONE - efficiency_pct / Decimal::ONE_HUNDRED;
    Ok(activity * a.to_base * factor * f.tonnes_per_base() * kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn units_and_their_spellings() {
        assert_eq!(parse("万吨").unwrap().to_base, d("10000000"));
        assert_eq!(parse("g").unwrap().to_base, d("0.001"));
        assert_eq!(parse("m³"), parse("立方米"));
        assert_eq!(parse("MWh").unwrap().to_base, d("3.6"));
        assert!(parse("furlong").is_none());
        let f = FactorUnit::parse("g/kg").unwrap();
        assert_eq!(f.to_string(), "g/kg");
        // g/kg is kg/t: 1 g per kg = 1 kg per tonne = 0.001 t per tonne.
        assert_eq!(f.tonnes_per_base(), d("0.000001"));
        assert_eq!(
            FactorUnit::parse("kg/t").unwrap().tonnes_per_base() * d("1000"),
            d("0.001")
        );
        assert!(
            FactorUnit::parse("m3/t").is_none(),
            "the numerator is a mass"
        );
        assert!(FactorUnit::parse("g").is_none());
    }

    #[test]
    fn emission_is_activity_times_factor_times_what_is_not_removed() {
        // T/CSES 144-2024 D.1: a ≤100 MW coal unit, NOx 8.96 g/kg coal; 10 万吨 of coal with
        // low-NOx burners removing 30 %: 100,000 t × 8.96 kg/t × 0.7 = 627.2 t.
        let e = tonnes(
            d("10"),
            parse("万吨").unwrap(),
            d("8.96"),
            FactorUnit::parse("g/kg").unwrap(),
            d("30"),
        )
        .unwrap();
        assert_eq!(e, d("627.2"));
        // The VOC guide: open burning of maize straw, 10.4 g/kg; 2,000 t burnt: 20.8 t.
        let e = tonnes(
            d("2000"),
            parse("t").unwrap(),
            d("10.4"),
            FactorUnit::parse("g/kg").unwrap(),
            Decimal::ZERO,
        )
        .unwrap();
        assert_eq!(e.normalize(), d("20.8"));
        // Biogas 0.18 g/m³: 50 万m³ → 0.09 t.
        let e = tonnes(
            d("50"),
            parse("万m3").unwrap(),
            d("0.18"),
            FactorUnit::parse("g/m3").unwrap(),
            Decimal::ZERO,
        )
        .unwrap();
        assert_eq!(e.normalize(), d("0.09"));
        let m = tonnes(
            d("50"),
            parse("万m3").unwrap(),
            d("8.96"),
            FactorUnit::parse("g/kg").unwrap(),
            Decimal::ZERO,
        )
        .unwrap_err();
        assert_eq!(
            m.to_string(),
            "unit mismatch: activity in 万m3 (体积) against a factor per kg (质量)"
        );
    }
}
