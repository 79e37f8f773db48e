//! `lantian import boundary`: shapes accepted, GCJ-02 normalised, errors named.

use crate::{lantian, run};

#[test]
fn boundary_import_normalises_and_refuses_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let file = dir.path().join("b.json");
    // A bare array of Features (the 320684.json shape), GCJ-02.
    let square = serde_json::json!([{
        "type": "Feature",
        "properties": {"name": "海门区", "adcode": 320684},
        "geometry": {"type": "Polygon", "coordinates": [[[121.1, 31.8], [121.5, 31.8], [121.5, 32.1], [121.1, 31.8]]]}
    }]);
    std::fs::write(&file, square.to_string()).unwrap();
    let (out, stdout, stderr) = run(lantian(&db).args(["import", "boundary"]).arg(&file).args([
        "--crs",
        "gcj02",
        "--feature",
        "320684",
    ]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("1 feature(s)"), "{stdout}");

    for (text, expect) in [
        ("not json", "not JSON"),
        (
            r#"{"type":"Point","coordinates":[1,2]}"#,
            "expected a FeatureCollection",
        ),
        (
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}"#,
            "Polygon or MultiPolygon",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let (out, _, stderr) = run(lantian(&db).args(["import", "boundary"]).arg(&file));
        assert!(!out.status.success());
        assert!(
            stderr.contains(expect) && stderr.contains("b.json"),
            "{stderr}"
        );
    }
    std::fs::write(&file, square.to_string()).unwrap();
    let (out, _, stderr) = run(lantian(&db)
        .args(["import", "boundary"])
        .arg(&file)
        .args(["--feature", "启东市"]));
    assert!(!out.status.success());
    assert!(stderr.contains(r#"no feature named "启东市""#), "{stderr}");
}
