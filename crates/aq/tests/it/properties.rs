//! Property tests: monotonicity, agreement of the integer and rational paths with an
//! independent exact oracle, no panics on any input.

use lantian_aq::iaqi::{Column, IAQI_STEPS, Lookup, breakpoints, lookup_exact, lookup_micros};
use lantian_aq::{
    AqiStandard, Concentration, Config, DailyInputs, Exact, HourlyInputs, Pollutant, RuleSet,
};
use num_rational::Ratio;
use proptest::prelude::*;

fn standard() -> impl Strategy<Value = AqiStandard> {
    prop_oneof![Just(AqiStandard::Hj633_2012), Just(AqiStandard::Hj633_2026)]
}

/// The IAQI by the formula, computed independently with rationals: the smallest integer
/// ≥ (Ih−Il)/(BPh−BPl)·(C−BPl) + Il, on the first segment whose upper end is ≥ C.
fn oracle(std: AqiStandard, col: Column, c: Ratio<i128>) -> Option<u16> {
    let bp = breakpoints(std, col);
    let micro = Ratio::from_integer(1_000_000i128);
    for i in 0..bp.len() - 1 {
        let lo = Ratio::from_integer(i128::from(bp[i])) / micro;
        let hi = Ratio::from_integer(i128::from(bp[i + 1])) / micro;
        if c <= hi {
            let il = Ratio::from_integer(i128::from(IAQI_STEPS[i]));
            let ih = Ratio::from_integer(i128::from(IAQI_STEPS[i + 1]));
            let v = (ih - il) / (hi - lo) * (c - lo) + il;
            return Some(v.ceil().to_integer() as u16);
        }
    }
    None
}

proptest! {
    #[test]
    fn iaqi_never_decreases(std in standard(), col in 0..10usize, a in 0i64..3_000_000_000, d in 0i64..500_000_000) {
        let col = Column::ALL[col];
        let lo = lookup_micros(std, col, a);
        let hi = lookup_micros(std, col, a + d);
        match (lo, hi) {
            (Lookup::Iaqi(x), Lookup::Iaqi(y)) => prop_assert!(x <= y),
            (Lookup::AboveTable, Lookup::Iaqi(_)) => prop_assert!(false, "above table, then in it"),
            _ => {}
        }
    }

    #[test]
    fn integer_path_matches_oracle(std in standard(), col in 0..10usize, micros in 0i64..3_000_000_000) {
        let col = Column::ALL[col];
        let want = oracle(std, col, Ratio::new(i128::from(micros), 1_000_000));
        let got = match lookup_micros(std, col, micros) { Lookup::Iaqi(v) => Some(v), Lookup::AboveTable => None };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn rational_path_matches_oracle(std in standard(), col in 0..10usize, num in 0i64..300_000_000, den in 1i64..10_000) {
        let col = Column::ALL[col];
        let e = Exact::new(num, den).unwrap();
        let want = oracle(std, col, Ratio::new(i128::from(num), i128::from(den)));
        let got = match lookup_exact(std, col, &e) { Lookup::Iaqi(v) => Some(v), Lookup::AboveTable => None };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn gbt8170_rounds_to_nearest_with_ties_to_even(num in -10_000_000i64..10_000_000, den in 1i64..1000, d in 0u32..4) {
        let e = Exact::new(num, den).unwrap();
        let r = Exact::from_decimal(e.round_gbt8170(d));
        let unit = Exact::new(1, 10i64.pow(d)).unwrap();
        let diff = r.sub(&e);
        let abs = if diff.is_negative() { Exact::zero().sub(&diff) } else { diff };
        let half = unit.mul(&Exact::new(1, 2).unwrap());
        prop_assert!(abs <= half);
        if abs == half {
            // A tie: the last kept digit is even.
            let last = r.round_gbt8170(d).mantissa() % 10;
            prop_assert_eq!(last.abs() % 2, 0);
        }
    }

    #[test]
    fn any_hourly_input_gives_a_result_or_a_typed_error(
        vals in proptest::collection::vec(proptest::option::of(0i64..50_000_000_000), 6),
        rules in prop_oneof![Just(RuleSet::Gb2012), Just(RuleSet::Gb2026Transitional), Just(RuleSet::Gb2026Final)],
        letter in any::<bool>(),
    ) {
        let mut h = HourlyInputs::default();
        for (p, v) in Pollutant::ALL.into_iter().zip(vals) {
            h.hour[p] = v.and_then(|m| Concentration::from_micros(m).ok());
            h.sliding_24h[p] = h.hour[p].map(|c| c.exact());
        }
        h.o3_8h = h.hour[Pollutant::O3].map(|c| c.exact());
        let mut cfg = Config::default();
        if letter { cfg.real_time_method_2012 = lantian_aq::RealTimeMethod2012::Hj633Table4; }
        match lantian_aq::hourly_aqi(&h, rules, &cfg) {
            Ok(r) => {
                if let Some(aqi) = r.aqi { prop_assert!(aqi <= 500); }
                prop_assert_eq!(r.aqi, lantian_aq::hourly_aqi_value(&h, rules, &cfg).unwrap());
            }
            Err(lantian_aq::AqiError::Implausible { .. }) => {}
        }
    }

    #[test]
    fn any_daily_input_gives_a_result_or_a_typed_error(
        vals in proptest::collection::vec(proptest::option::of((0i64..10_000_000, 1i64..24)), 8),
        new_rules in any::<bool>(),
    ) {
        let mut d = DailyInputs::default();
        let ex = |v: Option<(i64, i64)>| v.and_then(|(n, q)| Exact::new(n, q));
        for (i, p) in Pollutant::ALL.into_iter().enumerate() {
            d.mean_24h[p] = ex(vals[i]);
        }
        d.o3_mda8 = ex(vals[6]);
        d.o3_max_1h = ex(vals[7]);
        let rules = if new_rules { RuleSet::Gb2026Transitional } else { RuleSet::Gb2012 };
        if let Ok(r) = lantian_aq::daily_aqi(&d, rules, &Config::default()) {
            prop_assert!(r.aqi.is_none_or(|a| a <= 500));
            prop_assert!(r.primary().iter().all(|i| r.iaqi(*i) == r.aqi));
        }
    }

    #[test]
    fn percentile_lies_within_the_data(vals in proptest::collection::vec(0i64..100_000, 1..400), p in prop_oneof![Just(90u32), Just(95), Just(98)]) {
        let ex: Vec<Exact> = vals.iter().map(|v| Exact::from_integer(*v)).collect();
        let m = lantian_aq::percentile_hj663(&ex, p).unwrap();
        let min = *ex.iter().min().unwrap();
        let max = *ex.iter().max().unwrap();
        prop_assert!(m >= min && m <= max);
        let lower = lantian_aq::percentile_hj663(&ex, p - 5).unwrap();
        prop_assert!(lower <= m);
    }
}
