//! Checks of a boundary layer before it is stored: a layer that is stored is read by every fire
//! import ([`crate::regions_from_geojson`]) and drawn on every map, so a broken one must be
//! refused at the door, naming the feature and what is wrong with it. Pure: JSON in.

use serde_json::Value;

/// Limits of a boundary layer (a hostile or mistaken file must not fill the store or the
/// maps). The defaults fit a province's towns with room to spare: Jiangsu's 13 cities are
/// 97 KB and about 6,000 positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundaryLimits {
    /// Largest file, in bytes. Default 32 MiB.
    pub max_bytes: u64,
    /// Most features in a layer. Default 5,000.
    pub max_features: usize,
    /// Most positions (vertices) in a layer, all features together. Default 2,000,000.
    pub max_positions: usize,
    /// Longest `name` property, in characters. Default 100.
    pub max_name_chars: usize,
}

impl Default for BoundaryLimits {
    fn default() -> Self {
        BoundaryLimits {
            max_bytes: 32 << 20,
            max_features: 5_000,
            max_positions: 2_000_000,
            max_name_chars: 100,
        }
    }
}

/// What is wrong with a boundary layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundaryError {
    /// One feature is not a usable boundary.
    #[error("feature {index}: {what}")]
    Feature {
        /// Its index in the file (from 0).
        index: usize,
        /// What is wrong.
        what: String,
    },
    /// The layer as a whole is over a limit.
    #[error("{0}")]
    Layer(String),
}

/// Checks one feature: a `Polygon` or `MultiPolygon` geometry whose every ring is an array of
/// at least four positions, closed (the last equals the first), each `[lon, lat]` (an optional
/// third number is allowed) with finite numbers within −180…180 and −90…90; a non-empty `name`
/// property of at most `limits.max_name_chars` characters. Returns how many positions it has.
pub fn check_feature(
    index: usize,
    feature: &Value,
    limits: &BoundaryLimits,
) -> Result<usize, BoundaryError> {
    let fail = |what: String| BoundaryError::Feature { index, what };
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(fail("not a Feature (\"type\": \"Feature\")".to_owned()));
    }
    let geometry = &feature["geometry"];
    let coords = &geometry["coordinates"];
    let polygons: Vec<&Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![coords],
        Some("MultiPolygon") => coords
            .as_array()
            .ok_or_else(|| fail("MultiPolygon coordinates are not an array".to_owned()))?
            .iter()
            .collect(),
        t => {
            return Err(fail(format!(
                "geometry {:?}; a boundary is a Polygon or MultiPolygon",
                t.unwrap_or_default()
            )));
        }
    };
    match feature.pointer("/properties/name").and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() => {
            if n.chars().count() > limits.max_name_chars {
                return Err(fail(format!(
                    "properties.name is longer than {} characters",
                    limits.max_name_chars
                )));
            }
        }
        _ => {
            return Err(fail(
                "no properties.name: every area of a boundary layer is named".to_owned(),
            ));
        }
    }
    if polygons.is_empty() {
        return Err(fail("a MultiPolygon without polygons".to_owned()));
    }
    let mut positions = 0;
    for (p, polygon) in polygons.iter().enumerate() {
        let rings = polygon
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| fail(format!("polygon {p} is not an array of rings")))?;
        for (r, ring) in rings.iter().enumerate() {
            let at = format!("polygon {p}, ring {r}");
            let points = ring
                .as_array()
                .ok_or_else(|| fail(format!("{at} is not an array of positions")))?;
            if points.len() < 4 {
                return Err(fail(format!(
                    "{at} has {} positions; a ring has at least 4",
                    points.len()
                )));
            }
            let mut first = None;
            let mut last = None;
            for (k, point) in points.iter().enumerate() {
                let xy = position(point).map_err(|e| fail(format!("{at}, position {k}: {e}")))?;
                first.get_or_insert(xy);
                last = Some(xy);
            }
            if first != last {
                return Err(fail(format!(
                    "{at} is not closed: the last position differs from the first"
                )));
            }
            positions += points.len();
        }
    }
    Ok(positions)
}

/// One `[lon, lat]` (or `[lon, lat, z]`) position, checked.
fn position(point: &Value) -> Result<(f64, f64), String> {
    let items = point
        .as_array()
        .filter(|a| (2..=3).contains(&a.len()))
        .ok_or_else(|| format!("{point} is not [lon, lat]"))?;
    let num = |i: usize| items[i].as_f64().filter(|v| v.is_finite());
    let (Some(lon), Some(lat)) = (num(0), num(1)) else {
        return Err(format!("{point} is not [lon, lat] in finite numbers"));
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "{point} is out of range (longitude −180…180, latitude −90…90)"
        ));
    }
    Ok((lon, lat))
}

/// Checks a layer's features ([`check_feature`] on each) against the layer's limits; returns
/// the number of positions.
pub fn check_layer(features: &[Value], limits: &BoundaryLimits) -> Result<usize, BoundaryError> {
    if features.len() > limits.max_features {
        return Err(BoundaryError::Layer(format!(
            "{} features; at most {} are allowed",
            features.len(),
            limits.max_features
        )));
    }
    let mut positions = 0usize;
    for (i, f) in features.iter().enumerate() {
        positions = positions.saturating_add(check_feature(i, f, limits)?);
        if positions > limits.max_positions {
            return Err(BoundaryError::Layer(format!(
                "more than {} positions (at feature {i}); simplify the boundary first",
                limits.max_positions
            )));
        }
    }
    Ok(positions)
}

/// A stored layer (a FeatureCollection in WGS-84) simplified for display: every polygon's rings
/// by Ramer–Douglas–Peucker (`geo`'s `Simplify`), dropping vertices closer than
/// `tolerance_deg` degrees to the simplified outline; a polygon whose simplified form is not
/// valid (`geo`'s `Validation`: a ring crossing itself or another) is kept as it was. Properties are kept
/// (the map labels towns by `name`); coordinates are rounded to 6 decimals (0.1 m), which is
/// finer than any screen. Returns the GeoJSON text.
pub fn simplify_layer(text: &str, tolerance_deg: f64) -> Result<String, String> {
    use geo::{MultiPolygon, Simplify, Validation};
    let mut doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let features = doc
        .get_mut("features")
        .and_then(Value::as_array_mut)
        .ok_or("not a FeatureCollection")?;
    for (i, f) in features.iter_mut().enumerate() {
        let geometry = &mut f["geometry"];
        let area: MultiPolygon<f64> = match geometry["type"].as_str() {
            Some("Polygon") => MultiPolygon(vec![polygon_of(&geometry["coordinates"])]),
            Some("MultiPolygon") => MultiPolygon(
                geometry["coordinates"]
                    .as_array()
                    .map(|ps| ps.iter().map(polygon_of).collect())
                    .unwrap_or_default(),
            ),
            _ => continue,
        };
        let polygons: Vec<Value> = area
            .0
            .iter()
            .map(|p| {
                let s = p.simplify(tolerance_deg);
                polygon_json(if s.is_valid() && s.exterior().0.len() >= 4 {
                    &s
                } else {
                    p
                })
            })
            .collect();
        if polygons.is_empty() {
            return Err(format!("feature {i}: no polygons"));
        }
        geometry["type"] = Value::from("MultiPolygon");
        geometry["coordinates"] = Value::Array(polygons);
    }
    Ok(doc.to_string())
}

fn polygon_of(v: &Value) -> geo::Polygon<f64> {
    let ring = |r: &Value| -> geo::LineString<f64> {
        let pts = r.as_array().map(Vec::as_slice).unwrap_or_default();
        pts.iter()
            .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect::<Vec<_>>()
            .into()
    };
    let rings = v.as_array().map(Vec::as_slice).unwrap_or_default();
    match rings.split_first() {
        Some((outer, inner)) => geo::Polygon::new(ring(outer), inner.iter().map(ring).collect()),
        None => geo::Polygon::new(geo::LineString::new(Vec::new()), Vec::new()),
    }
}

fn polygon_json(p: &geo::Polygon<f64>) -> Value {
    let round = |f: f64| (f * 1e6).round() / 1e6;
    let ring = |r: &geo::LineString<f64>| -> Value {
        Value::Array(
            r.0.iter()
                .map(|c| serde_json::json!([round(c.x), round(c.y)]))
                .collect(),
        )
    };
    Value::Array(
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(ring)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(ring: Value) -> Value {
        json!({"type": "Feature", "properties": {"name": "海门街道"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}})
    }

    #[test]
    fn a_simplified_layer_keeps_its_names_and_valid_polygons() {
        // A square with a 1 m wiggle on each edge: the wiggles go, the corners stay.
        let mut ring = Vec::new();
        for k in 0..=100 {
            let t = f64::from(k) / 100.0;
            ring.push(json!([
                121.0 + 0.1 * t,
                31.8 + if k % 2 == 1 { 0.00001 } else { 0.0 }
            ]));
        }
        ring.extend([
            json!([121.1, 31.9]),
            json!([121.0, 31.9]),
            json!([121.0, 31.8]),
        ]);
        let layer = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "海门街道", "code": "T01"},
             "geometry": {"type": "Polygon", "coordinates": [ring]}}]});
        let out: Value =
            serde_json::from_str(&simplify_layer(&layer.to_string(), 0.0002).unwrap()).unwrap();
        let f = &out["features"][0];
        assert_eq!(f["properties"]["name"], "海门街道");
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        let kept = f["geometry"]["coordinates"][0][0].as_array().unwrap();
        assert_eq!(kept.len(), 5, "{kept:?}");
        assert_eq!(check_feature(0, f, &BoundaryLimits::default()), Ok(5));
    }

    #[test]
    fn each_fault_is_named_with_its_feature() {
        let l = BoundaryLimits::default();
        let ok = json!([[121.1, 31.8], [121.5, 31.8], [121.5, 32.1], [121.1, 31.8]]);
        assert_eq!(check_feature(0, &square(ok), &l), Ok(4));
        for (ring, what) in [
            (
                json!([[121.1, 31.8], [121.5, 31.8], [121.5, 32.1], [121.2, 31.8]]),
                "polygon 0, ring 0 is not closed",
            ),
            (
                json!([[121.1, 31.8], [121.5, 31.8], [121.1, 31.8]]),
                "has 3 positions",
            ),
            (
                json!([[121.1, 31.8], [221.5, 31.8], [121.5, 32.1], [121.1, 31.8]]),
                "position 1: [221.5,31.8] is out of range",
            ),
            (
                json!([[121.1, 31.8], ["x", 31.8], [121.5, 32.1], [121.1, 31.8]]),
                "position 1: [\"x\",31.8] is not [lon, lat] in finite numbers",
            ),
            (json!("ring"), "polygon 0, ring 0 is not an array"),
        ] {
            let e = check_feature(7, &square(ring), &l).unwrap_err().to_string();
            assert!(e.starts_with("feature 7: ") && e.contains(what), "{e}");
        }
        let unnamed = json!({"type": "Feature", "properties": {"name": " "},
            "geometry": {"type": "Polygon", "coordinates": []}});
        assert!(
            check_feature(2, &unnamed, &l)
                .unwrap_err()
                .to_string()
                .contains("feature 2: no properties.name")
        );
        let two = vec![
            square(json!([[0, 0], [1, 0], [1, 1], [0, 0]])),
            square(json!([[0, 0], [1, 0], [1, 1], [0, 0]])),
        ];
        let tight = BoundaryLimits {
            max_positions: 7,
            ..l
        };
        assert!(check_layer(&two, &l).is_ok());
        assert!(matches!(
            check_layer(&two, &tight),
            Err(BoundaryError::Layer(_))
        ));
    }
}
