//! Warning levels (预警等级) and the grading that assigns them from a forecast
//! (standards.md §4.1). A grading is data: for each level, alternatives (any one suffices) of
//! clauses that must all hold, each clause "a run of at least `hours` consecutive hours with
//! the 24-h AQI above `above`". "Any day above 200" is a run of at least one hour of rolling
//! values (or one day of daily values). Gradings are dated: the one in force on the forecast's
//! first day applies, so an old episode is judged by the rules of its time.

use jiff::civil::{Date, DateTime, date};
use serde::{Deserialize, Serialize};

use crate::forecast::Forecast;

/// A warning level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 黄色预警, Ⅲ级响应.
    Yellow,
    /// 橙色预警, Ⅱ级响应.
    Orange,
    /// 红色预警, Ⅰ级响应.
    Red,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 3] = [Level::Yellow, Level::Orange, Level::Red];

    /// `yellow`, `orange`, `red`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    /// 黄色, 橙色, 红色.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Level::Yellow => "黄色",
            Level::Orange => "橙色",
            Level::Red => "红色",
        }
    }

    /// The response it starts: Ⅲ级, Ⅱ级, Ⅰ级.
    #[must_use]
    pub fn response(self) -> &'static str {
        match self {
            Level::Yellow => "Ⅲ级",
            Level::Orange => "Ⅱ级",
            Level::Red => "Ⅰ级",
        }
    }

    /// Position 0, 1, 2 (for per-level tables).
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// From `yellow`/`orange`/`red` or 黄色/橙色/红色 (also 黄/橙/红).
    #[must_use]
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "yellow" | "黄色" | "黄" => Some(Level::Yellow),
            "orange" | "橙色" | "橙" => Some(Level::Orange),
            "red" | "红色" | "红" => Some(Level::Red),
            _ => None,
        }
    }
}

/// A run of at least `hours` consecutive hours with AQI above `above`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Clause {
    /// Strictly above this AQI.
    pub above: u16,
    /// For at least this many hours (1: any single value).
    pub hours: u32,
}

/// Alternatives of clauses: the rule holds if all clauses of any alternative hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The alternatives.
    pub any_of: Vec<Vec<Clause>>,
}

impl Rule {
    fn of(alternatives: &[&[(u16, u32)]]) -> Rule {
        Rule {
            any_of: alternatives
                .iter()
                .map(|alt| {
                    alt.iter()
                        .map(|&(above, hours)| Clause { above, hours })
                        .collect()
                })
                .collect(),
        }
    }

    /// The first alternative that holds on `f`, with each clause's longest run.
    fn first_holding(&self, f: &Forecast) -> Option<Vec<(Clause, Run)>> {
        self.any_of.iter().find_map(|alt| {
            let runs: Vec<(Clause, Run)> =
                alt.iter().map(|c| (*c, longest_run(f, c.above))).collect();
            (!alt.is_empty() && runs.iter().all(|(c, r)| r.hours >= c.hours)).then_some(runs)
        })
    }

    /// Whether an alternative of this rule holds on a run that starts within the first
    /// `window` hours of `f`: each alternative is judged on the forecast's first
    /// `window + h − 1` hours, `h` its longest clause, so that a run of `h` hours fits only if
    /// it starts inside the window. (Judged on the first `window` hours alone, a clause longer
    /// than the window could never hold: the 2017 yellow needs 48 h above 200.)
    fn holds_starting_within(&self, f: &Forecast, window: u32) -> bool {
        self.any_of.iter().any(|alt| {
            let longest = alt.iter().map(|c| c.hours.max(1)).max().unwrap_or(1);
            let judged = f.prefix_hours(window.saturating_add(longest - 1));
            !alt.is_empty()
                && alt
                    .iter()
                    .all(|c| longest_run(&judged, c.above).hours >= c.hours)
        })
    }

    fn thresholds(&self) -> impl Iterator<Item = u16> + '_ {
        self.any_of.iter().flatten().map(|c| c.above)
    }
}

/// A grading in force from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    /// Short name.
    pub name: String,
    /// The documents it comes from.
    pub source: String,
    /// First day (Beijing) it applies to.
    pub valid_from: Date,
    /// The tier below yellow (临时管控措施, or the old blue level): proposed, not a level.
    pub advisory: Rule,
    /// 黄色.
    pub yellow: Rule,
    /// 橙色.
    pub orange: Rule,
    /// 红色.
    pub red: Rule,
    /// A warning may be lifted when the forecast stays below yellow for this many hours.
    pub lift_after_hours: u32,
}

impl Grading {
    /// 环大气〔2024〕6号 as adopted by Nantong (通政办函〔2024〕7号) and Jiangsu
    /// (苏政办函〔2025〕38号), standards.md §4.1: yellow 日AQI > 200, or > 150 for 48 h;
    /// orange > 200 for 48 h, or > 150 for 72 h; red > 200 for 72 h and > 300 for 24 h; the
    /// temporary-control tier > 150, or > 100 for 48 h; lifted after 36 h below yellow.
    #[must_use]
    pub fn mee_2024() -> Grading {
        Grading {
            name: "2024".to_owned(),
            source: "环大气〔2024〕6号；通政办函〔2024〕7号；苏政办函〔2025〕38号".to_owned(),
            valid_from: date(2024, 1, 23),
            advisory: Rule::of(&[&[(150, 1)], &[(100, 48)]]),
            yellow: Rule::of(&[&[(200, 1)], &[(150, 48)]]),
            orange: Rule::of(&[&[(200, 48)], &[(150, 72)]]),
            red: Rule::of(&[&[(200, 72), (300, 24)]]),
            lift_after_hours: 36,
        }
    }

    /// The 2017 revision used by the 2018–2020 plans, kept to replay old episodes
    /// (standards.md §4.1): yellow > 200 for 48 h; orange > 200 for 72 h; red > 200 for 96 h
    /// and > 300 for 48 h, or AQI reaching 500; blue (> 200 on one day) as the advisory tier.
    /// Lifting after 36 h is assumed as in 2024 (UNVERIFIED).
    #[must_use]
    pub fn mee_2017() -> Grading {
        Grading {
            name: "2017".to_owned(),
            source: "2017年重污染天气预警分级修订；2018–2020年应急预案".to_owned(),
            valid_from: date(2017, 1, 1),
            advisory: Rule::of(&[&[(200, 1)]]),
            yellow: Rule::of(&[&[(200, 48)]]),
            orange: Rule::of(&[&[(200, 72)]]),
            red: Rule::of(&[&[(200, 96), (300, 48)], &[(499, 1)]]),
            lift_after_hours: 36,
        }
    }

    /// The built-in gradings, oldest first.
    #[must_use]
    pub fn builtin() -> Vec<Grading> {
        vec![Grading::mee_2017(), Grading::mee_2024()]
    }

    /// The grading in force on `day`: the newest whose `valid_from` is not after it (the
    /// oldest if none is).
    #[must_use]
    pub fn for_date(gradings: &[Grading], day: Date) -> Option<&Grading> {
        gradings
            .iter()
            .filter(|g| g.valid_from <= day)
            .max_by_key(|g| g.valid_from)
            .or_else(|| gradings.iter().min_by_key(|g| g.valid_from))
    }

    /// Checks that the rules make sense: every level has an alternative, no clause is empty,
    /// hours are positive.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rule) in [
            ("yellow", &self.yellow),
            ("orange", &self.orange),
            ("red", &self.red),
        ] {
            if rule.any_of.is_empty() || rule.any_of.iter().any(Vec::is_empty) {
                return Err(format!("grading {}: {name} has an empty rule", self.name));
            }
        }
        let all = [&self.advisory, &self.yellow, &self.orange, &self.red];
        if all
            .iter()
            .flat_map(|r| r.any_of.iter().flatten())
            .any(|c| c.hours == 0)
        {
            return Err(format!("grading {}: a clause of 0 hours", self.name));
        }
        if self.lift_after_hours == 0 {
            return Err(format!("grading {}: lift_after_hours is 0", self.name));
        }
        Ok(())
    }
}

/// Gradings from a TOML text (`[[grading]]` tables with the fields of [`Grading`]; the
/// layout of `config/emergency.toml`), each validated; an error names the line or the grading.
pub fn gradings_from_toml(text: &str) -> Result<Vec<Grading>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        grading: Vec<Grading>,
    }
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    if f.grading.is_empty() {
        return Err("no [[grading]]".to_owned());
    }
    for g in &f.grading {
        g.validate()?;
    }
    Ok(f.grading)
}

/// The longest run of values above a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The threshold (strictly above).
    pub above: u16,
    /// Its length in hours (0: none).
    pub hours: u32,
    /// Its first hour (the forecast's start when there is none).
    pub start: DateTime,
    /// The hour after its last one.
    pub end: DateTime,
}

/// The longest run of `f`'s values above `above` (the earliest of equal ones).
#[must_use]
pub fn longest_run(f: &Forecast, above: u16) -> Run {
    let (mut best_start, mut best_len) = (0usize, 0usize);
    let mut cur_start = 0usize;
    for (i, v) in f.values().iter().enumerate() {
        if *v > above {
            let len = i + 1 - cur_start;
            if len > best_len {
                (best_start, best_len) = (cur_start, len);
            }
        } else {
            cur_start = i + 1;
        }
    }
    let per = f.basis().hours_per_value();
    Run {
        above,
        hours: u32::try_from(best_len)
            .unwrap_or(u32::MAX)
            .saturating_mul(per),
        start: f.time_of(best_start),
        end: f.time_of(best_start + best_len),
    }
}

/// What a forecast calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The grading used.
    pub grading: String,
    /// The highest level whose conditions hold, if any.
    pub level: Option<Level>,
    /// Below yellow, the temporary-control (or old blue) tier holds.
    pub advisory: bool,
    /// Why, in Chinese, one line per condition that holds (or the nearest misses).
    pub reasons: Vec<String>,
    /// The longest run above each threshold the grading uses.
    pub runs: Vec<Run>,
    /// An issued warning may be lifted: the forecast is at least `lift_after_hours` long and no
    /// yellow condition holds on a run starting within those hours.
    pub may_lift: bool,
}

fn fmt_time(t: DateTime) -> String {
    format!("{:02}月{:02}日{:02}时", t.month(), t.day(), t.hour())
}

fn clause_text(c: &Clause, r: &Run) -> String {
    if c.hours <= 1 {
        format!(
            "预测日AQI>{}（{}起，最长持续{}小时）",
            c.above,
            fmt_time(r.start),
            r.hours
        )
    } else {
        format!(
            "预测日AQI>{}持续{}小时（{}至{}），达到“持续≥{}小时”",
            c.above,
            r.hours,
            fmt_time(r.start),
            fmt_time(r.end),
            c.hours
        )
    }
}

/// The level (if any) `f` calls for under `g`, with the reasons, and whether a warning may be
/// lifted.
#[must_use]
pub fn propose(f: &Forecast, g: &Grading) -> Proposal {
    let mut reasons = Vec::new();
    let mut level = None;
    for (lvl, rule) in [
        (Level::Red, &g.red),
        (Level::Orange, &g.orange),
        (Level::Yellow, &g.yellow),
    ] {
        if let Some(held) = rule.first_holding(f) {
            level = Some(lvl);
            reasons.push(format!(
                "{}预警（{}响应）条件成立：",
                lvl.zh(),
                lvl.response()
            ));
            reasons.extend(held.iter().map(|(c, r)| clause_text(c, r)));
            break;
        }
    }
    let advisory = level.is_none() && g.advisory.first_holding(f).is_some();
    if level.is_none() {
        let y = g
            .yellow
            .any_of
            .iter()
            .flatten()
            .map(|c| {
                let r = longest_run(f, c.above);
                format!(
                    "AQI>{}最长持续{}小时（需≥{}小时）",
                    c.above,
                    r.hours,
                    c.hours.max(1)
                )
            })
            .collect::<Vec<_>>()
            .join("，");
        reasons.push(format!("未达到黄色预警条件：{y}"));
        if advisory {
            reasons.push("达到临时管控措施（预警以下）条件".to_owned());
        }
    }
    let mut thresholds: Vec<u16> = [&g.advisory, &g.yellow, &g.orange, &g.red]
        .iter()
        .flat_map(|r| r.thresholds())
        .collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let runs = thresholds.iter().map(|&t| longest_run(f, t)).collect();
    // Lifting (standards.md §4.1, [S37]): below the yellow conditions and forecast to stay
    // there for `lift_after_hours`: no yellow condition may hold on a run that starts within
    // that window, whatever the length of the grading's yellow clauses.
    let may_lift =
        f.hours() >= g.lift_after_hours && !g.yellow.holds_starting_within(f, g.lift_after_hours);
    Proposal {
        grading: g.name.clone(),
        level,
        advisory,
        reasons,
        runs,
        may_lift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Basis;

    /// An hourly forecast from 2026-01-10 00h: `runs` of (AQI, hours) one after another.
    fn hourly(runs: &[(u32, u32)]) -> Forecast {
        let start = date(2026, 1, 10).at(0, 0, 0, 0);
        let mut pts = Vec::new();
        for &(v, n) in runs {
            for _ in 0..n {
                let t = start
                    .checked_add(jiff::Span::new().hours(pts.len() as i64))
                    .unwrap();
                pts.push((t, Some(v)));
            }
        }
        Forecast::new(Basis::Hourly, &pts).unwrap()
    }

    fn daily(values: &[u32]) -> Forecast {
        let pts: Vec<_> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    date(2026, 1, 10)
                        .checked_add(jiff::Span::new().days(i as i64))
                        .unwrap()
                        .at(0, 0, 0, 0),
                    Some(*v),
                )
            })
            .collect();
        Forecast::new(Basis::Daily, &pts).unwrap()
    }

    fn level(f: &Forecast) -> Option<Level> {
        propose(f, &Grading::mee_2024()).level
    }

    #[test]
    fn yellow_at_its_edges() {
        // Exactly 200 is not above 200; 201 for one hour is.
        assert_eq!(
            level(&hourly(&[(200, 60)])),
            Some(Level::Yellow),
            "200 > 150 for 60 h"
        );
        assert_eq!(
            level(&hourly(&[(200, 72)])),
            Some(Level::Orange),
            "> 150 for 72 h"
        );
        assert_eq!(level(&hourly(&[(120, 10), (200, 20), (120, 10)])), None);
        assert_eq!(
            level(&hourly(&[(120, 10), (201, 1), (120, 10)])),
            Some(Level::Yellow)
        );
        // > 150 for 47 h is not yellow; 48 h is.
        assert_eq!(level(&hourly(&[(151, 47), (150, 30)])), None);
        assert_eq!(level(&hourly(&[(151, 48), (150, 30)])), Some(Level::Yellow));
        // A dip to 150 breaks the run.
        assert_eq!(level(&hourly(&[(151, 24), (150, 1), (151, 24)])), None);
    }

    #[test]
    fn orange_and_red_at_their_edges() {
        assert_eq!(level(&hourly(&[(201, 47)])), Some(Level::Yellow));
        assert_eq!(level(&hourly(&[(201, 48)])), Some(Level::Orange));
        assert_eq!(level(&hourly(&[(151, 71)])), Some(Level::Yellow));
        assert_eq!(level(&hourly(&[(151, 72)])), Some(Level::Orange));
        // Red needs both: > 200 for 72 h and > 300 for 24 h.
        assert_eq!(level(&hourly(&[(201, 48), (301, 24)])), Some(Level::Red));
        assert_eq!(
            level(&hourly(&[(201, 48), (301, 23), (201, 1)])),
            Some(Level::Orange)
        );
        assert_eq!(
            level(&hourly(&[(201, 47), (301, 24)])),
            Some(Level::Orange),
            "71 h > 200"
        );
        assert_eq!(
            level(&hourly(&[(201, 100)])),
            Some(Level::Orange),
            "no hour > 300"
        );
    }

    #[test]
    fn daily_values_count_a_day_each() {
        assert_eq!(level(&daily(&[150, 150, 150])), None);
        assert_eq!(level(&daily(&[151, 150, 151])), None);
        let p = propose(&daily(&[120, 151, 160, 120]), &Grading::mee_2024());
        assert_eq!(p.level, Some(Level::Yellow));
        assert_eq!(level(&daily(&[201])), Some(Level::Yellow));
        assert_eq!(level(&daily(&[201, 201])), Some(Level::Orange));
        assert_eq!(level(&daily(&[201, 201, 301])), Some(Level::Red));
    }

    #[test]
    fn advisory_tier_and_reasons() {
        let p = propose(&hourly(&[(101, 48), (90, 40)]), &Grading::mee_2024());
        assert_eq!((p.level, p.advisory), (None, true));
        assert_eq!(
            p.reasons[0],
            "未达到黄色预警条件：AQI>200最长持续0小时（需≥1小时），AQI>150最长持续0小时（需≥48小时）"
        );
        let p = propose(
            &hourly(&[(90, 6), (210, 50), (90, 40)]),
            &Grading::mee_2024(),
        );
        assert_eq!(p.level, Some(Level::Orange));
        assert_eq!(
            p.reasons,
            [
                "橙色预警（Ⅱ级响应）条件成立：",
                "预测日AQI>200持续50小时（01月10日06时至01月12日08时），达到“持续≥48小时”"
            ]
        );
        assert!(!p.may_lift);
        let runs: Vec<(u16, u32)> = p.runs.iter().map(|r| (r.above, r.hours)).collect();
        assert_eq!(runs, [(100, 50), (150, 50), (200, 50), (300, 0)]);
    }

    #[test]
    fn lifting_needs_36_hours_below_yellow() {
        let g = Grading::mee_2024();
        assert!(propose(&hourly(&[(140, 36)]), &g).may_lift);
        assert!(
            !propose(&hourly(&[(140, 35)]), &g).may_lift,
            "too short a forecast"
        );
        assert!(!propose(&hourly(&[(140, 35), (201, 1)]), &g).may_lift);
        assert!(
            propose(&hourly(&[(140, 36), (201, 1)]), &g).may_lift,
            "after 36 h"
        );
    }

    /// Issue #28: the lifting test follows the grading in force. Under 2024 yellow is one hour
    /// above 200 or 48 h above 150; under 2017 it is 48 h above 200. A yellow run that starts
    /// at hour 35 (the window's last) keeps the warning; one that starts at hour 36 does not.
    #[test]
    fn lifting_follows_the_grading_of_the_warning() {
        let g17 = Grading::mee_2017();
        let g24 = Grading::mee_2024();
        let lift = |runs: &[(u32, u32)], g: &Grading| propose(&hourly(runs), g).may_lift;
        // The case of the issue: AQI 210 through hours 24–72 (48 h) under 2017.
        assert!(!lift(&[(140, 24), (210, 48)], &g17));
        // 2017, around its 48 h: a run of 48 h starting at 35 holds, at 36 it is outside.
        assert!(!lift(&[(140, 35), (210, 48)], &g17));
        assert!(lift(&[(140, 36), (210, 48)], &g17));
        // 47 h above 200 is no yellow under 2017, wherever it starts; 200 itself is not above.
        assert!(lift(&[(140, 10), (210, 47), (140, 30)], &g17));
        assert!(lift(&[(200, 90)], &g17));
        assert!(!lift(&[(201, 90)], &g17));
        // 2024's 48 h above 150: the same edges; a single hour above 200 counts at hour 35 only.
        assert!(!lift(&[(140, 35), (151, 48)], &g24));
        assert!(lift(&[(140, 36), (151, 48)], &g24));
        assert!(lift(&[(140, 35), (151, 47), (140, 10)], &g24));
        assert!(!lift(&[(140, 35), (201, 1), (140, 60)], &g24));
        assert!(lift(&[(140, 36), (201, 1), (140, 60)], &g24));
    }

    #[test]
    fn old_episodes_use_the_old_grading() {
        let all = Grading::builtin();
        assert_eq!(
            Grading::for_date(&all, date(2019, 1, 12)).unwrap().name,
            "2017"
        );
        assert_eq!(
            Grading::for_date(&all, date(2024, 1, 22)).unwrap().name,
            "2017"
        );
        assert_eq!(
            Grading::for_date(&all, date(2024, 1, 23)).unwrap().name,
            "2024"
        );
        assert_eq!(
            Grading::for_date(&all, date(2010, 1, 1)).unwrap().name,
            "2017"
        );
        let old = Grading::mee_2017();
        let f = hourly(&[(201, 47)]);
        assert_eq!(propose(&f, &old).level, None);
        assert!(propose(&f, &old).advisory, "blue");
        assert_eq!(
            propose(&hourly(&[(201, 48)]), &old).level,
            Some(Level::Yellow)
        );
        assert_eq!(
            propose(&hourly(&[(100, 5), (500, 1)]), &old).level,
            Some(Level::Red)
        );
        for g in &all {
            g.validate().unwrap();
        }
        let mut bad = Grading::mee_2024();
        bad.red.any_of.clear();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn the_configuration_file_is_the_builtin_gradings() {
        let text = include_str!("../../../config/emergency.toml");
        assert_eq!(gradings_from_toml(text).unwrap(), Grading::builtin());
        let e = gradings_from_toml("[[grading]]\nname = 1\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let zero = text.replace("hours = 48 }]] }\norange", "hours = 0 }]] }\norange");
        assert!(gradings_from_toml(&zero).unwrap_err().contains("0 hours"));
    }
}
