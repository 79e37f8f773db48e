//! `lantian towns assess`: the example rules applied to figures gathered from the store (fire
//! points verified by the towns) and given in a CSV (PM2.5, good days), totals by hand.

use crate::{lantian, run};

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn towns_are_assessed_from_gathered_and_given_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let ok = |args: &[&str], files: &[std::path::PathBuf]| {
        let (out, stdout, stderr) = run(lantian(&db).args(args).args(files));
        assert!(out.status.success(), "{args:?}: {stderr}");
        stdout
    };
    ok(&["plan", "load"], &[repo("config/plans/haimen.toml")]);
    ok(
        &["import", "boundary", "--crs", "gcj02"],
        &[lantian_testdata::path("boundaries/320684.json")],
    );
    ok(
        &["import", "boundary", "--name", "towns"],
        &[repo("web/e2e/fixtures/towns_synthetic.geojson")],
    );
    ok(
        &["import", "fires"],
        &[repo("web/e2e/fixtures/fires_generic.csv")],
    );
    // 海门街道's fire was a factory: not real.
    ok(
        &[
            "fire",
            "verify",
            "1",
            "--finding",
            "false",
            "--action",
            "工厂烟囱",
        ],
        &[],
    );
    let figures = dir.path().join("figures.csv");
    std::fs::write(
        &figures,
        "town,indicator,value\n海门街道,pm25,26\n海门街道,good_day_pct,85\n三厂街道,pm25,31\n三厂街道,good_day_pct,90\n",
    )
    .unwrap();
    let out = ok(
        &[
            "towns",
            "assess",
            "--rules",
            repo("config/assessment/example-rules.toml")
                .to_str()
                .unwrap(),
            "--month",
            "2019-01",
            "--figures",
            figures.to_str().unwrap(),
        ],
        &[],
    );
    // 海门街道: PM2.5 26 ≤ 28 → 100 × 50; good days 85 → 75 × 20; real fires 0 → 100 × 15; no
    // reports due (left out): 8,000 / 85 = 94.12, and 2 µg/m³ better × 10,000 yuan.
    assert!(
        out.contains("1\t海门街道\t总分 94.12\t奖惩 20000 元"),
        "{out}"
    );
    // 三厂街道: 31 → 70 × 50; 90 → 100 × 20; its fire is not yet verified (real 0): 7,000 / 85.
    assert!(
        out.contains("2\t三厂街道\t总分 82.35\t奖惩 -60000 元"),
        "{out}"
    );
    // A town with one figure of four is not ranked.
    assert!(out.contains("—\t三星镇\t总分 —"), "{out}");
    let (out, _, stderr) = run(lantian(&db)
        .args(["towns", "assess", "--rules"])
        .arg(repo("config/assessment/example-rules.toml")));
    assert!(!out.status.success());
    assert!(stderr.contains("give --month or --year"), "{stderr}");
}
