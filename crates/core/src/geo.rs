//! Coordinates for maps: China's GCJ-02 (火星坐标, used by AMap/Tencent and many published
//! boundary files) to WGS-84 (GPS, satellite fire points), and point-in-polygon.
//!
//! GCJ-02 is WGS-84 shifted by a published-by-reverse-engineering offset function; it has no
//! closed-form inverse, so [`gcj02_to_wgs84`] iterates the forward function until it agrees to
//! about a millimetre. Outside China the offset is zero.

/// Semi-major axis of the Krasovsky 1940 ellipsoid the offset is defined on (m).
const A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const EE: f64 = 0.006_693_421_622_965_943;

/// Whether a point is outside China's rough bounding box (no offset is applied there).
pub fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 → GCJ-02 (`(lon, lat)` in degrees).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = offset_lat(lon - 105.0, lat - 35.0);
    let d_lon = offset_lon(lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → WGS-84 (`(lon, lat)` in degrees), by fixed-point iteration of the forward
/// function (converges to < 1e-9° in a few steps).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..10 {
        let (gx, gy) = wgs84_to_gcj02(x, y);
        let (dx, dy) = (gx - lon, gy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-10 && dy.abs() < 1e-10 {
            break;
        }
    }
    (x, y)
}

/// Whether `(lon, lat)` is inside a ring (even-odd rule; the ring may or may not repeat its
/// first point).
pub fn in_ring(lon: f64, lat: f64, ring: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcj02_round_trip_near_haimen() {
        // Haimen's national station 2008A, roughly.
        let (lon, lat) = (121.17, 31.89);
        let (gx, gy) = wgs84_to_gcj02(lon, lat);
        // The offset near Nantong is a few hundred metres (~0.002–0.005°).
        assert!((gx - lon).abs() > 0.001 && (gx - lon).abs() < 0.01, "{gx}");
        assert!((gy - lat).abs() < 0.01, "{gy}");
        let (bx, by) = gcj02_to_wgs84(gx, gy);
        assert!(
            (bx - lon).abs() < 1e-8 && (by - lat).abs() < 1e-8,
            "{bx} {by}"
        );
    }

    #[test]
    fn no_offset_outside_china() {
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
        assert_eq!(gcj02_to_wgs84(2.35, 48.85), (2.35, 48.85));
    }

    #[test]
    fn point_in_ring() {
        let square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        assert!(in_ring(0.5, 0.5, &square));
        assert!(!in_ring(1.5, 0.5, &square));
        assert!(!in_ring(0.5, 0.5, &square[..2]));
    }
}
