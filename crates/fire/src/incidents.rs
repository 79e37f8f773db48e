//! Detections of the same fire merged into one incident: two detections belong together when
//! they lie within `distance_km` of each other and at most `window_h` hours apart, across
//! satellites, passes and sources; the relation is closed transitively (a fire that spreads
//! or is seen pass after pass stays one incident). Neighbours are found with an R-tree.

use std::collections::BTreeSet;

use jiff::Timestamp;
use rstar::{AABB, RTree, primitives::GeomWithData};
use serde::{Deserialize, Serialize};

use crate::attribution::{KM_PER_DEG_LAT, KM_PER_DEG_LON_EQ};
use crate::firms::Detection;

/// When detections are the same fire. Defaults: 1 km and 24 h (UNVERIFIED: no rule was
/// found; a MODIS pixel is 1 km, and a field fire rarely burns longer than a day).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MergeRule {
    /// At most this far apart (km, inclusive).
    pub distance_km: f64,
    /// At most this many hours apart (inclusive).
    pub window_h: i64,
}

impl Default for MergeRule {
    fn default() -> Self {
        MergeRule {
            distance_km: 1.0,
            window_h: 24,
        }
    }
}

/// One fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Indices of its detections in the input, in time order.
    pub detections: Vec<usize>,
    /// First detection.
    pub first: Timestamp,
    /// Last detection.
    pub last: Timestamp,
    /// Mean position (WGS-84).
    pub lon: f64,
    /// Mean position.
    pub lat: f64,
    /// The sources that saw it.
    pub sources: BTreeSet<String>,
}

/// Distance on the local equirectangular plane (as `attribution::boundary_km`).
fn km(a: &Detection, b: &Detection) -> f64 {
    let lat = ((a.lat + b.lat) / 2.0).to_radians();
    let dx = (a.lon - b.lon) * KM_PER_DEG_LON_EQ * lat.cos();
    let dy = (a.lat - b.lat) * KM_PER_DEG_LAT;
    (dx * dx + dy * dy).sqrt()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Merges detections into incidents (ordered by their first detection).
#[must_use]
pub fn merge(detections: &[Detection], rule: MergeRule) -> Vec<Incident> {
    let tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
        detections
            .iter()
            .enumerate()
            .map(|(i, d)| GeomWithData::new([d.lon, d.lat], i))
            .collect(),
    );
    let mut parent: Vec<usize> = (0..detections.len()).collect();
    let window_s = rule.window_h.saturating_mul(3600);
    for (i, d) in detections.iter().enumerate() {
        let dlat = rule.distance_km / KM_PER_DEG_LAT;
        let dlon = rule.distance_km / (KM_PER_DEG_LON_EQ * d.lat.to_radians().cos().max(0.01));
        let env = AABB::from_corners([d.lon - dlon, d.lat - dlat], [d.lon + dlon, d.lat + dlat]);
        for n in tree.locate_in_envelope(&env) {
            let j = n.data;
            if j <= i {
                continue;
            }
            let o = &detections[j];
            let dt = (o.at.as_second() - d.at.as_second()).abs();
            if dt <= window_s && km(d, o) <= rule.distance_km + 1e-9 {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..detections.len() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Incident> = groups
        .into_values()
        .map(|mut idx| {
            idx.sort_by_key(|&i| (detections[i].at, i));
            let n = idx.len() as f64;
            let first = detections[idx[0]].at;
            let last = idx.iter().map(|&i| detections[i].at).max().unwrap_or(first);
            Incident {
                lon: idx.iter().map(|&i| detections[i].lon).sum::<f64>() / n,
                lat: idx.iter().map(|&i| detections[i].lat).sum::<f64>() / n,
                sources: idx.iter().map(|&i| detections[i].source.clone()).collect(),
                first,
                last,
                detections: idx,
            }
        })
        .collect();
    out.sort_by_key(|x| (x.first, x.detections[0]));
    out
}

/// Where a new detection goes when incidents already exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joins {
    /// An incident already stored (its id).
    Existing(i64),
    /// The `n`th new incident of this batch.
    New(usize),
}

/// New detections against those already stored (each with its incident's id): merged by
/// `rule` over both, a new detection joins the earliest stored incident of its group (stored
/// incidents are never merged with each other: their work orders may be under way); a group
/// of new detections only makes a new incident. Returns, for each of `new`, where it goes,
/// and the number of new incidents.
#[must_use]
pub fn extend(
    stored: &[(Detection, i64)],
    new: &[Detection],
    rule: MergeRule,
) -> (Vec<Joins>, usize) {
    let all: Vec<Detection> = stored
        .iter()
        .map(|(d, _)| d.clone())
        .chain(new.iter().cloned())
        .collect();
    let mut joins = vec![Joins::New(0); new.len()];
    let mut fresh = 0;
    for incident in merge(&all, rule) {
        let existing = incident
            .detections
            .iter()
            .filter_map(|&i| stored.get(i).map(|(_, id)| *id))
            .min();
        let target = match existing {
            Some(id) => Joins::Existing(id),
            None => {
                fresh += 1;
                Joins::New(fresh - 1)
            }
        };
        for &i in &incident.detections {
            if let Some(j) = i.checked_sub(stored.len()) {
                joins[j] = target;
            }
        }
    }
    (joins, fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firms::Confidence;

    fn det(lon: f64, lat: f64, minutes: i64, source: &str) -> Detection {
        Detection {
            lon,
            lat,
            at: Timestamp::from_second(1_700_000_000 + minutes * 60).unwrap(),
            source: source.to_owned(),
            satellite: String::new(),
            confidence: Confidence::Percent(80),
            frp: None,
            daynight: String::new(),
        }
    }

    /// Degrees of longitude for `km` at 32° N.
    fn dlon(km: f64) -> f64 {
        km / (111.320 * 32f64.to_radians().cos())
    }

    #[test]
    fn merge_rules_at_their_edges() {
        let r = MergeRule::default();
        // 0.999 km apart: one fire; 1.001 km: two.
        let near = [
            det(121.0, 32.0, 0, "MODIS"),
            det(121.0 + dlon(0.999), 32.0, 30, "VIIRS"),
        ];
        let m = merge(&near, r);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].sources.iter().collect::<Vec<_>>(), ["MODIS", "VIIRS"]);
        let far = [
            det(121.0, 32.0, 0, "MODIS"),
            det(121.0 + dlon(1.001), 32.0, 30, "MODIS"),
        ];
        assert_eq!(merge(&far, r).len(), 2);
        // 24 h apart exactly: one; a minute more: two.
        assert_eq!(
            merge(
                &[det(121.0, 32.0, 0, "M"), det(121.0, 32.0, 24 * 60, "M")],
                r
            )
            .len(),
            1
        );
        assert_eq!(
            merge(
                &[det(121.0, 32.0, 0, "M"), det(121.0, 32.0, 24 * 60 + 1, "M")],
                r
            )
            .len(),
            2
        );
        // A chain: A–B and B–C within 1 km, A–C 1.6 km: one incident, first and last kept.
        let chain = [
            det(121.0, 32.0, 0, "MODIS"),
            det(121.0 + dlon(0.8), 32.0, 60, "视频塔"),
            det(121.0 + dlon(1.6), 32.0, 120, "无人机"),
        ];
        let m = merge(&chain, r);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].detections, [0, 1, 2]);
        assert_eq!((m[0].last.as_second() - m[0].first.as_second()), 7200);
        assert!((m[0].lon - (121.0 + dlon(0.8))).abs() < 1e-9);
        assert!(merge(&[], r).is_empty());
    }

    #[test]
    fn new_detections_join_stored_incidents() {
        let r = MergeRule::default();
        let stored = [
            (det(121.0, 32.0, 0, "MODIS"), 7),
            (det(121.0 + dlon(1.8), 32.0, 0, "MODIS"), 9),
            (det(122.0, 32.0, 0, "MODIS"), 11),
        ];
        let new = [
            // Bridges incidents 7 and 9: joins the earlier one, 7; 9 stays as it is.
            det(121.0 + dlon(0.9), 32.0, 60, "VIIRS"),
            // Near incident 11 but 25 h later: a new incident, with its neighbour.
            det(122.0, 32.0, 25 * 60, "VIIRS"),
            det(122.0 + dlon(0.5), 32.0, 26 * 60, "视频塔"),
            // Alone.
            det(123.0, 32.0, 0, "MODIS"),
        ];
        let (joins, fresh) = extend(&stored, &new, r);
        // New incidents are numbered by their first detection: the lone one (minute 0) first.
        assert_eq!(
            joins,
            [
                Joins::Existing(7),
                Joins::New(1),
                Joins::New(1),
                Joins::New(0)
            ]
        );
        assert_eq!(fresh, 2);
        let (joins, fresh) = extend(&[], &new[3..], r);
        assert_eq!((joins, fresh), (vec![Joins::New(0)], 1));
    }
}
