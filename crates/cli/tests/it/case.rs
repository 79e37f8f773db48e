//! `lantian case`, `credit` and `screen`: a complaint taken through its case within the time
//! limits (a step out of order refused with the reason), a credit record published for the
//! decision and its repair refused too early, the effectiveness by town, and a project screened
//! against a border imported as a map layer.

use crate::{lantian, run};

const BORDER: &str = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
 "properties": {"name": "邻省（示意）", "adcode": 310000},
 "geometry": {"type": "Polygon", "coordinates": [[[121.0, 31.5], [121.5, 31.5], [121.5, 31.6], [121.0, 31.6], [121.0, 31.5]]]}}]}"#;

#[test]
fn a_complaint_becomes_a_case_a_decision_and_a_credit_record() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let ok = |args: &[&str]| {
        let (out, stdout, stderr) = run(lantian(&db).args(args));
        assert!(out.status.success(), "{args:?}: {stderr}");
        stdout
    };
    let fails = |args: &[&str]| {
        let (out, _, stderr) = run(lantian(&db).args(args));
        assert!(!out.status.success(), "{args:?} should fail");
        stderr
    };
    let out = ok(&[
        "case",
        "open",
        "--origin",
        "complaint:12369:A0001",
        "--party-kind",
        "enterprise",
        "--party",
        "某化工有限公司",
        "--credit-code",
        "91320684XXXXXXXXXX",
        "--department",
        "生态环境局",
        "--town",
        "海门街道",
        "--title",
        "夜间异味扰民",
        "--detected",
        "2026-02-27",
        "--on",
        "2026-03-01",
    ]);
    assert_eq!(out.trim(), "case #1 registered on 2026-03-01");
    let e = fails(&[
        "case",
        "open",
        "--origin",
        "phone:1",
        "--party-kind",
        "site",
        "--party",
        "x",
        "--department",
        "d",
        "--town",
        "t",
        "--title",
        "t",
    ]);
    assert!(e.contains("--origin \"phone:1\""), "{e}");
    let e = fails(&["case", "step", "1", "close", "--on", "2026-03-02"]);
    assert!(e.contains("案件当前为“已登记”，不能结案"), "{e}");
    // Registered on 1 March, not filed: the 15-day limit passed on 16 March.
    let due = ok(&["case", "list", "--due"]);
    assert!(due.contains("立案期限 2026-03-16（已逾期"), "{due}");
    ok(&["case", "step", "1", "file", "--on", "2026-03-10"]);
    ok(&["case", "step", "1", "investigate", "--on", "2026-03-20"]);
    let e = fails(&["case", "step", "1", "decide", "--on", "2026-03-25"]);
    assert!(e.contains("give --penalty, --order or --no-penalty"), "{e}");
    ok(&[
        "case",
        "step",
        "1",
        "decide",
        "--penalty",
        "100000",
        "--correct",
        "--on",
        "2026-03-25",
    ]);
    let out = ok(&["case", "step", "1", "close", "--on", "2026-04-10"]);
    assert_eq!(out.trim(), "case #1: 已结案");
    let show = ok(&["case", "show", "1"]);
    assert!(show.contains("来源：12369 投诉 A0001"), "{show}");
    assert!(
        show.contains("2026-03-25\t作出决定：罚款 100000 元，责令改正"),
        "{show}"
    );
    assert!(
        ok(&["case", "list", "--due"]).is_empty(),
        "a closed case is not due"
    );
    // Detected 27 February, closed 10 April: 42 days.
    let effect = ok(&["case", "effect", "--by", "town"]);
    assert!(
        effect.contains("海门街道\t1\t1\t42\t42\t0\t0\t0"),
        "{effect}"
    );

    ok(&[
        "credit",
        "add",
        "--case",
        "1",
        "--violation",
        "fraud",
        "--decision-ref",
        "海环罚〔2026〕1号",
        "--summary",
        "篡改在线监测数据",
    ]);
    assert!(
        ok(&["credit", "list", "--public"]).is_empty(),
        "not published yet"
    );
    ok(&["credit", "step", "1", "publish", "--on", "2026-04-11"]);
    let public = ok(&["credit", "list", "--public"]);
    assert!(
        public.contains("某化工有限公司\t弄虚作假\t海环罚〔2026〕1号\t2026-04-11\t公示中"),
        "{public}"
    );
    let e = fails(&[
        "credit",
        "step",
        "1",
        "repair-apply",
        "已整改",
        "--on",
        "2026-05-01",
    ]);
    assert!(
        e.contains("公示满 12 个月后方可申请信用修复（最早 2027-04-11）"),
        "{e}"
    );
}

#[test]
fn a_project_is_screened_against_the_border_layer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let border = dir.path().join("border.geojson");
    std::fs::write(&border, BORDER).unwrap();
    let screen = |args: &[&str]| run(lantian(&db).arg("screen").args(args));
    // No layer yet: said so.
    let (out, _, stderr) = screen(&[
        "--name",
        "x",
        "--industry",
        "chemical",
        "--lon",
        "121.2",
        "--lat",
        "31.75",
    ]);
    assert!(!out.status.success());
    assert!(stderr.contains("no map layer `border`"), "{stderr}");
    let (out, _, stderr) = run(lantian(&db)
        .args(["import", "boundary", "--name", "border"])
        .arg(&border));
    assert!(out.status.success(), "{stderr}");
    // 0.15° of latitude north of the border: 16.6 km, so the consultation.
    let (out, stdout, _) = screen(&[
        "--name",
        "化工新建项目",
        "--industry",
        "chemical",
        "--new-capacity",
        "--lon",
        "121.2",
        "--lat",
        "31.75",
    ]);
    assert!(out.status.success());
    assert!(
        stdout.starts_with("化工新建项目：不在禁止之列；两高项目；须开展环评一致性会商"),
        "{stdout}"
    );
    assert!(stdout.contains("距省界 16.59 km"), "{stdout}");
    // 0.25° north: 27.8 km, none.
    let (_, stdout, _) = screen(&[
        "--name",
        "p",
        "--industry",
        "chemical",
        "--new-capacity",
        "--lon",
        "121.2",
        "--lat",
        "31.85",
    ]);
    assert!(!stdout.contains("会商"), "{stdout}");
    // Banned: refused, exit 1.
    let (out, stdout, _) = screen(&[
        "--name",
        "焦化扩能",
        "--industry",
        "coking",
        "--new-capacity",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("焦化行业新增产能项目，严禁核准或备案"),
        "{stdout}"
    );
}

#[test]
fn complaints_are_imported_once_and_cases_take_evidence_and_joined_departments() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.db");
    let csv = dir.path().join("complaints.csv");
    let header = "渠道,编号,受理日期,当事人类别,当事人,统一社会信用代码,区镇,主办部门,内容\n";
    std::fs::write(
        &csv,
        format!("{header}12369,A1,2026-03-01,企业,某化工有限公司,,海门街道,生态环境局,夜间异味\n12345,B2,2026-3-2,饭店,某饭店,,三厂街道,城管局,油烟扰民\n"),
    )
    .unwrap();
    let (out, _, stderr) = run(lantian(&db).args(["case", "import"]).arg(&csv));
    assert!(!out.status.success());
    assert!(
        stderr.contains("complaints.csv: line 3: 受理日期: a date YYYY-MM-DD"),
        "{stderr}"
    );
    assert!(
        stderr.contains("complaints.csv: line 3: 当事人类别"),
        "{stderr}"
    );
    assert!(stderr.contains("2 problems; nothing imported"), "{stderr}");
    let (_, list, _) = run(lantian(&db).args(["case", "list"]));
    assert!(list.is_empty(), "{list}");
    std::fs::write(
        &csv,
        format!("{header}12369,A1,2026-03-01,企业,某化工有限公司,,海门街道,生态环境局,夜间异味\n12345,B2,2026-03-02,餐饮单位,某饭店,,三厂街道,城管局,油烟扰民\n"),
    )
    .unwrap();
    let (out, stdout, stderr) = run(lantian(&db).args(["case", "import"]).arg(&csv));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("2 complaints registered as cases, 0 already registered"),
        "{stdout}"
    );
    let (_, stdout, _) = run(lantian(&db).args(["case", "import"]).arg(&csv));
    assert!(
        stdout.contains("0 complaints registered as cases, 2 already registered"),
        "{stdout}"
    );
    // Evidence and a joined department are added without moving the case.
    for args in [
        &["case", "step", "1", "file", "--on", "2026-03-05"][..],
        &[
            "case",
            "step",
            "1",
            "join",
            "--department",
            "市场监管局",
            "--on",
            "2026-03-06",
        ],
        &[
            "case",
            "step",
            "1",
            "evidence",
            "--note",
            "现场检测报告",
            "--on",
            "2026-03-06",
        ],
    ] {
        let (out, _, stderr) = run(lantian(&db).args(args));
        assert!(out.status.success(), "{args:?}: {stderr}");
    }
    let (_, show, _) = run(lantian(&db).args(["case", "show", "1"]));
    assert!(show.contains("状态：已立案"), "{show}");
    assert!(show.contains("联合执法：市场监管局加入"), "{show}");
    assert!(show.contains("证据：现场检测报告"), "{show}");
}
