//! `lantian inventory`: the example district's years imported, accounted, compared, rolled
//! forward and exported; a bad file refused with its rows named and nothing stored.

use crate::{lantian, run};

fn example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../config/inventory/example")
        .join(name)
}

#[test]
fn the_example_inventory_from_import_to_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.db");
    // A bad file: every bad row named, nothing stored.
    let text = std::fs::read_to_string(example("2020.csv")).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        text.replacen(",SNCR,,,", ",SNCR,120,,", 1)
            .replacen(",5000,万m3,", ",5000,t,", 1),
    )
    .unwrap();
    let (out, _, stderr) = run(lantian(&db).args(["inventory", "import"]).arg(&bad));
    assert!(!out.status.success());
    assert!(
        stderr.contains("第2行 去除效率(%)：120 % is outside 0–100"),
        "{stderr}"
    );
    assert!(stderr.contains("第12行 活动水平单位：unit mismatch: activity in t (质量) against a factor per 万m3 (体积)"), "{stderr}");
    assert!(stderr.contains("nothing stored"), "{stderr}");
    let (_, versions, _) = run(lantian(&db).args(["inventory", "versions"]));
    assert!(versions.trim().is_empty(), "{versions}");

    for (file, extra) in [("2020.csv", vec![]), ("2024.csv", vec!["--projects"])] {
        let mut cmd = lantian(&db);
        cmd.args(["inventory", "import", "--example"])
            .arg(example(file));
        if !extra.is_empty() {
            cmd.args(extra).arg(example("projects-2024.csv"));
        }
        let (out, stdout, stderr) = run(&mut cmd);
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.contains("(EXAMPLE data)"), "{stdout}");
    }
    let (out, acc, stderr) = run(lantian(&db).args(["inventory", "accounting", "2024"]));
    assert!(out.status.success(), "{stderr}");
    insta::assert_snapshot!(acc);
    let (_, show, _) = run(lantian(&db).args(["inventory", "show", "2024", "--by", "pollutant"]));
    assert!(show.contains("NOx: 4782.994 t"), "{show}");
    let (_, cmp, _) =
        run(lantian(&db).args(["inventory", "compare", "2020", "2024", "--by", "source"]));
    assert!(
        cmp.contains("P001,示例热电厂1号机组,NOx,1612.8,352.6,-1260.2,-78.1"),
        "{cmp}"
    );
    let (out, _, stderr) = run(lantian(&db).args(["inventory", "roll", "2025"]));
    assert!(out.status.success(), "{stderr}");
    let (_, versions, _) = run(lantian(&db).args(["inventory", "versions"]));
    assert_eq!(versions.lines().count(), 3, "{versions}");
    assert!(versions.contains("2024年清单结转"), "{versions}");
    let xlsx = dir.path().join("2024.xlsx");
    let (out, _, stderr) = run(lantian(&db)
        .args(["inventory", "export", "2024", "--baseline", "2020", "--out"])
        .arg(&xlsx));
    assert!(out.status.success(), "{stderr}");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    // The CSV export re-imports as the same year: no new version.
    let (_, csv, _) = run(lantian(&db).args(["inventory", "export", "2020"]));
    let again = dir.path().join("again.csv");
    std::fs::write(&again, csv).unwrap();
    let (out, stdout, stderr) = run(lantian(&db)
        .args(["inventory", "import", "--example"])
        .arg(&again));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("unchanged"), "{stdout}");
}
