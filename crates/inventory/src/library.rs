//! The factor library (排放因子库) as data, every entry with its source: emission factors by
//! category, fuel or product and condition, and control technologies with their removal
//! efficiency per pollutant (去除效率). The shipped file is `config/inventory/factors.toml`;
//! the guide tables whose values were not retrieved are left out rather than guessed, and the
//! example entries are marked `example = true`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::category::Categories;
use crate::pollutant::Pollutant;
use crate::unit::FactorUnit;

/// An emission factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// Stable id, referred to by inventory rows.
    pub id: String,
    /// The category it applies to.
    pub category: String,
    /// Fuel or product (燃煤, 玉米秸秆, 化学原料药 …).
    #[serde(default)]
    pub fuel: String,
    /// Condition (机组容量 ≤ 100 MW …).
    #[serde(default)]
    pub condition: String,
    /// The pollutant.
    pub pollutant: Pollutant,
    /// The value.
    pub value: Decimal,
    /// Its unit (`g/kg`, `kg/t`, `g/m3` …).
    pub unit: String,
    /// `generation` (产生系数, before control: E = A × EF × (1 − η)) or `emission` (排放系数,
    /// after control: η is not applied again).
    #[serde(default = "generation")]
    pub basis: String,
    /// Where the value comes from.
    pub source: String,
    /// An example value, not from a guide.
    #[serde(default)]
    pub example: bool,
}

fn generation() -> String {
    "generation".to_owned()
}

impl Factor {
    /// Whether control efficiency applies (a generation factor).
    #[must_use]
    pub fn before_control(&self) -> bool {
        self.basis == "generation"
    }
}

/// A control technology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Code (LNB, SCR, …).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Removal efficiency per pollutant, percent.
    pub efficiency: BTreeMap<Pollutant, Decimal>,
    /// A collection efficiency (收集效率), not a removal efficiency.
    #[serde(default)]
    pub collection: bool,
    /// Where the values come from.
    pub source: String,
    /// Example values, not from a guide.
    #[serde(default)]
    pub example: bool,
}

/// Factors and controls, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Library {
    /// Factors by id.
    pub factors: BTreeMap<String, Factor>,
    /// Controls by code.
    pub controls: BTreeMap<String, Control>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    factor: Vec<Factor>,
    #[serde(default)]
    control: Vec<Control>,
}

/// The library shipped with lantian.
pub const BUILTIN: &str = include_str!("../../../config/inventory/factors.toml");

impl Library {
    /// From the TOML text, every entry checked against the categories: unknown category, unit
    /// not a mass per activity, negative value, efficiency outside 0–100 %, ids given twice.
    pub fn from_toml(text: &str, categories: &Categories) -> Result<Library, Vec<String>> {
        let file: File = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut errors = Vec::new();
        let mut lib = Library::default();
        for f in file.factor {
            let at = format!("factor {}", f.id);
            if categories.get(&f.category).is_none() {
                errors.push(format!("{at}: unknown category {}", f.category));
            }
            if FactorUnit::parse(&f.unit).is_none() {
                errors.push(format!(
                    "{at}: unit {:?} is not a mass per unit of activity (g/kg, kg/t, g/m3, …)",
                    f.unit
                ));
            }
            if f.value.is_sign_negative() {
                errors.push(format!("{at}: negative value"));
            }
            if f.basis != "generation" && f.basis != "emission" {
                errors.push(format!("{at}: basis {:?}: generation or emission", f.basis));
            }
            if f.source.trim().is_empty() {
                errors.push(format!("{at}: no source"));
            }
            if let Some(old) = lib.factors.insert(f.id.clone(), f) {
                errors.push(format!("factor {}: given twice", old.id));
            }
        }
        for c in file.control {
            for (p, e) in &c.efficiency {
                if *e < Decimal::ZERO || *e > Decimal::ONE_HUNDRED {
                    errors.push(format!(
                        "control {}: {p} efficiency {e} % is outside 0–100",
                        c.code
                    ));
                }
            }
            if let Some(old) = lib.controls.insert(c.code.clone(), c) {
                errors.push(format!("control {}: given twice", old.code));
            }
        }
        if errors.is_empty() {
            Ok(lib)
        } else {
            Err(errors)
        }
    }

    /// The library shipped with lantian, against the shipped categories.
    ///
    /// # Panics
    /// Never: the shipped file is checked by a test.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn builtin() -> Library {
        Library::from_toml(BUILTIN, &Categories::builtin())
            .expect("config/inventory/factors.toml is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_library_is_valid_and_cited() {
        let lib = Library::builtin();
        let f = &lib.factors["nox-coal-power-le100mw"];
        assert_eq!(f.value, Decimal::new(896, 2));
        assert!(f.source.contains("T/CSES 144-2024"));
        assert!(lib.factors.values().all(|f| !f.source.is_empty()));
        assert!(
            lib.controls
                .values()
                .all(|c| c.example || !c.source.is_empty())
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let e = Library::from_toml(
            r#"
[[factor]]
id = "x"
category = "99"
pollutant = "NOx"
value = "-1"
unit = "m3/t"
source = ""
[[control]]
code = "SCR"
name = "选择性催化还原"
efficiency = { NOx = "120" }
source = "test"
"#,
            &Categories::builtin(),
        )
        .unwrap_err();
        for want in [
            "unknown category 99",
            "is not a mass per unit",
            "negative value",
            "no source",
            "outside 0–100",
        ] {
            assert!(e.iter().any(|m| m.contains(want)), "{want}: {e:?}");
        }
    }
}
