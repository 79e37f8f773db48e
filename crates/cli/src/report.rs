//! Plain-text rendering of assessments (zh-CN labels, as the office reads them).

use std::fmt::Write as _;

use lantian_aq::assess::{Assessment, Judged, Period, level_names};
use lantian_aq::{Exact, Pollutant};

fn judged(j: &Judged, unit: &str) -> String {
    let value = j
        .reported
        .map_or_else(|| "—".to_owned(), |v| format!("{v} {unit}"));
    let validity = if j.stat.valid { "" } else { " (数据不足)" };
    format!("{value} [{} d{validity}]", j.stat.count)
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "达标",
        Some(false) => "超标",
        None => "不能判定",
    }
}

fn pct(v: Option<Exact>) -> String {
    v.map_or_else(|| "—".to_owned(), |e| format!("{} %", e.round_gbt8170(1)))
}

/// Renders an assessment of a station or area.
pub(crate) fn assessment(title: &str, a: &Assessment) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{title}");
    let _ = writeln!(o, "  评价标准: {}", a.rules);
    let mean_label = match a.period {
        Period::Year(_) => "年均",
        Period::Month(..) => "月均",
        Period::Range(..) => "均值",
    };
    for p in Pollutant::REPORT_ORDER {
        let pa = &a.pollutants[p];
        let unit = p.unit().symbol();
        let mean = pa.mean.as_ref().map_or_else(String::new, |m| {
            format!("{mean_label} {}  ", judged(m, unit))
        });
        let which = if p == Pollutant::O3 { "MDA8 " } else { "" };
        let exceed = [
            pa.mean.as_ref().and_then(|m| m.exceedance),
            pa.percentile.exceedance,
        ]
        .into_iter()
        .flatten()
        .map(|e| e.to_string())
        .collect::<Vec<_>>();
        let exceed = if exceed.is_empty() {
            String::new()
        } else {
            format!("  超标倍数 {}", exceed.join("/"))
        };
        let _ = writeln!(
            o,
            "  {:<6} {mean}{which}第{}百分位 {}  {}{exceed}  超标天数 {}/{}",
            p.code(),
            pa.percentile_rank,
            judged(&pa.percentile, unit),
            yes_no(pa.attains),
            pa.days_over_limit,
            pa.valid_days,
        );
    }
    let d = &a.aqi_days;
    let names = level_names();
    let levels: Vec<String> = names
        .iter()
        .zip(d.by_level.iter())
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    let _ = writeln!(
        o,
        "  AQI 日数: {}; 有效 {} 天, 缺测 {} 天",
        levels.join(", "),
        d.valid,
        d.missing
    );
    let _ = writeln!(
        o,
        "  优良天数 {} 天, 优良天数比例 {}; 重度及以上 {} 天",
        d.good(),
        pct(d.good_share_percent()),
        d.heavy_or_worse()
    );
    if !a.primary_days.is_empty() {
        let mut prim = a.primary_days.clone();
        prim.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let list: Vec<String> = prim.iter().map(|(i, n)| format!("{i} {n}")).collect();
        let _ = writeln!(o, "  首要污染物天数: {}", list.join(", "));
    }
    let ci = &a.composite;
    let parts: Vec<String> = Pollutant::ALL
        .iter()
        .filter_map(|p| ci.parts[*p].map(|v| format!("{} {}", p.code(), v.round_gbt8170(3))))
        .collect();
    let _ = writeln!(
        o,
        "  综合指数 {}{} ({})",
        ci.reported
            .map_or_else(|| "—".to_owned(), |v| v.to_string()),
        if ci.valid { "" } else { " (数据不足)" },
        parts.join(", ")
    );
    let _ = writeln!(o, "  六项污染物总体: {}", yes_no(a.attains));
    o
}
