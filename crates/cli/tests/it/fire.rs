//! `lantian import fires` and `lantian fire`: real FIRMS files attributed to Nantong's districts
//! (the 12 points of the Jiangsu extract, duplicates across files ignored), and a synthetic town
//! layer of Haimen to take incidents through dispatch, verification, return and close to the
//! statistics and the workbook.

use crate::{lantian, number_after, run};

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn real_firms_points_are_attributed_to_nantong_districts_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    // Without a district boundary the import is refused, naming what to do.
    let extract = lantian_testdata::path("firms/jiangsu_shanghai_bbox_extract.csv");
    let (out, _, stderr) = run(lantian(&db).args(["import", "fires"]).arg(&extract));
    assert!(!out.status.success());
    assert!(stderr.contains("no district boundary"), "{stderr}");

    let (out, _, stderr) = run(lantian(&db)
        .args(["import", "boundary"])
        .arg(lantian_testdata::path("boundaries/320600_full.json"))
        .args(["--crs", "gcj02"]));
    assert!(out.status.success(), "{stderr}");
    let (out, stdout, stderr) = run(lantian(&db)
        .args(["import", "fires", "--near-km", "0"])
        .arg(&extract));
    assert!(out.status.success(), "{stderr}");
    // The data README: 12 of the 197 points lie in Nantong (海安 6, 如皋 3, 如东 3).
    assert!(
        stdout.contains("(197 detections, 0 lines refused)"),
        "{stdout}"
    );
    assert_eq!(number_after(&stdout, "detections:"), 12, "{stdout}");
    assert!(stdout.contains("stored 12, already stored 0"), "{stdout}");
    let (_, list, _) = run(lantian(&db).args(["fire", "list"]));
    // The hand-checked point of 海安 (32.4925 N, 120.4544 E, 2023-08-01 05:14 UTC = 13:14
    // Beijing), alone in its incident and waiting: Nantong's layer has no towns.
    assert!(
        list.lines().any(
            |l| l.contains("2023-08-01 13:14  120.4544,32.4925   1×  MODIS")
                && l.contains("待派发")
        ),
        "{list}"
    );
    assert_eq!(
        list.lines().count(),
        11,
        "12 points, two of them one fire:\n{list}"
    );

    // The same extract again with a global VIIRS file: nothing new from the extract.
    let (out, stdout, stderr) = run(lantian(&db)
        .args(["import", "fires", "--near-km", "0"])
        .arg(&extract)
        .arg(lantian_testdata::path("firms/fire_nrt_V1_157511.csv.gz")));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("stored 0, already stored 12"), "{stdout}");
    let (_, again, _) = run(lantian(&db).args(["fire", "list"]));
    assert_eq!(again.lines().count(), 11);
}

/// Issue #28: every detection of the shipped FIRMS files is read once. Each file's count is
/// its data lines, counted here from the decompressed text; the total is their sum (193,077:
/// two VIIRS pairs about 2 m apart in one file were once dropped as duplicates), and a file
/// that repeats records already read says so and counts them once.
#[test]
fn every_firms_detection_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let (out, _, stderr) = run(lantian(&db)
        .args(["import", "boundary"])
        .arg(lantian_testdata::path("boundaries/320600_full.json"))
        .args(["--crs", "gcj02"]));
    assert!(out.status.success(), "{stderr}");
    let mut files: Vec<String> = std::fs::read_dir(lantian_testdata::path("firms"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv.gz"))
        .collect();
    files.sort();
    let lines: Vec<usize> = files
        .iter()
        .map(|f| {
            let text = String::from_utf8(lantian_testdata::read(format!("firms/{f}"))).unwrap();
            text.lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .count()
        })
        .collect();
    let total: usize = lines.iter().sum();
    assert_eq!(total, 193_077);
    let mut cmd = lantian(&db);
    cmd.args(["import", "fires", "--near-km", "0"]);
    for f in &files {
        cmd.arg(lantian_testdata::path(format!("firms/{f}")));
    }
    // The Jiangsu extract last: its 197 records all repeat lines of the global files.
    cmd.arg(lantian_testdata::path(
        "firms/jiangsu_shanghai_bbox_extract.csv",
    ));
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stderr}");
    for (f, n) in files.iter().zip(&lines) {
        assert!(stdout.contains(&format!("{f}: ")), "{stdout}");
        assert!(
            stdout.contains(&format!("({n} detections, 0 lines refused)")),
            "{f}: {n}\n{stdout}"
        );
    }
    assert!(
        stdout.contains(
            "(197 detections, 197 repeating a record read before, counted once, 0 lines refused)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{total} detections: 12 inside the district")),
        "{stdout}"
    );
}

#[test]
fn incidents_go_from_dispatch_to_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    crate::haimen_layers(&db);
    let fixture = repo("web/e2e/fixtures/fires_generic.csv");
    let (out, stdout, stderr) = run(lantian(&db).args(["import", "fires"]).arg(&fixture));
    assert!(out.status.success(), "{stderr}");
    // The bad line is named; the others are kept.
    assert!(
        stderr.contains("fires_generic.csv: line 7: time \"not-a-time\""),
        "{stderr}"
    );
    assert!(
        stdout.contains("4 inside the district, 0 near its border, 1 elsewhere"),
        "{stdout}"
    );
    assert!(stdout.contains("3 new (2 dispatched)"), "{stdout}");
    let (_, list, _) = run(lantian(&db).args(["fire", "list"]));
    let line = |id: &str| {
        list.lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no incident {id}:\n{list}"))
            .to_owned()
    };
    // The tower and the drone saw one fire in 海门街道 (1 km, 24 h).
    assert!(
        line("1").contains("2×  无人机/视频塔") && line("1").contains("已派发      海门街道"),
        "{list}"
    );
    assert!(line("2").contains("三厂街道"), "{list}");
    assert!(line("3").contains("待派发"), "{list}");

    // A second push: a satellite sees fire 1 again the next morning; a point 2.9 km west of the
    // district's westernmost corner is kept as near-border and not dispatched.
    let more = dir.path().join("more.csv");
    std::fs::write(
        &more,
        "lon,lat,time,source,confidence\n121.1520,31.9004,2019-01-21 10:00,省厅推送,85\n121.00,31.785,2019-01-21 11:00,省厅推送,60\n",
    )
    .unwrap();
    let (out, stdout, stderr) = run(lantian(&db).args(["import", "fires"]).arg(&more));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("1 near its border"), "{stdout}");
    assert!(
        stdout.contains("1 new (0 dispatched), 1 extended"),
        "{stdout}"
    );
    let (_, list, _) = run(lantian(&db).args(["fire", "list"]));
    assert!(list.contains("边界外"), "{list}");

    let step = |args: &[&str]| {
        let (out, stdout, stderr) = run(lantian(&db).arg("fire").args(args));
        (out.status.success(), stdout, stderr)
    };
    // A real fire without a photo is refused; a false alarm needs only what was done.
    let (ok, _, stderr) = step(&[
        "verify",
        "1",
        "--finding",
        "real",
        "--mu",
        "2",
        "--action",
        "已扑灭",
    ]);
    assert!(!ok && stderr.contains("photo"), "{stderr}");
    assert!(step(&["verify", "2", "--finding", "false", "--action", "工厂烟囱"]).0);
    assert!(step(&["close", "2"]).0);
    // The pending one is dispatched by hand, verified, sent back, verified again.
    assert!(step(&["dispatch", "3", "三厂街道"]).0);
    assert!(
        step(&[
            "verify",
            "3",
            "--finding",
            "outside",
            "--action",
            "位于如东县"
        ])
        .0
    );
    assert!(step(&["return", "3", "坐标在本区"]).0);
    let (ok, _, stderr) = step(&["close", "3"]);
    assert!(!ok && stderr.contains("已派发"), "{stderr}");
    let (_, show, _) = step(&["show", "3"]);
    for action in ["create", "dispatch", "verify", "return"] {
        assert!(show.contains(&format!(" {action} ")), "{show}");
    }

    let (ok, stats, stderr) = step(&["stats", "--from", "2019-01-01", "--to", "2019-01-31"]);
    assert!(ok, "{stderr}");
    insta::assert_snapshot!(stats);
    let xlsx = dir.path().join("fire.xlsx");
    let (ok, stdout, stderr) = step(&["stats", "--out", xlsx.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("4 incidents"), "{stdout}");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}
