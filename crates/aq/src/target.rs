//! Target arithmetic (目标测算): what the rest of the year may still afford.
//!
//! * For an annual-mean target (PM2.5 ≈ 27 µg/m³): the highest mean the remaining days may have
//!   for the annual mean to meet the target, or "no longer reachable".
//! * For a good-day-share target (优良天数比例): how many more non-good days the year can afford.
//!
//! Both assume every remaining day will have a valid value unless the caller says otherwise
//! (pass the number of days expected to be valid). Comparison with the target is on the value
//! rounded by GB/T 8170 (修约值比较法) when `decimals` is given, on the exact value otherwise.

use std::cmp::Ordering;

use crate::conc::Exact;

/// How a final value is compared with a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// The exact value is compared.
    Exact,
    /// The value rounded by GB/T 8170 to this many decimals is compared.
    Rounded(u32),
}

impl Comparison {
    fn rounds(self, v: &Exact) -> Exact {
        match self {
            Comparison::Exact => *v,
            Comparison::Rounded(d) => v.rounded(d),
        }
    }
}

/// The outcome of a mean-target calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeanBudget {
    /// The target is still reachable: the remaining days must average at most `max_mean`
    /// (strictly below it when `strict`).
    Reachable {
        /// The bound on the remaining days' mean.
        max_mean: Exact,
        /// Whether the bound itself is excluded.
        strict: bool,
        /// The days the bound applies to.
        days_remaining: u32,
        /// The mean so far.
        mean_so_far: Option<Exact>,
    },
    /// Not reachable even if every remaining day were 0.
    Unreachable {
        /// The annual mean if every remaining day were 0.
        best_possible: Exact,
        /// The mean so far.
        mean_so_far: Option<Exact>,
    },
    /// No days remain: the final mean.
    Final {
        /// The mean.
        mean: Option<Exact>,
        /// Whether it meets the target.
        met: bool,
    },
}

/// The highest mean the remaining days may have for the period's mean of daily values to meet
/// `target` (≤ target after `comparison`). `so_far` are the valid daily means so far.
pub fn mean_budget(
    so_far: &[Exact],
    days_remaining: u32,
    target: Exact,
    comparison: Comparison,
) -> MeanBudget {
    let n = so_far.len() as i64;
    let sum = so_far.iter().fold(Exact::zero(), |a, v| a.add(v));
    let mean_so_far = Exact::mean(so_far);
    // The threshold U on the exact final mean, and whether U itself is allowed.
    let (threshold, strict) = match comparison {
        Comparison::Exact => (target, false),
        Comparison::Rounded(d) => {
            let half = Exact::new(5, 10i64.pow(d + 1)).unwrap_or_else(Exact::zero);
            let u = target.add(&half);
            // U itself rounds (half to even) to target or to target + one unit.
            let allowed = u.rounded(d) <= target;
            (u, !allowed)
        }
    };
    if days_remaining == 0 {
        let met = mean_so_far.is_some_and(|m| comparison.rounds(&m) <= target);
        return MeanBudget::Final {
            mean: mean_so_far,
            met,
        };
    }
    let total = n + i64::from(days_remaining);
    let r = Exact::from_integer(i64::from(days_remaining));
    let max_mean = threshold
        .mul(&Exact::from_integer(total))
        .sub(&sum)
        .checked_div(&r)
        .unwrap_or_else(Exact::zero);
    let reachable = match max_mean.cmp(&Exact::zero()) {
        Ordering::Greater => true,
        Ordering::Equal => !strict,
        Ordering::Less => false,
    };
    if reachable {
        MeanBudget::Reachable {
            max_mean,
            strict,
            days_remaining,
            mean_so_far,
        }
    } else {
        MeanBudget::Unreachable {
            best_possible: sum
                .checked_div(&Exact::from_integer(total))
                .unwrap_or_else(Exact::zero),
            mean_so_far,
        }
    }
}

/// The outcome of a good-day-share calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareBudget {
    /// Reachable: at most `non_good_days_affordable` of the remaining days may be non-good.
    Reachable {
        /// Non-good days the rest of the period can afford.
        non_good_days_affordable: u32,
        /// Days remaining.
        days_remaining: u32,
    },
    /// Not reachable even if every remaining day is good.
    Unreachable {
        /// The share (%) if every remaining day is good.
        best_possible_percent: Exact,
    },
    /// No days remain.
    Final {
        /// The final share (%).
        percent: Option<Exact>,
        /// Whether it meets the target.
        met: bool,
    },
}

/// How many more non-good days the period can afford for its good-day share to reach
/// `target_percent` (≥ target after `comparison`), given `good_so_far` good days among
/// `valid_so_far` valid days and `days_remaining` valid days to come.
pub fn good_day_budget(
    good_so_far: u32,
    valid_so_far: u32,
    days_remaining: u32,
    target_percent: Exact,
    comparison: Comparison,
) -> ShareBudget {
    let share = |good: u32, valid: u32| Exact::new(i64::from(good) * 100, i64::from(valid));
    let meets = |good: u32, valid: u32| {
        share(good, valid).is_some_and(|s| comparison.rounds(&s) >= target_percent)
    };
    let total = valid_so_far + days_remaining;
    if days_remaining == 0 {
        return ShareBudget::Final {
            percent: share(good_so_far, valid_so_far),
            met: meets(good_so_far, valid_so_far),
        };
    }
    // The final share falls as non-good days are added; find the most that still meet it.
    match (0..=days_remaining)
        .rev()
        .find(|k| meets(good_so_far + days_remaining - k, total))
    {
        Some(k) => ShareBudget::Reachable {
            non_good_days_affordable: k,
            days_remaining,
        },
        None => ShareBudget::Unreachable {
            best_possible_percent: share(good_so_far + days_remaining, total)
                .unwrap_or_else(Exact::zero),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(n: i64) -> Exact {
        Exact::from_integer(n)
    }

    #[test]
    fn mean_budget_exact() {
        // 200 days at 30, 165 remaining, target 27: x ≤ (27·365 − 6000)/165 = 23.36…
        let so_far = vec![e(30); 200];
        let MeanBudget::Reachable {
            max_mean, strict, ..
        } = mean_budget(&so_far, 165, e(27), Comparison::Exact)
        else {
            panic!("reachable")
        };
        assert_eq!(max_mean, Exact::new(27 * 365 - 6000, 165).unwrap());
        assert!(!strict);
        // Check: the year at exactly that bound meets 27.
        let total = e(6000).add(&max_mean.mul(&e(165)));
        assert_eq!(total.checked_div(&e(365)).unwrap(), e(27));
    }

    #[test]
    fn mean_budget_rounded() {
        // Rounded to an integer, 27.5 rounds to 28 (even): the bound 27.5 is excluded.
        let so_far = vec![e(27); 10];
        let MeanBudget::Reachable {
            max_mean, strict, ..
        } = mean_budget(&so_far, 10, e(27), Comparison::Rounded(0))
        else {
            panic!()
        };
        assert_eq!(max_mean, Exact::new(28, 1).unwrap()); // (27.5·20 − 270)/10 = 28
        assert!(strict);
        // Target 28: 28.5 rounds to 28 (even): allowed.
        let MeanBudget::Reachable { strict, .. } =
            mean_budget(&so_far, 10, e(28), Comparison::Rounded(0))
        else {
            panic!()
        };
        assert!(!strict);
    }

    #[test]
    fn mean_budget_unreachable_and_final() {
        let so_far = vec![e(60); 300];
        match mean_budget(&so_far, 65, e(27), Comparison::Exact) {
            MeanBudget::Unreachable { best_possible, .. } => {
                assert_eq!(best_possible, Exact::new(18000, 365).unwrap());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            mean_budget(&[e(26), e(27)], 0, e(27), Comparison::Rounded(0)),
            MeanBudget::Final {
                mean: Some(Exact::new(53, 2).unwrap()),
                met: true
            }
        );
    }

    #[test]
    fn good_day_budget_counts() {
        // 250 good of 300, 65 remaining, target 80 %: final ≥ 292 good of 365 (80.0 %).
        // 250 + 65 − k ≥ 292 → k ≤ 23.
        match good_day_budget(250, 300, 65, e(80), Comparison::Exact) {
            ShareBudget::Reachable {
                non_good_days_affordable,
                ..
            } => {
                assert_eq!(non_good_days_affordable, 23)
            }
            other => panic!("{other:?}"),
        }
        // Rounded to one decimal: 291/365 = 79.726 → 79.7 < 80; still 23.
        match good_day_budget(250, 300, 65, e(80), Comparison::Rounded(1)) {
            ShareBudget::Reachable {
                non_good_days_affordable,
                ..
            } => {
                assert_eq!(non_good_days_affordable, 23)
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            good_day_budget(100, 300, 65, e(80), Comparison::Exact),
            ShareBudget::Unreachable { .. }
        ));
        assert!(matches!(
            good_day_budget(292, 365, 0, e(80), Comparison::Exact),
            ShareBudget::Final { met: true, .. }
        ));
    }
}
