//! Which district or town a point lies in, and which it lies near: polygons (WGS-84; DataV
//! files are GCJ-02 and must be converted first, `lantian_core::geo`) indexed by their bounding
//! boxes in an R-tree, point-in-polygon by `geo`'s `Contains` (holes respected), and the
//! distance to a region's boundary on a local equirectangular plane (error well under 0.1 % at
//! district scale).

use geo::{BoundingRect, Contains, MultiPolygon, Point};
use rstar::{AABB, RTree, RTreeObject};
use serde::{Deserialize, Serialize};

/// A district, town or other area.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Code (adcode, or the town's code).
    pub code: String,
    /// Name.
    pub name: String,
    /// `district`, `town`, `city`, … (several levels may be indexed together).
    pub level: String,
    /// Its area, WGS-84 lon/lat.
    pub area: MultiPolygon<f64>,
}

struct Entry {
    index: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Regions with their R-tree (build once per boundary import).
pub struct Regions {
    regions: Vec<Region>,
    tree: RTree<Entry>,
}

impl std::fmt::Debug for Regions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Regions")
            .field("regions", &self.regions.len())
            .finish()
    }
}

/// Where a point is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// Codes of the regions containing it.
    pub inside: Vec<String>,
    /// Outside every region: the nearest region within the distance asked, and how far (km).
    pub near: Option<(String, f64)>,
}

pub(crate) const KM_PER_DEG_LAT: f64 = 110.574;
pub(crate) const KM_PER_DEG_LON_EQ: f64 = 111.320;

impl Regions {
    /// Indexes `regions` (those without any polygon are kept but never found).
    #[must_use]
    pub fn new(regions: Vec<Region>) -> Regions {
        let entries = regions
            .iter()
            .enumerate()
            .filter_map(|(index, r)| {
                let b = r.area.bounding_rect()?;
                Some(Entry {
                    index,
                    envelope: AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                })
            })
            .collect();
        Regions {
            regions,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The regions.
    #[must_use]
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The region with this code.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    /// The regions containing the point.
    pub fn containing(&self, lon: f64, lat: f64) -> impl Iterator<Item = &Region> {
        let p = Point::new(lon, lat);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
            .filter_map(move |e| self.regions.get(e.index))
            .filter(move |r| r.area.contains(&p))
    }

    /// Where the point is: the regions containing it; if none, the nearest region whose
    /// boundary is within `near_km`.
    #[must_use]
    pub fn attribute(&self, lon: f64, lat: f64, near_km: f64) -> Attribution {
        let mut inside: Vec<String> = self.containing(lon, lat).map(|r| r.code.clone()).collect();
        inside.sort();
        if !inside.is_empty() || near_km <= 0.0 {
            return Attribution { inside, near: None };
        }
        let dlat = near_km / KM_PER_DEG_LAT;
        let dlon = near_km / (KM_PER_DEG_LON_EQ * lat.to_radians().cos().max(0.01));
        let window = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        let near = self
            .tree
            .locate_in_envelope_intersecting(&window)
            .filter_map(|e| self.regions.get(e.index))
            .map(|r| (r, boundary_km(&r.area, lon, lat)))
            .filter(|(_, d)| *d <= near_km)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(r, d)| (r.code.clone(), d));
        Attribution { inside, near }
    }
}

/// Regions from a GeoJSON text (a FeatureCollection, a Feature, or a bare array of Features, as
/// DataV and the bureau's files come) of Polygon and MultiPolygon features, each coordinate
/// passed through `to_wgs84` (identity for WGS-84 files, GCJ-02 → WGS-84 for DataV). The code is
/// the feature's `adcode` (or `code`), the name its `name`; other geometries are skipped.
pub fn regions_from_geojson(
    text: &str,
    level: &str,
    to_wgs84: impl Fn(f64, f64) -> (f64, f64),
) -> Result<Vec<Region>, String> {
    use serde_json::Value;
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let features: Vec<&Value> = match (&v["type"], v.as_array()) {
        (Value::String(t), _) if t == "FeatureCollection" => v["features"]
            .as_array()
            .map(|a| a.iter().collect())
            .ok_or("a FeatureCollection without features")?,
        (Value::String(t), _) if t == "Feature" => vec![&v],
        (_, Some(a)) => a.iter().collect(),
        _ => {
            return Err(
                "neither a FeatureCollection, a Feature nor an array of Features".to_owned(),
            );
        }
    };
    let point = |p: &Value| -> Result<(f64, f64), String> {
        match (
            p.get(0).and_then(Value::as_f64),
            p.get(1).and_then(Value::as_f64),
        ) {
            (Some(x), Some(y)) => Ok(to_wgs84(x, y)),
            _ => Err(format!("bad coordinate {p}")),
        }
    };
    let ring = |r: &Value| -> Result<geo::LineString<f64>, String> {
        let pts = r.as_array().ok_or("a ring is not an array")?;
        Ok(geo::LineString::from(
            pts.iter().map(point).collect::<Result<Vec<_>, _>>()?,
        ))
    };
    let polygon = |p: &Value| -> Result<geo::Polygon<f64>, String> {
        let rings = p.as_array().ok_or("a polygon is not an array")?;
        let (outer, inner) = rings.split_first().ok_or("a polygon without rings")?;
        Ok(geo::Polygon::new(
            ring(outer)?,
            inner.iter().map(ring).collect::<Result<_, _>>()?,
        ))
    };
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let g = &f["geometry"];
        let polys = match g["type"].as_str() {
            Some("Polygon") => vec![polygon(&g["coordinates"])?],
            Some("MultiPolygon") => g["coordinates"]
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?
                .iter()
                .map(polygon)
                .collect::<Result<_, _>>()?,
            _ => continue,
        };
        let props = &f["properties"];
        let code = match (&props["adcode"], &props["code"]) {
            (Value::Null, Value::Null) => format!("feature{i}"),
            (Value::Null, c) | (c, _) => c.as_str().map_or_else(|| c.to_string(), str::to_owned),
        };
        out.push(Region {
            code,
            name: props["name"].as_str().unwrap_or("").to_owned(),
            level: level.to_owned(),
            area: MultiPolygon(polys),
        });
    }
    Ok(out)
}

/// Distance (km) from a point to the nearest edge of an area, on the equirectangular plane
/// through the point.
#[must_use]
pub fn boundary_km(area: &MultiPolygon<f64>, lon: f64, lat: f64) -> f64 {
    nearest_edge(area, lon, lat).0
}

/// The nearest point of an area from a point: the distance (km) and the bearing to it (degrees
/// clockwise from north), on the equirectangular plane through the point; `(0, 0)` inside it.
#[must_use]
pub fn nearest_boundary(area: &MultiPolygon<f64>, lon: f64, lat: f64) -> (f64, f64) {
    if area.contains(&Point::new(lon, lat)) {
        return (0.0, 0.0);
    }
    let (km, x, y) = nearest_edge(area, lon, lat);
    (km, x.atan2(y).to_degrees().rem_euclid(360.0))
}

/// The nearest point of an area's edges: distance (km) and its offset east and north (km).
fn nearest_edge(area: &MultiPolygon<f64>, lon: f64, lat: f64) -> (f64, f64, f64) {
    let kx = KM_PER_DEG_LON_EQ * lat.to_radians().cos();
    let ky = KM_PER_DEG_LAT;
    let mut best = (f64::INFINITY, 0.0, 0.0);
    for poly in area {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for seg in ring.lines() {
                let (ax, ay) = ((seg.start.x - lon) * kx, (seg.start.y - lat) * ky);
                let (bx, by) = ((seg.end.x - lon) * kx, (seg.end.y - lat) * ky);
                let (dx, dy) = (bx - ax, by - ay);
                let len2 = dx * dx + dy * dy;
                let t = if len2 > 0.0 {
                    (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (px, py) = (ax + t * dx, ay + t * dy);
                let d = (px * px + py * py).sqrt();
                if d < best.0 {
                    best = (d, px, py);
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_point_of_an_area_has_its_bearing() {
        // A square north of the point: 0.1° of latitude away (11.06 km at 110.574 km/°), due north.
        let area = MultiPolygon(vec![polygon![
            (x: 120.9, y: 32.1), (x: 121.1, y: 32.1), (x: 121.1, y: 32.3), (x: 120.9, y: 32.3)
        ]]);
        let (km, bearing) = nearest_boundary(&area, 121.0, 32.0);
        assert!((km - 11.0574).abs() < 1e-6, "{km}");
        assert!(bearing.abs() < 1e-9, "{bearing}");
        // East of the square: the border lies west (270°).
        let (_, west) = nearest_boundary(&area, 121.2, 32.2);
        assert!((west - 270.0).abs() < 1e-9, "{west}");
        assert_eq!(nearest_boundary(&area, 121.0, 32.2), (0.0, 0.0));
    }
    use geo::{LineString, Polygon, polygon};

    fn square(code: &str, x0: f64, y0: f64, size: f64) -> Region {
        Region {
            code: code.to_owned(),
            name: code.to_owned(),
            level: "town".to_owned(),
            area: MultiPolygon(vec![polygon![
                (x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size), (x: x0, y: y0 + size), (x: x0, y: y0)
            ]]),
        }
    }

    #[test]
    fn geojson_of_every_shape_and_bad_input() {
        let fc = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"adcode":320614,"name":"海门区"},"geometry":{"type":"Polygon","coordinates":[[[121,31.8],[121.2,31.8],[121.2,32],[121,31.8]]]}},
            {"type":"Feature","properties":{"name":"点"},"geometry":{"type":"Point","coordinates":[121,31.8]}}]}"#;
        let r = regions_from_geojson(fc, "district", |x, y| (x, y)).unwrap();
        assert_eq!(
            (r.len(), r[0].code.as_str(), r[0].name.as_str()),
            (1, "320614", "海门区")
        );
        let arr = r#"[{"type":"Feature","properties":{"code":"t1","name":"镇"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}]"#;
        let shifted = regions_from_geojson(arr, "town", |x, y| (x + 1.0, y)).unwrap();
        assert_eq!(shifted[0].code, "t1");
        assert_eq!(shifted[0].area.0[0].exterior().0[0].x, 1.0, "converted");
        assert!(
            regions_from_geojson("{", "x", |x, y| (x, y))
                .unwrap_err()
                .starts_with("not JSON")
        );
        assert!(
            regions_from_geojson(
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,"a"]]]}}"#,
                "x",
                |x, y| (x, y)
            )
            .unwrap_err()
            .starts_with("bad coordinate")
        );
    }

    #[test]
    fn inside_outside_holes_and_near() {
        let mut with_hole = square("A", 121.0, 31.8, 0.2);
        let hole = LineString::from(vec![
            (121.05, 31.85),
            (121.15, 31.85),
            (121.15, 31.95),
            (121.05, 31.95),
            (121.05, 31.85),
        ]);
        with_hole.area = MultiPolygon(vec![Polygon::new(
            with_hole.area.0[0].exterior().clone(),
            vec![hole],
        )]);
        let r = Regions::new(vec![with_hole, square("B", 121.2, 31.8, 0.2)]);
        assert_eq!(r.attribute(121.01, 31.81, 5.0).inside, ["A"]);
        assert_eq!(r.attribute(121.25, 31.85, 5.0).inside, ["B"]);
        assert!(
            r.attribute(121.10, 31.90, 0.0).inside.is_empty(),
            "in the hole"
        );
        // 0.01° east of B's east edge at 31.9°N is 0.945 km.
        let a = r.attribute(121.41, 31.9, 5.0);
        assert!(a.inside.is_empty());
        let (code, km) = a.near.unwrap();
        assert_eq!(code, "B");
        assert!((km - 0.9455).abs() < 0.001, "{km}");
        assert_eq!(r.attribute(121.41, 31.9, 0.9).near, None);
        assert_eq!(r.attribute(125.0, 31.9, 5.0), Attribution::default());
    }
}
