//! The Haimen plan file against the plan's own text (`../shared/seed/`), every task by a table
//! written from the appendix; the loader's errors; another district's plan.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use jiff::civil::date;
use lantian_plan::{Deadline, IndicatorKind, Plan, load};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn haimen() -> Plan {
    let path = repo().join("config/plans/haimen.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    load(&text).unwrap_or_else(|e| panic!("{}:\n{e}", path.display()))
}

/// The appendix's tasks from the seed: (序号, 重点工作任务, content, 完成时限, 责任分工).
fn seed_tasks() -> Vec<(u32, String, String, String, String)> {
    // $LANTIAN_SEED, else beside $LANTIAN_DATA (shared/seed next to shared/data), else beside
    // the repository.
    let dir = std::env::var("LANTIAN_SEED")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("LANTIAN_DATA").map(|d| PathBuf::from(d).join("../seed")))
        .unwrap_or_else(|_| repo().join("../shared/seed"));
    let path = dir.join("000_9abaa639099f0a1e.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set LANTIAN_SEED)", path.display()));
    let appendix = text.split(" 附件").nth(1).unwrap();
    let mut out = Vec::new();
    for row in appendix.split("\n\n") {
        let cells: Vec<String> = row
            .trim_matches('\n')
            .lines()
            .map(|c| c.trim().replace("[bookmark: _GoBack]", ""))
            .collect();
        if cells.len() < 5 {
            continue;
        }
        let Ok(n) = cells[0].parse::<u32>() else {
            continue;
        };
        out.push((
            n,
            cells[1].clone(),
            cells[2].clone(),
            cells[3].clone(),
            cells[4].clone(),
        ));
    }
    out
}

#[test]
fn the_file_is_the_seed_verbatim() {
    let plan = haimen();
    let seed = seed_tasks();
    assert_eq!(seed.len(), 48);
    assert_eq!(plan.tasks.len(), 48);
    for ((n, heading, content, deadline, resp), t) in seed.iter().zip(&plan.tasks) {
        assert_eq!(t.number, *n);
        assert_eq!(t.heading.as_deref().unwrap_or(""), heading, "task {n}");
        assert_eq!(&t.content, content, "task {n}");
        assert_eq!(&t.deadline_text, deadline, "task {n}");
        assert_eq!(&t.responsibility, resp, "task {n}");
        // Each heading names its measure (the appendix shortens one: 18 drops 能力建设 once).
        if !heading.is_empty() {
            let m = plan.measure(t.measure).unwrap();
            let short = m.title.replace("监测能力建设和", "监测和");
            assert!(
                m.title == *heading || short == *heading,
                "task {n}: {heading} vs measure {}: {}",
                m.number,
                m.title
            );
        }
    }
    assert_eq!(plan.sections.len(), 10);
    assert_eq!(plan.measures.len(), 24);
    assert!(plan.meta.goal.contains("PM2.5浓度降至27微克/立方米左右"));
}

// Department abbreviations of the expectations below.
fn dept(a: &str) -> &'static str {
    match a {
        "发改" => "发展改革委",
        "环境" => "生态环境局",
        "数据" => "数据局",
        "交通" => "交通运输局",
        "应急" => "应急管理局",
        "市场" => "市场监管局",
        "供电" => "供电公司",
        "农业" => "农业农村局",
        "海事" => "海事处",
        "自然" => "自然资源和规划局",
        "公安" => "公安局",
        "城管" => "城市管理局",
        "邮政" => "邮政管理局",
        "商务" => "商务局",
        "财政" => "财政局",
        "住建" => "住房和城乡建设局",
        "水利" => "水利局",
        "海晟" => "海晟集团",
        "科技" => "科技局",
        "气象" => "气象局",
        "人行" => "中国人民银行南通市分行海门支行",
        "金融" => "区地方金融监督管理局",
        "攻坚" => "攻坚办",
        other => panic!("abbreviation {other}"),
    }
}

/// Every task: deadline (None = 持续推进), lead, cooperating, others (等/各有关部门), as read by
/// hand from the appendix.
type Expect = (u32, Option<(i16, i8, i8)>, &'static str, &'static str, bool);

#[rustfmt::skip]
const TASKS: [Expect; 48] = [
    (1, None, "发改 环境 数据", "", false),
    (2, None, "发改 环境 交通 数据", "", true),
    (3, Some((2024, 9, 30)), "发改 环境 应急 市场", "", false),
    (4, None, "发改", "", false),
    (5, None, "环境", "", false),
    (6, None, "环境 市场", "", true),
    (7, None, "环境 交通", "", false),
    (8, None, "发改 环境 市场 供电", "", true),
    (9, None, "发改", "", false),
    (10, None, "发改 环境 市场", "", true),
    (11, Some((2025, 12, 31)), "环境", "发改 农业 市场", true),
    (12, None, "环境", "发改", true),
    (13, Some((2025, 12, 31)), "交通 发改 环境 海事", "", true),
    (14, None, "交通 发改 环境 自然 海事", "", true),
    (15, Some((2025, 12, 31)), "交通 发改 公安 城管 环境 市场 邮政", "", false),
    (16, None, "交通 发改 自然 环境", "", true),
    (17, None, "环境 交通 公安 商务 财政", "", false),
    (18, Some((2025, 12, 31)), "环境 公安 交通", "", false),
    (19, None, "环境", "交通 公安 市场", true),
    (20, Some((2025, 12, 31)), "环境 住建 城管 交通 农业 发改 水利 市场 海事", "", true),
    (21, Some((2025, 12, 31)), "交通", "环境 海事 市场", true),
    (22, None, "住建 城管 环境", "", false),
    (23, Some((2025, 12, 31)), "自然 住建 城管 交通 环境 公安 水利 海晟", "", true),
    (24, None, "农业 发改 环境 科技", "", true),
    (25, None, "环境", "农业 气象 住建", true),
    (26, Some((2025, 12, 31)), "环境", "", false),
    (27, Some((2024, 12, 31)), "环境", "", false),
    (28, None, "环境", "发改 市场 应急", true),
    (29, None, "环境", "", false),
    (30, None, "城管 环境", "", false),
    (31, Some((2025, 12, 31)), "农业 环境", "", false),
    (32, None, "环境", "", false),
    (33, None, "环境", "", true),
    (34, None, "环境", "发改 科技 气象", true),
    (35, None, "环境 公安 交通", "", true),
    (36, None, "环境", "交通 公安 住建 城管 海事", true),
    (37, None, "环境", "公安 市场", true),
    (38, None, "环境 发改 住建 城管 市场 公安 海事", "", true),
    (39, None, "环境", "", true),
    (40, None, "环境 发改 市场", "", true),
    (41, None, "环境", "交通", false),
    (42, None, "发改", "环境 财政", true),
    (43, None, "交通", "发改 财政", true),
    (44, None, "交通 环境 财政", "", true),
    (45, None, "人行", "金融 环境 交通 财政", true),
    (46, None, "环境", "", true),
    (47, None, "攻坚", "", true),
    (48, None, "环境 发改 人行 市场", "", true),
];

#[test]
fn every_task_has_its_deadline_and_departments() {
    let plan = haimen();
    let names =
        |s: &str| -> Vec<String> { s.split_whitespace().map(|a| dept(a).to_owned()).collect() };
    for (n, due, lead, coop, others) in TASKS {
        let t = plan.task(n).unwrap();
        let want = match due {
            None => Deadline::Ongoing,
            Some((y, m, d)) => Deadline::By(date(y, m, d)),
        };
        assert_eq!(t.deadline, want, "task {n} deadline");
        assert_eq!(t.lead, names(lead), "task {n} lead");
        assert_eq!(t.cooperating, names(coop), "task {n} cooperating");
        assert_eq!(t.others, others, "task {n} others");
        // The file's lists are what the responsibility text says.
        let read = lantian_plan::responsibility::parse(&t.responsibility);
        let canon = |l: &[String]| -> Vec<String> {
            l.iter()
                .map(|d| plan.department(d).unwrap().name.clone())
                .collect()
        };
        assert_eq!(canon(&read.lead), t.lead, "task {n}: text and list differ");
        assert_eq!(canon(&read.cooperating), t.cooperating, "task {n}");
    }
}

#[test]
fn the_indicators_of_the_plan() {
    let plan = haimen();
    let codes: Vec<&str> = plan.indicators.iter().map(|i| i.code.as_str()).collect();
    for want in [
        "pm25",
        "nox_total",
        "vocs_total",
        "lingdian_vocs",
        "straw_utilisation",
        "fertiliser_use",
        "manure_utilisation",
        "nev_public_share",
        "water_freight",
        "rail_freight",
        "rail_container_growth",
        "port_clean_transport",
        "shore_power",
        "road_sweeping",
        "green_factories",
        "port_machinery_clean",
        "expressway_fast_charging",
        "coal_boilers_35t",
        "china3_diesel_trucks",
    ] {
        assert!(codes.contains(&want), "indicator {want} missing");
    }
    let pm = plan.indicator("pm25").unwrap();
    assert_eq!(pm.target.to_string(), "27");
    // 左右: half a unit of the last digit.
    assert_eq!(pm.tolerance.to_string(), "0.5");
    assert_eq!(pm.deadline, date(2025, 12, 31));
    assert!(matches!(pm.source, lantian_plan::Source::Monitoring(ref s) if s == "pm25_annual"));
    let nox = plan.indicator("nox_total").unwrap();
    assert_eq!(
        (nox.kind, nox.baseline_year),
        (IndicatorKind::Change, Some(2020))
    );
    assert_eq!(nox.target.to_string(), "-10");
    assert!(matches!(nox.source, lantian_plan::Source::Inventory(ref p) if p == "NOx"));
    assert_eq!(
        plan.indicator("china3_diesel_trucks").unwrap().deadline,
        date(2024, 12, 31)
    );
    for i in &plan.indicators {
        assert!(!i.responsible.is_empty(), "{}", i.code);
    }
}

#[test]
fn another_districts_plan_loads_the_same_way() {
    let text = r#"
[plan]
code = "qidong-aq-2024"
version = 1
title = "启东市空气质量持续改善行动计划实施方案"
district = "启东市"
reporting = "monthly"

[[department]]
name = "生态环境局"

[[department]]
name = "住建局"
aliases = ["住房和城乡建设局"]

[[town]]
name = "汇龙镇"
kind = "镇"

[[section]]
number = 1
numeral = "一"
title = "重点任务"

[[measure]]
number = 1
section = 1
title = "加强扬尘管控"
text = "加强扬尘管控。"

[[task]]
number = 1
measure = 1
content = "工地安装扬尘在线监测。"
deadline = "2025年6月底"
responsibility = "住房和城乡建设局牵头，生态环境局配合"
"#;
    let plan = load(text).unwrap();
    let t = plan.task(1).unwrap();
    assert_eq!(t.lead, ["住建局"]);
    assert_eq!(t.cooperating, ["生态环境局"]);
    assert_eq!(t.deadline, Deadline::By(date(2025, 6, 30)));
    assert!(plan.indicators.is_empty());
}

fn errors_of(text: &str) -> Vec<String> {
    load(text)
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEAD: &str = r#"[plan]
code = "x"
version = 1
title = "t"
district = "d"
reporting = "quarterly"

[[department]]
name = "生态环境局"

[[section]]
number = 1
numeral = "一"
title = "s"

[[measure]]
number = 1
section = 1
title = "m"
text = "m"
"#;

#[test]
fn bad_files_say_what_and_where() {
    // Syntax: the line of the problem.
    let e = errors_of(&format!("{HEAD}\n[[task]]\nnumber = \n"));
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("line 23:"), "{e:?}");
    // A misspelt field.
    let e = errors_of(&format!(
        "{HEAD}\n[[task]]\nnumber = 1\nmeasure = 1\ncontent = \"c\"\ndeadline = \"持续推进\"\nresponsibility = \"生态环境局负责\"\nowner = \"x\"\n"
    ));
    assert!(e[0].contains("unknown field `owner`"), "{e:?}");
    // Every semantic problem at once, in line order, each with its line: a table's header, or
    // the element of a list.
    let text = format!(
        r#"{HEAD}
[[task]]
number = 1
measure = 9
content = "c"
deadline = "尽快"
responsibility = "财政局牵头"

[[task]]
number = 1
measure = 1
content = "c"
deadline = "2025年"
responsibility = "生态环境局负责"
lead = ["生态环境局",
  "环保局"]

[[indicator]]
code = "i"
name = "n"
unit = "%"
kind = "change"
direction = "at_least"
target = "ten"
deadline = "持续推进"
source = "sensor"
responsible = ["生态环境局"]
tasks = [7]
text = "t"
"#
    );
    let e = errors_of(&text);
    let want = [
        "line 22: task 1: no measure 9",
        "line 22: task 1: deadline \"尽快\"",
        "line 22: task 1: unknown department \"财政局\"",
        "line 22: task 1: no lead department",
        "line 29: task 1 is listed twice",
        "line 36: task 1: unknown department \"环保局\"",
        "line 38: indicator i: target \"ten\" is not a number",
        "line 38: indicator i: a change needs baseline_year",
        "line 38: indicator i: a target needs a dated deadline",
        "line 38: indicator i: source \"sensor\"",
        "line 38: indicator i: no task 7",
    ];
    assert_eq!(e.len(), want.len(), "{e:#?}");
    for w in want {
        assert!(e.iter().any(|x| x.starts_with(w)), "{w} not in {e:#?}");
    }
}
