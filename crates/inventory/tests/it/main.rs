//! The example inventory (config/inventory/example, EXAMPLE data for a district of Haimen's
//! size) loads, computes and shows the −10 % accounting; its totals are checked by hand and
//! pinned; an export reads back to the same inventory; bad rows are named.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use lantian_inventory::exchange::{self, HEADERS, PROJECT_HEADERS};
use lantian_inventory::{
    Categories, Grouping, Inventory, Library, Method, Pollutant, accounting, compare, compute,
    pollutant_totals,
};
use rust_decimal::Decimal;

/// A CSV without quoted cells (the example files have none) as header and rows.
fn grid(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../config/inventory/example")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let split = |l: &str| l.split(',').map(str::to_owned).collect::<Vec<_>>();
    let headers = split(lines.next().unwrap());
    (headers, lines.map(split).collect())
}

fn load(year: &str, projects: Option<&str>) -> Inventory {
    let (h, r) = grid(&format!("{year}.csv"));
    let p = projects.map(grid);
    exchange::from_rows(
        &h,
        &r,
        p.as_ref().map(|(h, r)| (h.as_slice(), r.as_slice())),
        None,
    )
    .unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn the_example_district_meets_its_targets_source_by_source() {
    let (cats, lib) = (Categories::builtin(), Library::builtin());
    let base = load("2020", None);
    let now = load("2024", Some("projects-2024.csv"));
    let eb = compute(&base, &lib, &cats).unwrap();
    let en = compute(&now, &lib, &cats).unwrap();
    // By hand (README of the example): NOx 2020 = 1612.8 (coal 30 万吨 × 8.96 g/kg × 0.6 SNCR)
    // + 37.42 + 56 + 2250 + 700 + 984 + 1082.
    let tb = pollutant_totals(&eb);
    let tn = pollutant_totals(&en);
    assert_eq!(tb[&Pollutant::NOx].normalize(), d("6722.22"));
    assert_eq!(tb[&Pollutant::VOCs].normalize(), d("2138.88"));
    // 2024: the power plant's NOx is its CEMS total (352.6 t), not the 376.32 t estimate.
    assert_eq!(tn[&Pollutant::NOx].normalize(), d("4782.994"));
    assert_eq!(tn[&Pollutant::VOCs].normalize(), d("1716.032"));
    let p001 = en
        .iter()
        .find(|e| e.source == "P001" && e.pollutant == Pollutant::NOx)
        .unwrap();
    assert_eq!(p001.method, Method::Measured);
    assert_eq!(p001.estimate_t.unwrap().normalize(), d("376.32"));

    let targets = [(Pollutant::NOx, d("-10")), (Pollutant::VOCs, d("-10"))];
    let a = accounting((&base, &eb), (&now, &en), &targets);
    let nox = &a.pollutants[0];
    assert!(nox.met);
    assert_eq!(nox.change_pct, Some(d("-28.8")));
    assert_eq!(nox.allowed_t.normalize(), d("6049.998"));
    assert_eq!(nox.measured_t, d("352.6"));
    let vocs = &a.pollutants[1];
    assert_eq!(vocs.change_pct, Some(d("-19.8")));
    // The projects account for 420.2 t of the 422.848 t VOCs fall.
    assert_eq!(vocs.unexplained_t.normalize(), d("2.648"));
    let j01 = a.projects.iter().find(|p| p.id == "J01").unwrap();
    assert_eq!(j01.counted_t, d("1260.2"));
    assert_eq!(j01.sources_change_t.normalize(), d("-1260.2"));
    insta::assert_json_snapshot!(a);

    let by_category = compare((&base, &eb), (&now, &en), Grouping::Category, &cats);
    let mobile: Vec<String> = by_category
        .iter()
        .filter(|r| r.key == "3")
        .map(|r| {
            format!(
                "{} {} {} → {} ({:?}%)",
                r.name,
                r.pollutant,
                r.a.normalize(),
                r.b.normalize(),
                r.change_pct
            )
        })
        .collect();
    assert_eq!(
        mobile,
        [
            "移动源 NOx 5016 → 4337 (Some(-13.5)%)",
            "移动源 VOCs 1000 → 966 (Some(-3.4)%)"
        ]
    );
}

#[test]
fn an_export_reads_back_the_same_and_a_year_rolls_forward() {
    let now = load("2024", Some("projects-2024.csv"));
    let headers: Vec<String> = HEADERS.iter().map(|s| (*s).to_owned()).collect();
    let ph: Vec<String> = PROJECT_HEADERS.iter().map(|s| (*s).to_owned()).collect();
    let rows = exchange::to_rows(&now);
    let prow = exchange::project_to_rows(&now);
    let back = exchange::from_rows(&headers, &rows, Some((&ph, &prow)), None).unwrap();
    assert_eq!(back.sources, now.sources);
    assert_eq!(back.projects.len(), now.projects.len());
    let (cats, lib) = (Categories::builtin(), Library::builtin());
    assert_eq!(
        pollutant_totals(&compute(&back, &lib, &cats).unwrap()),
        pollutant_totals(&compute(&now, &lib, &cats).unwrap())
    );
    let next = now.roll_forward(2025);
    assert_eq!((next.year, next.based_on), (2025, Some(2024)));
    assert!(next.records.iter().all(|r| r.measured_t.is_none()));
    // Without the measured total the power plant falls back to its estimate.
    let en = compute(&next, &lib, &cats).unwrap();
    assert_eq!(
        pollutant_totals(&en)[&Pollutant::NOx].normalize(),
        d("4806.714")
    );
}

#[test]
fn bad_rows_are_named_and_nothing_is_computed() {
    let (h, mut rows) = grid("2020.csv");
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    // Row 2: negative activity; row 3: efficiency 120 %; row 4: a factor that does not exist;
    // row 5: an activity in m³ against a factor per kg; row 6: no factor at all.
    rows[0][col("活动水平")] = "-5".into();
    rows[1][col("去除效率(%)")] = "120".into();
    rows[2][col("因子编号")] = "nox-nowhere".into();
    rows[3][col("活动水平单位")] = "t".into();
    rows[4][col("因子编号")] = String::new();
    let inv = exchange::from_rows(&h, &rows, None, None).unwrap();
    let errors = compute(&inv, &Library::builtin(), &Categories::builtin()).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(text.join("\n"));
    // A bad cell is refused while reading.
    rows[0][col("活动水平")] = "三十".into();
    rows[1][col("污染物")] = "O3".into();
    let e = exchange::from_rows(&h, &rows, None, None).unwrap_err();
    assert_eq!(e[0].to_string(), "第2行 活动水平：\"三十\" is not a number");
    assert!(e[1].to_string().starts_with("第3行 污染物：\"O3\""));
}
