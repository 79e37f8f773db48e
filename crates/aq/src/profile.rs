//! Profiles: mean concentrations by hour of the day (日变化) and by day of the week (周变化),
//! the two shapes an office reads to see when pollution builds up (the morning traffic peak,
//! the afternoon ozone peak, weekday against weekend).
//!
//! No standard defines these statistics; they are descriptive means of the values the
//! assessment uses (hourly concentrations for the diurnal profile, the HJ 663 daily statistic
//! — 24-h mean, O3 MDA8 — for the weekday profile). A slot's [`Stat`] counts its inputs and is
//! marked valid when it has any; there is no minimum.

use jiff::civil::Date;

use crate::assess::DailyRecord;
use crate::conc::Exact;
use crate::pollutant::{Pollutant, PollutantMap};
use crate::series::{HourValue, HourlyFrame, Stat};

/// Mean of each pollutant's hourly values per hour of the day (index 0 is the hour starting at
/// 00:00 Beijing time), over the frame's hours whose date is within `from..=to`.
pub fn diurnal<T: HourValue>(
    frame: &HourlyFrame<T>,
    from: Date,
    to: Date,
) -> Vec<PollutantMap<Stat>> {
    let mut sums: Vec<PollutantMap<Vec<Exact>>> = (0..24)
        .map(|_| PollutantMap::from_fn(|_| Vec::new()))
        .collect();
    let first = frame.first_hour;
    let start_hour = usize::try_from(first.hour()).unwrap_or(0);
    for i in 0..frame.len() {
        let since_midnight = start_hour + i;
        let Ok(date) = first
            .date()
            .checked_add(jiff::Span::new().days(i64::try_from(since_midnight / 24).unwrap_or(0)))
        else {
            continue;
        };
        if date < from || date > to {
            continue;
        }
        let slot = &mut sums[since_midnight % 24];
        for p in Pollutant::ALL {
            if let Some(v) = frame.columns[p][i] {
                slot[p].push(v.exact());
            }
        }
    }
    sums.iter().map(means).collect()
}

/// Mean of each pollutant's daily statistic (the 24-h mean; MDA8 for O3) per day of the week
/// (index 0 is Monday), over the valid days within `from..=to`.
pub fn weekday(records: &[DailyRecord], from: Date, to: Date) -> Vec<PollutantMap<Stat>> {
    let mut sums: Vec<PollutantMap<Vec<Exact>>> = (0..7)
        .map(|_| PollutantMap::from_fn(|_| Vec::new()))
        .collect();
    for r in records.iter().filter(|r| r.date >= from && r.date <= to) {
        let slot =
            &mut sums[usize::try_from(r.date.weekday().to_monday_zero_offset()).unwrap_or(0)];
        for p in Pollutant::ALL {
            if let Some(v) = r.assessed(p).valid_value() {
                slot[p].push(v);
            }
        }
    }
    sums.iter().map(means).collect()
}

fn means(values: &PollutantMap<Vec<Exact>>) -> PollutantMap<Stat> {
    PollutantMap::from_fn(|p| {
        let v = &values[p];
        Stat {
            value: Exact::mean(v),
            count: u32::try_from(v.len()).unwrap_or(u32::MAX),
            valid: !v.is_empty(),
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::conc::Concentration;
    use jiff::civil::date;

    fn c(s: &str) -> Option<Concentration> {
        Some(Concentration::parse(s).unwrap())
    }

    #[test]
    fn diurnal_means_by_hour_of_day_within_the_range() {
        // Three days from 2019-01-01 00:00; PM2.5 = 10 × day + hour at hours 0 and 8 only.
        let mut f = HourlyFrame::<Concentration>::empty(date(2019, 1, 1).at(0, 0, 0, 0), 72);
        for day in 0..3 {
            for hour in [0usize, 8] {
                f.columns[Pollutant::Pm25][day * 24 + hour] = c(&(10 * day + hour).to_string());
            }
        }
        let all = diurnal(&f, date(2019, 1, 1), date(2019, 1, 3));
        assert_eq!(all.len(), 24);
        // Hour 0: 0, 10, 20 → 10; hour 8: 8, 18, 28 → 18.
        assert_eq!(all[0][Pollutant::Pm25].value, Some(Exact::from_integer(10)));
        assert_eq!(all[0][Pollutant::Pm25].count, 3);
        assert_eq!(all[8][Pollutant::Pm25].value, Some(Exact::from_integer(18)));
        assert_eq!(all[1][Pollutant::Pm25], Stat::NONE);
        assert_eq!(all[0][Pollutant::So2].count, 0);
        // The range edges are inclusive; the other days are left out.
        let last = diurnal(&f, date(2019, 1, 3), date(2019, 1, 3));
        assert_eq!(
            last[8][Pollutant::Pm25].value,
            Some(Exact::from_integer(28))
        );
        assert_eq!(last[8][Pollutant::Pm25].count, 1);
    }

    #[test]
    fn diurnal_follows_a_frame_that_starts_mid_day() {
        // A frame starting at 22:00: index 2 is 00:00 of the next day.
        let mut f = HourlyFrame::<Concentration>::empty(date(2019, 1, 1).at(22, 0, 0, 0), 4);
        f.columns[Pollutant::No2][2] = c("40");
        let d = diurnal(&f, date(2019, 1, 2), date(2019, 1, 2));
        assert_eq!(d[0][Pollutant::No2].value, Some(Exact::from_integer(40)));
        // 2019-01-01 is outside the range.
        f.columns[Pollutant::No2][0] = c("99");
        let d = diurnal(&f, date(2019, 1, 2), date(2019, 1, 2));
        assert_eq!(d[22][Pollutant::No2].count, 0);
    }

    fn day(d: Date, pm25: &str) -> DailyRecord {
        let mut mean_24h = PollutantMap::from_fn(|_| Stat::NONE);
        mean_24h[Pollutant::Pm25] = Stat {
            value: Some(Exact::from_decimal(pm25.parse().unwrap())),
            count: 24,
            valid: true,
        };
        DailyRecord {
            date: d,
            mean_24h,
            o3_mda8: Stat::NONE,
            o3_max_1h: Stat::NONE,
        }
    }

    #[test]
    fn weekday_means_skip_invalid_days() {
        // 2019-01-07 and 2019-01-14 are Mondays; 2019-01-13 is a Sunday.
        let mut invalid = day(date(2019, 1, 21), "500");
        invalid.mean_24h[Pollutant::Pm25].valid = false;
        let records = [
            day(date(2019, 1, 7), "30"),
            day(date(2019, 1, 14), "45"),
            day(date(2019, 1, 13), "12"),
            invalid,
        ];
        let w = weekday(&records, date(2019, 1, 1), date(2019, 1, 31));
        assert_eq!(w.len(), 7);
        assert_eq!(
            w[0][Pollutant::Pm25].value,
            Some(Exact::new(75, 2).unwrap())
        );
        assert_eq!(w[0][Pollutant::Pm25].count, 2);
        assert_eq!(w[6][Pollutant::Pm25].value, Some(Exact::from_integer(12)));
        assert!(!w[1][Pollutant::Pm25].valid);
        // Out of range.
        let w = weekday(&records, date(2019, 1, 8), date(2019, 1, 31));
        assert_eq!(w[0][Pollutant::Pm25].count, 1);
    }
}
