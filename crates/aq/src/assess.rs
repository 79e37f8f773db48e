//! HJ 663 assessment (环境空气质量评价) of a station or an area over a period: means,
//! percentiles, attainment (达标), exceedance multiples (超标倍数), days per AQI category and the
//! good-day share (优良天数比例), the composite index (综合指数) and year-on-year change
//! (standards.md §2.4–§2.7, §3.2–§3.3).

use jiff::civil::{Date, DateTime};
use rust_decimal::Decimal;

use crate::aqi::{AqiError, AqiReport, DailyInputs, daily_aqi};
use crate::conc::{Concentration, Exact};
use crate::iaqi::Indicator;
use crate::level::AqiLevel;
use crate::limits::{LimitPeriod, limit};
use crate::pollutant::{Pollutant, PollutantMap};
use crate::rules::{AreaMda8Method, Config, RuleSet};
use crate::series::{
    HourValue, HourlyFrame, Stat, annual_mean, mean_exact, month_minimum, period_mean,
};

/// One day's statistics of a station or area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRecord {
    /// The natural day (Beijing time).
    pub date: Date,
    /// 24-h means (日平均) of SO2, NO2, PM10, CO and PM2.5 (the O3 entry is [`Stat::NONE`]).
    pub mean_24h: PollutantMap<Stat>,
    /// O3 MDA8 (日最大8小时平均).
    pub o3_mda8: Stat,
    /// O3 daily maximum 1-h value.
    pub o3_max_1h: Stat,
}

impl DailyRecord {
    /// The daily statistic of the pollutant that HJ 663 assesses: the 24-h mean, or MDA8 for O3.
    pub fn assessed(&self, p: Pollutant) -> Stat {
        if p == Pollutant::O3 {
            self.o3_mda8
        } else {
            self.mean_24h[p]
        }
    }

    /// The inputs of the daily AQI: only valid statistics enter.
    pub fn aqi_inputs(&self) -> DailyInputs {
        DailyInputs {
            mean_24h: self.mean_24h.map(|_, s| s.valid_value()),
            o3_mda8: self.o3_mda8.valid_value(),
            o3_max_1h: self.o3_max_1h.valid_value(),
            not_monitored: Default::default(),
        }
    }

    /// The daily AQI (日报) under the rules in force on this day.
    pub fn aqi(&self, config: &Config) -> Result<AqiReport, AqiError> {
        daily_aqi(&self.aqi_inputs(), RuleSet::for_date(self.date), config)
    }
}

/// Daily records of every natural day an hourly frame touches.
pub fn daily_records<T: HourValue>(frame: &HourlyFrame<T>, config: &Config) -> Vec<DailyRecord> {
    let dates = frame.series(Pollutant::So2).dates();
    dates
        .into_iter()
        .map(|date| {
            let rules = RuleSet::for_date(date);
            let mean_24h = PollutantMap::from_fn(|p| {
                if p == Pollutant::O3 {
                    Stat::NONE
                } else {
                    frame.series(p).daily_mean(date, config)
                }
            });
            let o3 = frame.series(Pollutant::O3);
            DailyRecord {
                date,
                mean_24h,
                o3_mda8: o3.mda8(date, rules, config),
                o3_max_1h: o3.daily_max_1h(date, rules, config),
            }
        })
        .collect()
}

/// The 24-h AQI (日AQI) of every run of 24 consecutive hours, crossing midnight
/// (按连续24小时（跨自然日）计算, the indicator of heavy-pollution warnings, standards.md §4.1):
/// for each hour from the frame's 24th on, the daily AQI of the 24 hours ending with it, under
/// the rule set of that hour's date. The 24-h means, the O3 maximum 8-h mean (the 17 windows
/// inside the 24 hours) and the O3 maximum 1-h value follow the validity rules of the natural
/// day (`None` when no pollutant gives an IAQI).
pub fn rolling_24h_aqi<T: HourValue>(
    frame: &HourlyFrame<T>,
    config: &Config,
) -> Vec<(DateTime, Option<u16>)> {
    let so2 = frame.series(Pollutant::So2);
    let n = so2.values.len();
    let o3 = frame.series(Pollutant::O3);
    (23..n)
        .filter_map(|last| {
            let first = so2
                .first_hour
                .checked_add(jiff::Span::new().hours(i64::try_from(last - 23).ok()?))
                .ok()?;
            let end = first.checked_add(jiff::Span::new().hours(23)).ok()?;
            let rules = RuleSet::for_date(end.date());
            let record = DailyRecord {
                date: end.date(),
                mean_24h: PollutantMap::from_fn(|p| {
                    if p == Pollutant::O3 {
                        Stat::NONE
                    } else {
                        frame.series(p).window_mean(first, config)
                    }
                }),
                o3_mda8: o3.window_mda8(first, rules, config),
                o3_max_1h: o3.window_max_1h(first, rules, config),
            };
            let aqi = record.aqi(config).ok().and_then(|r| r.aqi);
            Some((end, aqi))
        })
        .collect()
}

/// An area's daily records from its stations' (HJ 663: the mean of the stations' values).
/// 24-h means are the mean of the stations' valid daily means. O3 follows
/// [`Config::area_mda8`]: from `area_hourly` (the area's hourly means) or the mean of the
/// stations' values. A value is valid with at least [`Config::area_min_stations`] stations.
pub fn area_daily_records(
    stations: &[Vec<DailyRecord>],
    area_hourly: Option<&HourlyFrame<Exact>>,
    config: &Config,
) -> Vec<DailyRecord> {
    let mut dates: Vec<Date> = stations.iter().flatten().map(|r| r.date).collect();
    dates.sort();
    dates.dedup();
    let min = config.area_min_stations.max(1);
    let combine = |vals: Vec<Exact>| {
        let (value, count) = mean_exact(vals);
        Stat {
            value,
            count,
            valid: count >= min,
        }
    };
    dates
        .into_iter()
        .map(|date| {
            let rules = RuleSet::for_date(date);
            let today: Vec<&DailyRecord> = stations
                .iter()
                .filter_map(|s| s.iter().find(|r| r.date == date))
                .collect();
            let mean_24h = PollutantMap::from_fn(|p| {
                if p == Pollutant::O3 {
                    Stat::NONE
                } else {
                    combine(
                        today
                            .iter()
                            .filter_map(|r| r.mean_24h[p].valid_value())
                            .collect(),
                    )
                }
            });
            let (o3_mda8, o3_max_1h) = match (config.area_mda8, area_hourly) {
                (AreaMda8Method::OfAreaHourlyMeans, Some(h)) => {
                    let o3 = h.series(Pollutant::O3);
                    (
                        o3.mda8(date, rules, config),
                        o3.daily_max_1h(date, rules, config),
                    )
                }
                _ => (
                    combine(
                        today
                            .iter()
                            .filter_map(|r| r.o3_mda8.valid_value())
                            .collect(),
                    ),
                    combine(
                        today
                            .iter()
                            .filter_map(|r| r.o3_max_1h.valid_value())
                            .collect(),
                    ),
                ),
            };
            DailyRecord {
                date,
                mean_24h,
                o3_mda8,
                o3_max_1h,
            }
        })
        .collect()
}

/// The HJ 663 percentile (Appendix A, standards.md §2.5): sort ascending, `k = 1 + (n − 1)·p`,
/// `s = ⌊k⌋`, `m = X(s) + (X(s+1) − X(s))·(k − s)`. `p_percent` is 98, 95 or 90. Exact.
pub fn percentile_hj663(values: &[Exact], p_percent: u32) -> Option<Exact> {
    if values.is_empty() || p_percent > 100 {
        return None;
    }
    // Sort in integers over the common denominator when every value allows it (daily means
    // do); as fractions otherwise.
    let mut v: Vec<Exact> = match values
        .iter()
        .map(|e| e.over_common_denom().map(|c| (c, *e)))
        .collect::<Option<Vec<(i128, Exact)>>>()
    {
        Some(mut keyed) => {
            keyed.sort_unstable_by_key(|(k, _)| *k);
            keyed.into_iter().map(|(_, e)| e).collect()
        }
        None => {
            let mut v = values.to_vec();
            v.sort();
            v
        }
    };
    let n = v.len() as i64;
    // k − 1 = (n − 1)·p / 100, as an exact fraction.
    let k0 = Exact::new((n - 1) * i64::from(p_percent), 100)?;
    let s0 = k0.numer().div_euclid(k0.denom()); // ⌊k − 1⌋ = s − 1 (0-based index)
    let frac = k0.sub(&Exact::from_integer(i64::try_from(s0).ok()?));
    let i = usize::try_from(s0).ok()?;
    let xs = v[i];
    let Some(next) = v.get(i + 1) else {
        return Some(xs);
    };
    let result = xs.add(&next.sub(&xs).mul(&frac));
    v.clear();
    Some(result)
}

/// The percentile HJ 663 uses for a pollutant's annual assessment: 98 for SO2 and NO2, 95 for
/// PM10, PM2.5 and CO, 90 for O3 MDA8 (standards.md §2.4).
pub const fn assessment_percentile(p: Pollutant) -> u32 {
    match p {
        Pollutant::So2 | Pollutant::No2 => 98,
        Pollutant::Pm10 | Pollutant::Pm25 | Pollutant::Co => 95,
        Pollutant::O3 => 90,
    }
}

/// The period an assessment covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A calendar year: annual validity rules (324 days, monthly minimums).
    Year(i16),
    /// A calendar month: the monthly minimum (27, February 25).
    Month(i16, i8),
    /// Any range of days, inclusive (e.g. year to date, as Nantong publishes cumulatively from
    /// 1 January). Valid when at least 324/365 of its days are valid (UNVERIFIED: no rule is
    /// published for arbitrary ranges).
    Range(Date, Date),
}

impl Period {
    /// First and last day.
    pub fn bounds(&self) -> Option<(Date, Date)> {
        match *self {
            Period::Year(y) => Some((Date::new(y, 1, 1).ok()?, Date::new(y, 12, 31).ok()?)),
            Period::Month(y, m) => {
                let first = Date::new(y, m, 1).ok()?;
                Some((first, first.last_of_month()))
            }
            Period::Range(a, b) => Some((a, b)),
        }
    }

    /// Number of days.
    pub fn days(&self) -> u32 {
        self.bounds()
            .and_then(|(a, b)| b.since(a).ok())
            .map(|s| s.get_days() as u32 + 1)
            .unwrap_or(0)
    }

    /// Minimum valid days for the period's means and percentiles.
    fn min_days(&self, config: &Config, percentile: bool) -> u32 {
        match *self {
            Period::Year(_) if percentile => config.min_days_percentile,
            Period::Year(_) => config.min_days_year,
            Period::Month(_, m) => month_minimum(m, config),
            Period::Range(..) => (self.days() * config.min_days_year).div_ceil(365).max(1),
        }
    }
}

/// A statistic reported (rounded by GB/T 8170) and judged against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judged {
    /// The statistic, exact, with coverage.
    pub stat: Stat,
    /// The published value: rounded to the pollutant's reporting precision.
    pub reported: Option<Decimal>,
    /// The limit it is judged against.
    pub limit: Option<Concentration>,
    /// Whether it is within the limit (`None` if the statistic is invalid or has no limit).
    pub attains: Option<bool>,
    /// 超标倍数 (C − S)/S when above the limit, rounded ([`Config::exceedance_decimals`]).
    pub exceedance: Option<Decimal>,
}

impl Judged {
    fn new(
        stat: Stat,
        pollutant: Pollutant,
        limit: Option<Concentration>,
        config: &Config,
    ) -> Self {
        let reported = stat
            .value
            .map(|v| v.round_gbt8170(pollutant.reporting_decimals()));
        let compared = if config.compare_rounded {
            reported.map(Exact::from_decimal)
        } else {
            stat.value
        };
        let (attains, exceedance) = match (stat.valid, compared, limit) {
            (true, Some(c), Some(l)) => {
                let l = l.exact();
                let over = c > l;
                let mult = over
                    .then(|| c.sub(&l).checked_div(&l))
                    .flatten()
                    .map(|m| m.round_gbt8170(config.exceedance_decimals));
                (Some(!over), mult)
            }
            _ => (None, None),
        };
        Judged {
            stat,
            reported,
            limit,
            attains,
            exceedance,
        }
    }
}

/// One pollutant's assessment over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollutantAssessment {
    /// The pollutant.
    pub pollutant: Pollutant,
    /// The period mean (SO2, NO2, PM10, PM2.5; `None` for CO and O3, which HJ 663 assesses by
    /// percentile only), against the annual limit when the period is a year.
    pub mean: Option<Judged>,
    /// The HJ 663 percentile of the daily values, against the 24-h (O3: 8-h) limit.
    pub percentile: Judged,
    /// Which percentile (98, 95 or 90).
    pub percentile_rank: u32,
    /// Valid days whose daily statistic exceeds the 24-h (O3: 8-h) limit.
    pub days_over_limit: u32,
    /// Valid days.
    pub valid_days: u32,
    /// 达标率 (%): share of valid days within the daily limit.
    pub compliance_rate: Option<Exact>,
    /// 达标: both the mean (where assessed) and the percentile attain. `None` when data are
    /// insufficient.
    pub attains: Option<bool>,
}

/// Days per AQI level, and the good-day share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AqiDays {
    /// Days at each level, best first (优, 良, 轻度, 中度, 重度, 严重).
    pub by_level: [u32; 6],
    /// Days with a valid AQI.
    pub valid: u32,
    /// Days whose AQI is `NA` or that have no data.
    pub missing: u32,
}

impl AqiDays {
    /// 优良天数: days with AQI ≤ 100.
    pub fn good(&self) -> u32 {
        self.by_level[0] + self.by_level[1]
    }

    /// 重度及以上: days with AQI > 200.
    pub fn heavy_or_worse(&self) -> u32 {
        self.by_level[4] + self.by_level[5]
    }

    /// 优良天数比例 (%), exact: good days / valid days × 100. `NA` days are in neither.
    pub fn good_share_percent(&self) -> Option<Exact> {
        (self.valid > 0)
            .then(|| Exact::new(i64::from(self.good()) * 100, i64::from(self.valid)))
            .flatten()
    }

    /// Share of days at heavy pollution or worse (%).
    pub fn heavy_share_percent(&self) -> Option<Exact> {
        (self.valid > 0)
            .then(|| {
                Exact::new(
                    i64::from(self.heavy_or_worse()) * 100,
                    i64::from(self.valid),
                )
            })
            .flatten()
    }
}

/// The composite index (综合指数): Σ wᵢ·Cᵢ/Sᵢ (standards.md §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositeIndex {
    /// Each pollutant's part Iᵢ = wᵢ·Cᵢ/Sᵢ (Cᵢ the published, rounded concentration).
    pub parts: PollutantMap<Option<Exact>>,
    /// The Sᵢ used.
    pub standards: PollutantMap<Option<Concentration>>,
    /// Σ Iᵢ, exact.
    pub sum: Option<Exact>,
    /// Σ Iᵢ rounded to [`Config::composite_decimals`].
    pub reported: Option<Decimal>,
    /// Whether every Cᵢ met its validity rule (an index from insufficient data is shown, but
    /// flagged).
    pub valid: bool,
}

/// Cᵢ of the composite index: the period mean for SO2, NO2, PM10, PM2.5; CO P95; O3 P90.
fn composite_standard(p: Pollutant, rules: RuleSet, config: &Config) -> Option<Concentration> {
    let period = match p {
        Pollutant::Co => LimitPeriod::Daily,
        Pollutant::O3 => LimitPeriod::Max8h,
        _ => LimitPeriod::Annual,
    };
    match &config.composite_standards {
        Some(custom) => Some(custom[p]),
        None => limit(rules, crate::rules::ZoneClass::Class2, p, period),
    }
}

/// The assessment of a station or an area over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The period.
    pub period: Period,
    /// The rules the limits come from ([`RuleSet::for_year`] for a year, else the rules on the
    /// last day of the period).
    pub rules: RuleSet,
    /// Per pollutant.
    pub pollutants: PollutantMap<PollutantAssessment>,
    /// Days per AQI level (each day under the rules in force that day).
    pub aqi_days: AqiDays,
    /// Days on which each indicator was a primary pollutant.
    pub primary_days: Vec<(Indicator, u32)>,
    /// The composite index.
    pub composite: CompositeIndex,
    /// 达标: all six pollutants attain (`None` if any is undetermined).
    pub attains: Option<bool>,
}

impl Assessment {
    /// The good-day share rounded to one decimal (%), as published.
    pub fn good_share_reported(&self) -> Option<Decimal> {
        self.aqi_days
            .good_share_percent()
            .map(|e| e.round_gbt8170(1))
    }
}

/// Assesses daily records over a period (HJ 663). Records outside the period are ignored.
pub fn assess(
    records: &[DailyRecord],
    period: Period,
    config: &Config,
) -> Result<Assessment, AqiError> {
    let (first, last) = period.bounds().unwrap_or((Date::MIN, Date::MAX));
    let days: Vec<&DailyRecord> = records
        .iter()
        .filter(|r| r.date >= first && r.date <= last)
        .collect();
    let rules = match period {
        Period::Year(y) => RuleSet::for_year(y, config),
        _ => RuleSet::for_date(last),
    };

    let pollutants = PollutantMap::from_fn(|p| {
        let daily: Vec<(Date, Stat)> = days.iter().map(|r| (r.date, r.assessed(p))).collect();
        let valid: Vec<Exact> = daily.iter().filter_map(|(_, s)| s.valid_value()).collect();
        let daily_limit = limit(
            rules,
            config.zone,
            p,
            if p == Pollutant::O3 {
                LimitPeriod::Max8h
            } else {
                LimitPeriod::Daily
            },
        );
        let mean = (!matches!(p, Pollutant::Co | Pollutant::O3)).then(|| {
            let stat = match period {
                Period::Year(y) => annual_mean(&daily, y, config),
                _ => period_mean(&daily, period.min_days(config, false)),
            };
            let lim = match period {
                Period::Year(_) => limit(rules, config.zone, p, LimitPeriod::Annual),
                _ => None,
            };
            Judged::new(stat, p, lim, config)
        });
        let rank = assessment_percentile(p);
        let pct_stat = Stat {
            value: percentile_hj663(&valid, rank),
            count: valid.len() as u32,
            valid: valid.len() as u32 >= period.min_days(config, true) && !valid.is_empty(),
        };
        let percentile = Judged::new(pct_stat, p, daily_limit, config);
        let days_over_limit = match daily_limit {
            Some(l) => valid
                .iter()
                .filter(|v| {
                    let v = if config.compare_rounded {
                        v.rounded(p.reporting_decimals())
                    } else {
                        **v
                    };
                    v > l.exact()
                })
                .count() as u32,
            None => 0,
        };
        let valid_days = valid.len() as u32;
        let compliance_rate = (valid_days > 0)
            .then(|| {
                Exact::new(
                    i64::from(valid_days - days_over_limit) * 100,
                    i64::from(valid_days),
                )
            })
            .flatten();
        // Both the mean (where it has a limit: a year) and the percentile must attain.
        let attains = match (&mean, percentile.attains) {
            (_, None) => None,
            (Some(m), Some(pa)) if m.limit.is_some() => m.attains.map(|ma| ma && pa),
            (_, Some(pa)) => Some(pa),
        };
        PollutantAssessment {
            pollutant: p,
            mean,
            percentile,
            percentile_rank: rank,
            days_over_limit,
            valid_days,
            compliance_rate,
            attains,
        }
    });

    let mut aqi_days = AqiDays::default();
    let mut primary_days: Vec<(Indicator, u32)> = Vec::new();
    for r in &days {
        let report = r.aqi(config)?;
        match report.level() {
            Some(level) => {
                aqi_days.by_level[usize::from(level.number() - 1)] += 1;
                aqi_days.valid += 1;
                for ind in report.primary() {
                    match primary_days.iter_mut().find(|(i, _)| *i == ind) {
                        Some((_, n)) => *n += 1,
                        None => primary_days.push((ind, 1)),
                    }
                }
            }
            None => aqi_days.missing += 1,
        }
    }
    // Days of the period with no record at all.
    aqi_days.missing += period.days().saturating_sub(days.len() as u32);
    primary_days.sort();

    let composite = composite_index(&pollutants, rules, config);
    let attains = Pollutant::ALL
        .iter()
        .map(|p| pollutants[*p].attains)
        .try_fold(true, |acc, a| a.map(|a| acc && a));

    Ok(Assessment {
        period,
        rules,
        pollutants,
        aqi_days,
        primary_days,
        composite,
        attains,
    })
}

/// The composite index from a period's pollutant assessments.
pub fn composite_index(
    pollutants: &PollutantMap<PollutantAssessment>,
    rules: RuleSet,
    config: &Config,
) -> CompositeIndex {
    let standards = PollutantMap::from_fn(|p| composite_standard(p, rules, config));
    let parts = PollutantMap::from_fn(|p| {
        let a = &pollutants[p];
        let judged = composite_input(a)?;
        let c = Exact::from_decimal(judged.reported?);
        let s = standards[p]?.exact();
        let w = Exact::from_integer(i64::from(config.composite_weights[p]));
        c.checked_div(&s).map(|i| i.mul(&w))
    });
    let sum = parts
        .0
        .iter()
        .try_fold(Exact::zero(), |acc, part| part.map(|v| acc.add(&v)));
    let reported = sum.map(|s| s.round_gbt8170(config.composite_decimals));
    let valid = Pollutant::ALL
        .iter()
        .all(|p| composite_input(&pollutants[*p]).is_some_and(|j| j.stat.valid));
    CompositeIndex {
        parts,
        standards,
        sum,
        reported,
        valid,
    }
}

/// Cᵢ's statistic: the period mean, or the percentile for CO and O3.
fn composite_input(a: &PollutantAssessment) -> Option<&Judged> {
    match a.pollutant {
        Pollutant::Co | Pollutant::O3 => Some(&a.percentile),
        _ => a.mean.as_ref(),
    }
}

/// Year-on-year change (同比) of one statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// This period's value.
    pub current: Exact,
    /// The same period last year.
    pub previous: Exact,
    /// (current − previous) / previous × 100, exact; `None` when previous is 0.
    pub percent: Option<Exact>,
}

impl Change {
    fn between(current: Option<Exact>, previous: Option<Exact>) -> Option<Change> {
        let (current, previous) = (current?, previous?);
        let percent = current
            .sub(&previous)
            .checked_div(&previous)
            .map(|r| r.mul(&Exact::from_integer(100)));
        Some(Change {
            current,
            previous,
            percent,
        })
    }
}

/// Year-on-year comparison of two assessments (改善幅度 / 变化程度, standards.md §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearOnYear {
    /// Change of each pollutant's assessed statistic (mean; CO P95; O3 P90), from published
    /// (rounded) values.
    pub pollutants: PollutantMap<Option<Change>>,
    /// Change of the composite index (ΔI, %): above 0 is worse.
    pub composite: Option<Change>,
    /// Change of the good-day share in percentage points (current − previous).
    pub good_share_points: Option<Exact>,
}

/// Compares an assessment with the same period of the previous year.
pub fn year_on_year(current: &Assessment, previous: &Assessment) -> YearOnYear {
    let published = |a: &Assessment, p: Pollutant| {
        let pa = &a.pollutants[p];
        let j = match p {
            Pollutant::Co | Pollutant::O3 => Some(&pa.percentile),
            _ => pa.mean.as_ref(),
        }?;
        j.stat
            .valid
            .then_some(())
            .and(j.reported.map(Exact::from_decimal))
    };
    let pollutants =
        PollutantMap::from_fn(|p| Change::between(published(current, p), published(previous, p)));
    let composite = Change::between(
        current.composite.reported.map(Exact::from_decimal),
        previous.composite.reported.map(Exact::from_decimal),
    );
    let good_share_points = match (
        current.aqi_days.good_share_percent(),
        previous.aqi_days.good_share_percent(),
    ) {
        (Some(c), Some(p)) => Some(c.sub(&p)),
        _ => None,
    };
    YearOnYear {
        pollutants,
        composite,
        good_share_points,
    }
}

/// Level counts helper for reports: the level name of each slot of [`AqiDays::by_level`].
pub fn level_names() -> [&'static str; 6] {
    AqiLevel::ALL.map(|l| l.category_zh())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(v: &[i64]) -> Vec<Exact> {
        v.iter().map(|x| Exact::from_integer(*x)).collect()
    }

    #[test]
    fn percentile_examples() {
        // standards.md §2.5.
        let mda8 = ex(&[95, 99, 101, 110, 120, 140, 150, 160, 172, 188]);
        let p90 = percentile_hj663(&mda8, 90).unwrap();
        assert_eq!(p90, Exact::new(1736, 10).unwrap());
        assert_eq!(p90.round_gbt8170(0).to_string(), "174");
        let co: Vec<Exact> = (6..=25).rev().map(|t| Exact::new(t, 10).unwrap()).collect();
        let p95 = percentile_hj663(&co, 95).unwrap();
        assert_eq!(p95, Exact::new(2405, 1000).unwrap());
        assert_eq!(p95.round_gbt8170(1).to_string(), "2.4");
        assert_eq!(
            percentile_hj663(&ex(&[7]), 98),
            Some(Exact::from_integer(7))
        );
        assert_eq!(percentile_hj663(&[], 98), None);
        // k = n gives X(n).
        assert_eq!(
            percentile_hj663(&ex(&[1, 2]), 100),
            Some(Exact::from_integer(2))
        );
    }

    #[test]
    fn rolling_24h_aqi_matches_the_daily_aqi_at_midnight_and_crosses_it() {
        let start = jiff::civil::date(2019, 1, 1).at(0, 0, 0, 0);
        let mut f: HourlyFrame<Concentration> = HourlyFrame::empty(start, 72);
        for h in 0..72i64 {
            let t = start.checked_add(jiff::Span::new().hours(h)).unwrap();
            // PM2.5 40 on day 1, 160 on day 2, 80 on day 3; the rest low.
            let pm = [40, 160, 80][usize::try_from(h / 24).unwrap()];
            for (p, v) in [
                (Pollutant::So2, 10),
                (Pollutant::No2, 30),
                (Pollutant::Pm10, 50),
                (Pollutant::Pm25, pm),
                (Pollutant::O3, 40),
            ] {
                f.set(p, t, Some(Concentration::from_units(v)));
            }
            f.set(Pollutant::Co, t, Some(Concentration::parse("0.8").unwrap()));
        }
        let config = Config::default();
        let rolling = rolling_24h_aqi(&f, &config);
        assert_eq!(rolling.len(), 72 - 23);
        let daily: Vec<Option<u16>> = daily_records(&f, &config)
            .iter()
            .map(|r| r.aqi(&config).unwrap().aqi)
            .collect();
        // The windows ending 23:00 are the natural days.
        assert_eq!(
            rolling[0],
            (
                start.checked_add(jiff::Span::new().hours(23)).unwrap(),
                daily[0]
            )
        );
        assert_eq!(rolling[24].1, daily[1]);
        assert_eq!(rolling[48].1, daily[2]);
        // PM2.5 160 → IAQI 210 (150–250 µg/m³ ↔ 200–300).
        assert_eq!(daily[1], Some(210));
        // Crossing midnight: 12 h of 40 and 12 h of 160 → mean 100 → IAQI
        // 100 + (100 − 75) × 50 / 40 = 131.25 → 132.
        assert_eq!(rolling[12].1, Some(132));
    }

    #[test]
    fn composite_index_example() {
        // standards.md §3.2 worked example: 3.43 (2012 Sᵢ), 3.68 (2026 transitional Sᵢ).
        let cfg = Config::default();
        let c = [
            ("SO2", 7, 0),
            ("NO2", 24, 0),
            ("PM10", 49, 0),
            ("PM2.5", 27, 0),
            ("CO", 9, 1),
            ("O3", 163, 0),
        ];
        let mk = |rules: RuleSet| {
            let pollutants = PollutantMap::from_fn(|p| {
                let (_, v, scale) = c.iter().find(|(n, _, _)| *n == p.code()).copied().unwrap();
                let value = Exact::from_decimal(Decimal::new(v, scale));
                let j = Judged::new(
                    Stat {
                        value: Some(value),
                        count: 365,
                        valid: true,
                    },
                    p,
                    None,
                    &cfg,
                );
                PollutantAssessment {
                    pollutant: p,
                    mean: (!matches!(p, Pollutant::Co | Pollutant::O3)).then_some(j),
                    percentile: j,
                    percentile_rank: assessment_percentile(p),
                    days_over_limit: 0,
                    valid_days: 365,
                    compliance_rate: None,
                    attains: None,
                }
            });
            composite_index(&pollutants, rules, &cfg)
        };
        let i12 = mk(RuleSet::Gb2012);
        assert_eq!(i12.reported.unwrap().to_string(), "3.43");
        assert_eq!(
            i12.parts[Pollutant::Pm25]
                .unwrap()
                .round_gbt8170(3)
                .to_string(),
            "0.771"
        );
        let i26 = mk(RuleSet::Gb2026Transitional);
        assert_eq!(i26.reported.unwrap().to_string(), "3.68");
    }

    #[test]
    fn judged_uses_rounded_comparison_and_exceedance_multiple() {
        let cfg = Config::default();
        let stat = |v: Exact| Stat {
            value: Some(v),
            count: 330,
            valid: true,
        };
        let lim = Some(Concentration::from_units(35));
        // 35.4 rounds to 35: attains.
        let j = Judged::new(
            stat(Exact::new(354, 10).unwrap()),
            Pollutant::Pm25,
            lim,
            &cfg,
        );
        assert_eq!(j.attains, Some(true));
        assert_eq!(j.exceedance, None);
        // 38 against 35: 0.09.
        let j = Judged::new(stat(Exact::from_integer(38)), Pollutant::Pm25, lim, &cfg);
        assert_eq!(j.attains, Some(false));
        assert_eq!(j.exceedance.unwrap().to_string(), "0.09");
        // Invalid: undetermined.
        let mut s = stat(Exact::from_integer(20));
        s.valid = false;
        assert_eq!(Judged::new(s, Pollutant::Pm25, lim, &cfg).attains, None);
    }

    #[test]
    fn aqi_days_shares() {
        let d = AqiDays {
            by_level: [100, 180, 60, 15, 5, 0],
            valid: 360,
            missing: 5,
        };
        assert_eq!(d.good(), 280);
        assert_eq!(d.heavy_or_worse(), 5);
        assert_eq!(
            d.good_share_percent().unwrap().round_gbt8170(1).to_string(),
            "77.8"
        );
    }

    #[test]
    fn period_bounds() {
        assert_eq!(Period::Year(2019).days(), 365);
        assert_eq!(Period::Year(2020).days(), 366);
        assert_eq!(Period::Month(2019, 2).days(), 28);
        let cfg = Config::default();
        assert_eq!(Period::Month(2019, 2).min_days(&cfg, false), 25);
        assert_eq!(Period::Year(2019).min_days(&cfg, true), 324);
    }
}
