//! How far an indicator has come: its values against the target and the straight path from the
//! baseline to the target (the trajectory), judged as of a day.
//!
//! * [`Status::Met`]: the latest value meets the target.
//! * [`Status::Missed`]: the deadline has passed, a value for the deadline's period is in, and
//!   it does not meet the target.
//! * [`Status::OnTrack`]: not met yet, but the latest value is at or past where the trajectory
//!   says it should be by its date.
//! * [`Status::AtRisk`]: behind the trajectory (or past the deadline with the final value not
//!   in and the latest not meeting the target).
//! * [`Status::NoData`]: no value yet, or a change without its baseline value.
//!
//! The trajectory runs from the baseline (the baseline year's value, dated 31 December of that
//! year) to the goal on the deadline; without a baseline it starts at the first value. These
//! rules are lantian's (docs/assumptions.md P3); the plan sets only the end points.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::model::{Direction, Indicator, IndicatorKind};

/// A value of an indicator for a period ending on `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// Last day of the period the value is for (31 December for a year).
    pub as_of: Date,
    /// The value, in the indicator's unit.
    pub value: Decimal,
}

/// The judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 已达成.
    Met,
    /// 按进度.
    OnTrack,
    /// 滞后.
    AtRisk,
    /// 未完成.
    Missed,
    /// 无数据.
    NoData,
}

impl Status {
    /// `met`, `on_track`, `at_risk`, `missed`, `no_data`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::Missed => "missed",
            Status::NoData => "no_data",
        }
    }

    /// The Chinese label.
    pub fn zh(&self) -> &'static str {
        match self {
            Status::Met => "已达成",
            Status::OnTrack => "按进度",
            Status::AtRisk => "滞后",
            Status::Missed => "未完成",
            Status::NoData => "无数据",
        }
    }
}

/// An indicator's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The judgement.
    pub status: Status,
    /// The value to reach: the target level, or baseline × (1 + target %) for a change, or the
    /// previous year × (1 + target %) for annual growth.
    pub goal: Option<Decimal>,
    /// Where the trajectory says the latest value should be by its date.
    pub expected: Option<Decimal>,
    /// The value judged.
    pub latest: Option<Observation>,
    /// For a change or annual growth: the latest change in percent.
    pub change_percent: Option<Decimal>,
    /// Why, in Chinese.
    pub reason: String,
}

/// The largest magnitude of a value, target or baseline lantian computes with; values are
/// checked against it where they enter (the plan file, the API), so the arithmetic below cannot
/// overflow.
pub const MAX_MAGNITUDE: i64 = 1_000_000_000_000_000;

/// Whether a value is within ±[`MAX_MAGNITUDE`] with at most 6 decimals.
pub fn in_range(v: Decimal) -> bool {
    v.abs() <= Decimal::from(MAX_MAGNITUDE) && v.scale() <= 6
}

fn meets(ind: &Indicator, value: Decimal, goal: Decimal) -> bool {
    let tol = ind.tolerance_in(goal);
    match ind.direction {
        Direction::AtMost => goal.checked_add(tol).is_some_and(|g| value <= g),
        Direction::AtLeast => goal.checked_sub(tol).is_some_and(|g| value >= g),
    }
}

impl Indicator {
    /// The tolerance in value units: for a change the plan's tolerance is in percentage points
    /// of the baseline, applied to the goal.
    fn tolerance_in(&self, goal: Decimal) -> Decimal {
        match self.kind {
            IndicatorKind::Level | IndicatorKind::PerYear => self.tolerance,
            IndicatorKind::Change | IndicatorKind::AnnualGrowth => {
                // The loader keeps targets of changes above −100 %.
                (Decimal::ONE + self.target / Decimal::ONE_HUNDRED)
                    .checked_div(Decimal::ONE_HUNDRED)
                    .and_then(|f| goal.checked_div(f))
                    .and_then(|base| base.checked_mul(self.tolerance))
                    .map(|x| (x / Decimal::ONE_HUNDRED / Decimal::ONE_HUNDRED).abs())
                    .unwrap_or(Decimal::ZERO)
            }
        }
    }
}

fn days(a: Date, b: Date) -> i64 {
    b.since(a).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

fn percent_change(from: Decimal, to: Decimal) -> Option<Decimal> {
    to.checked_sub(from)?
        .checked_div(from)?
        .checked_mul(Decimal::ONE_HUNDRED)
        .map(|p| p.round_dp(2))
}

/// Judges `ind` as of `today` from its values (any order; those after `today` are ignored).
/// `baseline` is the baseline year's value when the plan does not state it (e.g. reported).
pub fn progress(
    ind: &Indicator,
    baseline: Option<Decimal>,
    values: &[Observation],
    today: Date,
) -> Progress {
    let mut obs: Vec<Observation> = values
        .iter()
        .copied()
        .filter(|o| o.as_of <= today)
        .collect();
    obs.sort_by_key(|o| o.as_of);
    let latest = obs.last().copied();
    let none = |reason: &str| Progress {
        status: Status::NoData,
        goal: None,
        expected: None,
        latest,
        change_percent: None,
        reason: reason.to_owned(),
    };
    let Some(last) = latest else {
        return none("尚无填报数据");
    };
    if obs.iter().any(|o| !in_range(o.value)) || baseline.is_some_and(|b| !in_range(b)) {
        return none("数值超出范围");
    }
    let baseline = ind.baseline.or(baseline);
    let past_deadline = today > ind.deadline;
    let final_in = last.as_of >= ind.deadline;
    match ind.kind {
        IndicatorKind::Level | IndicatorKind::Change => {
            let goal = match ind.kind {
                IndicatorKind::Level => ind.target,
                _ => match baseline {
                    Some(b) => b * (Decimal::ONE + ind.target / Decimal::ONE_HUNDRED),
                    None => return none("缺少基准年数值"),
                },
            };
            let change_percent = match ind.kind {
                IndicatorKind::Change => baseline.and_then(|b| percent_change(b, last.value)),
                _ => None,
            };
            let mut p = Progress {
                status: Status::OnTrack,
                goal: Some(goal),
                expected: None,
                latest,
                change_percent,
                reason: String::new(),
            };
            if meets(ind, last.value, goal) {
                p.status = Status::Met;
                p.reason = "最新数值已达到目标".to_owned();
                return p;
            }
            if past_deadline && final_in {
                p.status = Status::Missed;
                p.reason = "期限已过，期末数值未达到目标".to_owned();
                return p;
            }
            // The trajectory: from the baseline (or the first value) to the goal.
            let start = match (ind.baseline_year, baseline) {
                (Some(y), Some(b)) => Date::new(y, 12, 31).ok().map(|d| (d, b)),
                _ => None,
            }
            .unwrap_or((obs[0].as_of, obs[0].value));
            let total = days(start.0, ind.deadline);
            let done = days(start.0, last.as_of).clamp(0, total.max(0));
            let expected = if total <= 0 {
                goal
            } else {
                start.1 + (goal - start.1) * Decimal::from(done) / Decimal::from(total)
            };
            p.expected = Some(expected.round_dp(4));
            let ahead = meets(ind, last.value, expected);
            p.status = if past_deadline || !ahead {
                Status::AtRisk
            } else {
                Status::OnTrack
            };
            p.reason = match (past_deadline, ahead) {
                (true, _) => "期限已过，期末数值尚未填报，最新数值未达到目标".to_owned(),
                (false, true) => "未达目标，但不落后于进度".to_owned(),
                (false, false) => "落后于从基准到目标的进度".to_owned(),
            };
            p
        }
        IndicatorKind::AnnualGrowth => {
            // The latest year with the year before it.
            let year_value = |y: i16| {
                obs.iter()
                    .rev()
                    .find(|o| o.as_of.year() == y)
                    .map(|o| o.value)
            };
            let y = last.as_of.year();
            let Some(prev) = year_value(y - 1) else {
                return none("缺少上一年数值，无法计算年增长");
            };
            let goal = prev * (Decimal::ONE + ind.target / Decimal::ONE_HUNDRED);
            let ok = meets(ind, last.value, goal);
            let status = match (ok, past_deadline && final_in) {
                (true, true) => Status::Met,
                (true, false) => Status::OnTrack,
                (false, true) => Status::Missed,
                (false, false) => Status::AtRisk,
            };
            Progress {
                status,
                goal: Some(goal),
                expected: Some(goal),
                latest,
                change_percent: percent_change(prev, last.value),
                reason: if ok {
                    format!("{y}年增长达到目标")
                } else {
                    format!("{y}年增长未达到目标")
                },
            }
        }
        IndicatorKind::PerYear => {
            // The latest year's count against the year's target, pro rata within the year.
            let y = last.as_of.year();
            let goal = ind.target;
            let (Ok(first), Ok(end)) = (Date::new(y, 1, 1), Date::new(y, 12, 31)) else {
                return none("日期超出范围");
            };
            let expected = goal * Decimal::from(days(first, last.as_of) + 1)
                / Decimal::from(days(first, end) + 1);
            let year_over = today > end || last.as_of >= end;
            let status = if meets(ind, last.value, goal) {
                Status::Met
            } else if year_over {
                Status::Missed
            } else if meets(ind, last.value, expected) {
                Status::OnTrack
            } else {
                Status::AtRisk
            };
            Progress {
                status,
                goal: Some(goal),
                expected: Some(expected.round_dp(4)),
                latest,
                change_percent: None,
                reason: format!("{y}年"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::Source;
    use jiff::civil::date;

    fn ind(kind: IndicatorKind, direction: Direction, target: &str) -> Indicator {
        Indicator {
            code: "x".into(),
            name: "x".into(),
            unit: "u".into(),
            kind,
            direction,
            target: target.parse().unwrap(),
            tolerance: Decimal::ZERO,
            strive: false,
            baseline_year: Some(2020),
            baseline: None,
            deadline: date(2025, 12, 31),
            source: Source::Report,
            responsible: vec![],
            tasks: vec![],
            text: String::new(),
            line: 1,
        }
    }

    fn obs(y: i16, v: &str) -> Observation {
        Observation {
            as_of: date(y, 12, 31),
            value: v.parse().unwrap(),
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_level_on_its_trajectory() {
        // PM2.5 from 35 (2020) to at most 27 by 2025 (about: ±0.5): 5 years, 1.6 a year.
        let mut pm = ind(IndicatorKind::Level, Direction::AtMost, "27");
        pm.tolerance = d("0.5");
        let today = date(2024, 6, 1);
        let at = |vals: &[Observation]| progress(&pm, Some(d("35")), vals, today);
        // 2023: expected 35 − 3 × 1.6 = 30.2 (a leap year makes it 30.2 within rounding).
        let p = at(&[obs(2021, "34"), obs(2023, "30")]);
        assert_eq!(p.status, Status::OnTrack);
        assert_eq!(p.expected.unwrap().round_dp(1), d("30.2"));
        let p = at(&[obs(2023, "31")]);
        assert_eq!(p.status, Status::AtRisk);
        // 27.5 is "about 27": met; 27.6 is not.
        assert_eq!(at(&[obs(2023, "27.5")]).status, Status::Met);
        assert_ne!(at(&[obs(2023, "27.6")]).status, Status::Met);
        // After the deadline with the final value in: missed; without it: at risk.
        let late = date(2026, 3, 1);
        assert_eq!(
            progress(&pm, Some(d("35")), &[obs(2025, "28")], late).status,
            Status::Missed
        );
        assert_eq!(
            progress(&pm, Some(d("35")), &[obs(2024, "28")], late).status,
            Status::AtRisk
        );
        // Values after today do not count.
        assert_eq!(at(&[obs(2025, "20")]).status, Status::NoData);
    }

    #[test]
    fn a_change_needs_its_baseline() {
        // NOx −10 % vs 2020.
        let nox = ind(IndicatorKind::Change, Direction::AtMost, "-10");
        let today = date(2024, 6, 1);
        let p = progress(&nox, None, &[obs(2023, "950")], today);
        assert_eq!(p.status, Status::NoData);
        let p = progress(&nox, Some(d("1000")), &[obs(2023, "950")], today);
        assert_eq!(p.goal, Some(d("900")));
        assert_eq!(p.change_percent, Some(d("-5")));
        // Expected by end of 2023: 1000 − 100 × 1095/1826 ≈ 940.03: 950 is behind.
        assert_eq!(p.status, Status::AtRisk);
        let p = progress(&nox, Some(d("1000")), &[obs(2023, "930")], today);
        assert_eq!(p.status, Status::OnTrack);
        let p = progress(&nox, Some(d("1000")), &[obs(2023, "899")], today);
        assert_eq!(p.status, Status::Met);
        // Doubling (+100 %) with a rising direction.
        let shore = ind(IndicatorKind::Change, Direction::AtLeast, "100");
        let p = progress(&shore, Some(d("50")), &[obs(2025, "100")], date(2026, 1, 5));
        assert_eq!((p.status, p.goal), (Status::Met, Some(d("100"))));
        let p = progress(&shore, Some(d("50")), &[obs(2025, "99")], date(2026, 1, 5));
        assert_eq!(p.status, Status::Missed);
    }

    #[test]
    fn huge_values_are_no_data_not_a_panic() {
        let nox = ind(IndicatorKind::Change, Direction::AtMost, "-10");
        let huge = Decimal::MAX;
        let p = progress(
            &nox,
            Some(Decimal::MIN),
            &[Observation {
                as_of: date(2023, 12, 31),
                value: huge,
            }],
            date(2024, 1, 5),
        );
        assert_eq!(p.status, Status::NoData);
        assert!(in_range(d("1000000000000000")) && !in_range(d("1000000000000001")));
        assert!(!in_range(d("0.0000001")));
    }

    #[test]
    fn elimination_is_a_level_of_zero() {
        let trucks = Indicator {
            deadline: date(2024, 12, 31),
            baseline_year: None,
            ..ind(IndicatorKind::Level, Direction::AtMost, "0")
        };
        let p = progress(&trucks, None, &[obs(2023, "120")], date(2024, 3, 1));
        // No baseline: the trajectory starts at the first value, which is on it.
        assert_eq!(p.status, Status::OnTrack);
        let p = progress(
            &trucks,
            None,
            &[
                obs(2023, "120"),
                Observation {
                    as_of: date(2024, 6, 30),
                    value: d("90"),
                },
            ],
            date(2024, 7, 1),
        );
        // Expected at 30 June 2024: 120 × (1 − 182/366) ≈ 60.3: 90 is behind.
        assert_eq!(p.status, Status::AtRisk);
        let p = progress(&trucks, None, &[obs(2024, "0")], date(2025, 1, 2));
        assert_eq!(p.status, Status::Met);
    }

    #[test]
    fn annual_growth_and_per_year_counts() {
        let rail = ind(IndicatorKind::AnnualGrowth, Direction::AtLeast, "10");
        let today = date(2024, 3, 1);
        let p = progress(&rail, None, &[obs(2022, "100"), obs(2023, "111")], today);
        assert_eq!(
            (p.status, p.change_percent),
            (Status::OnTrack, Some(d("11")))
        );
        let p = progress(&rail, None, &[obs(2022, "100"), obs(2023, "109")], today);
        assert_eq!(p.status, Status::AtRisk);
        assert_eq!(
            progress(&rail, None, &[obs(2023, "109")], today).status,
            Status::NoData
        );

        let green = ind(IndicatorKind::PerYear, Direction::AtLeast, "2");
        let mid = Observation {
            as_of: date(2024, 7, 1),
            value: d("1"),
        };
        // Half the year gone, one factory: on track; none: at risk; two: met.
        assert_eq!(
            progress(&green, None, &[mid], date(2024, 7, 2)).status,
            Status::OnTrack
        );
        let none = Observation {
            value: d("0"),
            ..mid
        };
        assert_eq!(
            progress(&green, None, &[none], date(2024, 7, 2)).status,
            Status::AtRisk
        );
        let two = Observation {
            value: d("2"),
            ..mid
        };
        assert_eq!(
            progress(&green, None, &[two], date(2024, 7, 2)).status,
            Status::Met
        );
        // The year over with one: missed.
        assert_eq!(
            progress(&green, None, &[obs(2024, "1")], date(2025, 1, 3)).status,
            Status::Missed
        );
    }
}
