//! The alarm rules, rule by rule, at their edges.
use super::*;
use crate::MICROS_PER_UNIT as U;
use crate::device::DeviceFactor;

/// 2024-01-01 00:00:00 Beijing.
const T0: i64 = 1_704_038_400;
const FUME: &str = "a34041";

fn factor(code: &str, range_max: Option<i64>) -> DeviceFactor {
    DeviceFactor {
        code: code.to_owned(),
        name: String::new(),
        unit: "mg/m3".to_owned(),
        range_max,
    }
}

fn limit(code: &str, averaging: Averaging, max: i64) -> Limit {
    Limit {
        factor: code.to_owned(),
        averaging,
        max,
        converted: false,
        allowed_per_day: 0,
        basis: "GB 18483-2001".to_owned(),
    }
}

fn device(factors: Vec<DeviceFactor>, limits: Vec<Limit>, intervals: Intervals) -> Device {
    Device {
        factors,
        intervals,
        limits,
        ..crate::device::tests::fume()
    }
}

/// As `device::tests::fume`: oil fume, range 20, 10-minute limit 2, real-time every 60 s.
fn fume() -> Device {
    device(
        vec![factor(FUME, Some(20 * U))],
        vec![limit(FUME, Averaging::Minutes(10), 2 * U)],
        Intervals::default(),
    )
}

/// A device whose fume factor has one limit with this averaging.
fn with_limit(averaging: Averaging, intervals: Intervals) -> Device {
    device(
        vec![factor(FUME, Some(20 * U))],
        vec![limit(FUME, averaging, 2 * U)],
        intervals,
    )
}

fn fv(code: &str, v: i64, flag: Option<&str>) -> FactorValue {
    FactorValue {
        code: code.to_owned(),
        value: Some(v),
        flag: flag.map(str::to_owned),
        ..FactorValue::default()
    }
}

fn reading(kind: ReadingKind, t: i64, values: Vec<FactorValue>) -> Reading {
    Reading {
        mn: "YY0001".to_owned(),
        kind,
        data_time: t,
        st: "99".to_owned(),
        values,
    }
}

/// A real-time fume value flagged `N`.
fn rt(t: i64, v: i64) -> Reading {
    reading(ReadingKind::RealTime, t, vec![fv(FUME, v, Some("N"))])
}

/// Feeds a reading received 5 s after its `DataTime`.
fn feed(m: &mut DeviceMonitor, d: &Device, r: &Reading) -> Vec<MonitorEvent> {
    m.on_reading(d, r, r.data_time + 5)
}

fn raised(ev: &[MonitorEvent], kind: AlarmKind) -> Vec<AlarmCandidate> {
    ev.iter()
        .filter_map(|e| match e {
            MonitorEvent::Raise(c) if c.kind == kind => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn recovered_at(ev: &[MonitorEvent], kind: AlarmKind) -> Vec<i64> {
    ev.iter()
        .filter_map(|e| match e {
            MonitorEvent::Recovered { kind: k, at, .. } if *k == kind => Some(*at),
            _ => None,
        })
        .collect()
}

/// Feeds all readings, collecting the events.
fn feed_all(m: &mut DeviceMonitor, d: &Device, rs: &[Reading]) -> Vec<MonitorEvent> {
    rs.iter().flat_map(|r| feed(m, d, r)).collect()
}

// ---- exceedance ----------------------------------------------------------------------

#[test]
fn sample_at_the_limit_does_not_exceed_one_micro_above_does() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    let mut m = DeviceMonitor::default();
    assert!(feed(&mut m, &d, &rt(T0, 2 * U)).is_empty());
    let ev = feed(&mut m, &d, &rt(T0 + 60, 2 * U + 1));
    assert_eq!(ev.len(), 1, "{ev:?}");
    let c = &raised(&ev, AlarmKind::Exceedance)[0];
    assert_eq!(c.factor.as_deref(), Some(FUME));
    assert_eq!(c.value, Some(2 * U + 1));
    assert_eq!(c.limit, Some(2 * U));
    assert_eq!((c.start, c.end), (T0 + 60, T0 + 60));
    assert_eq!(c.evidence, vec![T0 + 60]);
    assert_eq!(c.evidence_kind, Some(ReadingKind::RealTime));
    assert_eq!(
        c.detail,
        "a34041 实时值 2.000001 超过限值 2（GB 18483-2001）"
    );
    assert_eq!(c.mn, "YY0001");
}

#[test]
fn an_adopted_episode_recovers_here_and_is_not_raised_again() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    // Another node raised it; the device now sends here.
    let mut m = DeviceMonitor::default();
    assert!(m.adopt_open(&d, AlarmKind::Exceedance, Some(FUME)));
    assert!(
        feed(&mut m, &d, &rt(T0, 3 * U)).is_empty(),
        "still open: nothing new"
    );
    let ev = feed(&mut m, &d, &rt(T0 + 60, U));
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 60]);
    // A new episode afterwards is raised as usual.
    let ev = feed(&mut m, &d, &rt(T0 + 120, 3 * U));
    assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
    // Over-range: the next value without T recovers it.
    let mut m = DeviceMonitor::default();
    assert!(m.adopt_open(&d, AlarmKind::OverRange, Some(FUME)));
    let ev = feed(&mut m, &d, &rt(T0, U));
    assert_eq!(recovered_at(&ev, AlarmKind::OverRange), vec![T0]);
    // Not taken over: unknown factor, rules that start afresh.
    let mut m = DeviceMonitor::default();
    assert!(!m.adopt_open(&d, AlarmKind::Exceedance, Some("a99999")));
    assert!(!m.adopt_open(&d, AlarmKind::ConstantValue, Some(FUME)));
    assert!(!m.adopt_open(&d, AlarmKind::Offline, None));
}

#[test]
fn only_valid_flags_are_compared() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    for flag in ["M", "C", "D", "F", "B", "S", "P", "X", "n"] {
        let mut m = DeviceMonitor::default();
        let r = reading(ReadingKind::RealTime, T0, vec![fv(FUME, 5 * U, Some(flag))]);
        let ev = feed(&mut m, &d, &r);
        assert!(
            raised(&ev, AlarmKind::Exceedance).is_empty(),
            "{flag}: {ev:?}"
        );
    }
    for flag in [Some("N"), None] {
        let mut m = DeviceMonitor::default();
        let r = reading(ReadingKind::RealTime, T0, vec![fv(FUME, 5 * U, flag)]);
        assert_eq!(
            raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance).len(),
            1
        );
    }
    // 2005 ambient digits with ST=22: `3` normal is compared, `0` calibration is not.
    for (flag, n) in [("3", 1), ("0", 0), ("2", 0)] {
        let mut m = DeviceMonitor::default();
        let mut r = reading(ReadingKind::RealTime, T0, vec![fv(FUME, 5 * U, Some(flag))]);
        r.st = "22".to_owned();
        assert_eq!(
            raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance).len(),
            n,
            "{flag}"
        );
    }
}

#[test]
fn converted_limits_compare_the_converted_value() {
    let mut l = limit("a21026", Averaging::Sample, 35 * U);
    l.converted = true;
    let d = device(vec![factor("a21026", None)], vec![l], Intervals::default());
    let mut m = DeviceMonitor::default();
    let mut v = fv("a21026", 30 * U, Some("N"));
    v.converted = Some(36 * U);
    let ev = feed(
        &mut m,
        &d,
        &reading(ReadingKind::RealTime, T0, vec![v.clone()]),
    );
    let c = &raised(&ev, AlarmKind::Exceedance)[0];
    assert_eq!(c.value, Some(36 * U));
    assert!(
        c.detail.starts_with("a21026 实时折算值 36 超过限值 35"),
        "{}",
        c.detail
    );
    // No converted value: nothing is compared (and the episode stays open).
    v.converted = None;
    v.value = Some(99 * U);
    assert!(
        feed(
            &mut m,
            &d,
            &reading(ReadingKind::RealTime, T0 + 60, vec![v])
        )
        .is_empty()
    );
}

#[test]
fn t_flag_raises_over_range_not_exceedance() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    let mut m = DeviceMonitor::default();
    let t = |t: i64| reading(ReadingKind::RealTime, t, vec![fv(FUME, 25 * U, Some("T"))]);
    let ev = feed(&mut m, &d, &t(T0));
    assert_eq!(ev.len(), 1, "{ev:?}");
    let c = &raised(&ev, AlarmKind::OverRange)[0];
    assert_eq!((c.value, c.limit), (Some(25 * U), Some(20 * U)));
    assert!(c.detail.contains("数据标记 T"), "{}", c.detail);
    assert!(feed(&mut m, &d, &t(T0 + 60)).is_empty());
    let ev = feed(&mut m, &d, &rt(T0 + 120, U));
    assert_eq!(recovered_at(&ev, AlarmKind::OverRange), vec![T0 + 120]);
    assert_eq!(
        raised(&feed(&mut m, &d, &t(T0 + 180)), AlarmKind::OverRange).len(),
        1
    );
}

#[test]
fn allowed_per_day_raises_on_the_third_exceedance() {
    let mut d = with_limit(Averaging::Sample, Intervals::default());
    d.limits[0].allowed_per_day = 2;
    let mut m = DeviceMonitor::default();
    let values = [3, 1, 3, 1];
    for (k, v) in values.into_iter().enumerate() {
        let ev = feed(&mut m, &d, &rt(T0 + 60 * k as i64, v * U));
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{k}: {ev:?}");
        assert!(recovered_at(&ev, AlarmKind::Exceedance).is_empty());
    }
    let ev = feed(&mut m, &d, &rt(T0 + 240, 3 * U));
    let c = &raised(&ev, AlarmKind::Exceedance)[0];
    assert!(
        c.detail.ends_with("，当日第 3 次超标（每日允许 2 次）"),
        "{}",
        c.detail
    );
    assert_eq!(
        recovered_at(&feed(&mut m, &d, &rt(T0 + 300, U)), AlarmKind::Exceedance),
        vec![T0 + 300]
    );
    // A fourth the same day raises again.
    assert_eq!(
        raised(
            &feed(&mut m, &d, &rt(T0 + 360, 3 * U)),
            AlarmKind::Exceedance
        )
        .len(),
        1
    );
    feed(&mut m, &d, &rt(T0 + 420, U));
    // The next Beijing day starts from zero.
    for k in 0..2 {
        let ev = feed(&mut m, &d, &rt(T0 + DAY_S + 120 * k, 3 * U));
        assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
        feed(&mut m, &d, &rt(T0 + DAY_S + 120 * k + 60, U));
    }
    assert_eq!(
        raised(
            &feed(&mut m, &d, &rt(T0 + DAY_S + 600, 3 * U)),
            AlarmKind::Exceedance
        )
        .len(),
        1
    );
}

#[test]
fn beijing_days_not_utc_days() {
    let mut d = with_limit(Averaging::Sample, Intervals::default());
    d.limits[0].allowed_per_day = 1;
    let mut m = DeviceMonitor::default();
    // 23:59 and 00:01 Beijing are different days (both the same UTC day).
    feed(&mut m, &d, &rt(T0 - 60, 3 * U));
    feed(&mut m, &d, &rt(T0, U));
    let ev = feed(&mut m, &d, &rt(T0 + 60, 3 * U));
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    feed(&mut m, &d, &rt(T0 + 120, U));
    let ev = feed(&mut m, &d, &rt(T0 + 180, 3 * U));
    assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
}

#[test]
fn episodes_raise_once_then_recover_then_raise_again() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    let mut m = DeviceMonitor::default();
    let ev = feed_all(
        &mut m,
        &d,
        &[rt(T0, 3 * U), rt(T0 + 60, 4 * U), rt(T0 + 120, 3 * U)],
    );
    assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
    let ev = feed(&mut m, &d, &rt(T0 + 180, 2 * U));
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 180]);
    assert!(feed(&mut m, &d, &rt(T0 + 240, U)).is_empty());
    let ev = feed(&mut m, &d, &rt(T0 + 300, 3 * U));
    assert_eq!(raised(&ev, AlarmKind::Exceedance)[0].start, T0 + 300);
}

#[test]
fn ten_minute_mean_of_real_time_values() {
    let d = fume();
    let mut m = DeviceMonitor::default();
    let window: Vec<Reading> = (0..10)
        .map(|k| rt(T0 + 60 * k, if k % 2 == 0 { 2_300_000 } else { 2_400_000 }))
        .collect();
    let ev = feed_all(&mut m, &d, &window);
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    // The first value of the next window closes it.
    let ev = feed(&mut m, &d, &rt(T0 + 600, U));
    let c = &raised(&ev, AlarmKind::Exceedance)[0];
    assert_eq!(c.value, Some(2_350_000));
    assert_eq!((c.start, c.end), (T0, T0 + 600));
    assert_eq!(c.evidence, (0..10).map(|k| T0 + 60 * k).collect::<Vec<_>>());
    assert_eq!(c.evidence_kind, Some(ReadingKind::RealTime));
    assert_eq!(
        c.detail,
        "a34041 10分钟均值 2.35 超过限值 2（GB 18483-2001），由 10 个实时值计算"
    );
    // The next window (mean 1) recovers at its start.
    let ev = feed_all(
        &mut m,
        &d,
        &(1..10)
            .map(|k| rt(T0 + 600 + 60 * k, U))
            .collect::<Vec<_>>(),
    );
    assert!(ev.is_empty(), "{ev:?}");
    let ev = feed(&mut m, &d, &rt(T0 + 1200, U));
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 600]);
}

#[test]
fn window_mean_exactly_at_the_limit_and_just_above() {
    let d = fume();
    let mut m = DeviceMonitor::default();
    // Mean exactly 2: no alarm.
    let at: Vec<Reading> = (0..10)
        .map(|k| rt(T0 + 60 * k, if k % 2 == 0 { 1_500_000 } else { 2_500_000 }))
        .collect();
    let mut ev = feed_all(&mut m, &d, &at);
    // Mean 2.0000001: an alarm, shown rounded up.
    let above: Vec<Reading> = (0..10)
        .map(|k| rt(T0 + 600 + 60 * k, if k == 3 { 2 * U + 1 } else { 2 * U }))
        .collect();
    ev.extend(feed_all(&mut m, &d, &above));
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    let ev = feed(&mut m, &d, &rt(T0 + 1200, U));
    let c = &raised(&ev, AlarmKind::Exceedance)[0];
    assert_eq!((c.start, c.value), (T0 + 600, Some(2 * U + 1)));
}

#[test]
fn window_needs_coverage() {
    let d = fume();
    // 75 % of 10 expected samples is 8 (rounded up): 7 valid values are not enough, even
    // when the others are there but flagged.
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..7).map(|k| rt(T0 + 60 * k, 5 * U)).collect();
    rs.extend((7..10).map(|k| {
        reading(
            ReadingKind::RealTime,
            T0 + 60 * k,
            vec![fv(FUME, 5 * U, Some("M"))],
        )
    }));
    rs.push(rt(T0 + 600, U));
    let ev = feed_all(&mut m, &d, &rs);
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    // 8 are.
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..8).map(|k| rt(T0 + 60 * k, 5 * U)).collect();
    rs.push(rt(T0 + 600, U));
    assert_eq!(
        raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance).len(),
        1
    );
    // Unknown real-time interval: one value is enough.
    let d = with_limit(
        Averaging::Minutes(10),
        Intervals {
            realtime_s: None,
            ..Intervals::default()
        },
    );
    let mut m = DeviceMonitor::default();
    let ev = feed_all(&mut m, &d, &[rt(T0 + 300, 5 * U), rt(T0 + 600, U)]);
    assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
}

#[test]
fn the_tick_closes_a_window_after_the_grace() {
    let d = fume();
    let mut m = DeviceMonitor::default();
    feed_all(
        &mut m,
        &d,
        &(0..10).map(|k| rt(T0 + 60 * k, 3 * U)).collect::<Vec<_>>(),
    );
    // Grace is max(120 s, 2 intervals) after the end.
    assert!(m.on_tick(&d, T0 + 600).is_empty());
    assert!(m.on_tick(&d, T0 + 719).is_empty());
    let ev = m.on_tick(&d, T0 + 720);
    assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1, "{ev:?}");
    // A late value for the evaluated window is ignored.
    assert!(
        raised(
            &feed(&mut m, &d, &rt(T0 + 30, 9 * U)),
            AlarmKind::Exceedance
        )
        .is_empty()
    );
    assert!(
        m.on_tick(&d, T0 + 900)
            .iter()
            .all(|e| e.kind() == AlarmKind::Offline)
    );
}

#[test]
fn windows_are_aligned_to_the_beijing_clock() {
    // 7-minute windows restart at Beijing midnight (T0); the day's last one is 5 minutes.
    let d = with_limit(Averaging::Minutes(7), Intervals::default());
    assert_eq!(window_of(T0 + 100, 420), Some((T0, T0 + 420)));
    assert_eq!(window_of(T0 - 1, 420), Some((T0 - 300, T0)));
    assert_eq!(window_of(T0 + 3600 + 1, 3600), Some((T0 + 3600, T0 + 7200)));
    assert_eq!(window_of(T0 + 5, 2 * DAY_S), window_of(T0 - 5, 2 * DAY_S));
    assert_eq!(window_of(i64::MAX, 600), None);
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..7).map(|k| rt(T0 + 60 * k, 3 * U)).collect();
    rs.push(rt(T0 + 420, U));
    let c = &raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance)[0];
    assert_eq!((c.start, c.end), (T0, T0 + 420));
}

#[test]
fn minute_data_is_compared_directly_when_its_interval_matches() {
    let d = with_limit(
        Averaging::Minutes(10),
        Intervals {
            minute_s: Some(600),
            ..Intervals::default()
        },
    );
    let mut m = DeviceMonitor::default();
    // Real-time values are not averaged then.
    let ev = feed_all(
        &mut m,
        &d,
        &(0..12).map(|k| rt(T0 + 60 * k, 5 * U)).collect::<Vec<_>>(),
    );
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    let r = reading(
        ReadingKind::Minute,
        T0,
        vec![fv(FUME, 2_500_000, Some("N"))],
    );
    let c = &raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance)[0];
    assert_eq!((c.start, c.end, c.value), (T0, T0 + 600, Some(2_500_000)));
    assert_eq!(c.evidence_kind, Some(ReadingKind::Minute));
}

#[test]
fn minute_data_is_averaged_when_there_is_no_real_time_data() {
    let d = with_limit(
        Averaging::Hour,
        Intervals {
            realtime_s: None,
            minute_s: Some(600),
            hourly: false,
            offline_after: 3,
        },
    );
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..5)
        .map(|k| {
            reading(
                ReadingKind::Minute,
                T0 + 600 * k,
                vec![fv(FUME, 3 * U, None)],
            )
        })
        .collect();
    rs.push(reading(
        ReadingKind::Minute,
        T0 + 3600,
        vec![fv(FUME, U, None)],
    ));
    let c = &raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance)[0];
    assert_eq!((c.start, c.end, c.evidence.len()), (T0, T0 + 3600, 5));
    assert_eq!(c.evidence_kind, Some(ReadingKind::Minute));
    assert!(
        c.detail.contains("小时均值") && c.detail.contains("由 5 个分钟值计算"),
        "{}",
        c.detail
    );
}

#[test]
fn hour_and_day_limits() {
    // Hourly data sent: 2061 compared directly.
    let d = with_limit(Averaging::Hour, Intervals::default());
    let mut m = DeviceMonitor::default();
    let r = reading(ReadingKind::Hour, T0, vec![fv(FUME, 3 * U, Some("N"))]);
    let c = &raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance)[0];
    assert_eq!((c.start, c.end), (T0, T0 + 3600));
    assert!(
        c.detail.starts_with("a34041 小时均值 3 超过限值 2"),
        "{}",
        c.detail
    );
    // No hourly data: the mean of the hour's 60 real-time values (45 needed).
    let d = with_limit(
        Averaging::Hour,
        Intervals {
            hourly: false,
            ..Intervals::default()
        },
    );
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..45).map(|k| rt(T0 + 60 * k, 3 * U)).collect();
    rs.push(rt(T0 + 3600, U));
    let ev = feed_all(&mut m, &d, &rs);
    let c = &raised(&ev, AlarmKind::Exceedance)[0];
    assert_eq!((c.start, c.end, c.evidence.len()), (T0, T0 + 3600, 45));
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..44).map(|k| rt(T0 + 60 * k, 3 * U)).collect();
    rs.push(rt(T0 + 3600, U));
    assert!(raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance).is_empty());
    // Day: 2031 only.
    let d = with_limit(Averaging::Day, Intervals::default());
    let mut m = DeviceMonitor::default();
    assert!(raised(&feed(&mut m, &d, &rt(T0, 9 * U)), AlarmKind::Exceedance).is_empty());
    let r = reading(ReadingKind::Day, T0, vec![fv(FUME, 3 * U, Some("N"))]);
    let c = &raised(&feed(&mut m, &d, &r), AlarmKind::Exceedance)[0];
    assert_eq!(
        (c.start, c.end, c.evidence_kind),
        (T0, T0 + DAY_S, Some(ReadingKind::Day))
    );
}

#[test]
fn evidence_is_bounded() {
    // An hour of 30-second values: 120 readings, 64 listed (first and last 32).
    let d = with_limit(
        Averaging::Hour,
        Intervals {
            realtime_s: Some(30),
            hourly: false,
            ..Intervals::default()
        },
    );
    let mut m = DeviceMonitor::default();
    let mut rs: Vec<Reading> = (0..120).map(|k| rt(T0 + 30 * k, 3 * U)).collect();
    rs.push(rt(T0 + 3600, U));
    let c = &raised(&feed_all(&mut m, &d, &rs), AlarmKind::Exceedance)[0];
    assert_eq!(c.evidence.len(), MAX_EVIDENCE);
    assert_eq!(c.evidence[0], T0);
    assert_eq!(c.evidence[63], T0 + 30 * 119);
    assert!(c.detail.contains("由 120 个实时值计算"), "{}", c.detail);
}

#[test]
fn two_limits_on_one_factor_recover_together() {
    let mut zs = limit(FUME, Averaging::Sample, 2 * U);
    zs.converted = true;
    let d = device(
        vec![factor(FUME, None)],
        vec![limit(FUME, Averaging::Sample, 2 * U), zs],
        Intervals::default(),
    );
    let r = |t: i64, v: i64, z: i64| {
        let mut f = fv(FUME, v, Some("N"));
        f.converted = Some(z);
        reading(ReadingKind::RealTime, t, vec![f])
    };
    let mut m = DeviceMonitor::default();
    assert_eq!(
        raised(
            &feed(&mut m, &d, &r(T0, 3 * U, 3 * U)),
            AlarmKind::Exceedance
        )
        .len(),
        2
    );
    assert!(feed(&mut m, &d, &r(T0 + 60, U, 3 * U)).is_empty());
    let ev = feed(&mut m, &d, &r(T0 + 120, U, U));
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 120]);
    // A removed limit's episode is recovered.
    let mut m = DeviceMonitor::default();
    feed(&mut m, &d, &r(T0, 3 * U, U));
    let mut d2 = d.clone();
    d2.limits.remove(0);
    let ev = m.on_tick(&d2, T0 + 30);
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 30]);
}

// ---- out of order ----------------------------------------------------------------------

#[test]
fn old_values_can_raise_but_not_recover() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    let mut m = DeviceMonitor::default();
    assert_eq!(
        raised(
            &feed(&mut m, &d, &rt(T0 + 120, 3 * U)),
            AlarmKind::Exceedance
        )
        .len(),
        1
    );
    assert!(feed(&mut m, &d, &rt(T0 + 60, 3 * U)).is_empty());
    assert!(feed(&mut m, &d, &rt(T0, U)).is_empty());
    let ev = feed(&mut m, &d, &rt(T0 + 180, U));
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 180]);
    // A past exceedance replayed later is still reported, once.
    let ev = feed_all(&mut m, &d, &[rt(T0 - 600, 3 * U), rt(T0 - 540, 3 * U)]);
    assert_eq!(raised(&ev, AlarmKind::Exceedance).len(), 1);
    let ev = feed(&mut m, &d, &rt(T0 + 240, U));
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 240]);
}

#[test]
fn replayed_window_interleaved_with_live_data() {
    let d = fume();
    let mut m = DeviceMonitor::default();
    let mut ev = Vec::new();
    // Live values of [T0+600, T0+1200) (mean 1) interleaved with a replay of [T0, T0+600)
    // (mean 3): the live ones must not close the replayed window early.
    for k in 0..10 {
        let live = rt(T0 + 600 + 60 * k, U);
        ev.extend(m.on_reading(&d, &live, live.data_time + 5));
        let old = rt(T0 + 60 * k, 3 * U);
        ev.extend(m.on_reading(&d, &old, live.data_time + 6));
    }
    ev.extend(feed(&mut m, &d, &rt(T0 + 1200, U)));
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    ev.extend(m.on_tick(&d, T0 + 1300));
    let r = raised(&ev, AlarmKind::Exceedance);
    assert_eq!(r.len(), 1, "{ev:?}");
    assert_eq!((r[0].start, r[0].evidence.len()), (T0, 10));
    // Late duplicates of that window do nothing; the next live window recovers.
    let mut ev = feed(&mut m, &d, &rt(T0 + 30, 9 * U));
    ev.extend(feed_all(
        &mut m,
        &d,
        &(1..=10)
            .map(|k| rt(T0 + 1200 + 60 * k, U))
            .collect::<Vec<_>>(),
    ));
    assert!(raised(&ev, AlarmKind::Exceedance).is_empty(), "{ev:?}");
    assert_eq!(recovered_at(&ev, AlarmKind::Exceedance), vec![T0 + 1200]);
}

#[test]
fn a_fast_replay_keeps_few_windows_open() {
    let d = fume();
    let mut m = DeviceMonitor::default();
    feed(&mut m, &d, &rt(T0 + 2 * DAY_S, U));
    // A day of history at 60 s, received within ten minutes, after a live value.
    let mut raises = 0;
    for k in 0..1440 {
        let r = rt(T0 + DAY_S + 60 * k, if k < 10 { 3 * U } else { U });
        raises += raised(
            &m.on_reading(&d, &r, T0 + 2 * DAY_S + k / 3),
            AlarmKind::Exceedance,
        )
        .len();
        assert!(m.buffer_lengths()[0] <= MAX_OPEN_WINDOWS);
    }
    assert_eq!(raises, 1);
}

// ---- offline -------------------------------------------------------------------------

#[test]
fn offline_event_decides_from_stored_facts() {
    let d = fume();
    // 3 intervals of 60 s.
    assert_eq!(
        offline_event(&d, None, None, T0 + 10_000),
        None,
        "never seen"
    );
    assert_eq!(
        offline_event(&d, Some(T0), None, T0 + 180),
        None,
        "at the edge"
    );
    let Some(MonitorEvent::Raise(c)) = offline_event(&d, Some(T0), None, T0 + 181) else {
        panic!("one second past the window raises")
    };
    assert_eq!((c.kind, c.start, c.end), (AlarmKind::Offline, T0, T0 + 181));
    // Open: nothing new while silent; recovered at the first frame after its start.
    assert_eq!(offline_event(&d, Some(T0), Some(T0), T0 + 5_000), None);
    assert_eq!(
        offline_event(&d, Some(T0 + 4_000), Some(T0), T0 + 5_000),
        Some(MonitorEvent::Recovered {
            mn: d.mn.clone(),
            kind: AlarmKind::Offline,
            factor: None,
            at: T0 + 4_000
        })
    );
    let inactive = Device {
        active: false,
        ..d.clone()
    };
    assert_eq!(offline_event(&inactive, Some(T0), None, T0 + 5_000), None);
    // The windows' clock alone never raises offline.
    let mut m = DeviceMonitor::new(AbnormalRules::default());
    m.set_last_seen(T0);
    assert!(m.on_clock(&d, T0 + 5_000).is_empty());
    assert!(!m.is_offline());
}

#[test]
fn offline_raises_once_and_recovers() {
    let d = fume();
    let mut m = DeviceMonitor::default();
    // Never seen: unknown, not offline.
    assert!(m.on_tick(&d, T0 + DAY_S).is_empty());
    assert_eq!(m.last_seen(), None);
    m.on_reading(&d, &rt(T0, U), T0 + 5);
    assert_eq!(m.last_seen(), Some(T0 + 5));
    // 3 intervals of 60 s: offline when silent for more than 180 s.
    assert!(m.on_tick(&d, T0 + 185).is_empty());
    let ev = m.on_tick(&d, T0 + 186);
    let c = &raised(&ev, AlarmKind::Offline)[0];
    assert_eq!((c.start, c.end, c.factor.clone()), (T0 + 5, T0 + 186, None));
    assert!(c.evidence.is_empty());
    assert_eq!(
        c.detail,
        "最后一次收到数据 2024-01-01 00:00:05，已 3分钟1秒 无数据（超过 3分钟 判定离线）"
    );
    assert!(m.is_offline());
    assert!(m.on_tick(&d, T0 + 3600).is_empty());
    let ev = m.on_reading(&d, &rt(T0 + 3600, U), T0 + 3700);
    assert_eq!(recovered_at(&ev, AlarmKind::Offline), vec![T0 + 3700]);
    assert!(!m.is_offline());
    // Inactive devices are not raised.
    let mut off = d.clone();
    off.active = false;
    assert!(m.on_tick(&off, T0 + DAY_S).is_empty());
    // Seeded after a restart: raised without a new reading.
    let mut m = DeviceMonitor::default();
    m.set_last_seen(T0);
    m.set_last_seen(T0 - 60);
    assert_eq!(m.last_seen(), Some(T0));
    assert_eq!(
        raised(&m.on_tick(&d, T0 + 181), AlarmKind::Offline).len(),
        1
    );
}

// ---- abnormal data ---------------------------------------------------------------------

/// A device with one unlimited factor (no step floor) and a range of 20.
fn plain(code: &str, intervals: Intervals) -> Device {
    device(vec![factor(code, Some(20 * U))], Vec::new(), intervals)
}

fn series(code: &str, from: i64, step: i64, n: i64, v: i64) -> Vec<Reading> {
    (0..n)
        .map(|k| {
            reading(
                ReadingKind::RealTime,
                from + step * k,
                vec![fv(code, v, Some("N"))],
            )
        })
        .collect()
}

#[test]
fn constant_value_for_four_hours() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    // 240 values: 3 h 59 min.
    let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 240, 350_000));
    assert!(ev.is_empty(), "{ev:?}");
    let ev = feed(&mut m, &d, &series(FUME, T0 + 4 * 3600, 60, 1, 350_000)[0]);
    let c = &raised(&ev, AlarmKind::ConstantValue)[0];
    assert_eq!(
        (c.start, c.end, c.value),
        (T0, T0 + 4 * 3600, Some(350_000))
    );
    assert_eq!(c.evidence.len(), MAX_EVIDENCE);
    assert_eq!(
        c.detail,
        "a34041 自 2024-01-01 00:00:00 起连续 4小时 恒定为 0.35（241 个实时值）"
    );
    // Still constant: nothing; a different value ends it.
    assert!(
        feed_all(
            &mut m,
            &d,
            &series(FUME, T0 + 4 * 3600 + 60, 60, 10, 350_000)
        )
        .is_empty()
    );
    let ev = feed(&mut m, &d, &series(FUME, T0 + 5 * 3600, 60, 1, 350_001)[0]);
    assert_eq!(
        recovered_at(&ev, AlarmKind::ConstantValue),
        vec![T0 + 5 * 3600]
    );
}

#[test]
fn constant_value_needs_enough_values() {
    // Hourly data only: at 4 h of span there are only 5 values; the 6th raises.
    let d = plain(
        FUME,
        Intervals {
            realtime_s: None,
            minute_s: None,
            hourly: true,
            offline_after: 3,
        },
    );
    let mut m = DeviceMonitor::default();
    let rs: Vec<Reading> = (0..6)
        .map(|k| {
            reading(
                ReadingKind::Hour,
                T0 + 3600 * k,
                vec![fv(FUME, 1_234_000, None)],
            )
        })
        .collect();
    let ev = feed_all(&mut m, &d, &rs[..5]);
    assert!(ev.is_empty(), "{ev:?}");
    let ev = feed(&mut m, &d, &rs[5]);
    let c = &raised(&ev, AlarmKind::ConstantValue)[0];
    assert_eq!(
        (c.evidence.len(), c.evidence_kind),
        (6, Some(ReadingKind::Hour))
    );
    // Real-time data of such a device is not the primary stream.
    let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 300, 0));
    assert!(ev.is_empty(), "{ev:?}");
}

#[test]
fn zero_run_for_two_hours_except_exempt_factors() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 120, 0));
    assert!(ev.is_empty(), "{ev:?}");
    let ev = feed(&mut m, &d, &series(FUME, T0 + 7200, 60, 1, 0)[0]);
    assert_eq!(ev.len(), 1, "zeros are not a constant value: {ev:?}");
    let c = &raised(&ev, AlarmKind::ZeroRun)[0];
    assert_eq!((c.start, c.end, c.value), (T0, T0 + 7200, Some(0)));
    let ev = feed(&mut m, &d, &series(FUME, T0 + 7260, 60, 1, 10_000)[0]);
    assert_eq!(recovered_at(&ev, AlarmKind::ZeroRun), vec![T0 + 7260]);
    // Wind speed is exempt (calm nights).
    let d = plain("a01007", Intervals::default());
    let mut m = DeviceMonitor::default();
    assert!(feed_all(&mut m, &d, &series("a01007", T0, 60, 300, 0)).is_empty());
}

#[test]
fn a_gap_breaks_a_run_and_flagged_values_do_not() {
    let d = plain(FUME, Intervals::default());
    // Zeros for 1 h, 31 min of silence, zeros for 1.5 h: two runs, no alarm.
    let mut m = DeviceMonitor::default();
    let mut rs = series(FUME, T0, 60, 61, 0);
    rs.extend(series(FUME, T0 + 3600 + 1860, 60, 91, 0));
    assert!(feed_all(&mut m, &d, &rs).is_empty());
    // Zeros with maintenance values in between (flagged, value 5): one run.
    let mut m = DeviceMonitor::default();
    let rs: Vec<Reading> = (0..=120)
        .map(|k| {
            let v = if k % 10 == 5 {
                fv(FUME, 5 * U, Some("M"))
            } else {
                fv(FUME, 0, Some("N"))
            };
            reading(ReadingKind::RealTime, T0 + 60 * k, vec![v])
        })
        .collect();
    assert_eq!(
        raised(&feed_all(&mut m, &d, &rs), AlarmKind::ZeroRun).len(),
        1
    );
}

#[test]
fn pinned_at_range_for_an_hour() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    let mut rs = series(FUME, T0, 60, 30, 20 * U);
    rs.extend(series(FUME, T0 + 1800, 60, 30, 25 * U));
    assert!(feed_all(&mut m, &d, &rs).is_empty());
    let ev = feed(&mut m, &d, &series(FUME, T0 + 3600, 60, 1, 20 * U)[0]);
    assert_eq!(ev.len(), 1, "{ev:?}");
    let c = &raised(&ev, AlarmKind::PinnedAtRange)[0];
    assert_eq!((c.start, c.end, c.limit), (T0, T0 + 3600, Some(20 * U)));
    // Hours later still only the pinned alarm (not a constant value).
    assert!(feed_all(&mut m, &d, &series(FUME, T0 + 3660, 60, 300, 20 * U)).is_empty());
    let ev = feed(
        &mut m,
        &d,
        &series(FUME, T0 + 3660 + 18_000, 60, 1, 20 * U - 1)[0],
    );
    assert_eq!(
        recovered_at(&ev, AlarmKind::PinnedAtRange),
        vec![T0 + 3660 + 18_000]
    );
    // No range: no rule.
    let mut d = d;
    d.factors[0].range_max = None;
    let mut m = DeviceMonitor::default();
    let ev = feed_all(&mut m, &d, &series(FUME, T0, 60, 120, 20 * U));
    assert!(raised(&ev, AlarmKind::PinnedAtRange).is_empty());
}

#[test]
fn sudden_step_edges() {
    // Floor: the limit (2).
    let d = with_limit(Averaging::Sample, Intervals::default());
    let steps = |values: &[(i64, i64)]| {
        let mut m = DeviceMonitor::default();
        let ev = feed_all(
            &mut m,
            &d,
            &values.iter().map(|&(t, v)| rt(t, v)).collect::<Vec<_>>(),
        );
        raised(&ev, AlarmKind::SuddenStep)
    };
    // 0.2 → 2.2 is exactly 10 × 0.2: not more.
    assert!(steps(&[(T0, 200_000), (T0 + 60, 2_200_000)]).is_empty());
    let s = steps(&[(T0, 200_000), (T0 + 60, 2_200_001)]);
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].start, s[0].end, s[0].evidence.clone()),
        (T0, T0 + 60, vec![T0, T0 + 60])
    );
    assert_eq!((s[0].value, s[0].limit), (Some(2_200_001), Some(2 * U)));
    // 0.1 → 2.1: 21 times, but a change of exactly the floor.
    assert!(steps(&[(T0, 100_000), (T0 + 60, 2_100_000)]).is_empty());
    assert_eq!(steps(&[(T0, 100_000), (T0 + 60, 2_100_001)]).len(), 1);
    // Too far apart (more than 3 intervals), or from zero: not a step.
    assert!(steps(&[(T0, 200_000), (T0 + 181, 9 * U)]).is_empty());
    assert_eq!(steps(&[(T0, 200_000), (T0 + 180, 9 * U)]).len(), 1);
    assert!(steps(&[(T0, 0), (T0 + 60, 9 * U)]).is_empty());
    // Drops are never steps (at most the previous value).
    assert!(steps(&[(T0, 9 * U), (T0 + 60, 0)]).is_empty());
    // No limit and no floor: off; with a configured floor: on.
    let d = plain("X1", Intervals::default());
    let r =
        series("X1", T0, 60, 1, 100_000)
            .into_iter()
            .chain(series("X1", T0 + 60, 60, 1, 50 * U));
    let rs: Vec<Reading> = r.collect();
    let mut m = DeviceMonitor::default();
    assert!(raised(&feed_all(&mut m, &d, &rs), AlarmKind::SuddenStep).is_empty());
    let mut rules = AbnormalRules::default();
    rules.step_floor.insert("X1".to_owned(), 10 * U);
    let mut m = DeviceMonitor::new(rules);
    assert_eq!(
        raised(&feed_all(&mut m, &d, &rs), AlarmKind::SuddenStep).len(),
        1
    );
}

#[test]
fn sudden_step_episode_ends_after_a_quiet_hour() {
    let d = with_limit(Averaging::Sample, Intervals::default());
    let mut m = DeviceMonitor::default();
    let mut ev = feed_all(
        &mut m,
        &d,
        &[rt(T0, 100_000), rt(T0 + 60, 5 * U), rt(T0 + 120, 100_000)],
    );
    // Another step ten minutes later: the same episode.
    ev.extend(feed_all(
        &mut m,
        &d,
        &[rt(T0 + 600, 100_000), rt(T0 + 660, 5 * U)],
    ));
    assert_eq!(raised(&ev, AlarmKind::SuddenStep).len(), 1);
    assert!(recovered_at(&ev, AlarmKind::SuddenStep).is_empty());
    let ev = feed_all(
        &mut m,
        &d,
        &[rt(T0 + 660 + 3599, U), rt(T0 + 660 + 3600, U)],
    );
    assert_eq!(
        recovered_at(&ev, AlarmKind::SuddenStep),
        vec![T0 + 660 + 3600]
    );
}

#[test]
fn maintenance_flags_for_a_day() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    let flagged = |k: i64| {
        let flag = if k % 2 == 0 { "M" } else { "C" };
        reading(
            ReadingKind::RealTime,
            T0 + 60 * k,
            vec![fv(FUME, 0, Some(flag))],
        )
    };
    let ev: Vec<MonitorEvent> = (0..1440)
        .flat_map(|k| feed(&mut m, &d, &flagged(k)))
        .collect();
    assert!(ev.is_empty(), "{ev:?}");
    let ev = feed(&mut m, &d, &flagged(1440));
    let c = &raised(&ev, AlarmKind::FlagRun)[0];
    assert_eq!((c.start, c.end, c.value), (T0, T0 + DAY_S, None));
    assert!(
        c.detail.contains("连续 1天 标记为维护/校准"),
        "{}",
        c.detail
    );
    let ev = feed(&mut m, &d, &rt(T0 + DAY_S + 60, U));
    assert_eq!(recovered_at(&ev, AlarmKind::FlagRun), vec![T0 + DAY_S + 60]);
    // A fault flag breaks the run too.
    let mut m = DeviceMonitor::default();
    let mut ev: Vec<MonitorEvent> = (0..700)
        .flat_map(|k| feed(&mut m, &d, &flagged(k)))
        .collect();
    ev.extend(feed(
        &mut m,
        &d,
        &reading(
            ReadingKind::RealTime,
            T0 + 700 * 60,
            vec![fv(FUME, 0, Some("D"))],
        ),
    ));
    ev.extend((701..1500).flat_map(|k| feed(&mut m, &d, &flagged(k))));
    assert!(raised(&ev, AlarmKind::FlagRun).is_empty());
}

#[test]
fn clock_skew_that_holds() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    // The device is 15 minutes behind; raised once it held for 300 s.
    let mut ev = Vec::new();
    for k in 0..5 {
        let rec = T0 + 60 * k;
        ev.extend(m.on_reading(&d, &rt(rec - 900, U + k), rec));
    }
    assert!(ev.is_empty(), "{ev:?}");
    let ev = m.on_reading(&d, &rt(T0 + 300 - 900, U), T0 + 300);
    let c = &raised(&ev, AlarmKind::ClockSkew)[0];
    assert_eq!((c.start, c.end), (T0, T0 + 300));
    assert_eq!((c.value, c.limit), (Some(900 * U), Some(600 * U)));
    assert_eq!(c.evidence, vec![T0 - 900, T0 - 600]);
    assert!(
        c.detail
            .starts_with("设备时钟比接收时间慢 900 秒（允许 600 秒）"),
        "{}",
        c.detail
    );
    assert!(
        m.on_reading(&d, &rt(T0 + 360 - 900, U), T0 + 360)
            .is_empty()
    );
    // Exactly 600 s is within.
    let ev = m.on_reading(&d, &rt(T0 + 420 - 600, U), T0 + 420);
    assert_eq!(recovered_at(&ev, AlarmKind::ClockSkew), vec![T0 + 420]);
    // Ahead of time, with no persistence required: at once.
    let rules = AbnormalRules {
        clock_skew_persist_s: 0,
        ..AbnormalRules::default()
    };
    let mut m = DeviceMonitor::new(rules);
    let ev = m.on_reading(&d, &rt(T0 + 601, U), T0);
    assert!(
        raised(&ev, AlarmKind::ClockSkew)[0]
            .detail
            .contains("快 601 秒")
    );
    // Old minute and hour data are history, not skew.
    let mut m = DeviceMonitor::new(AbnormalRules {
        clock_skew_persist_s: 0,
        ..AbnormalRules::default()
    });
    let r = reading(ReadingKind::Hour, T0 - DAY_S, vec![fv(FUME, U, None)]);
    assert!(m.on_reading(&d, &r, T0).is_empty());
}

#[test]
fn a_real_time_replay_is_not_clock_skew() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    // A day of buffered real-time data, one frame a second, then live data.
    let mut ev = Vec::new();
    for k in 0..1440 {
        ev.extend(m.on_reading(&d, &rt(T0 + 60 * k, U + k), T0 + DAY_S + k));
    }
    ev.extend(m.on_reading(&d, &rt(T0 + DAY_S + 1500, U), T0 + DAY_S + 1500));
    assert!(raised(&ev, AlarmKind::ClockSkew).is_empty(), "{ev:?}");
}

#[test]
fn unregistered_factors_are_not_watched() {
    let d = plain(FUME, Intervals::default());
    let mut m = DeviceMonitor::default();
    let ev = feed_all(&mut m, &d, &series("X9", T0, 60, 300, 0));
    assert!(ev.is_empty(), "{ev:?}");
    assert_eq!(m.buffer_lengths()[4], 0);
}

#[test]
fn text_helpers() {
    assert_eq!(beijing(T0), "2024-01-01 00:00:00");
    assert_eq!(beijing(0), "1970-01-01 08:00:00");
    assert_eq!(beijing(-1), "1970-01-01 07:59:59");
    assert!(!beijing(i64::MIN).is_empty() && !beijing(i64::MAX).is_empty());
    assert_eq!(duration_zh(0), "0秒");
    assert_eq!(duration_zh(5400), "1小时30分钟");
    assert_eq!(duration_zh(DAY_S + 1), "1天1秒");
    assert_eq!(min_samples(600, Some(60), 75), 8);
    assert_eq!(min_samples(3600, Some(60), 75), 45);
    assert_eq!(min_samples(600, Some(900), 75), 1);
    assert_eq!(min_samples(600, None, 75), 1);
    assert_eq!(ceil_div(7, 2), 4);
    assert_eq!(ceil_div(-7, 2), -3);
    assert_eq!(ceil_div(6, 3), 2);
}

#[test]
fn extreme_inputs_do_not_panic() {
    let mut d = fume();
    d.limits.push(limit(FUME, Averaging::Sample, i64::MAX));
    d.limits
        .push(limit(FUME, Averaging::Minutes(1440), i64::MIN));
    d.limits.push(limit(FUME, Averaging::Minutes(0), 1));
    d.intervals = Intervals {
        realtime_s: Some(u32::MAX),
        minute_s: Some(1),
        hourly: false,
        offline_after: u32::MAX,
    };
    let mut m = DeviceMonitor::new(AbnormalRules {
        constant_s: i64::MIN,
        zero_run_s: i64::MAX,
        run_max_gap_s: i64::MAX,
        step_ratio: 0,
        clock_skew_s: i64::MIN,
        window_grace_s: i64::MIN,
        min_run_values: 0,
        ..AbnormalRules::default()
    });
    for t in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
        for v in [i64::MIN, -1, 0, 1, i64::MAX] {
            for kind in ReadingKind::ALL {
                let r = reading(
                    kind,
                    t,
                    vec![fv(FUME, v, Some("N")), fv(FUME, v, Some("T"))],
                );
                for rec in [i64::MIN, 0, i64::MAX] {
                    m.on_reading(&d, &r, rec);
                    m.on_tick(&d, rec);
                }
            }
        }
    }
    let b = m.buffer_lengths();
    assert!(b[0] <= MAX_OPEN_WINDOWS && b[1] <= MAX_CLOSED_WINDOWS && b[2] <= MAX_DAYS);
}

// ---- property tests ----------------------------------------------------------------------

use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Read {
        kind: usize,
        t: i64,
        delay: i64,
        values: Vec<(usize, i64, Option<usize>)>,
    },
    Tick(i64),
}

const CODES: [&str; 3] = [FUME, "a01007", "X1"];
const FLAGS: [&str; 9] = ["N", "T", "M", "C", "D", "F", "B", "S", "?"];

fn time() -> impl Strategy<Value = i64> {
    prop_oneof![9 => (0i64..3 * DAY_S).prop_map(|o| T0 + o), 1 => any::<i64>()]
}

fn value() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..5 * U,
        2 => Just(0i64),
        1 => Just(20 * U),
        1 => any::<i64>(),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (
            0usize..4,
            time(),
            prop_oneof![8 => 0i64..30, 1 => -2000i64..2000, 1 => any::<i64>()],
            proptest::collection::vec((0usize..3, value(), proptest::option::of(0usize..9)), 0..4),
        )
            .prop_map(|(kind, t, delay, values)| Op::Read { kind, t, delay, values }),
        1 => time().prop_map(Op::Tick),
    ]
}

fn averaging() -> impl Strategy<Value = Averaging> {
    prop_oneof![
        Just(Averaging::Sample),
        (0u16..=120).prop_map(Averaging::Minutes),
        Just(Averaging::Hour),
        Just(Averaging::Day),
    ]
}

fn test_device() -> impl Strategy<Value = Device> {
    (
        proptest::option::of(prop_oneof![Just(60u32), Just(30), 1u32..4000]),
        proptest::option::of(prop_oneof![Just(600u32), Just(300), 1u32..4000]),
        any::<bool>(),
        1u32..5,
        proptest::collection::vec(
            (0usize..3, averaging(), value(), 0u16..3, any::<bool>()),
            0..4,
        ),
    )
        .prop_map(|(realtime_s, minute_s, hourly, offline_after, limits)| {
            device(
                vec![
                    factor(FUME, Some(20 * U)),
                    factor("a01007", None),
                    factor("X1", Some(U)),
                ],
                limits
                    .into_iter()
                    .map(|(c, averaging, max, allowed, converted)| Limit {
                        allowed_per_day: allowed,
                        converted,
                        ..limit(CODES[c], averaging, max)
                    })
                    .collect(),
                Intervals {
                    realtime_s,
                    minute_s,
                    hourly,
                    offline_after,
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_stays_bounded_and_pairs_events(
        d in test_device(),
        ops in proptest::collection::vec(op(), 0..400),
    ) {
        let mut m = DeviceMonitor::default();
        let mut open: BTreeMap<(AlarmKind, Option<String>), bool> = BTreeMap::new();
        for op in ops {
            let ev = match op {
                Op::Read { kind, t, delay, values } => {
                    let values = values
                        .into_iter()
                        .map(|(c, v, f)| fv(CODES[c], v, f.map(|f| FLAGS[f])))
                        .collect();
                    let r = reading(ReadingKind::ALL[kind], t, values);
                    m.on_reading(&d, &r, t.saturating_add(delay))
                }
                Op::Tick(now) => m.on_tick(&d, now),
            };
            for e in ev {
                let (_, kind, factor) = e.key();
                let was = open.insert((kind, factor), matches!(e, MonitorEvent::Raise(_)));
                match e {
                    MonitorEvent::Raise(c) => {
                        prop_assert!(c.evidence.len() <= MAX_EVIDENCE);
                        prop_assert!(kind == AlarmKind::Exceedance || was != Some(true), "double raise {c:?}");
                    }
                    MonitorEvent::Recovered { .. } => {
                        prop_assert_eq!(was, Some(true), "recovered without a raise: {:?}", kind);
                    }
                }
            }
            let b = m.buffer_lengths();
            prop_assert!(b[0] <= MAX_OPEN_WINDOWS, "{b:?}");
            prop_assert!(b[1] <= MAX_CLOSED_WINDOWS, "{b:?}");
            prop_assert!(b[2] <= MAX_DAYS, "{b:?}");
            prop_assert!(b[3] <= MAX_EVIDENCE, "{b:?}");
            prop_assert!(b[4] <= CODES.len(), "{b:?}");
        }
    }
}
