//! The spec's real messages E1-E19 and the standards' own examples S1/S2, dumped as insta
//! snapshots (frame verdict, header, factors, typed message, answer), plus the Appendix C
//! typos a lenient parser must survive.

use std::fmt::Write as _;

use lantian_hj212::{
    CrcPolicy, CrcVariant, FramerConfig, Message, Packet, encode, parse_frame_with,
};

/// (id, wire text without CR LF). From shared/docs/hj212.md §2.4 and §13.1.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "S1",
        "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80",
    ),
    (
        "S2",
        "##0087QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&2200",
    ),
    (
        "E1",
        "##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181",
    ),
    (
        "E2",
        "##0411QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=20220513162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Flag=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=95,a01006-Flag=N&&D641",
    ),
    (
        "E3",
        "##0317QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20191012133710;a21005-Rtd=0.00,a21005-Flag=N;a21004-Rtd=0.00,a21004-Flag=N;a21007-Rtd=0.033,a21007-Flag=N;a21006-Rtd=0.036,a21006-Flag=N;a21001-Rtd=25.40,a21001-Flag=N;a21003-Rtd=101.94,a21003-Flag=N;a21002-Rtd=49.20,a21002-Flag=N&&cc01",
    ),
    (
        "E4",
        "##0344QN=20220928142812336;ST=22;CN=2011;PW=123456;MN=JSRCTD000YD107;Flag=5;CP=&&DataTime=20220928142812;l01001-Flag=N,l01001-Rtd=119.90287;l01002-Flag=N,l01002-Rtd=32.48505;a34002-Rtd=5,a34002-Flag=N;a34004-Rtd=4,a34004-Flag=N;a21026-Rtd=22.25,a21026-Flag=N;a21004-Rtd=22.7,a21004-Flag=N;a21005-Rtd=0.36,a21005-Flag=N;a05024-Rtd=8.82,a05024-Flag=N&&9241",
    ),
    (
        "E5",
        "##0204QN=20191112091100598;ST=31;CN=2051;PW=123456;MN=14513567846884;PNO=0002;PNUM=0002;CP=&&DataTime=20191112090000;a01006-Avg=101.85,a01006-Min=101.84,a01006-Max=101.87,a01006-ValidNum=10,a01006-TotalNum=10&&2800",
    ),
    (
        "E6",
        "##0872ST=31;CN=2011;PW=123456;MN=88888880000001;CP=&&DataTime=20200921174057;831-Rtd=3.128,831-Flag=N;121-Rtd=3.915,121-Flag=N;023-Rtd=0.000,023-Flag=N;802-Rtd=0.000,802-Flag=N;803-Rtd=0.000,803-Flag=N;808-Rtd=0.589,808-Flag=N;801-Rtd=0.349,801-Flag=N;811-Rtd=102.472,811-Flag=N;810-Rtd=128.061,810-Flag=N;812-Rtd=0.000,812-Flag=N;806-Rtd=19.333,806-Flag=N;039-Rtd=22.242,039-Flag=N;805-Rtd=51.768,805-Flag=N;817-Rtd=0.000,817-Flag=N;a99948-Rtd=452.341,a99948-Flag=N;a99949-Rtd=130.582,a99949-Flag=N;804-Rtd=345.387,804-Flag=N;040-Rtd=0.000,040-Flag=N;028-Rtd=0.000,028-Flag=N;029-Rtd=0.000,029-Flag=N;030-Rtd=0.000,030-Flag=N;041-Rtd=0.000,041-Flag=N;809-Rtd=0.000,809-Flag=N;814-Rtd=3.555,814-Flag=N;038-Rtd=0.000,038-Flag=N;816-Rtd=0.000,816-Flag=N;813-Rtd=0.000,813-Flag=N;033-Rtd=0.000,033-Flag=N;036-Rtd=0.000,036-Flag=N;807-Rtd=0.000,807-Flag=N;815-Rtd=0.000,815-Flag=N&&7700",
    ),
    (
        "E7",
        "##0234ST=101;CN=2011;PW=123456;MN=41050022000017;CP=&&DataTime=20200922110000;a34010-Rtd=2.017,a34010-Flag=N;a34009-Rtd=0.522,a34009-Flag=N;ua19004-Rtd=2.017,ua19004-Flag=N;ua19005-Rtd=0.522,ua19005-Flag=N;ua19003-Rtd=2.539,ua19003-Flag=N&&3300",
    ),
    (
        "E10",
        "##0121QN=20250131202809340;ST=39;CN=2011;PW=123456;MN=0507A010003242;Flag=4;CP=&&DataTime=20250131202809;a34001-Rtd=92;Flag=N&&BF41",
    ),
    (
        "E11",
        "##0589QN=20210210073530000;ST=22;CN=2011;MN=aqms-1100-2020110011;PW=123456;Flag=4;CP=&&DataTime=20210210073530;a34004-Rtd=33,a34004-Flag=N;a34002-Rtd=42,a34002-Flag=N;pms_rules-Rtd=7,pms_rules-Flag=N;a01001-Rtd=10,a01001-Flag=N;a01002-Rtd=73,a01002-Flag=N;a01006-Rtd=102.3,a01006-Flag=N;lng-Rtd=120.32879,lng-Flag=N;lat-Rtd=31.17347,lat-Flag=N;a21026-Rtd=2,a21026-Flag=N;a21004-Rtd=28,a21004-Flag=N;a05024-Rtd=58,a05024-Flag=N;a21005-Rtd=0.5,a21005-Flag=N;a99054-Rtd=0.137,a99054-Flag=N;hot_t-Rtd=39.3,hot_t-Flag=N;a01007-Rtd=2.2,a01007-Flag=N;a01008-Rtd=41,a01008-Flag=N;vn-Rtd=1.04,vn-Flag=N&&5D80",
    ),
    (
        "E12",
        "##0367QN=20200814151600001;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=7;CP=&&DataTime=20200814151600;LA-td=50.1,LA-Flag=N;a34004-Rtd=207,a34004-Flag=N;a34002-Rtd=295,a34002-Flag=N;a01001-Rtd=12.6,a01001-Flag=N;a01002-Rtd=32,a01002-Flag=N;a01006-Rtd=101.02,a01006-Flag=N;a01007-Rtd=2.1,a01007-Flag=N;a01008-Rtd=120,a01008-Flag=N;a34001-Rtd=217,a34001-Flag=N;&&5CC0",
    ),
    (
        "E13",
        "##0137QN=20231008130452757;ST=22;CN=2081;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20231008130452;RestartTime=20231007130452&&3AC0",
    ),
    (
        "E14",
        "##0094QN=20231008125115215;ST=22;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&CC01",
    ),
    (
        "E15",
        "##0087QN=20201015123632010;ST=91;CN=9014;PW=123456;MN=410183160889201000212505;Flag=4;CP=&&&&f001",
    ),
    (
        "E16",
        "##0144ST=31;CN=2021;PW=123456;MN=ZG130102201666;CP=&&DataTime=20180119131000;SB1-RS=0;SB2-RS=0;SB3-RS=0;SB4-RS=0;SB5-RS=0;SB6-RS=0;SB7-RS=0;SB8-RS=0&&CAC1",
    ),
    (
        "E17",
        "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980",
    ),
    (
        "E18",
        "##0275QN=20190901181526940;ST=32;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20190901181500;a21005-Rtd=1.760,a21005-Flag=N;a21026-Rtd=106.400,a21026-Flag=N;O3-Rtd=63.400,O3-Flag=N;a21004-Rtd=63.200,a21004-Flag=N;a34002-Rtd=9,a34002-Flag=N;a34004-Rtd=4,a34004-Flag=N&&1100",
    ),
    (
        "E19",
        "##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980",
    ),
];

fn dump(id: &str, wire: &[u8], cfg: &FramerConfig) -> String {
    let mut s = String::new();
    let frame = match parse_frame_with(wire, cfg) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(s, "{id}: rejected: {}", e.kind());
            return s;
        }
    };
    let _ = writeln!(
        s,
        "{id}: frame ok, crc {:04X} ({}), lower-case {}, trailer {:?}, canonical {}",
        frame.crc(),
        frame.crc_variant(),
        frame.crc_lower_case(),
        frame.trailer(),
        frame.is_canonical()
    );
    let text = frame.text();
    let p = match Packet::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(s, "packet rejected: {e}");
            return s;
        }
    };
    let _ = writeln!(s, "{p:#?}");
    let _ = writeln!(s, "qn time: {:?}", p.qn_time());
    let _ = writeln!(s, "data time: {:?}", p.data_time());
    for f in p.fields().filter(|f| f.code.is_none()) {
        let _ = writeln!(s, "plain {f:?}");
    }
    for f in p.factors() {
        let known = lantian_hj212::codes::factor(f.code)
            .or_else(|| lantian_hj212::codes::from_2005(f.code))
            .map(|i| format!(" [{} {}]", i.code, i.name_zh))
            .unwrap_or_default();
        let _ = writeln!(s, "factor {f:?} -> {:?}{known}", f.validity());
        for x in f.fields().filter(|x| x.issue.is_some()) {
            let _ = writeln!(s, "  issue {x:?}");
        }
    }
    let kind = match p.message() {
        Message::Data(d) => format!("Data({:?})", d.kind),
        m => {
            let m = format!("{m:?}");
            m.chars().take(200).collect()
        }
    };
    let _ = writeln!(s, "message: {kind}");
    match encode::answer(&p) {
        Ok(Some(a)) => {
            let _ = writeln!(s, "answer: {}", String::from_utf8_lossy(&a).trim_end());
        }
        Ok(None) => {
            let _ = writeln!(s, "answer: none");
        }
        Err(e) => {
            let _ = writeln!(s, "answer error: {e}");
        }
    }
    s
}

#[test]
fn spec_examples_snapshots() {
    let cfg = FramerConfig::default();
    for (id, wire) in EXAMPLES {
        let mut w = wire.as_bytes().to_vec();
        w.extend_from_slice(b"\r\n");
        insta::assert_snapshot!(*id, dump(id, &w, &cfg));
    }
}

#[test]
fn modbus_swapped_devices_when_configured() {
    // E8/E9: real CEMS loggers sending CRC-16/MODBUS low byte first (E9 is also 1025 bytes).
    let e8 = "##0868ST=31;CN=2011;PW=123456;MN=4201003;CP=&&DataTime=20200923111707;112-Rtd=11.285,112-Flag=N;121-Rtd=27.702,121-Flag=N;023-Rtd=4.372,023-Flag=N;802-Rtd=12.668,802-Flag=N;803-Rtd=4.314,803-Flag=N;808-Rtd=0.000,808-Flag=N;801-Rtd=2.920,801-Flag=N;811-Rtd=266.765,811-Flag=N;810-Rtd=44.881,810-Flag=N;812-Rtd=1.508,812-Flag=N;806-Rtd=10.850,806-Flag=N;039-Rtd=14.531,039-Flag=N;805-Rtd=23.591,805-Flag=N;817-Rtd=1.583,817-Flag=N;a99949-Rtd=786.913,a99949-Flag=N;a99948-Rtd=267.765,a99948-Flag=N;804-Rtd=140.124,804-Flag=N;040-Rtd=0.000,040-Flag=N;028-Rtd=0.160,028-Flag=N;029-Rtd=4.685,029-Flag=N;030-Rtd=40.235,030-Flag=N;041-Rtd=0.000,041-Flag=N;809-Rtd=1.615,809-Flag=N;814-Rtd=4.697,814-Flag=N;038-Rtd=0.881,038-Flag=N;816-Rtd=1.284,816-Flag=N;813-Rtd=2.116,813-Flag=N;033-Rtd=0.000,033-Flag=N;036-Rtd=0.000,036-Flag=N;807-Rtd=0.000,807-Flag=N;815-Rtd=0.721,815-Flag=N&&A6EC\r\n";
    let strict = FramerConfig::default();
    assert!(parse_frame_with(e8.as_bytes(), &strict).is_err());
    let per_device = strict.with_crc(CrcPolicy::STANDARD.with(CrcVariant::ModbusSwapped));
    insta::assert_snapshot!("E8", dump("E8", e8.as_bytes(), &per_device));
}

/// HJ 212-2017 Appendix C data segments with the standard's own typos (spec §13.2).
#[test]
fn appendix_c_typos_are_survived() {
    let cases = [
        // C.23: BeginTime and EndTime separated by ','.
        (
            "QN=20160801085857223;ST=32;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&BeginTime=20160801000000,EndTime=20160801235959&&",
            "BeginTime",
        ),
        // C.19: no ';' before CP.
        (
            "QN=20160801085857223;ST=32;CN=1062;PW=123456;MN=010000A8900016F000169DC0;Flag=5CP=&&RtdInterval=30&&",
            "RtdInterval",
        ),
        // C.22: ',' between QN and ST.
        (
            "QN=20160801085857534,ST=32;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20160801084000;w01018-Avg=1.1&&",
            "DataTime",
        ),
        // Spaces inside CP.
        (
            "QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&& PolId=w01018;i12003-Info =0;VaseNo=1 &&",
            "PolId",
        ),
        // C.14: code prefix lost its 'w'.
        (
            "QN=20160801085857223;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20160801085857;w01018-SampleTime=20160801080000,01018-Rtd=2.2&&",
            "DataTime",
        ),
        // C.29: duplicate key.
        (
            "QN=20160801085857223;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20160801085857;e01001-Rtd=1.1;e01001-Rtd=2.2&&",
            "DataTime",
        ),
        // C.4: 'CP=&& &&' in a 9013 answer.
        (
            "QN=20160801085857223;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&& &&",
            "",
        ),
    ];
    let mut out = String::new();
    for (seg, first) in cases {
        let wire = encode::encode_frame(seg.as_bytes()).unwrap();
        let f = lantian_hj212::parse_frame(&wire).unwrap();
        let p = Packet::parse(std::str::from_utf8(f.data()).unwrap()).unwrap();
        assert_eq!(p.fields().next().map(|f| f.key).unwrap_or(""), first);
        let _ = writeln!(out, "{:?} {:?}", p.notes(), p.fields().collect::<Vec<_>>());
        for fac in p.factors() {
            let _ = writeln!(out, "  {fac:?}");
        }
    }
    insta::assert_snapshot!("appendix_c_typos", out);
}

#[test]
fn answers_and_requests_are_byte_exact() {
    use jiff::civil::date;
    use lantian_hj212::{
        ExeRtn, QnRtn, Version,
        encode::{RangeSeparator, Request},
    };
    let mut out = String::new();
    let mut line = |b: Vec<u8>| {
        let _ = writeln!(out, "{}", String::from_utf8(b).unwrap().trim_end());
    };
    let p2017 = Packet::parse("QN=20160801085857223;ST=32;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20160801084000&&").unwrap();
    let p2025 = Packet::parse("QN=20240601085857223;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&DataTime=20240601085800&&").unwrap();
    let p2005 = Packet::parse("QN=20040516010101001;ST=32;CN=2051;PW=123456;MN=88888880000001;Flag=1;CP=&&DataTime=20040516010000&&").unwrap();
    for p in [&p2017, &p2025, &p2005] {
        line(encode::data_answer(p).unwrap());
        line(encode::notification_answer(p).unwrap());
        line(encode::request_answer(p, QnRtn::Ready).unwrap());
        line(encode::execution_result(p, ExeRtn::Success).unwrap());
    }
    let r = Request::new(
        "20160801085857223",
        "32",
        "123456",
        "010000A8900016F000169DC0",
    );
    let t0 = date(2016, 8, 1).at(0, 0, 0, 0);
    let t1 = date(2016, 8, 1).at(23, 59, 59, 0);
    for b in [
        r.set_timeout(10, 3),
        r.get_time(None),
        r.get_time(Some("w01018")),
        r.set_time(None, date(2016, 8, 1).at(8, 58, 57, 0)),
        r.get_rtd_interval(),
        r.set_rtd_interval(30),
        r.get_min_interval(),
        r.set_min_interval(10),
        r.set_password("654321"),
        r.realtime_data(true),
        r.realtime_data(false),
        r.running_status(true),
        r.running_status(false),
        r.history(2031, t0, t1),
        r.history(2051, t0, t1),
        r.history(2061, t0, t1),
        Request {
            range_separator: RangeSeparator::Semicolon,
            ..r.clone()
        }
        .history(2041, t0, t1),
        r.field_info(Some("w01018"), "i11001", Some((t0, t1))),
        Request {
            version: Version::V2005,
            ..r.clone()
        }
        .set_password("654321"),
        lantian_hj212::v2025::send_new_key(
            &Request {
                version: Version::V2025,
                ..r.clone()
            },
            "20260101000000",
            "0123456789abcdef",
        ),
    ] {
        line(b.encode().unwrap());
    }
    insta::assert_snapshot!("answers_and_requests", out);
}
