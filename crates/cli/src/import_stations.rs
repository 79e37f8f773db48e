//! `lantian import stations FILE…`: the CNEMC station list into the registry, and
//! `lantian import areas [FILE]`: the project's station metadata and areas.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use lantian_store::{Station, StationLevel, Store};

use crate::{config, out};

/// Arguments of `lantian import stations`.
#[derive(Debug, ClapArgs)]
pub(crate) struct StationsArgs {
    /// Station list CSV files: CNEMC's `监测点编码,监测点名称,城市,经度,纬度,对照点`, the
    /// `id,cityid,provinceid,lon,lat` list (codes prefixed `X`), or
    /// `code,name,city,province,lon,lat[,level]`. UTF-8 or GBK.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Network level of the listed stations when the file has no level column.
    #[arg(long, default_value = "national")]
    level: String,
}

/// Arguments of `lantian import areas`.
#[derive(Debug, ClapArgs)]
pub(crate) struct AreasArgs {
    /// The configuration (default: the built-in config/areas.toml).
    file: Option<PathBuf>,
}

/// Which columns a station list has.
struct Layout {
    code: usize,
    name: Option<usize>,
    city: Option<usize>,
    province: Option<usize>,
    lon: Option<usize>,
    lat: Option<usize>,
    level: Option<usize>,
    strip_x: bool,
}

fn layout(header: &csv::StringRecord) -> Option<Layout> {
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let code = find(&["监测点编码", "code", "id", "站点编码"])?;
    Some(Layout {
        code,
        name: find(&["监测点名称", "name", "站点名称"]),
        city: find(&["城市", "city", "cityid"]),
        province: find(&["省份", "province", "provinceid"]),
        lon: find(&["经度", "lon", "longitude"]),
        lat: find(&["纬度", "lat", "latitude"]),
        level: find(&["level", "级别"]),
        strip_x: header.get(code).is_some_and(|h| h.trim() == "id"),
    })
}

/// Parses a station list; bad rows are returned as messages with their line.
fn parse_list(
    path: &Path,
    bytes: &[u8],
    default_level: StationLevel,
) -> Result<(Vec<Station>, Vec<String>)> {
    let (text, _) = lantian_report::table::decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .with_context(|| format!("{}: no header", path.display()))?
        .clone();
    let layout = layout(&header).with_context(|| {
        format!(
            "{}: line 1: no station code column (监测点编码, code or id)",
            path.display()
        )
    })?;
    let source = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("stations")
        .to_owned();
    let mut stations = Vec::new();
    let mut bad = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                bad.push(format!("{}: line {line}: {e}", path.display()));
                continue;
            }
        };
        let field = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "-")
                .map(str::to_owned)
        };
        let Some(mut code) = field(Some(layout.code)) else {
            bad.push(format!(
                "{}: line {line}: empty station code",
                path.display()
            ));
            continue;
        };
        if layout.strip_x {
            code = code.strip_prefix('X').map(str::to_owned).unwrap_or(code);
        }
        let coord = |c: Option<usize>,
                     what: &str,
                     range: std::ops::RangeInclusive<f64>|
         -> Result<Option<f64>, String> {
            match field(c) {
                None => Ok(None),
                Some(v) => match v.parse::<f64>() {
                    Ok(x) if range.contains(&x) => Ok(Some(x)),
                    _ => Err(format!(
                        "{}: line {line}: {what} {v:?} is not a coordinate",
                        path.display()
                    )),
                },
            }
        };
        let (lon, lat) = match (
            coord(layout.lon, "longitude", -180.0..=180.0),
            coord(layout.lat, "latitude", -90.0..=90.0),
        ) {
            (Ok(lon), Ok(lat)) => (lon, lat),
            (Err(e), _) | (_, Err(e)) => {
                bad.push(e);
                continue;
            }
        };
        let level = match field(layout.level) {
            None => default_level,
            Some(l) => match l.parse() {
                Ok(l) => l,
                Err(e) => {
                    bad.push(format!("{}: line {line}: {e}", path.display()));
                    continue;
                }
            },
        };
        stations.push(Station {
            code,
            name: field(layout.name),
            city: field(layout.city),
            province: field(layout.province),
            lon,
            lat,
            level,
            source: source.clone(),
        });
    }
    Ok((stations, bad))
}

pub(crate) fn run_stations(store: &Store, args: &StationsArgs) -> Result<ExitCode> {
    let level: StationLevel = args.level.parse().map_err(anyhow::Error::msg)?;
    let mut all_bad = Vec::new();
    let mut read = 0;
    let mut changed = 0;
    for path in &args.files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let (stations, bad) = parse_list(path, &bytes, level)?;
        read += stations.len();
        changed += store.upsert_stations(&stations)?;
        all_bad.extend(bad);
    }
    for b in &all_bad {
        out::warn(b);
    }
    out::line(&format!(
        "stations read: {read}; changed in the registry: {changed}; rejected rows: {}; registered now: {}",
        all_bad.len(),
        store.stations()?.len()
    ))?;
    Ok(if all_bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(crate) fn run_areas(store: &Store, args: &AreasArgs) -> Result<ExitCode> {
    let cfg = config::load_or_default(args.file.as_deref())?;
    let source = args
        .file
        .as_deref()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("config/areas.toml");
    let changed = store.upsert_stations(&cfg.stations(source)?)?;
    for area in &cfg.area {
        store
            .put_area(&area.to_stored())
            .with_context(|| format!("area {} ({})", area.code, area.name))?;
    }
    out::line(&format!(
        "stations in the configuration: {} ({changed} changed); areas: {}",
        cfg.station.len(),
        cfg.area
            .iter()
            .map(|a| format!("{} {}", a.code, a.name))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_layouts() {
        let p = Path::new("t.csv");
        let (s, bad) = parse_list(
            p,
            "监测点编码,监测点名称,城市,经度,纬度,对照点\n2008A,海门市监测站,海门,121.173,31.896,N\n3291A,通州,南通,-,,N\n".as_bytes(),
            StationLevel::National,
        )
        .unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(s[0].name.as_deref(), Some("海门市监测站"));
        assert_eq!(s[1].lon, None);
        let (s, _) = parse_list(
            p,
            b"id,cityid,provinceid,lon,lat\nX1001A,Beijing,Beijing,116.366,39.8673\n",
            StationLevel::National,
        )
        .unwrap();
        assert_eq!(s[0].code, "1001A");
        assert_eq!(s[0].province.as_deref(), Some("Beijing"));
        let (gbk, _, _) = encoding_rs::GBK.encode("code,name,level\nT01,常乐镇,town\n");
        let (s, _) = parse_list(p, &gbk, StationLevel::National).unwrap();
        assert_eq!(
            (s[0].name.as_deref(), s[0].level),
            (Some("常乐镇"), StationLevel::Town)
        );
    }

    #[test]
    fn bad_rows_name_their_line() {
        let (s, bad) = parse_list(
            Path::new("t.csv"),
            b"code,lon,lat,level\nA,500,1,national\n,1,1,national\nB,1,1,regional\nC,1,1,micro\n",
            StationLevel::National,
        )
        .unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(bad.len(), 3);
        assert!(
            bad[0].starts_with("t.csv: line 2: longitude \"500\""),
            "{}",
            bad[0]
        );
        assert!(bad[1].contains("line 3: empty station code"));
        assert!(bad[2].contains("line 4: unknown station level"));
        assert!(
            parse_list(
                Path::new("t.csv"),
                b"foo,bar\n1,2\n",
                StationLevel::National
            )
            .is_err()
        );
    }
}
