//! `lantian import boundary`: a GeoJSON boundary the bureau supplies (district or towns) into
//! the store as a map layer, normalised to a FeatureCollection in WGS-84.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, ValueEnum};
use lantian_core::geo::gcj02_to_wgs84;
use lantian_fire::{BoundaryLimits, boundary};
use lantian_store::{AuditEntry, MapLayer, Store};
use serde_json::{Value, json};

use crate::out;

/// Coordinate system of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Crs {
    /// WGS-84 / CGCS2000 (official boundaries, GPS).
    Wgs84,
    /// GCJ-02 (AMap/DataV, Tencent): converted to WGS-84.
    Gcj02,
}

/// Arguments of `lantian import boundary`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// A GeoJSON file: a FeatureCollection, a Feature, or a JSON array of Features.
    file: PathBuf,
    /// The layer's name (the console's map uses `district`).
    #[arg(long, default_value = "district")]
    name: String,
    /// The file's coordinate system.
    #[arg(long, value_enum, default_value_t = Crs::Wgs84)]
    crs: Crs,
    /// Keep only the features whose `name` or `adcode` property is this (e.g. 海门区).
    #[arg(long)]
    feature: Option<String>,
}

pub(crate) fn run(store: &Store, a: &Args) -> Result<ExitCode> {
    import(store, &a.file, &a.name, a.crs, a.feature.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// Imports `file` as the map layer `name`.
pub(crate) fn import(
    store: &Store,
    file: &std::path::Path,
    name: &str,
    crs: Crs,
    feature: Option<&str>,
) -> Result<()> {
    let limits = BoundaryLimits::default();
    // The size is checked before the file is read: a huge file is refused without loading it.
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if bytes > limits.max_bytes {
        bail!(
            "{}: {bytes} bytes; a boundary file is at most {} bytes (simplify it first)",
            file.display(),
            limits.max_bytes
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", file.display()))?;
    let features = features(doc).with_context(|| format!("{}", file.display()))?;
    let mut kept = Vec::new();
    for (i, mut f) in features.into_iter().enumerate() {
        if let Some(want) = feature {
            let props = &f["properties"];
            let name = props["name"].as_str().unwrap_or_default();
            let code = props["adcode"].to_string();
            if name != want && code.trim_matches('"') != want {
                continue;
            }
        }
        // Every feature stored is read by every fire import and drawn on every map: refuse
        // the whole file, naming the feature, rather than store a layer that breaks them.
        boundary::check_feature(i, &f, &limits).with_context(|| file.display().to_string())?;
        if crs == Crs::Gcj02 {
            convert(&mut f["geometry"]["coordinates"]);
        }
        kept.push(f);
    }
    if kept.is_empty() {
        bail!(
            "{}: no feature{}",
            file.display(),
            feature.map(|f| format!(" named {f:?}")).unwrap_or_default()
        );
    }
    boundary::check_layer(&kept, &limits).with_context(|| file.display().to_string())?;
    let n = kept.len();
    let geojson = json!({"type": "FeatureCollection", "features": kept}).to_string();
    // The fire imports read the layer this way: it must read.
    lantian_fire::regions_from_geojson(&geojson, name, |x, y| (x, y))
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let layer = MapLayer {
        name: name.to_owned(),
        geojson,
        source_crs: match crs {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
        }
        .to_owned(),
        source: file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    store.put_map_layer(
        &layer,
        &AuditEntry {
            at_ms: jiff::Timestamp::now().as_millisecond(),
            actor: format!("cli:{}", std::env::var("USER").unwrap_or_default()),
            action: "map.import".to_owned(),
            target: format!("map:{name}"),
            detail: json!({"source": layer.source, "crs": layer.source_crs, "features": n})
                .to_string(),
        },
    )?;
    out::line(&format!(
        "map layer {name}: {n} feature(s) from {} ({}, stored as WGS-84)",
        layer.source, layer.source_crs
    ))?;
    Ok(())
}

/// The features of a FeatureCollection, a Feature or an array of Features.
fn features(doc: Value) -> Result<Vec<Value>> {
    match doc {
        Value::Array(items) => Ok(items),
        Value::Object(ref o) => match o.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => match doc.get("features") {
                Some(Value::Array(items)) => Ok(items.clone()),
                _ => bail!("FeatureCollection without a features array"),
            },
            Some("Feature") => Ok(vec![doc]),
            t => bail!("type {t:?}: expected a FeatureCollection or a Feature"),
        },
        _ => bail!("expected a GeoJSON object or an array of Features"),
    }
}

/// GCJ-02 → WGS-84 on every position of a coordinates tree.
fn convert(v: &mut Value) {
    if let Value::Array(items) = v {
        if let (Some(lon), Some(lat)) = (
            items.first().and_then(Value::as_f64),
            items.get(1).and_then(Value::as_f64),
        ) {
            let (x, y) = gcj02_to_wgs84(lon, lat);
            let round = |f: f64| (f * 1e7).round() / 1e7;
            items[0] = json!(round(x));
            items[1] = json!(round(y));
        } else {
            items.iter_mut().for_each(convert);
        }
    }
}
