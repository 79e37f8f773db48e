//! Whether a listed enterprise reduced as its measure requires: its online monitors' level
//! during the warning against its baseline (the same measure, e.g. NOx emission rate or
//! production-line current, before the warning). A stop requires the level to fall to at most
//! `tolerance` percent of the baseline; a limit of x % a fall of at least x − `tolerance`
//! percentage points; staggering, self-determined reductions and exemptions are not checked
//! from monitors.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::list::Action;

/// The result for one enterprise (or one monitor of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    /// Required fall, percent (`None`: not checkable from monitors).
    pub required_pct: Option<Decimal>,
    /// Achieved fall, percent, two decimals (`None`: no baseline).
    pub achieved_pct: Option<Decimal>,
    /// Whether it complies (`None`: not checkable).
    pub compliant: Option<bool>,
    /// In Chinese.
    pub text: String,
}

/// The fall a measure requires, percent.
#[must_use]
pub fn required_pct(action: &Action) -> Option<Decimal> {
    match action {
        Action::Stop => Some(Decimal::from(100)),
        Action::Limit(p) => Some(Decimal::from(*p)),
        Action::Stagger | Action::SelfDetermined | Action::Exempt(_) => None,
    }
}

/// Compares the mean level during the warning with the baseline mean.
#[must_use]
pub fn assess(
    action: &Action,
    baseline: Decimal,
    during: Decimal,
    tolerance_pct: Decimal,
) -> Compliance {
    let required = required_pct(action);
    let achieved = (baseline > Decimal::ZERO).then(|| {
        ((baseline - during) * Decimal::from(100) / baseline)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven)
    });
    let compliant = match (required, baseline > Decimal::ZERO) {
        (Some(req), true) => {
            // Exactly: (baseline − during) × 100 ≥ (req − tol) × baseline.
            Some((baseline - during) * Decimal::from(100) >= (req - tolerance_pct) * baseline)
        }
        _ => None,
    };
    let text = match (required, achieved, compliant) {
        (None, _, _) => format!("{}：不以在线监测核查", action.zh()),
        (Some(_), None, _) => "无基准期监测数据，无法核查".to_owned(),
        (Some(r), Some(a), Some(true)) => {
            format!("{}：要求下降{r}%，实际下降{a}%，符合", action.zh())
        }
        (Some(r), Some(a), _) => format!("{}：要求下降{r}%，实际下降{a}%，未落实", action.zh()),
    };
    Compliance {
        required_pct: required,
        achieved_pct: achieved,
        compliant,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn stop_and_limit_at_their_edges() {
        let tol = d("10");
        // Stop: at most 10 % of the baseline left.
        assert_eq!(
            assess(&Action::Stop, d("100"), d("10"), tol).compliant,
            Some(true)
        );
        assert_eq!(
            assess(&Action::Stop, d("100"), d("10.01"), tol).compliant,
            Some(false)
        );
        // Limit 30 %: a fall of at least 20 % (30 − 10).
        let c = assess(&Action::Limit(30), d("80"), d("64"), tol);
        assert_eq!((c.achieved_pct, c.compliant), (Some(d("20")), Some(true)));
        assert_eq!(c.text, "限产30%：要求下降30%，实际下降20%，符合");
        assert_eq!(
            assess(&Action::Limit(30), d("80"), d("64.01"), tol).compliant,
            Some(false)
        );
        // Rising is a negative fall.
        assert_eq!(
            assess(&Action::Limit(30), d("80"), d("90"), tol).achieved_pct,
            Some(d("-12.5"))
        );
        // Not checkable.
        assert_eq!(
            assess(&Action::Stagger, d("80"), d("90"), tol).compliant,
            None
        );
        assert_eq!(
            assess(&Action::Stop, d("0"), d("0"), tol).text,
            "无基准期监测数据，无法核查"
        );
    }
}

/// The HJ 212-2017 factor of each list pollutant as monitors send it: SO2 a21026, NOx a21002,
/// 颗粒物 a34013, VOCs as 非甲烷总烃 a24088.
#[must_use]
pub fn factor_code(p: crate::list::Pollutant) -> &'static str {
    use crate::list::Pollutant;
    match p {
        Pollutant::So2 => "a21026",
        Pollutant::Nox => "a21002",
        Pollutant::Pm => "a34013",
        Pollutant::Vocs => "a24088",
    }
}

/// Flow factors, in order of preference: 废气流量 (a00000) or 烟气流速 (a01011). With one of
/// them, a reading's emission level is concentration × flow (what a limit of production cuts);
/// without, the concentration alone.
pub const FLOW_FACTORS: [&str; 2] = ["a00000", "a01011"];

/// The exact mean of values, `None` for none.
#[must_use]
pub fn mean(values: &[Decimal]) -> Option<Decimal> {
    let n = Decimal::from(u64::try_from(values.len()).ok()?);
    if n.is_zero() {
        return None;
    }
    let sum = values
        .iter()
        .try_fold(Decimal::ZERO, |a, v| a.checked_add(*v))?;
    sum.checked_div(n)
}

#[cfg(test)]
mod mean_tests {
    use super::*;

    #[test]
    fn means() {
        assert_eq!(mean(&[]), None);
        assert_eq!(
            mean(&[Decimal::from(1), Decimal::from(2)]),
            Some("1.5".parse().unwrap())
        );
    }
}
