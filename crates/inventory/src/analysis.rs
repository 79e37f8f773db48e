//! What an inventory says: totals by pollutant, first-level category, town and source; two
//! years compared along any of those; and the reduction accounting against the baseline year
//! (the plan's NOx and VOCs −10 % vs 2020) with each project's contribution.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::category::Categories;
use crate::ledger::{Emission, Inventory, Method, Source};
use crate::pollutant::Pollutant;

/// Along what two years are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// Each source.
    Source,
    /// First-level category.
    Category,
    /// Town.
    Town,
    /// The pollutant only (district totals).
    Pollutant,
}

impl Grouping {
    /// From `source`, `category`, `town`, `pollutant`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Grouping> {
        match s {
            "source" => Some(Grouping::Source),
            "category" => Some(Grouping::Category),
            "town" => Some(Grouping::Town),
            "pollutant" => Some(Grouping::Pollutant),
            _ => None,
        }
    }
}

/// The group key and name of a source.
fn group_of(g: Grouping, s: Option<&Source>, cats: &Categories) -> (String, String) {
    match (g, s) {
        (Grouping::Source, Some(s)) => (s.id.clone(), s.name.clone()),
        (Grouping::Category, Some(s)) => match cats.top(&s.category) {
            Some(c) => (c.code.clone(), c.name.clone()),
            None => (s.category.clone(), String::new()),
        },
        (Grouping::Town, Some(s)) if !s.town.is_empty() => (s.town.clone(), s.town.clone()),
        (Grouping::Town, Some(_)) => (String::new(), "（未分区镇）".to_owned()),
        (Grouping::Pollutant, _) => ("全区".to_owned(), "全区".to_owned()),
        (_, None) => (String::new(), "（未知源）".to_owned()),
    }
}

/// Tonnes per (group, pollutant).
#[must_use]
pub fn totals(
    inv: &Inventory,
    emissions: &[Emission],
    by: Grouping,
    cats: &Categories,
) -> BTreeMap<(String, Pollutant), (String, Decimal)> {
    let sources: HashMap<&str, &Source> = inv.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out: BTreeMap<(String, Pollutant), (String, Decimal)> = BTreeMap::new();
    for e in emissions {
        let (key, name) = group_of(by, sources.get(e.source.as_str()).copied(), cats);
        let slot = out
            .entry((key, e.pollutant))
            .or_insert((name, Decimal::ZERO));
        slot.1 += e.tonnes;
    }
    out
}

/// District totals per pollutant.
#[must_use]
pub fn pollutant_totals(emissions: &[Emission]) -> BTreeMap<Pollutant, Decimal> {
    let mut out = BTreeMap::new();
    for e in emissions {
        *out.entry(e.pollutant).or_insert(Decimal::ZERO) += e.tonnes;
    }
    out
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareRow {
    /// Group key (source id, category code, town).
    pub key: String,
    /// Its name.
    pub name: String,
    /// The pollutant.
    pub pollutant: Pollutant,
    /// Tonnes in the first year.
    pub a: Decimal,
    /// Tonnes in the second year.
    pub b: Decimal,
    /// b − a.
    pub change: Decimal,
    /// (b − a) / a, percent to 0.1 (none when a is 0).
    pub change_pct: Option<Decimal>,
}

/// Two years compared along `by` (every group of either year; a group missing in one counts 0).
#[must_use]
pub fn compare(
    a: (&Inventory, &[Emission]),
    b: (&Inventory, &[Emission]),
    by: Grouping,
    cats: &Categories,
) -> Vec<CompareRow> {
    let ta = totals(a.0, a.1, by, cats);
    let tb = totals(b.0, b.1, by, cats);
    let mut keys: Vec<&(String, Pollutant)> = ta.keys().chain(tb.keys()).collect();
    // Category codes in numeric order (1, 2, …, 10), other keys as text.
    let order = |k: &(String, Pollutant)| {
        let numeric: Option<Vec<u32>> = k.0.split('.').map(|p| p.parse().ok()).collect();
        (numeric.unwrap_or_default(), k.0.clone(), k.1)
    };
    keys.sort_by_key(|k| order(k));
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let (na, va) = ta.get(k).cloned().unwrap_or_default();
            let (nb, vb) = tb.get(k).cloned().unwrap_or_default();
            CompareRow {
                key: k.0.clone(),
                name: if nb.is_empty() { na } else { nb },
                pollutant: k.1,
                a: t(va),
                b: t(vb),
                change: t(vb - va),
                change_pct: pct(vb - va, va),
            }
        })
        .collect()
}

/// Tonnes as reported: to the kilogram, without trailing zeros.
fn t(x: Decimal) -> Decimal {
    x.round_dp(3).normalize()
}

fn pct(part: Decimal, whole: Decimal) -> Option<Decimal> {
    (!whole.is_zero()).then(|| (part / whole * Decimal::ONE_HUNDRED).round_dp(1))
}

/// One pollutant's accounting against the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollutantAccount {
    /// The pollutant.
    pub pollutant: Pollutant,
    /// Baseline year total (t).
    pub baseline_t: Decimal,
    /// This year's total (t).
    pub current_t: Decimal,
    /// current − baseline.
    pub change_t: Decimal,
    /// Percent to 0.1.
    pub change_pct: Option<Decimal>,
    /// The target change (−10 %).
    pub target_pct: Decimal,
    /// The most the year may emit to meet it.
    pub allowed_t: Decimal,
    /// Met.
    pub met: bool,
    /// Tonnes still to cut (0 when met).
    pub gap_t: Decimal,
    /// The reduction (baseline − current) the projects do not account for (t).
    pub unexplained_t: Decimal,
    /// Of this year's total, measured by online monitoring (t).
    pub measured_t: Decimal,
}

/// One project's part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectAccount {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Plan tasks.
    pub tasks: Vec<u32>,
    /// Pollutant.
    pub pollutant: Pollutant,
    /// Expected (t).
    pub expected_t: Decimal,
    /// Verified (t).
    pub verified_t: Option<Decimal>,
    /// What is counted: verified, else expected.
    pub counted_t: Decimal,
    /// Share of the pollutant's reduction since the baseline (percent to 0.1).
    pub share_pct: Option<Decimal>,
    /// The change of its sources' emissions between the baseline and this year (t): what the
    /// inventory shows where the project acted.
    pub sources_change_t: Decimal,
    /// Status.
    pub status: String,
}

/// The accounting of a year against its baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounting {
    /// The year.
    pub year: i32,
    /// The baseline year.
    pub baseline_year: i32,
    /// The pollutants with a target.
    pub pollutants: Vec<PollutantAccount>,
    /// The projects (this year's list).
    pub projects: Vec<ProjectAccount>,
}

/// The accounting of `current` against `baseline` for `targets` (pollutant, target percent,
/// e.g. NOx −10), with the projects of `current`.
#[must_use]
pub fn accounting(
    baseline: (&Inventory, &[Emission]),
    current: (&Inventory, &[Emission]),
    targets: &[(Pollutant, Decimal)],
) -> Accounting {
    let base = pollutant_totals(baseline.1);
    let now = pollutant_totals(current.1);
    let by_source = |em: &[Emission]| -> HashMap<(String, Pollutant), Decimal> {
        let mut m = HashMap::new();
        for e in em {
            *m.entry((e.source.clone(), e.pollutant))
                .or_insert(Decimal::ZERO) += e.tonnes;
        }
        m
    };
    let (sb, sc) = (by_source(baseline.1), by_source(current.1));
    let mut projects: Vec<ProjectAccount> = current
        .0
        .projects
        .iter()
        .map(|p| {
            let sources_change_t = p
                .sources
                .iter()
                .map(|s| {
                    let k = (s.clone(), p.pollutant);
                    sc.get(&k).copied().unwrap_or_default()
                        - sb.get(&k).copied().unwrap_or_default()
                })
                .sum();
            ProjectAccount {
                id: p.id.clone(),
                name: p.name.clone(),
                tasks: p.tasks.clone(),
                pollutant: p.pollutant,
                expected_t: p.expected_t,
                verified_t: p.verified_t,
                counted_t: p.verified_t.unwrap_or(p.expected_t),
                share_pct: None,
                sources_change_t: t(sources_change_t),
                status: p.status.clone(),
            }
        })
        .collect();
    let pollutants = targets
        .iter()
        .map(|&(p, target_pct)| {
            let baseline_t = base.get(&p).copied().unwrap_or_default();
            let current_t = now.get(&p).copied().unwrap_or_default();
            let allowed_t = baseline_t * (Decimal::ONE + target_pct / Decimal::ONE_HUNDRED);
            let reduction = baseline_t - current_t;
            let counted: Decimal = projects
                .iter()
                .filter(|x| x.pollutant == p)
                .map(|x| x.counted_t)
                .sum();
            for x in projects.iter_mut().filter(|x| x.pollutant == p) {
                x.share_pct = (reduction > Decimal::ZERO)
                    .then(|| pct(x.counted_t, reduction))
                    .flatten();
            }
            PollutantAccount {
                pollutant: p,
                baseline_t: t(baseline_t),
                current_t: t(current_t),
                change_t: t(current_t - baseline_t),
                change_pct: pct(current_t - baseline_t, baseline_t),
                target_pct,
                allowed_t: t(allowed_t),
                met: current_t <= allowed_t,
                gap_t: t((current_t - allowed_t).max(Decimal::ZERO)),
                unexplained_t: t(reduction - counted),
                measured_t: current
                    .1
                    .iter()
                    .filter(|e| e.pollutant == p && e.method == Method::Measured)
                    .map(|e| e.tonnes)
                    .sum::<Decimal>()
                    .normalize(),
            }
        })
        .collect();
    Accounting {
        year: current.0.year,
        baseline_year: baseline.0.year,
        pollutants,
        projects,
    }
}
