//! Heavy-pollution weather from the store: the rolling 24-h AQI of an area replayed from its
//! measured hours as a forecast (for judging a past episode, or testing the grading on real
//! data), and the warning's proposal.

use jiff::civil::{Date, DateTime};
use lantian_aq::{Config, HourlyFrame, assess::rolling_24h_aqi, series::area_hourly};
use lantian_emergency::{Basis, Forecast};
use lantian_store::Store;

use crate::{ReportError, Scope};

/// An area's hourly rolling 24-h AQI (日AQI over the 24 hours ending with each hour) from
/// `from` 00:00 to `to` 23:00 Beijing, from the stations' reviewed hours (the area's hourly
/// means, HJ 663), as a forecast a warning can be judged on. An hour without a 24-h AQI (too few
/// valid hours) is a gap, refused like a gap in an imported forecast.
pub fn replay_forecast(
    store: &Store,
    area: &str,
    from: Date,
    to: Date,
    config: &Config,
) -> Result<Forecast, ReportError> {
    if to < from {
        return Err(ReportError::Period);
    }
    let scope = Scope::area(store, area)?;
    // The day before, so that the first hour has its 24 hours.
    let start = from.yesterday()?;
    let mut frames = Vec::new();
    for s in &scope.stations {
        frames.push(store.reviewed_frame(s, start, to)?.0);
    }
    let refs: Vec<&HourlyFrame<_>> = frames.iter().collect();
    let area_frame = area_hourly(&refs, config).ok_or_else(|| {
        ReportError::NotFound(format!("area {area:?} has no stations with hourly data"))
    })?;
    let first: DateTime = from.to_datetime(jiff::civil::Time::midnight());
    let points: Vec<(DateTime, Option<u32>)> = rolling_24h_aqi(&area_frame, config)
        .into_iter()
        .filter(|(t, _)| *t >= first && t.date() <= to)
        .map(|(t, v)| (t, v.map(u32::from)))
        .collect();
    Forecast::new(Basis::Hourly, &points).map_err(|e| ReportError::Series(e.to_string()))
}

use lantian_core::{AlarmCandidate, AlarmKind, ReadingKind};
use lantian_emergency::list::{Pollutant, ReductionList};
use lantian_emergency::vehicles::Period;
use lantian_emergency::verify::{self, Compliance, FLOW_FACTORS};
use lantian_emergency::{Level, WarningStatus};
use lantian_store::WarningRecord;
use rust_decimal::Decimal;
use serde::Serialize;

fn beijing(ms: i64) -> Result<DateTime, ReportError> {
    Ok(jiff::Timestamp::from_millisecond(ms)?
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime())
}

fn unix_s(t: DateTime) -> Result<i64, ReportError> {
    Ok(t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))?
        .timestamp()
        .as_second())
}

/// The levels a warning had in force, from its history: each issue or adjustment starts its
/// level at its effective time, the next one or the lift ends it (a warning not lifted is still
/// in force). Times are Beijing.
pub fn warning_periods(store: &Store, w: &WarningRecord) -> Result<Vec<Period>, ReportError> {
    if !matches!(w.status, WarningStatus::Issued | WarningStatus::Lifted) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut open: Option<Period> = None;
    for e in store.warning_events(w.id)? {
        match e.action.as_str() {
            "issue" | "adjust" => {
                let t = beijing(e.effective_at_ms)?;
                if let Some(mut p) = open.take() {
                    p.end = Some(t);
                    out.push(p);
                }
                if let Some(level) = e.to_level {
                    open = Some(Period {
                        level,
                        start: t,
                        end: None,
                    });
                }
            }
            "lift" => {
                if let Some(mut p) = open.take() {
                    p.end = Some(beijing(e.effective_at_ms)?);
                    out.push(p);
                }
            }
            _ => {}
        }
    }
    out.extend(open);
    Ok(out)
}

/// The levels in force of every warning of an area (by its code), for gate checks.
pub fn area_periods(store: &Store, area_code: &str) -> Result<Vec<Period>, ReportError> {
    let mut out = Vec::new();
    for w in store.warnings(Some(area_code), 10_000)? {
        out.extend(warning_periods(store, &w)?);
    }
    Ok(out)
}

/// The emergency-reduction list in force (the newest stored), parsed.
pub fn list_in_force(
    store: &Store,
) -> Result<Option<(lantian_store::ReductionListRecord, ReductionList)>, ReportError> {
    match store.reduction_lists(true)?.into_iter().next() {
        Some(r) => {
            let l = serde_json::from_str(&r.body).map_err(|e| {
                lantian_store::StoreError::Corrupt(format!("reduction list {}: {e}", r.id))
            })?;
            Ok(Some((r, l)))
        }
        None => Ok(None),
    }
}

/// Stores a validated list under `name` (each distinct list once, by the SHA-256 of its body)
/// with its audit entry; returns its id and whether it is new (and now in force).
pub fn store_list(
    store: &Store,
    name: &str,
    list: &ReductionList,
    actor: &str,
    at_ms: i64,
) -> Result<(i64, bool), ReportError> {
    use sha2::Digest as _;
    let body = serde_json::to_string(list)
        .map_err(|e| lantian_store::StoreError::Corrupt(e.to_string()))?;
    let sha: String = sha2::Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let n = list.enterprises.len();
    Ok(store.put_reduction_list(
        &lantian_store::ReductionListRecord {
            id: 0,
            sha256: sha.clone(),
            name: name.to_owned(),
            body,
            enterprises: i64::try_from(n).unwrap_or(i64::MAX),
            loaded_at_ms: at_ms,
            loaded_by: actor.to_owned(),
        },
        &lantian_store::AuditEntry {
            at_ms,
            actor: actor.to_owned(),
            action: "reduction_list.load".into(),
            target: format!("reduction_list:{name}"),
            detail: serde_json::json!({"sha256": sha, "enterprises": n}).to_string(),
        },
    )?)
}

/// One monitor factor of a listed enterprise judged for one level's period.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorCheck {
    /// Enterprise.
    pub enterprise: String,
    /// Its 统一社会信用代码.
    pub uscc: String,
    /// Device MN.
    pub mn: String,
    /// The level in force.
    pub level: Level,
    /// Start of the period (Beijing).
    pub start: DateTime,
    /// Its end (Beijing; the check's time when still in force).
    pub end: DateTime,
    /// The measure at that level.
    pub action: String,
    /// The pollutant.
    pub pollutant: String,
    /// The factor code.
    pub factor: String,
    /// Whether the level is concentration × flow (else concentration).
    pub with_flow: bool,
    /// Mean level in the 7 days before the warning.
    pub baseline: Option<Decimal>,
    /// Mean level during the period.
    pub during: Option<Decimal>,
    /// Readings behind each mean.
    pub counts: (usize, usize),
    /// The judgement.
    pub compliance: Compliance,
    /// `DataTime`s of the period's readings (evidence), at most 64.
    pub evidence: Vec<i64>,
    /// Their kind.
    #[serde(skip)]
    pub evidence_kind: Option<ReadingKind>,
}

/// Levels of a factor in readings: per reading, concentration (× flow when sent).
fn levels(
    readings: &[lantian_store::StoredReading],
    factor: &str,
) -> (Vec<Decimal>, Vec<i64>, bool) {
    let mut out = Vec::new();
    let mut times = Vec::new();
    let mut with_flow = false;
    for r in readings {
        let conc = r
            .values
            .iter()
            .find(|v| v.code == factor)
            .and_then(|v| v.value);
        let Some(c) = conc else { continue };
        let flow = FLOW_FACTORS
            .iter()
            .find_map(|f| r.values.iter().find(|v| v.code == *f).and_then(|v| v.value));
        let c = Decimal::new(c, 6);
        let level = match flow {
            Some(q) => {
                with_flow = true;
                c * Decimal::new(q, 6)
            }
            None => c,
        };
        out.push(level);
        times.push(r.data_time);
    }
    (out, times, with_flow)
}

/// Judges every monitor of every listed enterprise for every level the warning had in force:
/// the mean level (hourly data, else real-time) during the period against the 7 days before
/// the warning, by the measure's required fall (`lantian_emergency::verify::assess`).
pub fn verify_warning(
    store: &Store,
    w: &WarningRecord,
    list: &ReductionList,
    now: DateTime,
    tolerance_pct: Decimal,
) -> Result<Vec<MonitorCheck>, ReportError> {
    verify_periods(store, &warning_periods(store, w)?, list, now, tolerance_pct)
}

/// [`verify_warning`] on the warning's periods, already read.
fn verify_periods(
    store: &Store,
    periods: &[Period],
    list: &ReductionList,
    now: DateTime,
    tolerance_pct: Decimal,
) -> Result<Vec<MonitorCheck>, ReportError> {
    let Some(first) = periods.first().map(|p| p.start) else {
        return Ok(Vec::new());
    };
    let ids: std::collections::HashMap<String, i64> = store
        .devices()?
        .into_iter()
        .map(|d| (d.device.mn, d.id))
        .collect();
    let base_from = unix_s(first.checked_sub(jiff::Span::new().days(7))?)?;
    let base_to = unix_s(first)?;
    let mut out = Vec::new();
    for e in &list.enterprises {
        for mn in &e.devices {
            let Some(&id) = ids.get(mn) else { continue };
            // Hourly data if the device sends it, else real-time.
            let (kind, cn) = if store.readings(id, 2061, base_from, base_to)?.is_empty() {
                (ReadingKind::RealTime, 2011)
            } else {
                (ReadingKind::Hour, 2061)
            };
            let baseline_readings = store.readings(id, cn, base_from, base_to)?;
            for p in periods {
                let end = p.end.unwrap_or(now).min(now);
                if end <= p.start {
                    continue;
                }
                let during_readings = store.readings(id, cn, unix_s(p.start)?, unix_s(end)?)?;
                let m = e.measure(p.level);
                for pollutant in Pollutant::ALL {
                    let factor = verify::factor_code(pollutant);
                    let (base, _, flow_b) = levels(&baseline_readings, factor);
                    let (during, times, flow_d) = levels(&during_readings, factor);
                    if base.is_empty() && during.is_empty() {
                        continue;
                    }
                    let baseline = verify::mean(&base);
                    let during_mean = verify::mean(&during);
                    let compliance = match (baseline, during_mean) {
                        (Some(b), Some(d)) => verify::assess(&m.action, b, d, tolerance_pct),
                        _ => Compliance {
                            required_pct: verify::required_pct(&m.action),
                            achieved_pct: None,
                            compliant: None,
                            text: "基准期或预警期间无监测数据，无法核查".to_owned(),
                        },
                    };
                    out.push(MonitorCheck {
                        enterprise: e.name.clone(),
                        uscc: e.uscc.clone(),
                        mn: mn.clone(),
                        level: p.level,
                        start: p.start,
                        end,
                        action: m.action.zh(),
                        pollutant: pollutant.zh().to_owned(),
                        factor: factor.to_owned(),
                        with_flow: flow_b && flow_d,
                        baseline,
                        during: during_mean,
                        counts: (base.len(), during.len()),
                        compliance,
                        evidence: times
                            .into_iter()
                            .take(lantian_core::monitor::MAX_EVIDENCE)
                            .collect(),
                        evidence_kind: Some(kind),
                    });
                }
            }
        }
    }
    Ok(out)
}

fn micros(d: Decimal) -> Option<i64> {
    (d * Decimal::from(1_000_000)).round().try_into().ok()
}

/// The alarms (应急减排未落实) of the checks that failed, with their readings as evidence.
pub fn alarms_of(checks: &[MonitorCheck]) -> Result<Vec<AlarmCandidate>, ReportError> {
    let mut out = Vec::new();
    for c in checks
        .iter()
        .filter(|c| c.compliance.compliant == Some(false))
    {
        let limit = match (c.baseline, c.compliance.required_pct) {
            (Some(b), Some(r)) => micros(b * (Decimal::from(100) - r) / Decimal::from(100)),
            _ => None,
        };
        out.push(AlarmCandidate {
            mn: c.mn.clone(),
            kind: AlarmKind::EmergencyReduction,
            factor: Some(c.factor.clone()),
            start: unix_s(c.start)?,
            end: unix_s(c.end)?,
            value: c.during.and_then(micros),
            limit,
            detail: format!(
                "{}（{}）{}预警期间{}：{}{}基准期均值 {}，预警期间均值 {}；{}",
                c.enterprise,
                c.uscc,
                c.level.zh(),
                c.action,
                c.pollutant,
                if c.with_flow {
                    "排放（浓度×流量）"
                } else {
                    "浓度"
                },
                c.baseline
                    .map_or("—".to_owned(), |b| b.round_dp(3).normalize().to_string()),
                c.during
                    .map_or("—".to_owned(), |b| b.round_dp(3).normalize().to_string()),
                c.compliance.text
            ),
            evidence: c.evidence.clone(),
            evidence_kind: c.evidence_kind,
        });
    }
    Ok(out)
}

/// A listed enterprise's line of the after-action report.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseOutcome {
    /// Enterprise.
    pub enterprise: String,
    /// Grade.
    pub grade: String,
    /// The measure at the highest level in force.
    pub action: String,
    /// The list's reduction at that level, kg/d: SO2, NOx, PM, VOCs.
    pub expected: [Decimal; 4],
    /// Achieved fall per pollutant from its monitors (percent; the worst period), if measured.
    pub achieved_pct: [Option<Decimal>; 4],
    /// The baseline times the achieved fall, kg/d, where measured.
    pub achieved: [Option<Decimal>; 4],
    /// Compliant (all measured checks), not measured (`None`).
    pub compliant: Option<bool>,
}

/// The after-action report (应急响应总结) of a warning.
#[derive(Debug, Clone, Serialize)]
pub struct Episode {
    /// The warning's id.
    pub warning: i64,
    /// Area code.
    pub area: String,
    /// Levels in force.
    pub periods: Vec<Period>,
    /// Hours in force.
    pub hours: i64,
    /// Per enterprise.
    pub enterprises: Vec<EnterpriseOutcome>,
    /// Sums over enterprises: expected and achieved (measured ones), kg/d.
    pub total_expected: [Decimal; 4],
    /// Achieved where measured.
    pub total_achieved: [Decimal; 4],
    /// The area's rolling 24-h AQI over the episode (Beijing hour, AQI).
    pub aqi: Vec<(DateTime, Option<u16>)>,
    /// Alarms raised on the listed enterprises' monitors during the episode: id, MN, kind, state.
    pub alarms: Vec<(i64, String, String, String)>,
    /// The checks behind it.
    pub checks: Vec<MonitorCheck>,
}

/// Builds the after-action report: expected against achieved reductions per enterprise and in
/// total, the AQI course, the alarms.
pub fn episode(
    store: &Store,
    w: &WarningRecord,
    list: &ReductionList,
    now: DateTime,
    tolerance_pct: Decimal,
    config: &Config,
) -> Result<Episode, ReportError> {
    let periods = warning_periods(store, w)?;
    let checks = verify_periods(store, &periods, list, now, tolerance_pct)?;
    let highest = periods.iter().map(|p| p.level).max();
    let mut enterprises = Vec::new();
    let mut total_expected = [Decimal::ZERO; 4];
    let mut total_achieved = [Decimal::ZERO; 4];
    for e in &list.enterprises {
        let Some(level) = highest else { break };
        let m = e.measure(level);
        let mut expected = [Decimal::ZERO; 4];
        let mut achieved_pct = [None; 4];
        let mut achieved = [None; 4];
        for (i, p) in Pollutant::ALL.iter().enumerate() {
            expected[i] = m.reduction.get(*p);
            total_expected[i] += expected[i];
            // The worst (smallest) fall over the periods and monitors.
            achieved_pct[i] = checks
                .iter()
                .filter(|c| c.uscc == e.uscc && c.pollutant == p.zh())
                .filter_map(|c| c.compliance.achieved_pct)
                .min();
            achieved[i] = achieved_pct[i].map(|a| {
                (e.baseline.get(*p) * a.max(Decimal::ZERO) / Decimal::from(100)).round_dp(3)
            });
            if let Some(a) = achieved[i] {
                total_achieved[i] += a;
            }
        }
        let mine: Vec<&MonitorCheck> = checks.iter().filter(|c| c.uscc == e.uscc).collect();
        let compliant = if mine.iter().any(|c| c.compliance.compliant == Some(false)) {
            Some(false)
        } else if mine.iter().any(|c| c.compliance.compliant == Some(true)) {
            Some(true)
        } else {
            None
        };
        enterprises.push(EnterpriseOutcome {
            enterprise: e.name.clone(),
            grade: e.grade.zh().to_owned(),
            action: m.action.zh(),
            expected,
            achieved_pct,
            achieved,
            compliant,
        });
    }
    let (start, end) = match (periods.first(), periods.last()) {
        (Some(f), Some(l)) => (f.start, l.end.unwrap_or(now).min(now)),
        _ => (now, now),
    };
    let hours = start
        .until((jiff::Unit::Hour, end))
        .map(|s| i64::from(s.get_hours()))
        .unwrap_or(0);
    let aqi = match replay_forecast(store, &w.warning.area, start.date(), end.date(), config) {
        Ok(f) => (0..f.values().len())
            .map(|i| (f.time_of(i), f.values().get(i).copied()))
            .filter(|(t, _)| *t >= start && *t <= end)
            .collect(),
        Err(_) => Vec::new(),
    };
    let mns: std::collections::HashSet<&str> = list
        .enterprises
        .iter()
        .flat_map(|e| e.devices.iter().map(String::as_str))
        .collect();
    let (s, e) = (unix_s(start)?, unix_s(end)?);
    let alarms = store
        .alarms(&lantian_store::AlarmFilter {
            // Episodes starting by the end of the warning, filtered in SQL (the 1,000 newest
            // alarms of every kind used to be read, which missed older warnings' alarms).
            start_to: Some(e.saturating_add(1)),
            limit: 100_000,
            ..lantian_store::AlarmFilter::default()
        })?
        .into_iter()
        .filter(|a| mns.contains(a.mn.as_str()) && a.end >= s && a.start <= e)
        .map(|a| {
            (
                a.id,
                a.mn,
                a.kind.zh().to_owned(),
                a.state.as_str().to_owned(),
            )
        })
        .collect();
    Ok(Episode {
        warning: w.id,
        area: w.warning.area.clone(),
        periods,
        hours,
        enterprises,
        total_expected,
        total_achieved,
        aqi,
        alarms,
        checks,
    })
}

fn d(v: Option<Decimal>) -> String {
    v.map_or(String::new(), |v| v.round_dp(3).normalize().to_string())
}

/// The after-action report as sheets (概况, 企业减排, AQI, 报警), for the screen and a workbook.
/// The 企业减排 sheet ends with the total row, the sums of the rows above.
#[must_use]
pub fn episode_sheets(ep: &Episode) -> Vec<crate::Sheet> {
    use crate::{Sheet, Tabular};
    let t = |h: &[&str], rows: Vec<Vec<String>>| Tabular {
        headers: h.iter().map(|s| (*s).to_owned()).collect(),
        rows,
    };
    let mut summary = vec![
        vec!["预警编号".to_owned(), ep.warning.to_string()],
        vec!["区域".to_owned(), ep.area.clone()],
        vec!["持续小时".to_owned(), ep.hours.to_string()],
    ];
    for p in &ep.periods {
        summary.push(vec![
            format!("{}预警", p.level.zh()),
            format!(
                "{} 至 {}",
                p.start,
                p.end.map_or("仍在执行".to_owned(), |e| e.to_string())
            ),
        ]);
    }
    let measured = ep
        .checks
        .iter()
        .filter(|c| c.compliance.compliant.is_some())
        .count();
    let failed = ep
        .checks
        .iter()
        .filter(|c| c.compliance.compliant == Some(false))
        .count();
    summary.push(vec![
        "在线监测核查".to_owned(),
        format!("{measured} 项，未落实 {failed} 项"),
    ]);
    let mut rows = Vec::new();
    for e in &ep.enterprises {
        let mut r = vec![e.enterprise.clone(), e.grade.clone(), e.action.clone()];
        for i in 0..4 {
            r.push(d(Some(e.expected[i])));
            r.push(d(e.achieved[i]));
        }
        r.push(match e.compliant {
            Some(true) => "落实".to_owned(),
            Some(false) => "未落实".to_owned(),
            None => "未核查".to_owned(),
        });
        rows.push(r);
    }
    let mut total = vec!["合计".to_owned(), String::new(), String::new()];
    for i in 0..4 {
        total.push(d(Some(ep.total_expected[i])));
        total.push(d(Some(ep.total_achieved[i])));
    }
    total.push(String::new());
    rows.push(total);
    vec![
        Sheet {
            name: "概况".into(),
            table: t(&["项目", "内容"], summary),
        },
        Sheet {
            name: "企业减排".into(),
            table: t(
                &[
                    "企业",
                    "绩效等级",
                    "措施",
                    "应减SO2(kg/d)",
                    "实减SO2(kg/d)",
                    "应减NOx(kg/d)",
                    "实减NOx(kg/d)",
                    "应减颗粒物(kg/d)",
                    "实减颗粒物(kg/d)",
                    "应减VOCs(kg/d)",
                    "实减VOCs(kg/d)",
                    "结论",
                ],
                rows,
            ),
        },
        Sheet {
            name: "AQI".into(),
            table: t(
                &["时间", "日AQI（连续24小时）"],
                ep.aqi
                    .iter()
                    .map(|(t, v)| vec![t.to_string(), v.map_or(String::new(), |v| v.to_string())])
                    .collect(),
            ),
        },
        Sheet {
            name: "报警".into(),
            table: t(
                &["报警编号", "设备", "类型", "状态"],
                ep.alarms
                    .iter()
                    .map(|(id, mn, k, s)| vec![id.to_string(), mn.clone(), k.clone(), s.clone()])
                    .collect(),
            ),
        },
    ]
}
