//! Assessment rules as versioned data (考核办法): the indicators with their weights and how each
//! is scored, each town's targets, reward and penalty money per unit better or worse than the
//! target, vetoes (一票否决) and the thresholds that put a town on the special-inspection list
//! (专项督察 / 监督帮扶). `assess` applies a version to each town's figures and shows every step,
//! so any figure can be recomputed by hand.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ranking::{Order, rank};

/// Which side of an indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Lower is better (PM2.5, fire points).
    Lower,
    /// Higher is better (good-day share, tasks on time).
    Higher,
}

/// What a missing value scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The indicator is left out and its weight with it.
    #[default]
    Exclude,
    /// It scores 0.
    Zero,
}

/// An indicator of the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRule {
    /// Code of the figure it scores (`pm25`, `good_day_pct`, `fire_real`, …).
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit.
    #[serde(default)]
    pub unit: String,
    /// Weight.
    pub weight: Decimal,
    /// Which side is better.
    pub better: Better,
    /// Full marks (100) at this value or better; `None`: at the town's target.
    #[serde(default)]
    pub full_at: Option<Decimal>,
    /// Zero at this value or worse; with `full_at` absent, at the target plus (lower better)
    /// or minus (higher better) `zero_margin`.
    #[serde(default)]
    pub zero_at: Option<Decimal>,
    /// See `zero_at`.
    #[serde(default)]
    pub zero_margin: Option<Decimal>,
    /// What a missing value scores.
    #[serde(default)]
    pub missing: Missing,
}

/// A town's target for an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The town.
    pub town: String,
    /// The indicator.
    pub indicator: String,
    /// The target value.
    pub value: Decimal,
}

/// Money per unit better (reward) or worse (penalty) than the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyRule {
    /// The indicator.
    pub indicator: String,
    /// Yuan per unit better than the target.
    pub reward_per_unit: Decimal,
    /// Yuan per unit worse than the target.
    pub penalty_per_unit: Decimal,
    /// At most this reward (yuan).
    #[serde(default)]
    pub reward_cap: Option<Decimal>,
    /// At most this penalty (yuan).
    #[serde(default)]
    pub penalty_cap: Option<Decimal>,
}

/// A condition on one figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The figure.
    pub indicator: String,
    /// Holds when the value is above this…
    #[serde(default)]
    pub above: Option<Decimal>,
    /// …or below this.
    #[serde(default)]
    pub below: Option<Decimal>,
    /// Why (shown in the result and the circular).
    pub reason: String,
}

impl Threshold {
    fn holds(&self, v: Decimal) -> bool {
        self.above.is_some_and(|a| v > a) || self.below.is_some_and(|b| v < b)
    }
}

/// Which version, for which period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// A stable code.
    pub code: String,
    /// Version number.
    pub version: u32,
    /// Name (e.g. 海门区区镇大气环境质量考核办法).
    pub name: String,
    /// `month` or `year`.
    pub period: String,
    /// First day it applies (YYYY-MM-DD).
    pub valid_from: String,
    /// Last day it applies.
    #[serde(default)]
    pub valid_to: Option<String>,
    /// Example rules, not the district's.
    #[serde(default)]
    pub example: bool,
    /// A town is totalled and ranked only when its scored indicators carry at least this share
    /// of the weights (percent; default 50): a town with one figure out of four is not ranked
    /// first on it.
    #[serde(default = "half")]
    pub min_scored_weight_pct: Decimal,
}

impl Meta {
    /// The days it applies, in words: `2026-01-01 to 2026-06-30`, or `from 2026-01-01`.
    #[must_use]
    pub fn validity(&self) -> String {
        match &self.valid_to {
            Some(to) => format!("{} to {to}", self.valid_from),
            None => format!("from {}", self.valid_from),
        }
    }
}

fn half() -> Decimal {
    Decimal::from(50)
}

/// How figures are gathered for this version (so that re-running a period with it gathers them
/// the same way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gathering {
    /// An alarm counts as handled on time when it is handled, closed or dismissed within this
    /// many hours of being raised (default 24; UNVERIFIED, the district's 考核办法 decides).
    #[serde(default = "day_hours")]
    pub alarm_deadline_hours: u32,
}

impl Default for Gathering {
    fn default() -> Self {
        Gathering {
            alarm_deadline_hours: day_hours(),
        }
    }
}

fn day_hours() -> u32 {
    24
}

pub(crate) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A version of the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Which.
    pub rules: Meta,
    /// The indicators.
    pub indicator: Vec<IndicatorRule>,
    /// Each town's targets.
    #[serde(default)]
    pub target: Vec<Target>,
    /// Money.
    #[serde(default)]
    pub money: Vec<MoneyRule>,
    /// Vetoes (一票否决): a town meeting one is ranked after the others and forfeits rewards.
    #[serde(default)]
    pub veto: Vec<Threshold>,
    /// Special-inspection thresholds (专项督察 / 监督帮扶).
    #[serde(default)]
    pub inspection: Vec<Threshold>,
    /// How figures are gathered.
    #[serde(default)]
    pub figures: Gathering,
}

impl Rules {
    /// From TOML, checked: weights positive, each indicator's scoring complete (a full and a
    /// zero point, or a target and a margin), money and thresholds naming known indicators or
    /// figures, period month or year.
    pub fn from_toml(text: &str) -> Result<Rules, Vec<String>> {
        let r: Rules = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut errors = Vec::new();
        if r.rules.period != "month" && r.rules.period != "year" {
            errors.push(format!("rules.period {:?}: month or year", r.rules.period));
        }
        if !is_iso_date(&r.rules.valid_from) {
            errors.push(format!(
                "rules.valid_from {:?}: a date YYYY-MM-DD",
                r.rules.valid_from
            ));
        }
        if let Some(to) = &r.rules.valid_to
            && (!is_iso_date(to) || *to < r.rules.valid_from)
        {
            errors.push(format!(
                "rules.valid_to {to:?}: a date YYYY-MM-DD not before valid_from"
            ));
        }
        let mut seen = BTreeMap::new();
        for i in &r.indicator {
            if seen.insert(i.code.as_str(), ()).is_some() {
                errors.push(format!("indicator {}: given twice", i.code));
            }
            if i.weight <= Decimal::ZERO {
                errors.push(format!("indicator {}: weight must be above 0", i.code));
            }
            match (i.full_at, i.zero_at, i.zero_margin) {
                (Some(f), Some(z), _) => {
                    let ok = match i.better {
                        Better::Lower => z > f,
                        Better::Higher => z < f,
                    };
                    if !ok {
                        errors.push(format!(
                            "indicator {}: zero_at {z} must be worse than full_at {f}",
                            i.code
                        ));
                    }
                }
                // Scored against each town's target; a town without one is not scored on it.
                (None, None, Some(m)) if m > Decimal::ZERO => {}
                _ => errors.push(format!(
                    "indicator {}: give full_at and zero_at, or zero_margin (above 0) to score against each town's target",
                    i.code
                )),
            }
        }
        let mut targets = BTreeMap::new();
        for t in &r.target {
            if targets
                .insert((t.town.as_str(), t.indicator.as_str()), ())
                .is_some()
            {
                errors.push(format!(
                    "target of {} for {}: given twice",
                    t.town, t.indicator
                ));
            }
        }
        for m in &r.money {
            if !seen.contains_key(m.indicator.as_str()) {
                errors.push(format!("money: unknown indicator {}", m.indicator));
            }
            if m.reward_per_unit < Decimal::ZERO || m.penalty_per_unit < Decimal::ZERO {
                errors.push(format!("money {}: amounts are 0 or more", m.indicator));
            }
        }
        for t in r.veto.iter().chain(&r.inspection) {
            if t.above.is_none() && t.below.is_none() {
                errors.push(format!("threshold on {}: give above or below", t.indicator));
            }
        }
        if errors.is_empty() {
            Ok(r)
        } else {
            Err(errors)
        }
    }

    /// Whether this version applies to a period of `kind` (`month` or `year`) from `first` to
    /// `last` (YYYY-MM-DD): the same kind, in force on the period's first day.
    #[must_use]
    pub fn applies_to(&self, kind: &str, first: &str) -> bool {
        self.rules.period == kind
            && self.rules.valid_from.as_str() <= first
            && self.rules.valid_to.as_deref().is_none_or(|to| first <= to)
    }

    /// The version for a period among `candidates`: of those that apply, the one in force the
    /// latest (the latest `valid_from`), then the highest version. So a period is always
    /// assessed with the rules of its own date, as the standards are.
    pub fn select<'a>(
        candidates: impl IntoIterator<Item = &'a Rules>,
        kind: &str,
        first: &str,
    ) -> Option<&'a Rules> {
        candidates
            .into_iter()
            .filter(|r| r.applies_to(kind, first))
            .max_by(|a, b| {
                (a.rules.valid_from.as_str(), a.rules.version)
                    .cmp(&(b.rules.valid_from.as_str(), b.rules.version))
            })
    }
}

/// One indicator of one town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    /// The indicator.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The town's value.
    pub value: Option<Decimal>,
    /// The town's target, when it has one.
    pub target: Option<Decimal>,
    /// Full marks at…
    pub full_at: Option<Decimal>,
    /// …zero at.
    pub zero_at: Option<Decimal>,
    /// Score 0–100, 2 decimals (`None`: left out).
    pub score: Option<Decimal>,
    /// Its weight (0 when left out).
    pub weight: Decimal,
    /// How it was scored, in words.
    pub note: String,
    /// Where the value came from, in words (filled in by whoever gathered the figures).
    #[serde(default)]
    pub source: String,
}

/// Money for one indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyItem {
    /// The indicator.
    pub indicator: String,
    /// Yuan: positive a reward, negative a penalty.
    pub amount: Decimal,
    /// How, in words.
    pub note: String,
}

/// One town's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownResult {
    /// The town.
    pub town: String,
    /// Each indicator.
    pub items: Vec<ItemScore>,
    /// Σ weight × score / Σ weight, 2 decimals.
    pub total: Option<Decimal>,
    /// Rank among the towns (vetoed towns after the others).
    pub rank: Option<u32>,
    /// Shares the rank.
    pub tied: bool,
    /// Money items.
    pub money: Vec<MoneyItem>,
    /// Sum of the money (yuan).
    pub money_total: Decimal,
    /// The veto met, if any.
    pub veto: Option<String>,
    /// Reasons for special inspection.
    pub inspection: Vec<String>,
}

/// A whole assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The rules' code.
    pub rules: String,
    /// Their version.
    pub version: u32,
    /// The period (`2026-03`, `2026`).
    pub period: String,
    /// Every town, in rank order.
    pub towns: Vec<TownResult>,
}

/// Figures per town: indicator code → value.
pub type Figures = BTreeMap<String, BTreeMap<String, Decimal>>;

fn score_of(better: Better, full: Decimal, zero: Decimal, v: Decimal) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let s = match better {
        Better::Lower if v <= full => hundred,
        Better::Lower if v >= zero => Decimal::ZERO,
        Better::Lower => hundred * (zero - v) / (zero - full),
        Better::Higher if v >= full => hundred,
        Better::Higher if v <= zero => Decimal::ZERO,
        Better::Higher => hundred * (v - zero) / (full - zero),
    };
    s.round_dp(2)
}

/// Applies `rules` to each town's figures for `period`.
#[must_use]
pub fn assess(rules: &Rules, figures: &Figures, period: &str) -> Assessment {
    let targets: BTreeMap<(&str, &str), Decimal> = rules
        .target
        .iter()
        .map(|t| ((t.town.as_str(), t.indicator.as_str()), t.value))
        .collect();
    let target_of = |town: &str, indicator: &str| targets.get(&(town, indicator)).copied();
    let towns: Vec<TownResult> = figures
        .iter()
        .map(|(town, values)| {
            let items: Vec<ItemScore> = rules
                .indicator
                .iter()
                .map(|i| {
                    let value = values.get(&i.code).copied();
                    let target = target_of(town, &i.code);
                    let (full, zero) = match (i.full_at, i.zero_at, i.zero_margin, target) {
                        (Some(f), Some(z), _, _) => (Some(f), Some(z)),
                        (None, None, Some(m), Some(t)) => (
                            Some(t),
                            Some(match i.better {
                                Better::Lower => t + m,
                                Better::Higher => t - m,
                            }),
                        ),
                        _ => (None, None),
                    };
                    let (score, weight, note) = match (value, full, zero) {
                        (Some(v), Some(f), Some(z)) => (
                            Some(score_of(i.better, f, z, v)),
                            i.weight,
                            format!(
                                "{}于等于{f}得100分，{}于等于{z}得0分，其间线性",
                                if i.better == Better::Lower {
                                    "低"
                                } else {
                                    "高"
                                },
                                if i.better == Better::Lower {
                                    "高"
                                } else {
                                    "低"
                                }
                            ),
                        ),
                        (Some(_), _, _) => (None, Decimal::ZERO, "无目标值，不计分".to_owned()),
                        (None, _, _) if i.missing == Missing::Zero => {
                            (Some(Decimal::ZERO), i.weight, "无数据，计0分".to_owned())
                        }
                        (None, _, _) => (None, Decimal::ZERO, "无数据，不计入".to_owned()),
                    };
                    ItemScore {
                        code: i.code.clone(),
                        name: i.name.clone(),
                        value,
                        target,
                        full_at: full,
                        zero_at: zero,
                        score,
                        weight,
                        note,
                        source: String::new(),
                    }
                })
                .collect();
            let weights: Decimal = items.iter().map(|x| x.weight).sum();
            let all: Decimal = rules.indicator.iter().map(|i| i.weight).sum();
            let enough = !all.is_zero()
                && weights * Decimal::ONE_HUNDRED / all >= rules.rules.min_scored_weight_pct;
            let total = (!weights.is_zero() && enough).then(|| {
                (items
                    .iter()
                    .filter_map(|x| x.score.map(|s| s * x.weight))
                    .sum::<Decimal>()
                    / weights)
                    .round_dp(2)
            });
            let veto = rules
                .veto
                .iter()
                .find(|t| values.get(&t.indicator).is_some_and(|v| t.holds(*v)))
                .map(|t| t.reason.clone());
            let inspection = rules
                .inspection
                .iter()
                .filter(|t| values.get(&t.indicator).is_some_and(|v| t.holds(*v)))
                .map(|t| t.reason.clone())
                .collect();
            let better_of = |code: &str| {
                rules
                    .indicator
                    .iter()
                    .find(|i| i.code == code)
                    .map_or(Better::Lower, |i| i.better)
            };
            let money: Vec<MoneyItem> = rules
                .money
                .iter()
                .map(|m| {
                    let (Some(v), Some(t)) =
                        (values.get(&m.indicator), target_of(town, &m.indicator))
                    else {
                        return MoneyItem {
                            indicator: m.indicator.clone(),
                            amount: Decimal::ZERO,
                            note: "无数据或无目标值".to_owned(),
                        };
                    };
                    // Units better than the target (negative: worse).
                    let better = match better_of(&m.indicator) {
                        Better::Lower => t - *v,
                        Better::Higher => *v - t,
                    };
                    let (amount, note) = if better > Decimal::ZERO {
                        let raw = better * m.reward_per_unit;
                        let a = m.reward_cap.map_or(raw, |c| raw.min(c));
                        if veto.is_some() {
                            (
                                Decimal::ZERO,
                                format!("优于目标{}，因一票否决不予奖励", better.normalize()),
                            )
                        } else {
                            (
                                a,
                                format!(
                                    "优于目标{} × {}元",
                                    better.normalize(),
                                    m.reward_per_unit.normalize()
                                ),
                            )
                        }
                    } else {
                        let raw = -better * m.penalty_per_unit;
                        let a = m.penalty_cap.map_or(raw, |c| raw.min(c));
                        (
                            -a,
                            format!(
                                "劣于目标{} × {}元",
                                (-better).normalize(),
                                m.penalty_per_unit.normalize()
                            ),
                        )
                    };
                    MoneyItem {
                        indicator: m.indicator.clone(),
                        amount: amount.round_dp(2).normalize(),
                        note,
                    }
                })
                .collect();
            TownResult {
                town: town.clone(),
                money_total: money.iter().map(|m| m.amount).sum::<Decimal>().normalize(),
                items,
                total,
                rank: None,
                tied: false,
                money,
                veto,
                inspection,
            }
        })
        .collect();
    // Rank by total (higher better) among towns without a veto, then the vetoed ones.
    let mut ordered = Vec::new();
    let mut offset = 0;
    for vetoed in [false, true] {
        let group: Vec<&TownResult> = towns
            .iter()
            .filter(|t| t.veto.is_some() == vetoed)
            .collect();
        let items: Vec<(String, Option<Decimal>)> =
            group.iter().map(|t| (t.town.clone(), t.total)).collect();
        let ranked = rank(&items, Order::Descending);
        let n = u32::try_from(ranked.iter().filter(|r| r.rank.is_some()).count()).unwrap_or(0);
        for r in ranked {
            ordered.push((r.key, r.rank.map(|x| x + offset), r.tied));
        }
        offset += n;
    }
    let mut by_town: BTreeMap<String, TownResult> =
        towns.into_iter().map(|t| (t.town.clone(), t)).collect();
    let mut out = Vec::new();
    for (town, r, tied) in ordered {
        if let Some(mut t) = by_town.remove(&town) {
            t.rank = r;
            t.tied = tied;
            out.push(t);
        }
    }
    Assessment {
        rules: rules.rules.code.clone(),
        version: rules.rules.version,
        period: period.to_owned(),
        towns: out,
    }
}
