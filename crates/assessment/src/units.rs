//! What a province ranking ranks (排名单元): the province's prefecture-level cities, each on the
//! national stations the station list gives under its own name, and its county-level units in a
//! table of their own, with the date a county-level city became a district (海门市 → 南通市海门区
//! on 2020-07-03). Data (`config/ranking/units.toml`), not code: another province is another
//! `[[province]]`. Pure: text in, [`Units`] out.

use serde::Deserialize;

/// Every province's units.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Units {
    /// The provinces.
    #[serde(rename = "province")]
    pub provinces: Vec<Province>,
}

/// One province's units.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Province {
    /// Its name as the station list writes it (江苏).
    pub name: String,
    /// Where the list of cities comes from.
    pub source: String,
    /// The prefecture-level cities (设区市), as the station list names their urban stations.
    pub cities: Vec<String>,
    /// The county-level units with national stations of their own.
    #[serde(default, rename = "county")]
    pub counties: Vec<County>,
}

/// A county-level unit of the station list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct County {
    /// Its name in the station list (海门).
    pub name: String,
    /// The prefecture-level city it belongs to.
    pub city: String,
    /// What it is called (海门市).
    pub label: String,
    /// When it became a district, if it did.
    #[serde(default)]
    pub district: Option<District>,
}

/// A county-level city made a district (撤市设区).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// The first day (YYYY-MM-DD) it is a district.
    pub from: String,
    /// What it is called from then (海门区).
    pub label: String,
    /// The document.
    pub source: String,
}

/// Whose a station-list city name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit<'a> {
    /// A prefecture-level city's own stations.
    City(&'a str),
    /// A county-level unit's stations.
    County(&'a County),
}

impl County {
    /// Its name on `day` (YYYY-MM-DD), with the city it belongs to: 海门市（南通） before the
    /// change, 海门区（南通） from it.
    #[must_use]
    pub fn label_on(&self, day: &str) -> String {
        let label = match &self.district {
            Some(d) if day >= d.from.as_str() => &d.label,
            _ => &self.label,
        };
        format!("{label}（{}）", self.city)
    }
}

impl Province {
    /// Whose the station list's `name` is, if this province maps it.
    #[must_use]
    pub fn unit_of(&self, name: &str) -> Option<Unit<'_>> {
        if let Some(c) = self.cities.iter().find(|c| *c == name) {
            return Some(Unit::City(c));
        }
        self.counties
            .iter()
            .find(|c| c.name == name)
            .map(Unit::County)
    }
}

impl Units {
    /// The province named `name`.
    #[must_use]
    pub fn province(&self, name: &str) -> Option<&Province> {
        self.provinces.iter().find(|p| p.name == name)
    }
}

/// Reads units from TOML, checked: every county's city is one of its province's cities, no
/// name twice, dates as YYYY-MM-DD. The error names the province and the field.
///
/// # Errors
///
/// The TOML error, or what the check found.
pub fn parse(text: &str) -> Result<Units, String> {
    let u: Units = toml::from_str(text).map_err(|e| e.to_string())?;
    for p in &u.provinces {
        let mut seen = std::collections::BTreeSet::new();
        for name in p.cities.iter().chain(p.counties.iter().map(|c| &c.name)) {
            if !seen.insert(name.as_str()) {
                return Err(format!("province {}: {name:?} is given twice", p.name));
            }
        }
        for c in &p.counties {
            if !p.cities.contains(&c.city) {
                return Err(format!(
                    "province {}: county {}: city {:?} is not one of the province's cities",
                    p.name, c.name, c.city
                ));
            }
            if let Some(d) = &c.district
                && !crate::rules::is_iso_date(&d.from)
            {
                return Err(format!(
                    "province {}: county {}: district.from {:?}: a date YYYY-MM-DD",
                    p.name, c.name, d.from
                ));
            }
        }
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../config/ranking/units.toml");

    #[test]
    fn the_shipped_units_map_jiangsu() {
        let u = parse(SHIPPED).unwrap();
        let js = u.province("江苏").unwrap();
        assert_eq!(js.cities.len(), 13, "江苏's 13 prefecture-level cities");
        assert_eq!(js.counties.len(), 11);
        assert_eq!(js.unit_of("南通"), Some(Unit::City("南通")));
        let Some(Unit::County(haimen)) = js.unit_of("海门") else {
            panic!("海门 is mapped");
        };
        assert_eq!(haimen.label_on("2019-12-31"), "海门市（南通）");
        assert_eq!(haimen.label_on("2020-07-02"), "海门市（南通）");
        assert_eq!(haimen.label_on("2020-07-03"), "海门区（南通）");
        assert_eq!(js.unit_of("上海"), None);
    }

    #[test]
    fn faults_are_named() {
        let twice = "[[province]]\nname = \"x\"\nsource = \"s\"\ncities = [\"a\", \"a\"]\n";
        assert!(parse(twice).unwrap_err().contains("\"a\" is given twice"));
        let orphan = "[[province]]\nname = \"x\"\nsource = \"s\"\ncities = [\"a\"]\n[[province.county]]\nname = \"b\"\ncity = \"c\"\nlabel = \"b市\"\n";
        assert!(parse(orphan).unwrap_err().contains("city \"c\" is not one"));
        let date = "[[province]]\nname = \"x\"\nsource = \"s\"\ncities = [\"a\"]\n[[province.county]]\nname = \"b\"\ncity = \"a\"\nlabel = \"b市\"\ndistrict = { from = \"2020-7-3\", label = \"b区\", source = \"d\" }\n";
        assert!(parse(date).unwrap_err().contains("district.from"));
    }
}
