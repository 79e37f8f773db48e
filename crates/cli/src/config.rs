//! The project's configuration as data: areas, their stations, and station metadata
//! (`config/areas.toml`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use lantian_store::{Area as StoredArea, AreaMember, Station, StationLevel};
use serde::Deserialize;

/// An area and the stations whose mean makes its value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Area {
    /// A stable code.
    pub(crate) code: String,
    /// Display name (Chinese).
    pub(crate) name: String,
    /// Short ASCII name for the command line.
    #[serde(default)]
    pub(crate) alias: Option<String>,
    /// `district`, `town`, `city`, …
    #[serde(default = "default_kind")]
    pub(crate) kind: String,
    /// Stations that count in the area's assessment.
    pub(crate) stations: Vec<String>,
    /// Stations of the area that do not count in its assessment.
    #[serde(default)]
    pub(crate) other_stations: Vec<String>,
}

fn default_kind() -> String {
    "district".to_owned()
}

impl Area {
    /// The area as the store keeps it.
    pub(crate) fn to_stored(&self) -> StoredArea {
        let member = |counts: bool| {
            move |s: &String| AreaMember {
                station: s.clone(),
                counts,
            }
        };
        StoredArea {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            alias: self.alias.clone(),
            members: self
                .stations
                .iter()
                .map(member(true))
                .chain(self.other_stations.iter().map(member(false)))
                .collect(),
        }
    }
}

/// Project metadata of a station.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StationEntry {
    code: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    province: Option<String>,
    level: String,
    #[serde(default)]
    lon: Option<f64>,
    #[serde(default)]
    lat: Option<f64>,
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectConfig {
    #[serde(default)]
    pub(crate) area: Vec<Area>,
    #[serde(default)]
    pub(crate) station: Vec<StationEntry>,
}

impl ProjectConfig {
    /// The stations section as store records.
    pub(crate) fn stations(&self, source: &str) -> Result<Vec<Station>> {
        self.station
            .iter()
            .map(|s| {
                Ok(Station {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    city: s.city.clone(),
                    province: s.province.clone(),
                    lon: s.lon,
                    lat: s.lat,
                    level: s
                        .level
                        .parse::<StationLevel>()
                        .map_err(anyhow::Error::msg)
                        .with_context(|| format!("station {}", s.code))?,
                    source: source.to_owned(),
                })
            })
            .collect()
    }
}

/// The configuration shipped with lantian (`config/areas.toml`), used when no file is given.
const DEFAULT_CONFIG: &str = include_str!("../../../config/areas.toml");

/// Reads and checks a configuration file, or the built-in one.
pub(crate) fn load_or_default(path: Option<&Path>) -> Result<ProjectConfig> {
    match path {
        Some(p) => load(p),
        None => parse(DEFAULT_CONFIG).context("in the built-in config/areas.toml"),
    }
}

/// Reads and checks a configuration file.
pub(crate) fn load(path: &Path) -> Result<ProjectConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration {}", path.display()))?;
    parse(&text).with_context(|| format!("in configuration {}", path.display()))
}

fn parse(text: &str) -> Result<ProjectConfig> {
    let file: ProjectConfig = toml::from_str(text)?;
    for (i, a) in file.area.iter().enumerate() {
        if a.stations.is_empty() {
            bail!("area {} ({}) has no stations", i + 1, a.code);
        }
        if file.area[..i].iter().any(|b| b.code == a.code) {
            bail!("area code {} appears twice", a.code);
        }
    }
    for (i, s) in file.station.iter().enumerate() {
        if file.station[..i].iter().any(|t| t.code == s.code) {
            bail!("station {} appears twice", s.code);
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/areas.toml");
        let cfg = load(&path).unwrap();
        assert_eq!(cfg.area[0].name, "海门区");
        assert_eq!(cfg.area[0].stations, ["2008A", "2009A"]);
        assert_eq!(cfg.area[0].alias.as_deref(), Some("haimen"));
        let stations = cfg.stations("config").unwrap();
        assert_eq!(stations.len(), 7);
        assert!(stations.iter().all(|s| s.level == StationLevel::National));
        let stored = cfg.area[0].to_stored();
        assert_eq!(stored.assessed_stations(), ["2008A", "2009A"]);
    }

    #[test]
    fn the_default_is_the_repository_file() {
        let cfg = load_or_default(None).unwrap();
        assert_eq!(cfg.area.len(), 2);
    }

    #[test]
    fn errors_name_the_problem() {
        let err = parse("[[area]]\ncode='a'\nname='x'\nstations=[]\n").unwrap_err();
        assert!(err.to_string().contains("no stations"), "{err}");
        let err = parse("[[area]]\ncode='a'\nname='x'\nstations=['1']\ncolour=1\n").unwrap_err();
        assert!(format!("{err:#}").contains("colour"), "{err:#}");
        let cfg = parse("[[station]]\ncode='a'\nlevel='regional'\n").unwrap();
        let err = cfg.stations("t").unwrap_err();
        assert!(
            format!("{err:#}").contains("station a: unknown station level"),
            "{err:#}"
        );
    }
}
