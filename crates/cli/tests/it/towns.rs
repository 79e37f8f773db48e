//! `lantian towns assess`: the example rules applied to figures gathered from the store (fire
//! points verified by the towns) and given in a CSV (PM2.5, good days), totals by hand.

use crate::{lantian, run};

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Runs `lantian` on `db`, which must succeed; its standard output.
fn succeeds(db: &std::path::Path, args: &[&str], files: &[std::path::PathBuf]) -> String {
    let (out, stdout, stderr) = run(lantian(db).args(args).args(files));
    assert!(out.status.success(), "{args:?}: {stderr}");
    stdout
}

/// The plan, the district and synthetic town boundaries, and the fixture's fire points
/// (January 2019), loaded with `ok`.
fn plan_and_fires(ok: &dyn Fn(&[&str], &[std::path::PathBuf]) -> String) {
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
}

#[test]
fn towns_are_assessed_from_gathered_and_given_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let ok = |args: &[&str], files: &[std::path::PathBuf]| succeeds(&db, args, files);
    plan_and_fires(&ok);
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

/// Two town areas over Haimen's national stations, for the test only (the district's towns
/// have their own stations in practice).
const TOWN_AREAS: &str = r#"
[[area]]
code = "town-haimen"
name = "海门街道"
kind = "town"
stations = ["2008A"]

[[area]]
code = "town-sanchang"
name = "三厂街道"
kind = "town"
stations = ["2009A"]
"#;

#[test]
fn results_are_stored_with_their_rules_and_an_old_period_reruns_to_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let ok = |args: &[&str], files: &[std::path::PathBuf]| succeeds(&db, args, files);
    let data = lantian_testdata::path("");
    ok(&["import", "stations"], &[data.join("stations/match1.csv")]);
    let areas = dir.path().join("towns.toml");
    std::fs::write(&areas, TOWN_AREAS).unwrap();
    ok(&["import", "areas"], &[areas]);
    let january: Vec<_> = (1..=31)
        .map(|d| {
            data.join(format!(
                "cnemc/china_sites_2019/china_sites_201901{d:02}.csv.xz"
            ))
        })
        .collect();
    ok(
        &["import", "cnemc", "--quiet", "--stations", "2008A,2009A"],
        &january,
    );
    plan_and_fires(&ok);
    let v1 = repo("config/assessment/example-rules.toml");
    let out = ok(&["towns", "rules", "load"], std::slice::from_ref(&v1));
    assert!(
        out.starts_with("loaded haimen-towns-example version 1 (#1)"),
        "{out}"
    );
    let out = ok(&["towns", "rules", "load"], std::slice::from_ref(&v1));
    assert!(out.starts_with("already loaded"), "{out}");
    // The same version with another text is refused.
    let changed = dir.path().join("changed.toml");
    std::fs::write(
        &changed,
        std::fs::read_to_string(&v1)
            .unwrap()
            .replace("weight = \"50\"", "weight = \"60\""),
    )
    .unwrap();
    let (out, _, stderr) = run(lantian(&db).args(["towns", "rules", "load"]).arg(&changed));
    assert!(!out.status.success());
    assert!(stderr.contains("raise the version"), "{stderr}");

    // January under version 1, with complaints given in a CSV.
    let given = dir.path().join("given.csv");
    std::fs::write(&given, "town,indicator,value\n海门街道,complaints,3\n").unwrap();
    let out = ok(
        &[
            "towns",
            "assess",
            "--month",
            "2019-01",
            "--save",
            "--figures",
        ],
        &[given],
    );
    assert!(
        out.contains("（haimen-towns-example 第1版） [EXAMPLE]：2019-01"),
        "{out}"
    );
    assert!(out.contains("saved as result #1"), "{out}");
    // PM2.5 and good days come from the town's own station, as `lantian assess` computes them.
    let (_, json, _) = run(lantian(&db).args([
        "assess",
        "--area",
        "town-haimen",
        "--month",
        "2019-01",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pm25 = v["pollutants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pollutant"] == "PM2.5")
        .unwrap()["mean"]
        .as_str()
        .unwrap()
        .to_owned();
    let town = ok(&["towns", "show", "1", "--town", "海门街道"], &[]);
    assert!(
        town.contains(&format!("pm25 PM2.5平均浓度：{pm25} → ")),
        "{pm25}\n{town}"
    );
    assert!(
        town.contains("来源：海门街道（站点 2008A）2019-01，有效天数 30"),
        "{town}"
    );
    // By hand: PM2.5 52 ≥ 28 + 10 → 0 × 50; good days 66.7 ≤ 70 → 0 × 20; no real fire → 100 ×
    // 15; no reports due (left out): 1,500 / 85 = 17.65. 24 µg/m³ worse × 20,000, capped 200,000.
    assert_eq!(pm25, "52");
    assert!(
        town.starts_with("1\t海门街道\t总分 17.65\t奖惩 -200000 元"),
        "{town}"
    );
    // 2009A has 12 valid days in January: not enough for HJ 663, so not scored, with the reason.
    let sanchang = ok(&["towns", "show", "1", "--town", "三厂街道"], &[]);
    assert!(
        sanchang.contains("有效天数 12，数据不足（HJ 663 有效性要求），不计"),
        "{sanchang}"
    );
    // Version 2 from February: the weights change.
    let v2 = dir.path().join("v2.toml");
    std::fs::write(
        &v2,
        std::fs::read_to_string(&v1)
            .unwrap()
            .replace("version = 1", "version = 2")
            .replace("valid_from = \"2019-01-01\"", "valid_from = \"2019-02-01\"")
            .replace("weight = \"50\"", "weight = \"60\""),
    )
    .unwrap();
    ok(&["towns", "rules", "load"], &[v2]);
    let out = ok(&["towns", "assess", "--month", "2019-02", "--save"], &[]);
    assert!(out.contains("第2版"), "{out}");
    // January again takes version 1, and the stored result reruns to the same figures.
    let again = ok(&["towns", "assess", "--month", "2019-01"], &[]);
    assert!(again.contains("第1版"), "{again}");
    let out = ok(&["towns", "rerun", "1"], &[]);
    assert_eq!(
        out.trim(),
        "result #1: the same figures and the same result"
    );
    // A year needs rules for a year.
    let (out, _, stderr) = run(lantian(&db).args(["towns", "assess", "--year", "2019"]));
    assert!(!out.status.success());
    assert!(
        stderr.contains("no stored assessment rules apply to 2019 (year)"),
        "{stderr}"
    );
    let yearly = dir.path().join("year.toml");
    std::fs::write(
        &yearly,
        std::fs::read_to_string(&v1)
            .unwrap()
            .replace(
                "code = \"haimen-towns-example\"",
                "code = \"haimen-towns-year\"",
            )
            .replace("period = \"month\"", "period = \"year\""),
    )
    .unwrap();
    ok(&["towns", "rules", "load"], &[yearly]);
    let out = ok(&["towns", "assess", "--year", "2019", "--save"], &[]);
    assert!(
        out.contains("（haimen-towns-year 第1版） [EXAMPLE]：2019"),
        "{out}"
    );
    assert!(out.contains("saved as result #3"), "{out}");
    let list = ok(&["towns", "results"], &[]);
    assert!(
        list.starts_with("#3\t2019\thaimen-towns-year version 1"),
        "{list}"
    );
    assert!(
        list.contains("#2\t2019-02\thaimen-towns-example version 2"),
        "{list}"
    );

    // The circular and the workbook.
    let md = dir.path().join("c.md");
    ok(
        &["towns", "circular", "1", "--out", md.to_str().unwrap()],
        &[],
    );
    let circular = std::fs::read_to_string(&md).unwrap();
    insta::assert_snapshot!(circular);
    let xlsx = dir.path().join("c.xlsx");
    ok(
        &["towns", "circular", "1", "--out", xlsx.to_str().unwrap()],
        &[],
    );
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // A fire verified after the result was stored: the rerun names the change and fails.
    let list = ok(&["fire", "list"], &[]);
    let id = list
        .lines()
        .find(|l| l.contains("三厂街道"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    ok(
        &[
            "fire",
            "verify",
            &id,
            "--finding",
            "false",
            "--action",
            "养殖场锅炉",
        ],
        &[],
    );
    let (out, stdout, _) = run(lantian(&db).args(["towns", "rerun", "1"]));
    assert!(!out.status.success());
    assert!(
        stdout.contains("三厂街道 fire_open: stored 1, now 0"),
        "{stdout}"
    );
}
