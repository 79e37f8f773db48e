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

// Issue #22, finding 10: a towns layer was stored unchecked, and one bad position in it then
// broke every fire import. Each fault is refused at the door, naming the feature; the layer in
// force stays, and fire imports keep working.
#[test]
fn an_invalid_towns_layer_is_refused_and_fire_imports_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    crate::haimen_layers(&db);
    let good = [
        [121.10, 31.85],
        [121.25, 31.85],
        [121.25, 31.95],
        [121.10, 31.85],
    ];
    let town = |name: &str, ring: serde_json::Value| {
        serde_json::json!({"type": "Feature", "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}})
    };
    let file = dir.path().join("towns.json");
    for (bad, expect) in [
        (
            town(
                "三厂街道",
                serde_json::json!([
                    [121.25, 31.85],
                    ["121.4", 31.85],
                    [121.4, 31.95],
                    [121.25, 31.85]
                ]),
            ),
            "feature 1: polygon 0, ring 0, position 1: [\"121.4\",31.85] is not [lon, lat] in finite numbers",
        ),
        (
            town(
                "三厂街道",
                serde_json::json!([
                    [121.25, 31.85],
                    [121.4, 31.85],
                    [121.4, 31.95],
                    [121.3, 31.9]
                ]),
            ),
            "feature 1: polygon 0, ring 0 is not closed",
        ),
        (
            town(
                "三厂街道",
                serde_json::json!([
                    [121.25, 31.85],
                    [121.4, 91.5],
                    [121.4, 31.95],
                    [121.25, 31.85]
                ]),
            ),
            "feature 1: polygon 0, ring 0, position 1: [121.4,91.5] is out of range",
        ),
        (
            town("", serde_json::json!(good)),
            "feature 1: no properties.name",
        ),
        (
            town("三厂街道", serde_json::json!("ring")),
            "feature 1: polygon 0, ring 0 is not an array of positions",
        ),
    ] {
        let layer = serde_json::json!({"type": "FeatureCollection",
            "features": [town("海门街道", serde_json::json!(good)), bad]});
        std::fs::write(&file, layer.to_string()).unwrap();
        let (out, _, stderr) = run(lantian(&db)
            .args(["import", "boundary"])
            .arg(&file)
            .args(["--name", "towns"]));
        assert!(!out.status.success(), "{expect}");
        assert!(
            stderr.contains("towns.json") && stderr.contains(expect),
            "{stderr}"
        );
    }
    let (out, stdout, stderr) = run(lantian(&db)
        .args(["import", "fires"])
        .arg(repo.join("web/e2e/fixtures/fires_generic.csv")));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("3 new (2 dispatched)"), "{stdout}");
    let (_, list, _) = run(lantian(&db).args(["fire", "list"]));
    assert!(list.contains("三厂街道"), "{list}");
}
