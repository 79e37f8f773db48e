//! Derived series from hourly data, with the GB 3095 Table 4 validity rules (standards.md §2.2,
//! §2.3): daily means, 8-h and 24-h sliding means, O3 MDA8, the daily maximum 1-h value,
//! monthly and annual means. Every result says how many values it used and whether it is valid.

use jiff::civil::{Date, DateTime};
use num_rational::Ratio;

use crate::conc::{Concentration, Exact, MICROS_PER_UNIT};
use crate::limits::{LimitPeriod, limit};
use crate::pollutant::{Pollutant, PollutantMap};
use crate::rules::{Config, RuleSet};
use crate::time::{hours_between, midnight};

/// An hourly value: a measured [`Concentration`] or a derived [`Exact`] (an area mean).
pub trait HourValue: Copy + Ord + std::fmt::Debug {
    /// The exact value.
    fn exact(&self) -> Exact;
    /// The value in millionths if it is a measured concentration (the fast integer path).
    fn micros(&self) -> Option<i64>;
}

impl HourValue for Concentration {
    fn exact(&self) -> Exact {
        Concentration::exact(*self)
    }
    fn micros(&self) -> Option<i64> {
        Some(Concentration::micros(*self))
    }
}

impl HourValue for Exact {
    fn exact(&self) -> Exact {
        *self
    }
    fn micros(&self) -> Option<i64> {
        None
    }
}

/// Sums values exactly, in integers wherever possible: measured values in millionths, derived
/// values whose denominator divides [`Exact::COMMON_DENOM`] (every mean of up to 24 measured
/// values does) as multiples of it, and only the rest as reduced fractions.
#[derive(Debug, Clone, Copy)]
struct Sum {
    micros: i128,
    common: i128,
    ratio: Ratio<i128>,
    has_ratio: bool,
    n: u32,
}

impl Sum {
    fn new() -> Self {
        Sum {
            micros: 0,
            common: 0,
            ratio: Ratio::from_integer(0),
            has_ratio: false,
            n: 0,
        }
    }

    fn add<T: HourValue>(&mut self, v: &T) {
        match v.micros() {
            Some(m) => self.micros += i128::from(m),
            None => {
                let e = v.exact();
                match e.over_common_denom() {
                    Some(c) => self.common += c,
                    None => {
                        self.ratio += e.ratio();
                        self.has_ratio = true;
                    }
                }
            }
        }
        self.n += 1;
    }

    /// The integer part of the sum over [`Exact::COMMON_DENOM`], when there is no fraction.
    fn common_total(&self) -> Option<i128> {
        (!self.has_ratio).then(|| {
            self.micros * (Exact::COMMON_DENOM / i128::from(MICROS_PER_UNIT)) + self.common
        })
    }

    /// Whether this sum's mean is larger than `other`'s; in integers when it can be.
    fn mean_exceeds(&self, other: &Sum) -> bool {
        match (self.common_total(), other.common_total()) {
            (Some(a), Some(b)) => a * i128::from(other.n) > b * i128::from(self.n),
            _ => self.mean() > other.mean(),
        }
    }

    fn mean(&self) -> Option<Exact> {
        (self.n > 0).then(|| {
            let n = i128::from(self.n);
            match self.common_total() {
                Some(t) => Exact::from_ratio(Ratio::new(t, Exact::COMMON_DENOM * n)),
                None => {
                    let total = self.ratio
                        + Ratio::new(self.common, Exact::COMMON_DENOM)
                        + Ratio::new(self.micros, i128::from(MICROS_PER_UNIT));
                    Exact::from_ratio(total / Ratio::from_integer(n))
                }
            }
        })
    }
}

/// A statistic with its coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stat {
    /// The value computed from the valid inputs there were (`None` if there were none).
    pub value: Option<Exact>,
    /// How many valid inputs it used.
    pub count: u32,
    /// Whether it meets its validity rule. An invalid statistic must not enter further
    /// statistics (GB 3095-2026 §6.4).
    pub valid: bool,
}

impl Stat {
    /// No data.
    pub const NONE: Stat = Stat {
        value: None,
        count: 0,
        valid: false,
    };

    /// The value if the statistic is valid.
    pub fn valid_value(&self) -> Option<Exact> {
        if self.valid { self.value } else { None }
    }

    /// A daily maximum: valid with `required` inputs, or with fewer when it exceeds `limit`
    /// (the HJ 663 §6.1.2 rule for MDA8).
    fn maximum(
        best: Option<Exact>,
        count: u32,
        required: u32,
        limit: Option<Concentration>,
    ) -> Stat {
        let exceeds = matches!((best, limit), (Some(b), Some(l)) if b > l.exact());
        Stat {
            value: best,
            count,
            valid: count > 0 && (count >= required || exceeds),
        }
    }

    fn mean_of(sum: &Sum, required: u32) -> Stat {
        Stat {
            value: sum.mean(),
            count: sum.n,
            valid: sum.n >= required && sum.n > 0,
        }
    }
}

/// Hourly values of one pollutant, contiguous in time. `values[i]` is the hour starting
/// `first_hour + i h` (see [`crate::time`]); `None` is missing or invalid.
#[derive(Debug, Clone, Copy)]
pub struct HourlySeries<'a, T> {
    /// Start of the first hour, Beijing time, on the hour.
    pub first_hour: DateTime,
    /// One value per hour.
    pub values: &'a [Option<T>],
}

impl<'a, T: HourValue> HourlySeries<'a, T> {
    /// A series.
    pub fn new(first_hour: DateTime, values: &'a [Option<T>]) -> Self {
        HourlySeries { first_hour, values }
    }

    /// The value of the hour starting `start`; `None` if outside the series or missing.
    pub fn at(&self, start: DateTime) -> Option<T> {
        let i = hours_between(self.first_hour, start);
        usize::try_from(i)
            .ok()
            .and_then(|i| self.values.get(i).copied().flatten())
    }

    fn index_of(&self, start: DateTime) -> i64 {
        hours_between(self.first_hour, start)
    }

    fn get(&self, i: i64) -> Option<T> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.values.get(i).copied().flatten())
    }

    /// The dates the series touches, first to last.
    pub fn dates(&self) -> Vec<Date> {
        let Some(last) = self.values.len().checked_sub(1) else {
            return Vec::new();
        };
        let first = self.first_hour.date();
        let last = self
            .first_hour
            .checked_add(jiff::Span::new().hours(last as i64))
            .map(|d| d.date())
            .unwrap_or(first);
        first
            .series(jiff::Span::new().days(1))
            .take_while(|d| *d <= last)
            .collect()
    }

    /// Daily mean (日平均) of each natural day: the mean of its valid hours, valid with at least
    /// [`Config::min_hours_daily`] (20) of them.
    pub fn daily_means(&self, config: &Config) -> Vec<(Date, Stat)> {
        self.dates()
            .into_iter()
            .map(|d| (d, self.daily_mean(d, config)))
            .collect()
    }

    /// The daily mean of one date.
    pub fn daily_mean(&self, date: Date, config: &Config) -> Stat {
        self.window_mean(midnight(date), config)
    }

    /// The 24-h mean of the 24 hours from the hour starting `first` (a natural day from
    /// midnight, or any 24 consecutive hours), valid with [`Config::min_hours_daily`] hours.
    pub fn window_mean(&self, first: DateTime, config: &Config) -> Stat {
        let start = self.index_of(first);
        let mut sum = Sum::new();
        for i in start..start + 24 {
            if let Some(v) = self.get(i) {
                sum.add(&v);
            }
        }
        Stat::mean_of(&sum, config.min_hours_daily)
    }

    /// The sliding mean over `window` hours ending with the hour starting `end`, valid with at
    /// least `min_valid` valid hours.
    pub fn sliding_mean(&self, end: DateTime, window: u32, min_valid: u32) -> Stat {
        let last = self.index_of(end);
        let mut sum = Sum::new();
        for i in last + 1 - i64::from(window)..=last {
            if let Some(v) = self.get(i) {
                sum.add(&v);
            }
        }
        Stat::mean_of(&sum, min_valid)
    }

    /// The 8-h sliding mean (8小时滑动平均) ending with the hour starting `end`: valid with at
    /// least [`Config::min_hours_8h`] (6) of 8 hours.
    pub fn o3_8h(&self, end: DateTime, config: &Config) -> Stat {
        self.sliding_mean(end, 8, config.min_hours_8h)
    }

    /// The 24-h sliding mean ending with the hour starting `end` (the real-time report's PM
    /// value under HJ 633-2012 Table 4).
    pub fn sliding_24h(&self, end: DateTime, config: &Config) -> Stat {
        self.sliding_mean(end, 24, config.min_hours_sliding_24h)
    }

    /// The 8-h sliding means of every hour of the series, aligned with `values`.
    pub fn o3_8h_all(&self, config: &Config) -> Vec<Stat> {
        let mut out = Vec::with_capacity(self.values.len());
        for i in 0..self.values.len() as i64 {
            let mut sum = Sum::new();
            for j in i - 7..=i {
                if let Some(v) = self.get(j) {
                    sum.add(&v);
                }
            }
            out.push(Stat::mean_of(&sum, config.min_hours_8h));
        }
        out
    }

    /// O3 daily maximum 8-h mean (日最大8小时平均, MDA8) of `date`: the largest valid 8-h mean
    /// among the 17 windows ending 08:00 … 24:00 (all inside the natural day). Valid with at
    /// least [`Config::min_windows_mda8`] (14) valid 8-h means, or with fewer when the maximum
    /// exceeds the O3 8-h limit (HJ 663 §6.1.2). `count` is the number of valid windows.
    pub fn mda8(&self, date: Date, rules: RuleSet, config: &Config) -> Stat {
        self.window_mda8(midnight(date), rules, config)
    }

    /// The maximum 8-h mean of the 24 hours from the hour starting `first`: the 17 windows
    /// that lie inside them, with the validity of [`HourlySeries::mda8`].
    pub fn window_mda8(&self, first: DateTime, rules: RuleSet, config: &Config) -> Stat {
        let start = self.index_of(first);
        let mut best: Option<Sum> = None;
        let mut count = 0;
        // Windows ending with the hours starting 07:00 … 23:00 (labelled 08 … 24).
        for last in start + 7..start + 24 {
            let mut sum = Sum::new();
            for i in last - 7..=last {
                if let Some(v) = self.get(i) {
                    sum.add(&v);
                }
            }
            if sum.n >= config.min_hours_8h && sum.n > 0 {
                count += 1;
                if best.as_ref().is_none_or(|b| sum.mean_exceeds(b)) {
                    best = Some(sum);
                }
            }
        }
        let limit = limit(rules, config.zone, Pollutant::O3, LimitPeriod::Max8h);
        Stat::maximum(
            best.and_then(|b| b.mean()),
            count,
            config.min_windows_mda8,
            limit,
        )
    }

    /// The day's maximum 1-h value (O3 日最大1小时, HJ 633-2012 daily report). Valid with at
    /// least [`Config::min_hours_o3_max_1h`] hours, or with fewer when it exceeds the 1-h limit
    /// (UNVERIFIED, by analogy with MDA8). `count` is the number of valid hours.
    pub fn daily_max_1h(&self, date: Date, rules: RuleSet, config: &Config) -> Stat {
        self.window_max_1h(midnight(date), rules, config)
    }

    /// The maximum 1-h value of the 24 hours from the hour starting `first`, with the validity
    /// of [`HourlySeries::daily_max_1h`].
    pub fn window_max_1h(&self, first: DateTime, rules: RuleSet, config: &Config) -> Stat {
        let start = self.index_of(first);
        let mut best: Option<T> = None;
        let mut count = 0;
        for i in start..start + 24 {
            if let Some(v) = self.get(i) {
                count += 1;
                best = Some(best.map_or(v, |b| b.max(v)));
            }
        }
        let limit = limit(rules, config.zone, Pollutant::O3, LimitPeriod::Hour);
        Stat::maximum(
            best.map(|b| b.exact()),
            count,
            config.min_hours_o3_max_1h,
            limit,
        )
    }
}

/// Hourly values of the six pollutants, contiguous in time and of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyFrame<T> {
    /// Start of the first hour, Beijing time.
    pub first_hour: DateTime,
    /// One column per pollutant, all the same length.
    pub columns: PollutantMap<Vec<Option<T>>>,
}

impl<T: HourValue> HourlyFrame<T> {
    /// An empty frame of `hours` hours.
    pub fn empty(first_hour: DateTime, hours: usize) -> Self {
        HourlyFrame {
            first_hour,
            columns: PollutantMap::from_fn(|_| vec![None; hours]),
        }
    }

    /// Number of hours.
    pub fn len(&self) -> usize {
        self.columns[Pollutant::So2].len()
    }

    /// Whether the frame has no hours.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One pollutant's series.
    pub fn series(&self, p: Pollutant) -> HourlySeries<'_, T> {
        HourlySeries::new(self.first_hour, &self.columns[p])
    }

    /// Sets the value of the hour starting `start`; ignored outside the frame.
    pub fn set(&mut self, p: Pollutant, start: DateTime, value: Option<T>) {
        let i = hours_between(self.first_hour, start);
        if let Some(slot) = usize::try_from(i)
            .ok()
            .and_then(|i| self.columns[p].get_mut(i))
        {
            *slot = value;
        }
    }
}

/// The mean of several stations' hourly values, hour by hour (an area's hourly series, HJ 663:
/// average the concentrations first). An hour is valid with at least
/// [`Config::area_min_stations`] valid stations. All frames must start at the same hour; the
/// result is as long as the shortest.
pub fn area_hourly<T: HourValue>(
    stations: &[&HourlyFrame<T>],
    config: &Config,
) -> Option<HourlyFrame<Exact>> {
    let first = stations.first()?;
    if stations.iter().any(|s| s.first_hour != first.first_hour) {
        return None;
    }
    let len = stations.iter().map(|s| s.len()).min().unwrap_or(0);
    let columns = PollutantMap::from_fn(|p| {
        (0..len)
            .map(|i| {
                let mut sum = Sum::new();
                for s in stations {
                    if let Some(v) = s.columns[p][i] {
                        sum.add(&v);
                    }
                }
                (sum.n >= config.area_min_stations.max(1))
                    .then(|| sum.mean())
                    .flatten()
            })
            .collect()
    });
    Some(HourlyFrame {
        first_hour: first.first_hour,
        columns,
    })
}

/// Mean of daily values by calendar month, valid with at least [`Config::min_days_month`] (27)
/// valid days, [`Config::min_days_february`] (25) in February. Invalid days are not used.
pub fn monthly_means(days: &[(Date, Stat)], config: &Config) -> Vec<((i16, i8), Stat)> {
    let mut out: Vec<((i16, i8), Sum)> = Vec::new();
    for (d, s) in days {
        let key = (d.year(), d.month());
        if out.last().map(|(k, _)| *k) != Some(key) {
            out.push((key, Sum::new()));
        }
        if let (Some(v), Some((_, sum))) = (s.valid_value(), out.last_mut()) {
            sum.add(&v);
        }
    }
    out.into_iter()
        .map(|(k, sum)| (k, Stat::mean_of(&sum, month_minimum(k.1, config))))
        .collect()
}

/// Minimum valid days for a month's mean.
pub fn month_minimum(month: i8, config: &Config) -> u32 {
    if month == 2 {
        config.min_days_february
    } else {
        config.min_days_month
    }
}

/// Annual mean (年平均) of daily values for `year`: valid with at least
/// [`Config::min_days_year`] (324) valid days and, if
/// [`Config::annual_requires_monthly_minimum`], every month meeting its minimum.
pub fn annual_mean(days: &[(Date, Stat)], year: i16, config: &Config) -> Stat {
    let in_year: Vec<(Date, Stat)> = days
        .iter()
        .filter(|(d, _)| d.year() == year)
        .copied()
        .collect();
    let mut sum = Sum::new();
    for (_, s) in &in_year {
        if let Some(v) = s.valid_value() {
            sum.add(&v);
        }
    }
    let mut stat = Stat::mean_of(&sum, config.min_days_year);
    if config.annual_requires_monthly_minimum {
        let months = monthly_means(&in_year, config);
        let all_months = (1..=12).all(|m| {
            months
                .iter()
                .any(|((_, mm), s)| *mm == m && s.count >= month_minimum(m, config))
        });
        stat.valid &= all_months;
    }
    stat
}

/// The mean of valid daily values, valid with at least `min_days`.
pub fn period_mean(days: &[(Date, Stat)], min_days: u32) -> Stat {
    let mut sum = Sum::new();
    for (_, s) in days {
        if let Some(v) = s.valid_value() {
            sum.add(&v);
        }
    }
    Stat::mean_of(&sum, min_days)
}

/// The exact mean of values (used for area means of daily statistics).
pub fn mean_exact(values: impl IntoIterator<Item = Exact>) -> (Option<Exact>, u32) {
    let mut sum = Sum::new();
    for v in values {
        sum.add(&v);
    }
    (sum.mean(), sum.n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn c(v: u32) -> Option<Concentration> {
        Some(Concentration::from_units(v))
    }

    fn day_start() -> DateTime {
        date(2019, 7, 1).at(0, 0, 0, 0)
    }

    #[test]
    fn daily_mean_needs_20_hours() {
        let cfg = Config::default();
        let mut v: Vec<Option<Concentration>> = (0..24).map(c).collect();
        let s = HourlySeries::new(day_start(), &v);
        let m = s.daily_mean(date(2019, 7, 1), &cfg);
        assert_eq!(m.count, 24);
        assert!(m.valid);
        assert_eq!(m.value, Exact::new(23, 2)); // (0+…+23)/24 = 11.5
        for slot in v.iter_mut().take(5) {
            *slot = None;
        }
        let s = HourlySeries::new(day_start(), &v);
        let m = s.daily_mean(date(2019, 7, 1), &cfg);
        assert_eq!((m.count, m.valid), (19, false));
        assert!(
            m.value.is_some(),
            "the value is still reported with its coverage"
        );
        assert_eq!(m.valid_value(), None);
    }

    #[test]
    fn sliding_8h_needs_6_hours() {
        let cfg = Config::default();
        let v: Vec<Option<Concentration>> = vec![
            c(10),
            c(20),
            None,
            None,
            c(30),
            c(40),
            c(50),
            c(60),
            None,
            None,
        ];
        let s = HourlySeries::new(day_start(), &v);
        let at = |h: i8| s.o3_8h(date(2019, 7, 1).at(h, 0, 0, 0), &cfg);
        assert_eq!((at(7).count, at(7).valid), (6, true));
        assert_eq!(at(7).value, Exact::new(210, 6));
        assert_eq!((at(8).count, at(8).valid), (5, false));
        assert_eq!(
            (at(3).count, at(3).valid),
            (2, false),
            "window reaches before the series"
        );
    }

    #[test]
    fn mda8_windows_stay_inside_the_day() {
        let cfg = Config::default();
        // Previous day's last hours are very high; they must not enter today's MDA8.
        let mut v = vec![c(500); 8];
        v.extend((0..24).map(|_| c(100)));
        let start = date(2019, 6, 30).at(16, 0, 0, 0);
        let s = HourlySeries::new(start, &v);
        let m = s.mda8(date(2019, 7, 1), RuleSet::Gb2012, &cfg);
        assert_eq!(m.value, Some(Exact::from_integer(100)));
        assert_eq!((m.count, m.valid), (17, true));
    }

    #[test]
    fn mda8_validity_exception_above_limit() {
        let cfg = Config::default();
        // Only hours 0..=9 of the day exist: the windows ending 08:00 … 12:00 have 8, 8, 8, 7
        // and 6 valid hours; the rest fewer than 6. Five valid 8-h means, fewer than 14.
        let mut v: Vec<Option<Concentration>> = vec![c(150); 10];
        v.extend(vec![None; 14]);
        let s = HourlySeries::new(day_start(), &v);
        let m = s.mda8(date(2019, 7, 1), RuleSet::Gb2012, &cfg);
        assert_eq!(m.count, 5);
        assert!(!m.valid, "150 does not exceed 160");
        let v2: Vec<Option<Concentration>> = v
            .iter()
            .map(|x| x.map(|_| Concentration::from_units(170)))
            .collect();
        let s = HourlySeries::new(day_start(), &v2);
        let m = s.mda8(date(2019, 7, 1), RuleSet::Gb2012, &cfg);
        assert!(
            m.valid,
            "170 exceeds the 160 limit: valid despite few windows"
        );
    }

    #[test]
    fn monthly_and_annual_validity() {
        let cfg = Config::default();
        let mut days = Vec::new();
        for d in date(2019, 1, 1).series(jiff::Span::new().days(1)).take(365) {
            // Drop days 1..=5 of February: 23 valid days, below 25.
            let valid = !(d.month() == 2 && d.day() <= 5);
            days.push((
                d,
                Stat {
                    value: Some(Exact::from_integer(30)),
                    count: 24,
                    valid,
                },
            ));
        }
        let months = monthly_means(&days, &cfg);
        assert_eq!(months.len(), 12);
        assert_eq!(months[1].1.count, 23);
        assert!(!months[1].1.valid);
        assert!(months[0].1.valid);
        let y = annual_mean(&days, 2019, &cfg);
        assert_eq!(y.count, 360);
        assert!(!y.valid, "February fails its minimum");
        let lax = Config {
            annual_requires_monthly_minimum: false,
            ..Config::default()
        };
        assert!(annual_mean(&days, 2019, &lax).valid);
        assert_eq!(y.value, Some(Exact::from_integer(30)));
    }

    #[test]
    fn area_means_average_concentrations() {
        let cfg = Config::default();
        let start = day_start();
        let mut a = HourlyFrame::<Concentration>::empty(start, 2);
        let mut b = HourlyFrame::<Concentration>::empty(start, 2);
        a.set(Pollutant::Pm25, start, c(10));
        b.set(Pollutant::Pm25, start, c(15));
        a.set(Pollutant::Pm25, date(2019, 7, 1).at(1, 0, 0, 0), c(7));
        let area = area_hourly(&[&a, &b], &cfg).unwrap();
        assert_eq!(area.columns[Pollutant::Pm25][0], Exact::new(25, 2));
        assert_eq!(
            area.columns[Pollutant::Pm25][1],
            Some(Exact::from_integer(7))
        );
        let strict = Config {
            area_min_stations: 2,
            ..Config::default()
        };
        let area = area_hourly(&[&a, &b], &strict).unwrap();
        assert_eq!(area.columns[Pollutant::Pm25][1], None);
    }
}
