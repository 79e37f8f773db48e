//! A synthetic station-year through the whole pipeline: hourly → daily → annual assessment,
//! area means, target arithmetic. Checks invariants, and pins the result with a snapshot.

use jiff::civil::date;
use lantian_aq::assess::{Period, area_daily_records, assess, year_on_year};
use lantian_aq::series::area_hourly;
use lantian_aq::target::{Comparison, MeanBudget, ShareBudget, good_day_budget, mean_budget};
use lantian_aq::time::midnight;
use lantian_aq::{Concentration, Config, Exact, HourlyFrame, Pollutant, daily_records};

/// A deterministic pseudo-random station-year with a diurnal O3 cycle, a winter PM peak and
/// gaps (about 3 % of hours, plus a 10-day outage in August).
pub(crate) fn station_year(seed: u64, year: i16) -> HourlyFrame<Concentration> {
    let first = midnight(date(year, 1, 1));
    let hours = date(year, 12, 31).day_of_year() as usize * 24;
    let mut frame = HourlyFrame::empty(first, hours);
    let mut state = seed;
    let mut rand = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    for i in 0..hours {
        let day = i / 24;
        let hour = (i % 24) as f64;
        let winter = ((day as f64 / 365.0 * std::f64::consts::TAU).cos() + 1.0) / 2.0;
        let summer = 1.0 - winter;
        let outage = (213..223).contains(&day);
        for p in Pollutant::ALL {
            if outage || rand() < 0.03 {
                continue;
            }
            let base = match p {
                Pollutant::Pm25 => 15.0 + 50.0 * winter * (0.5 + rand()),
                Pollutant::Pm10 => 30.0 + 70.0 * winter * (0.5 + rand()),
                Pollutant::So2 => 5.0 + 10.0 * rand(),
                Pollutant::No2 => 15.0 + 25.0 * rand(),
                Pollutant::Co => 0.4 + 0.8 * winter * rand(),
                Pollutant::O3 => {
                    let diurnal =
                        (((hour - 14.0) / 24.0 * std::f64::consts::TAU).cos() + 1.0) / 2.0;
                    20.0 + 150.0 * summer * diurnal * (0.6 + 0.6 * rand())
                }
            };
            let text = if p == Pollutant::Co {
                format!("{base:.1}")
            } else {
                format!("{base:.0}")
            };
            frame.columns[p][i] = Some(Concentration::parse(&text).unwrap());
        }
    }
    frame
}

#[test]
fn a_station_year_is_assessed_consistently() {
    let cfg = Config::default();
    let frame = station_year(7, 2019);
    let days = daily_records(&frame, &cfg);
    assert_eq!(days.len(), 365);
    let a = assess(&days, Period::Year(2019), &cfg).unwrap();

    // Every day is counted once: levels + missing = days of the year.
    let d = a.aqi_days;
    assert_eq!(d.by_level.iter().sum::<u32>(), d.valid);
    assert_eq!(d.valid + d.missing, 365);
    // The outage of 10 days leaves August below 27 valid days: the annual means are invalid
    // under GB 3095 Table 4, but reported with their coverage.
    let pm = &a.pollutants[Pollutant::Pm25];
    let mean = pm.mean.as_ref().unwrap();
    assert!(!mean.stat.valid);
    assert!(mean.stat.count >= 324);
    assert!(mean.reported.is_some());
    assert!(
        pm.percentile.stat.valid,
        "the percentile has no monthly rule"
    );
    assert_eq!(a.attains, None, "undetermined when a mean is invalid");
    // Without the monthly rule the year is assessable.
    let lax = Config {
        annual_requires_monthly_minimum: false,
        ..Config::default()
    };
    let a2 = assess(&days, Period::Year(2019), &lax).unwrap();
    assert!(a2.attains.is_some());
    assert!(a2.composite.valid);

    insta::assert_debug_snapshot!((
        a2.pollutants.map(|_, p| (
            p.mean
                .as_ref()
                .and_then(|m| m.reported)
                .map(|d| d.to_string()),
            p.percentile.reported.map(|d| d.to_string()),
            p.attains
        )),
        a2.aqi_days,
        a2.good_share_reported().map(|d| d.to_string()),
        a2.composite.reported.map(|d| d.to_string()),
        a2.primary_days
            .iter()
            .map(|(i, n)| (i.to_string(), *n))
            .collect::<Vec<_>>(),
    ));
}

#[test]
fn an_area_is_the_mean_of_its_stations_concentrations() {
    let cfg = Config::default();
    let a = station_year(1, 2019);
    let b = station_year(2, 2019);
    let da = daily_records(&a, &cfg);
    let db = daily_records(&b, &cfg);
    let hourly = area_hourly(&[&a, &b], &cfg).unwrap();
    let area = area_daily_records(&[da.clone(), db.clone()], Some(&hourly), &cfg);
    assert_eq!(area.len(), 365);
    for ((x, y), z) in da.iter().zip(&db).zip(&area) {
        let (px, py) = (x.mean_24h[Pollutant::Pm25], y.mean_24h[Pollutant::Pm25]);
        let want = match (px.valid_value(), py.valid_value()) {
            (Some(u), Some(v)) => Some(u.add(&v).mul(&Exact::new(1, 2).unwrap())),
            (Some(u), None) | (None, Some(u)) => Some(u),
            (None, None) => None,
        };
        assert_eq!(
            z.mean_24h[Pollutant::Pm25].valid_value(),
            want,
            "{}",
            x.date
        );
    }
    // The area's AQI comes from the averaged concentrations, not the worst station's AQI.
    let day = area.iter().find(|r| r.date == date(2019, 1, 15)).unwrap();
    let from_means = day.aqi(&cfg).unwrap().aqi;
    let worst = [&da, &db]
        .iter()
        .filter_map(|s| {
            s.iter()
                .find(|r| r.date == day.date)
                .and_then(|r| r.aqi(&cfg).ok()?.aqi)
        })
        .max();
    assert!(from_means <= worst);
}

#[test]
fn year_on_year_and_targets() {
    let cfg = Config {
        annual_requires_monthly_minimum: false,
        ..Config::default()
    };
    let y1 = assess(
        &daily_records(&station_year(3, 2019), &cfg),
        Period::Year(2019),
        &cfg,
    )
    .unwrap();
    let y2 = assess(
        &daily_records(&station_year(4, 2020), &cfg),
        Period::Year(2020),
        &cfg,
    )
    .unwrap();
    let yoy = year_on_year(&y2, &y1);
    assert!(yoy.composite.is_some());
    let pm = yoy.pollutants[Pollutant::Pm25].unwrap();
    assert_eq!(
        pm.current,
        Exact::from_decimal(
            y2.pollutants[Pollutant::Pm25]
                .mean
                .as_ref()
                .unwrap()
                .reported
                .unwrap()
        )
    );

    // Target arithmetic on the first 200 days of a year.
    let days = daily_records(&station_year(5, 2019), &cfg);
    let so_far: Vec<Exact> = days[..200]
        .iter()
        .filter_map(|d| d.mean_24h[Pollutant::Pm25].valid_value())
        .collect();
    match mean_budget(
        &so_far,
        165,
        Exact::from_integer(27),
        Comparison::Rounded(0),
    ) {
        MeanBudget::Reachable { max_mean, .. } => {
            // Spending exactly the budget lands just under 27.5.
            let total = so_far
                .iter()
                .fold(Exact::zero(), |a, v| a.add(v))
                .add(&max_mean.mul(&Exact::from_integer(165)));
            let mean = total
                .checked_div(&Exact::from_integer(so_far.len() as i64 + 165))
                .unwrap();
            assert_eq!(mean, Exact::new(55, 2).unwrap());
        }
        MeanBudget::Unreachable { best_possible, .. } => {
            assert!(best_possible > Exact::new(55, 2).unwrap())
        }
        MeanBudget::Final { .. } => unreachable!(),
    }
    let good = days[..200]
        .iter()
        .filter(|d| {
            d.aqi(&cfg)
                .ok()
                .and_then(|r| r.level())
                .is_some_and(|l| l.is_good())
        })
        .count() as u32;
    let valid = days[..200]
        .iter()
        .filter(|d| d.aqi(&cfg).ok().and_then(|r| r.aqi).is_some())
        .count() as u32;
    match good_day_budget(
        good,
        valid,
        165,
        Exact::from_integer(80),
        Comparison::Rounded(1),
    ) {
        ShareBudget::Reachable {
            non_good_days_affordable,
            days_remaining,
        } => assert!(non_good_days_affordable <= days_remaining),
        ShareBudget::Unreachable {
            best_possible_percent,
        } => assert!(best_possible_percent < Exact::from_integer(80)),
        ShareBudget::Final { .. } => unreachable!(),
    }
}
