//! `lantian device` and `lantian alarm`: the registry round-trips through CSV and xlsx, errors
//! name file, line and field, and an alarm is worked through its lifecycle with its evidence.

use std::fs;

use lantian_store::{AlarmUpdate, IngestFrame, Store};

use crate::{lantian, run};

const DEVICES: &str = "mn,password,name,kind,owner_kind,owner_name,address,town,lon,lat,realtime_s,offline_after
YY0001,pw1,某饭店油烟,oil_fume,restaurant,某饭店,海门区解放路1号,海门街道,121.17,31.89,60,3
GD0001,pw2,某工地扬尘,construction_dust,construction_site,某工地,海门区人民路2号,三厂街道,121.20,31.90,60,5
";
const FACTORS: &str = "mn,code,name,unit,range_max,limit,window,converted,allowed_per_day,basis
YY0001,CONC,油烟浓度,mg/m3,20,2.0,min10,false,0,GB 18483-2001
GD0001,a34002,PM10,ug/m3,5000,80,hour,false,0,DB32/4437-2022（未核实）
GD0001,LA,噪声,dB,,,,,,
";

#[test]
fn registry_round_trips_through_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("devices.csv"), DEVICES).unwrap();
    fs::write(d.join("factors.csv"), FACTORS).unwrap();
    let (out, stdout, stderr) = run(lantian(d.join("a.db"))
        .args(["device", "import"])
        .arg(d.join("devices.csv"))
        .arg("--factors")
        .arg(d.join("factors.csv")));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("2 devices read, 2 added or changed"),
        "{stdout}"
    );

    // CSV export, re-import elsewhere, export again: the same tables.
    let (out, _, stderr) = run(lantian(d.join("a.db"))
        .args(["device", "export", "--out"])
        .arg(d.join("x.csv")));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(lantian(d.join("b.db"))
        .args(["device", "import"])
        .arg(d.join("x.csv"))
        .arg("--factors")
        .arg(d.join("x.factors.csv")));
    assert!(out.status.success(), "{stderr}");
    run(lantian(d.join("b.db"))
        .args(["device", "export", "--out"])
        .arg(d.join("y.csv")));
    assert_eq!(
        fs::read(d.join("x.csv")).unwrap(),
        fs::read(d.join("y.csv")).unwrap()
    );
    assert_eq!(
        fs::read(d.join("x.factors.csv")).unwrap(),
        fs::read(d.join("y.factors.csv")).unwrap()
    );
    let factors = fs::read_to_string(d.join("x.factors.csv")).unwrap();
    assert!(
        factors.contains("YY0001,CONC,油烟浓度,mg/m3,20,2,min10,false,0,GB 18483-2001"),
        "{factors}"
    );

    // xlsx export and import.
    let (out, _, stderr) = run(lantian(d.join("a.db"))
        .args(["device", "export", "--format", "xlsx", "--out"])
        .arg(d.join("r.xlsx")));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(lantian(d.join("c.db"))
        .args(["device", "import"])
        .arg(d.join("r.xlsx")));
    assert!(out.status.success(), "{stderr}");
    let a = Store::open(d.join("a.db").to_str().unwrap())
        .unwrap()
        .devices()
        .unwrap();
    let c = Store::open(d.join("c.db").to_str().unwrap())
        .unwrap()
        .devices()
        .unwrap();
    let strip =
        |v: Vec<lantian_store::StoredDevice>| v.into_iter().map(|d| d.device).collect::<Vec<_>>();
    assert_eq!(strip(a), strip(c));
    let (_, list, _) = run(lantian(d.join("c.db")).args(["device", "list"]));
    assert!(
        list.contains("YY0001\t餐饮油烟监测\t某饭店油烟\t某饭店\t海门街道\t1 factors\t1 limits"),
        "{list}"
    );
}

#[test]
fn bad_tables_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("devices.csv"), DEVICES).unwrap();
    let cases = [
        (
            FACTORS.replace(",80,hour,", ",abc,hour,"),
            "factors.csv:3: field limit: \"abc\" is not a number",
        ),
        (
            FACTORS.replace(",min10,", ",min0,"),
            "factors.csv:2: field window",
        ),
        (
            FACTORS.replace("GD0001,LA", "XX0001,LA"),
            "factors.csv:4: field mn: \"XX0001\"",
        ),
    ];
    for (factors, want) in cases {
        fs::write(d.join("factors.csv"), factors).unwrap();
        let (out, _, stderr) = run(lantian(d.join("a.db"))
            .args(["device", "import"])
            .arg(d.join("devices.csv"))
            .arg("--factors")
            .arg(d.join("factors.csv")));
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr.contains(want), "{want:?} not in {stderr}");
    }
    fs::write(d.join("bad.csv"), DEVICES.replace("oil_fume", "油烟机")).unwrap();
    let (_, _, stderr) = run(lantian(d.join("a.db"))
        .args(["device", "import"])
        .arg(d.join("bad.csv")));
    assert!(
        stderr.contains("bad.csv:2: field kind: \"油烟机\""),
        "{stderr}"
    );
    // Nothing was stored by the failed imports.
    let store = Store::open(d.join("a.db").to_str().unwrap()).unwrap();
    assert!(store.devices().unwrap().is_empty());
}

#[test]
fn an_alarm_is_worked_through_its_lifecycle_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("devices.csv"), DEVICES).unwrap();
    fs::write(d.join("factors.csv"), FACTORS).unwrap();
    run(lantian(d.join("a.db"))
        .args(["device", "import"])
        .arg(d.join("devices.csv"))
        .arg("--factors")
        .arg(d.join("factors.csv")));
    let id = {
        let store = Store::open(d.join("a.db").to_str().unwrap()).unwrap();
        let dev = store
            .devices()
            .unwrap()
            .into_iter()
            .find(|x| x.device.mn == "YY0001")
            .unwrap();
        let raw = "##0100QN=20240101120000000;ST=99;CN=2011;PW=pw1;MN=YY0001;Flag=5;CP=&&DataTime=20240101120000;CONC-Rtd=3.5,CONC-Flag=N&&ABCD\r\n";
        store
            .ingest(&[IngestFrame {
                device_id: dev.id,
                received_at_ms: 1_704_081_600_000,
                cn: 2011,
                qn: None,
                data_time: Some(1_704_081_600),
                part: 0,
                raw: raw.as_bytes().to_vec(),
                vals: Vec::new(),
            }])
            .unwrap();
        store
            .apply_alarm_updates(
                &[AlarmUpdate::Raise(lantian_core::AlarmCandidate {
                    mn: "YY0001".to_owned(),
                    kind: lantian_core::AlarmKind::Exceedance,
                    factor: Some("CONC".to_owned()),
                    start: 1_704_081_600,
                    end: 1_704_082_200,
                    value: Some(3_500_000),
                    limit: Some(2_000_000),
                    detail: "CONC 10分钟均值 3.5 超过限值 2（GB 18483-2001）".to_owned(),
                    evidence: vec![1_704_081_600],
                    evidence_kind: Some(lantian_core::ReadingKind::RealTime),
                })],
                1_704_082_300_000,
            )
            .unwrap()[0]
    };
    let id = id.to_string();
    let (_, list, _) = run(lantian(d.join("a.db")).args(["alarm", "list", "--open"]));
    assert!(list.contains("YY0001\t超标\t待处理\tCONC"), "{list}");
    // Closing before handling is refused with a clear message.
    let (out, _, stderr) =
        run(lantian(d.join("a.db")).args(["alarm", "act", &id, "close", "--actor", "张三"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("cannot close an alarm that is raised"),
        "{stderr}"
    );
    for args in [
        vec!["acknowledge"],
        vec!["dispatch"], // to the device's town, 海门街道
        vec![
            "handle",
            "--note",
            "已清洗净化器",
            "--attach",
            "现场照片.jpg",
        ],
        vec!["close"],
    ] {
        let (out, _, stderr) = run(lantian(d.join("a.db"))
            .args(["alarm", "act", &id])
            .args(&args)
            .args(["--actor", "张三"]));
        assert!(out.status.success(), "{args:?}: {stderr}");
    }
    let (_, show, _) = run(lantian(d.join("a.db")).args(["alarm", "show", &id]));
    for want in [
        "已办结",
        "数值 3.5 / 限值 2",
        "dispatch\traised",
        "海门街道",
        "附件: 现场照片.jpg",
        "CONC-Rtd=3.5",
    ] {
        assert!(
            show.contains(want) || show.contains(&want.replace("\traised", "")),
            "{want:?} not in:\n{show}"
        );
    }
    let (out, stdout, _) = run(lantian(d.join("a.db")).args(["verify", "frames"]));
    assert!(out.status.success());
    assert!(
        stdout.contains("1 frames verified, 0 broken chains"),
        "{stdout}"
    );
}
