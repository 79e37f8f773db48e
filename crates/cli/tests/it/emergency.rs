//! `lantian emergency`: the proposal replayed from real 2019 data (Haimen, January: the
//! temporary-control tier, no warning level), the warning workflow with its reasons, the
//! emergency-reduction list (refused whole with row errors, checked, exported and read back),
//! and gate records checked against the warning that was in force.

use std::fs;

use crate::{lantian, run};

fn uscc(n: u32) -> String {
    let first = format!("91320684MA1M{n:05}");
    let c = lantian_emergency::list::uscc_check_char(&first).unwrap();
    format!("{first}{c}")
}

/// A store with the station list, the areas and 14–27 January 2019 of CNEMC data.
pub(crate) fn january_2019(db: &std::path::Path) {
    let data = lantian_testdata::path("");
    let (out, _, stderr) = run(lantian(db)
        .args(["import", "stations"])
        .arg(data.join("stations/match1.csv")));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(lantian(db).args(["import", "areas"]));
    assert!(out.status.success(), "{stderr}");
    let files: Vec<_> = (14..=27)
        .map(|day| {
            data.join(format!(
                "cnemc/china_sites_2019/china_sites_201901{day}.csv.xz"
            ))
        })
        .collect();
    let (out, _, stderr) = run(lantian(db)
        .args(["import", "cnemc", "--quiet"])
        .args(&files));
    assert!(out.status.success(), "{stderr}");
}

fn list_csv(rows: &[String]) -> String {
    let mut s = lantian_emergency::list::HEADERS.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

fn enterprise(name: &str, code: &str, grade: &str, measures: [&str; 3], cut: [&str; 3]) -> String {
    // Baseline SO2 10, NOx 100, PM 20, VOCs 100 kg/d; each level cuts `cut` of NOx and VOCs.
    let mut r = format!(
        "{name},{code},海门街道,化工,{grade},1号线,CEMS{},10,100,20,100",
        &code[14..]
    );
    for (m, c) in measures.iter().zip(cut) {
        r.push_str(&format!(",{m},,0,{c},0,{c}"));
    }
    r
}

#[test]
fn warnings_lists_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("e.db");
    january_2019(&db);

    // The real episode of 17–25 January 2019 at Haimen, judged by the 2024 grading: no warning
    // level (24-h AQI never above 200, above 150 for 9 h at most) but the temporary-control
    // tier (above 100 for 70 h). The 2017 grading, in force then, proposes nothing.
    let replay = [
        "--area",
        "haimen",
        "--replay-from",
        "2019-01-15",
        "--replay-to",
        "2019-01-26",
    ];
    let (out, text, stderr) = run(lantian(&db)
        .args(["emergency", "propose", "--grading", "2024"])
        .args(replay));
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("不发布预警；可采取临时管控措施"), "{text}");
    assert!(
        text.contains("AQI>100 70小时（2019-01-22 05时至2019-01-25 03时）"),
        "{text}"
    );
    let (_, json, _) = run(lantian(&db)
        .args(["emergency", "propose", "--json"])
        .args(replay));
    let p: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (p["grading"].as_str(), p["level"].is_null()),
        (Some("2017"), true)
    );

    // A forecast with a gap is refused with its place.
    fs::write(
        d.join("gap.csv"),
        "time,aqi\n2026-01-10 00,160\n2026-01-10 02,170\n",
    )
    .unwrap();
    let (out, _, stderr) = run(lantian(&db)
        .args(["emergency", "propose", "--forecast"])
        .arg(d.join("gap.csv")));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("gap.csv") && stderr.contains("nothing from 2026-01-10T01:00:00"),
        "{stderr}"
    );

    // The office opens a warning on the replay, issues yellow on the regional trigger (a
    // reason is required, the forecast proposes none), and lifts it.
    let (out, text, stderr) = run(lantian(&db)
        .args([
            "emergency",
            "warning",
            "open",
            "--grading",
            "2024",
            "--actor",
            "攻坚办",
        ])
        .args(replay));
    assert!(out.status.success(), "{stderr}");
    assert!(text.starts_with("warning 1 opened"), "{text}");
    let act = |args: &[&str]| {
        run(lantian(&db)
            .args(["emergency", "warning", "act", "1"])
            .args(args)
            .args(["--actor", "攻坚办"]))
    };
    let (out, _, stderr) = act(&["issue", "--level", "yellow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("须说明理由"), "{stderr}");
    let (out, text, stderr) = act(&[
        "issue",
        "--level",
        "黄色",
        "--reason",
        "接到长三角区域重污染天气预警",
    ]);
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("已发布\t黄色"), "{text}");

    // The list: two enterprises; a bad copy (same enterprise twice, a D-grade 自主减排) is
    // refused whole.
    let good = [
        enterprise(
            "甲化工",
            &uscc(1),
            "B级",
            ["限产20%", "限产30%", "限产50%"],
            ["20", "30", "50"],
        ),
        enterprise(
            "乙建材",
            &uscc(2),
            "D级",
            ["停产", "停产", "停产"],
            ["100", "100", "100"],
        ),
    ];
    let mut bad = good.to_vec();
    bad.push(good[0].clone());
    bad[1] = bad[1].replacen("停产", "自主减排", 1);
    fs::write(d.join("bad.csv"), list_csv(&bad)).unwrap();
    let (out, _, stderr) = run(lantian(&db)
        .args(["emergency", "list", "import"])
        .arg(d.join("bad.csv")));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("bad.csv: 第3行 黄色措施：D级企业不适用“自主减排”"),
        "{stderr}"
    );
    assert!(stderr.contains("与第2行重复"), "{stderr}");
    assert!(stderr.contains("nothing was stored"), "{stderr}");
    let (out, _, stderr) = run(lantian(&db).args(["emergency", "list", "check"]));
    assert_eq!(out.status.code(), Some(2), "no list yet");
    assert!(stderr.contains("no emergency-reduction list"), "{stderr}");

    fs::write(d.join("list.csv"), list_csv(&good)).unwrap();
    let (out, text, stderr) = run(lantian(&db)
        .args(["emergency", "list", "import"])
        .arg(d.join("list.csv")));
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("2 enterprises, list 1 stored"), "{text}");
    // Coverage: a third air-emitting enterprise is neither listed nor explained.
    fs::write(
        d.join("registry.csv"),
        format!(
            "统一社会信用代码,企业名称,涉气,未列入原因\n{},甲化工,是,\n{},乙建材,是,\n{},丙印染,是,\n{},丁商贸,否,\n{},戊机械,是,已关停\n",
            uscc(1), uscc(2), uscc(3), uscc(4), uscc(5)
        ),
    )
    .unwrap();
    let (out, text, _) = run(lantian(&db)
        .args(["emergency", "list", "check", "--registry"])
        .arg(d.join("registry.csv")));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "未纳入清单且无说明的涉气企业：丙印染（{}）",
            uscc(3)
        )),
        "{text}"
    );
    // NOx: baseline 200, yellow cuts 120 = 60 %; against a region of 2,000 kg/d, 6 % < 10 %.
    assert!(
        text.contains("黄色\tNOx\t200\t120\t60%\t≥10%\t达标"),
        "{text}"
    );
    let (_, text, _) = run(lantian(&db).args([
        "emergency",
        "list",
        "check",
        "--region-total",
        "100,2000,200,500",
    ]));
    assert!(
        text.contains("黄色\tNOx\t2000\t120\t6%\t≥10%\t不足"),
        "{text}"
    );
    // The region's totals from the emission inventory: the example 2024 NOx, 4,782.994 t/a,
    // is 13,104.1 kg/d.
    let (out, _, stderr) = run(lantian(&db).args(["inventory", "import", "--example"]).arg(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/inventory/example/2024.csv"),
    ));
    assert!(out.status.success(), "{stderr}");
    let (_, text, _) =
        run(lantian(&db).args(["emergency", "list", "check", "--region-total", "inventory"]));
    assert!(
        text.contains("基准为全社会排放量（2024年排放清单（示例数据））"),
        "{text}"
    );
    assert!(text.contains("黄色\tNOx\t13104.1\t120\t"), "{text}");
    // A stricter orange share (40 %): NOx 130 of 200 = 65 % still meets it.
    let (_, text, _) =
        run(lantian(&db).args(["emergency", "list", "check", "--shares", "10,40,30"]));
    assert!(
        text.contains("橙色\tNOx\t200\t130\t65%\t≥40%\t达标"),
        "{text}"
    );
    let (out, _, stderr) =
        run(lantian(&db).args(["emergency", "list", "check", "--shares", "10,40"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("three percentages"), "{stderr}");
    // Export and read back: the same list.
    for ext in ["csv", "xlsx"] {
        let f = d.join(format!("out.{ext}"));
        let (out, _, stderr) = run(lantian(&db)
            .args(["emergency", "list", "export", "--out"])
            .arg(&f));
        assert!(out.status.success(), "{stderr}");
        let (out, text, stderr) = run(lantian(&db).args(["emergency", "list", "import"]).arg(&f));
        assert!(out.status.success(), "{stderr}");
        assert!(
            text.contains("the same list was already stored"),
            "{ext}: {text}"
        );
    }

    // Gate records during the yellow warning (in force from the issue until now): a China V
    // diesel truck is refused only from orange on; an unregistered truck at once.
    fs::write(
        d.join("vehicles.csv"),
        "单位,车牌,燃料,排放阶段\n甲化工,苏F12345,柴油,国五\n甲化工,苏F67890,柴油,国六\n",
    )
    .unwrap();
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime();
    let later = now.checked_add(jiff::Span::new().minutes(1)).unwrap();
    let t = later.strftime("%Y-%m-%d %H:%M:%S").to_string();
    fs::write(
        d.join("gate.csv"),
        format!("单位,车牌,时间\n甲化工,苏F12345,{t}\n甲化工,苏F67890,{t}\n甲化工,苏A99999,{t}\n甲化工,苏A99999,2019-01-01 08:00:00\n"),
    )
    .unwrap();
    let (out, text, _) = run(lantian(&db)
        .args(["emergency", "gate-check", "--vehicles"])
        .arg(d.join("vehicles.csv"))
        .arg("--records")
        .arg(d.join("gate.csv")));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("4 records, 1 warning periods, 1 entries not allowed"),
        "{text}"
    );
    assert!(text.contains("gate.csv:4\t甲化工\t苏A99999"), "{text}");
    assert!(text.contains("未登记车辆：黄色预警期间"), "{text}");

    // Raised to orange: the China V truck is now refused too.
    let (out, _, stderr) = act(&["adjust", "--level", "orange", "--reason", "预测加重"]);
    assert!(out.status.success(), "{stderr}");
    let (_, text, _) = run(lantian(&db)
        .args(["emergency", "gate-check", "--vehicles"])
        .arg(d.join("vehicles.csv"))
        .arg("--records")
        .arg(d.join("gate.csv")));
    assert!(text.contains("2 entries not allowed"), "{text}");
    assert!(
        text.contains("国五柴油车辆：橙色预警期间仅允许国六及以上"),
        "{text}"
    );

    // Lifted (the replay allows it); the history shows every step with its reason.
    let (out, _, stderr) = act(&["lift"]);
    assert!(out.status.success(), "{stderr}");
    let (_, show, _) = run(lantian(&db).args(["emergency", "warning", "show", "1"]));
    for step in [
        "assess",
        "issue",
        "adjust",
        "lift",
        "接到长三角区域重污染天气预警",
        "预测加重",
    ] {
        assert!(show.contains(step), "{step}: {show}");
    }
    let (_, list, _) = run(lantian(&db).args(["emergency", "warning", "list"]));
    assert!(list.contains("1\t320614\t已解除\t橙色"), "{list}");
}

/// Hourly CEMS data of `mn` (NOx `nox` mg/m³, flow 10,000 m³/h) for every hour of
/// [`from`, `to`) (Beijing), stored as received frames.
fn cems_hours(store: &lantian_store::Store, mn: &str, from: &str, to: &str, nox: i64) {
    let id = store
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.device.mn == mn)
        .unwrap()
        .id;
    let tz = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
    let start: jiff::civil::DateTime = from.parse().unwrap();
    let end: jiff::civil::DateTime = to.parse().unwrap();
    let mut t = start;
    let mut frames = Vec::new();
    while t < end {
        let ts = t.to_zoned(tz.clone()).unwrap().timestamp().as_second();
        let dt = t.strftime("%Y%m%d%H%M%S").to_string();
        let seg = format!(
            "QN={dt}000;ST=31;CN=2061;PW=123456;MN={mn};Flag=4;CP=&&DataTime={dt};a21002-Avg={nox},a21002-Flag=N;a00000-Avg=10000,a00000-Flag=N&&"
        );
        frames.push(lantian_store::IngestFrame {
            device_id: id,
            received_at_ms: ts * 1000 + 60_000,
            cn: 2061,
            qn: Some(format!("{dt}000")),
            data_time: Some(ts),
            part: 0,
            raw: lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap(),
            vals: lantian_core::reading::encode_values(&[
                lantian_core::FactorValue {
                    code: "a21002".into(),
                    value: Some(nox * 1_000_000),
                    flag: Some("N".into()),
                    ..Default::default()
                },
                lantian_core::FactorValue {
                    code: "a00000".into(),
                    value: Some(10_000 * 1_000_000),
                    flag: Some("N".into()),
                    ..Default::default()
                },
            ]),
        });
        t = t.checked_add(jiff::Span::new().hours(1)).unwrap();
    }
    store.ingest(&frames).unwrap();
}

/// The scenario of issue #9 on the real January 2019 episode at Haimen: the grading proposes
/// the temporary-control tier; the office issues yellow on the regional trigger from 22
/// January 08:00 and lifts it on 25 January 12:00. Of two listed enterprises with CEMS, one
/// limits as its measure requires and one does not stop as it must: verification raises one
/// alarm, with the hours as evidence, and the after-action report's totals are the sums of its
/// rows.
#[test]
fn a_2019_episode_is_verified_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("ep.db");
    january_2019(&db);

    // Two CEMS, one per enterprise.
    fs::write(
        d.join("devices.csv"),
        "mn,password,name,kind,owner_kind,owner_name,address,town,lon,lat,realtime_s,offline_after\n\
         CEMSJIA01,123456,甲化工1号炉,cems,enterprise,甲化工,海门区,海门街道,121.17,31.89,,\n\
         CEMSYI001,123456,乙建材窑炉,cems,enterprise,乙建材,海门区,海门街道,121.18,31.88,,\n",
    )
    .unwrap();
    fs::write(
        d.join("factors.csv"),
        "mn,code,name,unit,range_max,limit,window,converted,allowed_per_day,basis\n\
         CEMSJIA01,a21002,氮氧化物,mg/m3,500,,,,,\nCEMSJIA01,a00000,废气流量,m3/h,,,,,,\n\
         CEMSYI001,a21002,氮氧化物,mg/m3,500,,,,,\nCEMSYI001,a00000,废气流量,m3/h,,,,,,\n",
    )
    .unwrap();
    let (out, _, stderr) = run(lantian(&db)
        .args(["device", "import"])
        .arg(d.join("devices.csv"))
        .arg("--factors")
        .arg(d.join("factors.csv")));
    assert!(out.status.success(), "{stderr}");
    {
        let store = lantian_store::Store::open(db.to_str().unwrap()).unwrap();
        // Baseline: the 7 days before; 甲 cuts NOx by 30 % (limit 20 % required), 乙 by 20 %
        // although it must stop.
        cems_hours(
            &store,
            "CEMSJIA01",
            "2019-01-15T08:00",
            "2019-01-22T08:00",
            50,
        );
        cems_hours(
            &store,
            "CEMSJIA01",
            "2019-01-22T08:00",
            "2019-01-25T12:00",
            35,
        );
        cems_hours(
            &store,
            "CEMSYI001",
            "2019-01-15T08:00",
            "2019-01-22T08:00",
            50,
        );
        cems_hours(
            &store,
            "CEMSYI001",
            "2019-01-22T08:00",
            "2019-01-25T12:00",
            40,
        );
    }
    let mut jia = enterprise(
        "甲化工",
        &uscc(1),
        "B级",
        ["限产20%", "限产30%", "限产50%"],
        ["20", "30", "50"],
    );
    jia = jia.replace(&format!("CEMS{}", &uscc(1)[14..]), "CEMSJIA01");
    let mut yi = enterprise(
        "乙建材",
        &uscc(2),
        "D级",
        ["停产", "停产", "停产"],
        ["100", "100", "100"],
    );
    yi = yi.replace(&format!("CEMS{}", &uscc(2)[14..]), "CEMSYI001");
    fs::write(d.join("list.csv"), list_csv(&[jia, yi])).unwrap();
    assert!(
        run(lantian(&db)
            .args(["emergency", "list", "import"])
            .arg(d.join("list.csv")))
        .0
        .status
        .success()
    );

    let replay = [
        "--area",
        "haimen",
        "--replay-from",
        "2019-01-15",
        "--replay-to",
        "2019-01-26",
        "--grading",
        "2024",
    ];
    let (out, text, stderr) = run(lantian(&db)
        .args(["emergency", "warning", "open"])
        .args(replay));
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("可采取临时管控措施"), "{text}");
    let act = |args: &[&str]| {
        run(lantian(&db)
            .args(["emergency", "warning", "act", "1"])
            .args(args))
    };
    let (out, _, stderr) = act(&[
        "issue",
        "--level",
        "yellow",
        "--reason",
        "接到长三角区域重污染天气预警",
        "--at",
        "2019-01-22 08:00",
    ]);
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = act(&["lift", "--at", "2019-01-25 12:00"]);
    assert!(out.status.success(), "{stderr}");

    let (out, text, _) = run(lantian(&db).args(["emergency", "verify", "1", "--raise"]));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("甲化工\tCEMSJIA01\t黄色"), "{text}");
    assert!(
        text.contains("限产20%：要求下降20%，实际下降30%，符合"),
        "{text}"
    );
    assert!(
        text.contains("停产：要求下降100%，实际下降20%，未落实"),
        "{text}"
    );
    assert!(text.contains("2 checks, 1 not met"), "{text}");
    assert!(text.contains("alarms raised: 1"), "{text}");
    // Raised once: verifying again extends the open alarm.
    let (_, text, _) = run(lantian(&db).args(["emergency", "verify", "1", "--raise"]));
    assert!(text.contains("alarms raised: 0"), "{text}");
    let (_, alarms, _) = run(lantian(&db).args(["alarm", "list"]));
    assert!(
        alarms.contains("应急减排未落实") || alarms.contains("emergency_reduction"),
        "{alarms}"
    );
    assert_eq!(
        alarms.lines().filter(|l| l.contains("CEMSYI001")).count(),
        1,
        "{alarms}"
    );

    // The after-action report: 76 hours of yellow; NOx expected 20 + 100 = 120 kg/d, achieved
    // 100 × 30 % + 100 × 20 % = 50 kg/d; the total row is the sum of the rows.
    let (out, text, stderr) = run(lantian(&db).args(["emergency", "report", "1"]));
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("持续小时\t76"), "{text}");
    assert!(
        text.contains("甲化工\tB级\t限产20%\t0\t\t20\t30\t"),
        "{text}"
    );
    assert!(text.contains("乙建材\tD级\t停产\t0\t\t100\t20\t"), "{text}");
    assert!(text.contains("合计\t\t\t0\t0\t120\t50\t"), "{text}");
    assert!(
        text.contains("2019-01-22T08:00:00\t"),
        "the AQI course: {text}"
    );
    assert!(text.contains("CEMSYI001\t应急减排未落实\traised"), "{text}");
    let (out, _, stderr) = run(lantian(&db)
        .args(["emergency", "report", "1", "--out"])
        .arg(d.join("总结.xlsx")));
    assert!(out.status.success(), "{stderr}");
    assert!(fs::metadata(d.join("总结.xlsx")).unwrap().len() > 1000);
}
