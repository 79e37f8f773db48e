//! The example rules applied to figures whose scores were computed by hand.

#![allow(clippy::unwrap_used)]

use lantian_assessment::{Figures, Rules, assess};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn rules() -> Rules {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/assessment/example-rules.toml"),
    )
    .unwrap();
    Rules::from_toml(&text).unwrap()
}

fn figures(rows: &[(&str, &[(&str, &str)])]) -> Figures {
    rows.iter()
        .map(|(town, v)| {
            (
                (*town).to_owned(),
                v.iter().map(|(k, x)| ((*k).to_owned(), d(x))).collect(),
            )
        })
        .collect()
}

#[test]
fn scores_money_vetoes_and_inspections_as_computed_by_hand() {
    let f = figures(&[
        // PM2.5 26 ≤ target 28: 100. Good days 85: 100 × (85 − 70)/20 = 75. Fires 1: 100 × 4/5
        // = 80. Reports 100 %: 100. Total (50·100 + 20·75 + 15·80 + 15·100)/100 = 92.
        // Money: 2 µg/m³ better × 10,000 = 20,000.
        (
            "海门街道",
            &[
                ("pm25", "26"),
                ("good_day_pct", "85"),
                ("fire_real", "1"),
                ("reports_on_time_pct", "100"),
            ],
        ),
        // PM2.5 31 against 28 (zero at 38): 100 × 7/10 = 70. Good days 90: 100. Fires 3: 40,
        // and > 2: inspection. Reports 75 %: 50. Total (3500 + 2000 + 600 + 750)/100 = 68.5.
        // Money: 3 worse × 20,000 = −60,000. PM2.5 +6 % year on year: inspection too.
        (
            "三厂街道",
            &[
                ("pm25", "31"),
                ("good_day_pct", "90"),
                ("fire_real", "3"),
                ("reports_on_time_pct", "75"),
                ("pm25_change_pct", "6"),
            ],
        ),
        // PM2.5 25 against 27: 100, 2 better → 20,000 would be the reward, but heavy days rose:
        // vetoed, no reward, ranked after the others. No fire figure: 0 (missing = zero).
        // Good days 95: 100; reports 100. Total (5000 + 2000 + 0 + 1500)/100 = 85.
        (
            "临江镇",
            &[
                ("pm25", "25"),
                ("good_day_pct", "95"),
                ("reports_on_time_pct", "100"),
                ("heavy_days_up", "1"),
            ],
        ),
        // No PM2.5 target: PM2.5 not scored (weight dropped). Good days 80: 50; fires 0: 100;
        // reports 90: 80. Total (1000 + 1500 + 1200)/50 = 74.
        (
            "悦来镇",
            &[
                ("pm25", "30"),
                ("good_day_pct", "80"),
                ("fire_real", "0"),
                ("reports_on_time_pct", "90"),
            ],
        ),
    ]);
    let a = assess(&rules(), &f, "2026-03");
    let got: Vec<(String, Option<u32>, Option<Decimal>, Decimal)> = a
        .towns
        .iter()
        .map(|t| (t.town.clone(), t.rank, t.total, t.money_total))
        .collect();
    assert_eq!(
        got,
        [
            ("海门街道".to_owned(), Some(1), Some(d("92")), d("20000")),
            ("悦来镇".to_owned(), Some(2), Some(d("74")), d("0")),
            ("三厂街道".to_owned(), Some(3), Some(d("68.5")), d("-60000")),
            ("临江镇".to_owned(), Some(4), Some(d("85")), d("0")),
        ]
    );
    let sanchang = &a.towns[2];
    assert_eq!(
        sanchang.inspection,
        [
            "PM2.5浓度同比上升超过5%，列入专项督察",
            "秸秆焚烧火点（属实）超过2个，列入监督帮扶"
        ]
    );
    let pm = &sanchang.items[0];
    assert_eq!(
        (pm.full_at, pm.zero_at, pm.score),
        (Some(d("28")), Some(d("38")), Some(d("70")))
    );
    let lj = &a.towns[3];
    assert_eq!(lj.veto.as_deref(), Some("重污染天数同比增加（一票否决）"));
    assert!(lj.money[0].note.contains("一票否决不予奖励"));
    let yl = &a.towns[1];
    assert_eq!(yl.items[0].score, None);
    assert_eq!(yl.items[0].note, "无目标值，不计分");
    // Re-running the same period with the same version gives the same figures.
    assert_eq!(assess(&rules(), &f, "2026-03"), a);
}

#[test]
fn bad_rules_are_named() {
    let e = Rules::from_toml(
        r#"
[rules]
code = "x"
version = 1
name = "x"
period = "week"
valid_from = "2026-01-01"
[[indicator]]
code = "pm25"
name = "PM2.5"
weight = "0"
better = "lower"
full_at = "40"
zero_at = "30"
[[money]]
indicator = "nope"
reward_per_unit = "1"
penalty_per_unit = "1"
[[veto]]
indicator = "pm25"
reason = "?"
"#,
    )
    .unwrap_err();
    for want in [
        "period",
        "weight must be above 0",
        "must be worse than full_at",
        "unknown indicator nope",
        "give above or below",
    ] {
        assert!(e.iter().any(|m| m.contains(want)), "{want}: {e:?}");
    }
}

#[test]
fn a_period_takes_the_version_in_force_on_its_first_day() {
    let v1 = rules();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/assessment/example-rules.toml"),
    )
    .unwrap()
    .replace("version = 1", "version = 2")
    .replace("valid_from = \"2019-01-01\"", "valid_from = \"2026-07-01\"");
    let v2 = Rules::from_toml(&text).unwrap();
    let all = [v1.clone(), v2.clone()];
    let pick = |kind: &str, first: &str| Rules::select(&all, kind, first).map(|r| r.rules.version);
    assert_eq!(pick("month", "2018-12-01"), None, "before any version");
    assert_eq!(pick("month", "2026-06-01"), Some(1));
    assert_eq!(pick("month", "2026-07-01"), Some(2));
    assert_eq!(pick("year", "2026-07-01"), None, "monthly rules only");
    // A closed version stops applying after its last day.
    let closed = Rules::from_toml(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../config/assessment/example-rules.toml"),
        )
        .unwrap()
        .replace(
            "valid_from = \"2019-01-01\"",
            "valid_from = \"2019-01-01\"\nvalid_to = \"2019-03-31\"",
        ),
    )
    .unwrap();
    assert!(closed.applies_to("month", "2019-03-01"));
    assert!(!closed.applies_to("month", "2019-04-01"));
    assert_eq!(v1.figures.alarm_deadline_hours, 24);
    let bad = Rules::from_toml(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../config/assessment/example-rules.toml"),
        )
        .unwrap()
        .replace("valid_from = \"2019-01-01\"", "valid_from = \"2019-1-1\""),
    )
    .unwrap_err();
    assert!(
        bad.iter().any(|e| e.contains("rules.valid_from")),
        "{bad:?}"
    );
}
