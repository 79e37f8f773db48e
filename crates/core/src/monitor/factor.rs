//! The state of one factor: the runs the abnormal-data rules watch (constant value, zero run, pinned at range, sudden step, maintenance and calibration runs).

use super::*;

/// A run of values (or flags) for a run rule.
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub(super) first_t: i64,
    pub(super) last_t: i64,
    pub(super) count: u64,
    /// The run's value (the constant; the latest for the others).
    pub(super) value: i64,
    pub(super) evidence: Evidence,
    pub(super) raised: bool,
}

impl Run {
    pub(super) fn new(t: i64, value: i64) -> Run {
        let mut evidence = Evidence::default();
        evidence.push(t);
        Run {
            first_t: t,
            last_t: t,
            count: 1,
            value,
            evidence,
            raised: false,
        }
    }

    pub(super) fn span(&self) -> i64 {
        self.last_t.saturating_sub(self.first_t)
    }
}

/// Feeds one in-order value to a run rule. `hit` is the value if it belongs to such a run
/// (with `same_value`, only if it equals the run's). Returns the run that ended, if it had
/// raised.
pub(super) fn feed_run(
    slot: &mut Option<Run>,
    hit: Option<i64>,
    same_value: bool,
    t: i64,
    max_gap: i64,
) -> Option<Run> {
    if let Some(run) = slot.as_mut() {
        let belongs = hit.is_some_and(|v| !same_value || v == run.value);
        if belongs && t.saturating_sub(run.last_t) <= max_gap {
            run.last_t = t;
            run.count = run.count.saturating_add(1);
            run.evidence.push(t);
            if let Some(v) = hit {
                run.value = v;
            }
            return None;
        }
    }
    let ended = slot.take();
    *slot = hit.map(|v| Run::new(t, v));
    ended.filter(|r| r.raised)
}

/// Marks the run raised if it just reached its threshold, and returns it then.
pub(super) fn newly_reached(
    slot: &mut Option<Run>,
    min_span: i64,
    min_values: u32,
) -> Option<&Run> {
    let run = slot.as_mut()?;
    if run.raised || run.span() < min_span || run.count < u64::from(min_values) {
        return None;
    }
    run.raised = true;
    Some(run)
}

/// What a factor's rules need to know about the reading.
pub(super) struct FactorCtx<'a> {
    pub(super) rules: &'a AbnormalRules,
    pub(super) device: &'a Device,
    pub(super) st: &'a str,
    pub(super) t: i64,
    /// Expected interval of the primary stream.
    pub(super) interval: i64,
    pub(super) kind: ReadingKind,
}

impl FactorCtx<'_> {
    pub(super) fn run_candidate(
        &self,
        kind: AlarmKind,
        code: &str,
        run: &Run,
        detail: String,
    ) -> MonitorEvent {
        MonitorEvent::Raise(AlarmCandidate {
            mn: self.device.mn.clone(),
            kind,
            factor: Some(code.to_owned()),
            start: run.first_t,
            end: run.last_t,
            value: Some(run.value),
            limit: None,
            detail,
            evidence: run.evidence.to_vec(),
            evidence_kind: Some(self.kind),
        })
    }

    pub(super) fn run_detail(&self, code: &str, run: &Run, what: &str) -> String {
        format!(
            "{code} 自 {} 起连续 {} {what}（{} 个{}）",
            beijing(run.first_t),
            duration_zh(run.span()),
            run.count,
            kind_zh(self.kind)
        )
    }
}

pub(super) fn listed(list: &[String], code: &str) -> bool {
    list.iter().any(|c| c.eq_ignore_ascii_case(code))
}

/// Abnormal-data state of one factor.
#[derive(Debug, Clone, Default)]
pub(super) struct FactorState {
    /// Newest `DataTime` taken (the run rules only take newer ones).
    pub(super) last_t: Option<i64>,
    pub(super) over_range: bool,
    /// Previous valid value and its time (for steps).
    pub(super) prev: Option<(i64, i64)>,
    pub(super) step_active: bool,
    pub(super) last_step_t: i64,
    pub(super) constant: Option<Run>,
    pub(super) zero: Option<Run>,
    pub(super) pinned: Option<Run>,
    pub(super) flags: Option<Run>,
}

impl FactorState {
    pub(super) fn feed(
        &mut self,
        c: &FactorCtx<'_>,
        fv: &FactorValue,
        out: &mut Vec<MonitorEvent>,
    ) {
        let code = fv.code.as_str();
        let mn = c.device.mn.as_str();
        let t = c.t;
        let range_max = c
            .device
            .factor(code)
            .and_then(|f| f.range_max)
            .filter(|r| *r > 0);
        let validity = fv.validity(Some(c.st));
        let in_order = self.last_t.is_none_or(|l| t > l);

        // 超量程: any `T` raises; a later value without `T` ends it.
        if validity == Validity::OverRange {
            if !self.over_range {
                self.over_range = true;
                let mut detail = format!("{code} 数据标记 T（超过仪器测量上限）");
                if let Some(v) = fv.value {
                    detail.push_str(&format!("，值 {}", format_micros(v)));
                }
                if let Some(r) = range_max {
                    detail.push_str(&format!("，量程上限 {}", format_micros(r)));
                }
                out.push(MonitorEvent::Raise(AlarmCandidate {
                    mn: mn.to_owned(),
                    kind: AlarmKind::OverRange,
                    factor: Some(code.to_owned()),
                    start: t,
                    end: t,
                    value: fv.value,
                    limit: range_max,
                    detail,
                    evidence: vec![t],
                    evidence_kind: Some(c.kind),
                }));
            }
        } else if in_order && self.over_range {
            self.over_range = false;
            out.push(recovered(mn, AlarmKind::OverRange, Some(code), t));
        }
        if !in_order {
            return;
        }
        self.last_t = Some(t);
        let gap_limit = c.rules.run_max_gap_s.max(c.interval.saturating_mul(3));

        // 长时间维护/校准.
        let flag = fv.flag.as_deref().map(|f| DataFlag::parse(f, Some(c.st)));
        let flagged = matches!(
            flag,
            Some(DataFlag::Maintenance | DataFlag::Calibration | DataFlag::AmbientCalibration)
        );
        if feed_run(&mut self.flags, flagged.then_some(0), false, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::FlagRun, Some(code), t));
        }
        if let Some(run) =
            newly_reached(&mut self.flags, c.rules.flag_run_s, c.rules.min_run_values)
        {
            let mut e = c.run_candidate(
                AlarmKind::FlagRun,
                code,
                run,
                c.run_detail(code, run, "标记为维护/校准（M/C）"),
            );
            if let MonitorEvent::Raise(a) = &mut e {
                a.value = None;
            }
            out.push(e);
        }

        // The value rules use valid values only; others neither extend nor break their runs.
        let Some(v) = fv.value.filter(|_| validity == Validity::Valid) else {
            return;
        };
        self.step(c, code, t, v, out);

        let pinned = range_max.is_some_and(|r| v >= r);
        let hit = (v != 0 && !pinned && !listed(&c.rules.constant_exempt, code)).then_some(v);
        if feed_run(&mut self.constant, hit, true, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::ConstantValue, Some(code), t));
        }
        if let Some(run) = newly_reached(
            &mut self.constant,
            c.rules.constant_s,
            c.rules.min_run_values,
        ) {
            let what = format!("恒定为 {}", format_micros(run.value));
            out.push(c.run_candidate(
                AlarmKind::ConstantValue,
                code,
                run,
                c.run_detail(code, run, &what),
            ));
        }

        let hit = (v == 0 && !listed(&c.rules.zero_exempt, code)).then_some(0);
        if feed_run(&mut self.zero, hit, true, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::ZeroRun, Some(code), t));
        }
        if let Some(run) = newly_reached(&mut self.zero, c.rules.zero_run_s, c.rules.min_run_values)
        {
            out.push(c.run_candidate(
                AlarmKind::ZeroRun,
                code,
                run,
                c.run_detail(code, run, "为 0"),
            ));
        }

        if feed_run(&mut self.pinned, pinned.then_some(v), false, t, gap_limit).is_some() {
            out.push(recovered(mn, AlarmKind::PinnedAtRange, Some(code), t));
        }
        if let Some(run) = newly_reached(&mut self.pinned, c.rules.pinned_s, c.rules.min_run_values)
        {
            let r = range_max.unwrap_or(run.value);
            let what = format!("不低于量程上限 {}", format_micros(r));
            let mut e = c.run_candidate(
                AlarmKind::PinnedAtRange,
                code,
                run,
                c.run_detail(code, run, &what),
            );
            if let MonitorEvent::Raise(a) = &mut e {
                a.limit = range_max;
            }
            out.push(e);
        }
    }

    /// 突变: see the module documentation.
    pub(super) fn step(
        &mut self,
        c: &FactorCtx<'_>,
        code: &str,
        t: i64,
        v: i64,
        out: &mut Vec<MonitorEvent>,
    ) {
        let prev = self.prev.replace((t, v));
        let floor = c
            .device
            .limits
            .iter()
            .filter(|l| l.factor == code)
            .map(|l| l.max)
            .max()
            .or_else(|| c.rules.step_floor.get(code).copied());
        let max_gap = c
            .interval
            .saturating_mul(i64::from(c.rules.step_max_gap_intervals));
        let step = match (prev, floor) {
            (Some((pt, pv)), Some(floor)) if pv != 0 && t.saturating_sub(pt) <= max_gap => {
                let delta = (i128::from(v) - i128::from(pv)).abs();
                let over_ratio = delta > i128::from(c.rules.step_ratio) * i128::from(pv).abs();
                (over_ratio && delta > i128::from(floor)).then_some((pt, pv, floor))
            }
            _ => None,
        };
        match step {
            Some((pt, pv, floor)) => {
                self.last_step_t = t;
                if !self.step_active {
                    self.step_active = true;
                    out.push(MonitorEvent::Raise(AlarmCandidate {
                        mn: c.device.mn.clone(),
                        kind: AlarmKind::SuddenStep,
                        factor: Some(code.to_owned()),
                        start: pt,
                        end: t,
                        value: Some(v),
                        limit: Some(floor),
                        detail: format!(
                            "{code} 由 {} 突变为 {}（{} 秒内，变化超过前值的 {} 倍且超过 {}）",
                            format_micros(pv),
                            format_micros(v),
                            t.saturating_sub(pt),
                            c.rules.step_ratio,
                            format_micros(floor)
                        ),
                        evidence: vec![pt, t],
                        evidence_kind: Some(c.kind),
                    }));
                }
            }
            None => {
                if self.step_active && t.saturating_sub(self.last_step_t) >= c.rules.step_quiet_s {
                    self.step_active = false;
                    out.push(recovered(
                        &c.device.mn,
                        AlarmKind::SuddenStep,
                        Some(code),
                        t,
                    ));
                }
            }
        }
    }
}

/// Clock-skew episode state.
#[derive(Debug, Clone, Default)]
pub(super) struct ClockState {
    /// First reading of the current steady offset.
    pub(super) reference: Option<ClockRef>,
    pub(super) active: bool,
}

#[derive(Debug, Clone)]
pub(super) struct ClockRef {
    pub(super) received_at: i64,
    pub(super) data_time: i64,
    pub(super) skew: i128,
}
