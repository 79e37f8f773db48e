//! Rankings (排名) as the national rules have them (standards.md §3): ascending by the composite
//! index or PM2.5 (smaller is better), descending by the good-day share; equal values share a
//! rank (并列) and the next rank skips (1, 2, 2, 4); a place without a value is listed unranked.
//! Change rankings (改善幅度): the rate against the same period of the year before; places whose
//! pollutants all meet Grade II leave the deterioration (恶化) ranking.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Smaller is better (composite index, PM2.5, change rate).
    Ascending,
    /// Larger is better (good-day share).
    Descending,
}

/// A ranked place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    /// The place (station code, town, area).
    pub key: String,
    /// Its value.
    pub value: Option<Decimal>,
    /// Its rank (1 = best); `None` without a value.
    pub rank: Option<u32>,
    /// It shares the rank (并列).
    pub tied: bool,
}

/// Ranks `items` by value in `order`; ties share the rank, the next rank skips; places without
/// a value come last, unranked, in the order given.
#[must_use]
pub fn rank(items: &[(String, Option<Decimal>)], order: Order) -> Vec<Ranked> {
    let mut with: Vec<(String, Decimal)> = items
        .iter()
        .filter_map(|(k, v)| v.map(|v| (k.clone(), v)))
        .collect();
    // Stable: equal values keep the order given.
    with.sort_by(|a, b| match order {
        Order::Ascending => a.1.cmp(&b.1),
        Order::Descending => b.1.cmp(&a.1),
    });
    let mut out: Vec<Ranked> = Vec::with_capacity(items.len());
    for (i, (key, value)) in with.iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.value == Some(*value) => prev.rank,
            _ => Some(u32::try_from(i + 1).unwrap_or(u32::MAX)),
        };
        out.push(Ranked {
            key: key.clone(),
            value: Some(*value),
            rank,
            tied: false,
        });
    }
    for i in 0..out.len() {
        let same = |j: usize| out.get(j).is_some_and(|o: &Ranked| o.rank == out[i].rank);
        let tied = (i > 0 && same(i - 1)) || same(i + 1);
        out[i].tied = tied;
    }
    out.extend(
        items
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| Ranked {
                key: k.clone(),
                value: None,
                rank: None,
                tied: false,
            }),
    );
    out
}

/// The change rate in percent, to `decimals`: (current − previous) / previous × 100; `None`
/// when either is missing or the previous is 0.
#[must_use]
pub fn change_rate(
    current: Option<Decimal>,
    previous: Option<Decimal>,
    decimals: u32,
) -> Option<Decimal> {
    let (c, p) = (current?, previous?);
    (!p.is_zero()).then(|| ((c - p) / p * Decimal::ONE_HUNDRED).round_dp(decimals))
}

/// A place for the change rankings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The place.
    pub key: String,
    /// Its change rate (percent), negative is better.
    pub rate: Option<Decimal>,
    /// All its pollutants meet Grade II in the period.
    pub attains: bool,
}

/// The improvement ranking (every place by rate, the most improved first) and the
/// deterioration ranking (places that got worse, the worst first, without those that attain
/// Grade II).
#[must_use]
pub fn change_rankings(places: &[Change]) -> (Vec<Ranked>, Vec<Ranked>) {
    let items: Vec<(String, Option<Decimal>)> =
        places.iter().map(|p| (p.key.clone(), p.rate)).collect();
    let improvement = rank(&items, Order::Ascending);
    let worse: Vec<(String, Option<Decimal>)> = places
        .iter()
        .filter(|p| !p.attains && p.rate.is_some_and(|r| r > Decimal::ZERO))
        .map(|p| (p.key.clone(), p.rate))
        .collect();
    (improvement, rank(&worse, Order::Descending))
}

/// Ranks places whose figure is valid (enough data) first, then the others after them (their
/// ranks continue from the last valid one), so a place with a few days of data never ranks
/// above one with a full period. Ties share within each group.
#[must_use]
pub fn rank_valid_first(items: &[(String, Option<Decimal>, bool)], order: Order) -> Vec<Ranked> {
    let mut out = Vec::new();
    let mut offset = 0;
    for valid in [true, false] {
        let group: Vec<(String, Option<Decimal>)> = items
            .iter()
            .filter(|x| x.2 == valid)
            .map(|x| (x.0.clone(), x.1))
            .collect();
        let ranked = rank(&group, order);
        let n = ranked.iter().filter(|r| r.rank.is_some()).count();
        out.extend(ranked.into_iter().map(|mut r| {
            r.rank = r.rank.map(|x| x + offset);
            r
        }));
        offset += u32::try_from(n).unwrap_or(u32::MAX);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<Decimal> {
        Some(s.parse().unwrap())
    }

    fn items(v: &[(&str, Option<Decimal>)]) -> Vec<(String, Option<Decimal>)> {
        v.iter().map(|(k, x)| ((*k).to_owned(), *x)).collect()
    }

    #[test]
    fn places_without_enough_data_rank_after_the_others() {
        let r = rank_valid_first(
            &[
                ("A".to_owned(), d("4.10"), true),
                ("B".to_owned(), d("2.80"), false),
                ("C".to_owned(), d("3.90"), true),
                ("D".to_owned(), None, false),
            ],
            Order::Ascending,
        );
        let got: Vec<(&str, Option<u32>)> = r.iter().map(|x| (x.key.as_str(), x.rank)).collect();
        assert_eq!(
            got,
            [("C", Some(1)), ("A", Some(2)), ("B", Some(3)), ("D", None)]
        );
    }

    #[test]
    fn ties_share_the_rank_and_the_next_skips() {
        let r = rank(
            &items(&[
                ("A", d("3.43")),
                ("B", d("3.10")),
                ("C", d("3.43")),
                ("D", None),
                ("E", d("4.00")),
            ]),
            Order::Ascending,
        );
        let got: Vec<(&str, Option<u32>, bool)> =
            r.iter().map(|x| (x.key.as_str(), x.rank, x.tied)).collect();
        assert_eq!(
            got,
            [
                ("B", Some(1), false),
                ("A", Some(2), true),
                ("C", Some(2), true),
                ("E", Some(4), false),
                ("D", None, false)
            ]
        );
        let good = rank(
            &items(&[("A", d("80.1")), ("B", d("85.0"))]),
            Order::Descending,
        );
        assert_eq!(good[0].key, "B");
        assert!(rank(&[], Order::Ascending).is_empty());
    }

    #[test]
    fn change_rankings_leave_attaining_places_out_of_deterioration() {
        assert_eq!(change_rate(d("3.60"), d("4.00"), 1), d("-10.0"));
        assert_eq!(change_rate(d("3.60"), d("0"), 1), None);
        let places = [
            Change {
                key: "A".into(),
                rate: d("-10.0"),
                attains: false,
            },
            Change {
                key: "B".into(),
                rate: d("5.0"),
                attains: false,
            },
            Change {
                key: "C".into(),
                rate: d("8.0"),
                attains: true,
            },
            Change {
                key: "D".into(),
                rate: d("5.0"),
                attains: false,
            },
        ];
        let (up, down) = change_rankings(&places);
        assert_eq!(up[0].key, "A");
        assert_eq!(up.last().unwrap().key, "C");
        let down: Vec<(&str, Option<u32>)> =
            down.iter().map(|x| (x.key.as_str(), x.rank)).collect();
        assert_eq!(down, [("B", Some(1)), ("D", Some(1))]);
    }
}
