//! Areas and their stations, read from a TOML file (`config/areas.toml`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// An area and the stations whose mean makes its value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Area {
    /// A stable code.
    pub(crate) code: String,
    /// Display name (Chinese).
    pub(crate) name: String,
    /// CNEMC station codes.
    pub(crate) stations: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreasFile {
    area: Vec<Area>,
}

/// The areas shipped with lantian (`config/areas.toml`), used when no file is given.
const DEFAULT_AREAS: &str = include_str!("../../../config/areas.toml");

/// Reads and checks an areas file, or the default areas.
pub(crate) fn load_or_default(path: Option<&Path>) -> Result<Vec<Area>> {
    match path {
        Some(p) => load(p),
        None => parse(DEFAULT_AREAS).context("in the built-in config/areas.toml"),
    }
}

/// Reads and checks an areas file.
pub(crate) fn load(path: &Path) -> Result<Vec<Area>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read areas file {}", path.display()))?;
    parse(&text).with_context(|| format!("in areas file {}", path.display()))
}

fn parse(text: &str) -> Result<Vec<Area>> {
    let file: AreasFile = toml::from_str(text)?;
    for (i, a) in file.area.iter().enumerate() {
        if a.stations.is_empty() {
            bail!("area {} ({}) has no stations", i + 1, a.code);
        }
        if file.area[..i].iter().any(|b| b.code == a.code) {
            bail!("area code {} appears twice", a.code);
        }
    }
    Ok(file.area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/areas.toml");
        let areas = load(&path).unwrap();
        assert_eq!(areas[0].name, "海门区");
        assert_eq!(areas[0].stations, ["2008A", "2009A"]);
    }

    #[test]
    fn the_default_is_the_repository_file() {
        let areas = load_or_default(None).unwrap();
        assert_eq!(areas.len(), 2);
    }

    #[test]
    fn errors_name_the_problem() {
        let err = parse("[[area]]\ncode='a'\nname='x'\nstations=[]\n").unwrap_err();
        assert!(err.to_string().contains("no stations"), "{err}");
        let err = parse("[[area]]\ncode='a'\nname='x'\nstations=['1']\ncolour=1\n").unwrap_err();
        assert!(format!("{err:#}").contains("colour"), "{err:#}");
    }
}
