//! Where the plan stands, from the store: each task's status and latest reports, each
//! indicator's values and progress (PM2.5 computed from the monitoring data), scorecards and
//! reminders; and the workbook in the layout of the plan's own table (重点工作任务分解表).

use std::collections::BTreeMap;

use jiff::civil::Date;
use lantian_aq::assess::Period;
use lantian_aq::{Concentration, Config, Pollutant};
use lantian_plan::indicator::{Observation, Progress, progress};
use lantian_plan::supervision::{
    Party, Reminder, ReportRecord, ReviewState, Scorecard, TaskStatus, reminders, scorecards,
    task_status,
};
use lantian_plan::{Deadline, Indicator, Plan, Source, Task};
use lantian_store::{Store, TaskReportFilter, TaskReportRecord};
use rust_decimal::Decimal;

use crate::{ReportError, Scope, Sheet, Tabular, build};

/// A task with its status and reports.
#[derive(Debug, Clone)]
pub struct TaskRow {
    /// The task.
    pub task: Task,
    /// Its status.
    pub status: TaskStatus,
    /// Every stored report of the task, by period and party.
    pub reports: Vec<TaskReportRecord>,
}

/// An indicator with its values and progress.
#[derive(Debug, Clone)]
pub struct IndicatorRow {
    /// The indicator.
    pub indicator: Indicator,
    /// Values by date (the latest correction of each date; computed ones for monitoring).
    pub values: Vec<Observation>,
    /// The baseline value used.
    pub baseline: Option<Decimal>,
    /// The judgement.
    pub progress: Progress,
}

/// The plan's state as of a day.
#[derive(Debug, Clone)]
pub struct PlanStatus {
    /// The plan.
    pub plan: Plan,
    /// The day.
    pub today: Date,
    /// Tasks in order.
    pub tasks: Vec<TaskRow>,
    /// Indicators in order.
    pub indicators: Vec<IndicatorRow>,
    /// Departments' and towns' scorecards.
    pub scorecards: Vec<Scorecard>,
    /// Missing reports and approaching deadlines.
    pub reminders: Vec<Reminder>,
}

/// A stored report in supervision's terms (its first submission's day in Beijing time).
pub fn report_record(r: &TaskReportRecord) -> ReportRecord {
    ReportRecord {
        task: u32::try_from(r.report.task).unwrap_or(0),
        party: if r.report.party_kind == "town" {
            Party::Town(r.report.party.clone())
        } else {
            Party::Department(r.report.party.clone())
        },
        period: r.report.period.clone(),
        state: r.state,
        completed: r.report.completed,
        first_submitted: beijing_date(r.first_submitted_at_ms),
    }
}

/// Unix milliseconds of 00:00 Beijing time on `d` (the start of a Beijing day).
pub fn beijing_midnight_ms(d: Date) -> Result<i64, ReportError> {
    Ok(
        d.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))?
            .timestamp()
            .as_millisecond(),
    )
}

/// The Beijing date of Unix milliseconds.
pub fn beijing_date(ms: i64) -> Date {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
                .date()
        })
        .unwrap_or(Date::MIN)
}

/// The annual PM2.5 mean of an area for `year` (year to date when `today` is inside it), as
/// the HJ 663 assessment reports it; `None` without valid data.
pub fn pm25_annual(
    store: &Store,
    area: &str,
    year: i16,
    today: Date,
    config: &Config,
) -> Result<Option<Decimal>, ReportError> {
    let Some(period) = pm25_period(year, today) else {
        return Ok(None);
    };
    let zero = Concentration::ZERO;
    let r = build(store, Scope::area(store, area)?, period, zero, zero, config)?;
    Ok(pm25_of(&r))
}

/// The period of [`pm25_annual`] for `year`: the calendar year, or 1 January to `today` in the
/// current year; `None` for a year that has not begun.
pub fn pm25_period(year: i16, today: Date) -> Option<Period> {
    let first = Date::new(year, 1, 1).ok()?;
    if first > today {
        None
    } else if today.year() == year {
        Some(Period::Range(first, today))
    } else {
        Some(Period::Year(year))
    }
}

/// A report's PM2.5 mean as published.
pub fn pm25_of(r: &crate::Report) -> Option<Decimal> {
    r.pollutants
        .iter()
        .find(|p| p.pollutant == Pollutant::Pm25.code())
        .and_then(|p| p.mean.as_deref())
        .and_then(|m| m.parse().ok())
}

/// A monitoring series' value for a year: `(series, year) → value` (see [`pm25_annual`]).
pub type MonitoringSeries<'a> = dyn Fn(&str, i16) -> Result<Option<Decimal>, ReportError> + 'a;

/// The monitoring series lantian computes, for an area: `pm25_annual`.
pub fn area_series<'a>(
    store: &'a Store,
    area: &'a str,
    today: Date,
    config: &'a Config,
) -> impl Fn(&str, i16) -> Result<Option<Decimal>, ReportError> + 'a {
    move |series, year| match series {
        "pm25_annual" => match pm25_annual(store, area, year, today, config) {
            // An area not in the store has no monitoring values (the status says so).
            Err(ReportError::NotFound(_)) => Ok(None),
            other => other,
        },
        _ => Ok(None),
    }
}

/// Builds the plan's status as of `today`; monitoring-sourced indicators take each year's value
/// from the baseline year to `today`'s from `monitoring`.
pub fn plan_status(
    store: &Store,
    plan: &Plan,
    today: Date,
    monitoring: &MonitoringSeries<'_>,
) -> Result<PlanStatus, ReportError> {
    let code = &plan.meta.code;
    let stored = store.task_reports(&TaskReportFilter {
        plan_code: code.clone(),
        ..TaskReportFilter::default()
    })?;
    let records: Vec<ReportRecord> = stored.iter().map(report_record).collect();
    let tasks = plan
        .tasks
        .iter()
        .map(|t| TaskRow {
            task: t.clone(),
            status: task_status(t, &records, today),
            reports: stored
                .iter()
                .filter(|r| r.report.task == i64::from(t.number))
                .cloned()
                .collect(),
        })
        .collect();

    let values = store.indicator_values(code)?;
    let mut indicators = Vec::new();
    for ind in &plan.indicators {
        let (obs, baseline) = match &ind.source {
            Source::Monitoring(_) | Source::Inventory(_) => {
                // Computed: each year's value from the baseline year on (the monitoring
                // series, or the total of the year's inventory in force); the baseline year's
                // is the baseline.
                let value = |y: i16| match &ind.source {
                    Source::Monitoring(series) => monitoring(series, y),
                    Source::Inventory(p) => crate::inventory::year_total(store, p, i32::from(y)),
                    Source::Report => Ok(None),
                };
                let from = ind.baseline_year.unwrap_or(today.year());
                let mut obs = Vec::new();
                let mut baseline = None;
                for y in from..=today.year() {
                    let Some(v) = value(y)? else {
                        continue;
                    };
                    if Some(y) == ind.baseline_year {
                        baseline = Some(v);
                    }
                    let as_of = Date::new(y, 12, 31)?.min(today);
                    obs.push(Observation { as_of, value: v });
                }
                (obs, baseline)
            }
            _ => {
                // The latest row of each date counts; the baseline row gives the baseline.
                let mut by_date: BTreeMap<String, (Decimal, bool)> = BTreeMap::new();
                for v in values.iter().filter(|v| v.value.indicator == ind.code) {
                    if let Ok(d) = v.value.value.parse::<Decimal>() {
                        by_date.insert(v.value.as_of.clone(), (d, v.value.baseline));
                    }
                }
                let mut baseline = None;
                let mut obs = Vec::new();
                for (date, (value, is_base)) in by_date {
                    let Ok(as_of) = date.parse::<Date>() else {
                        continue;
                    };
                    if is_base {
                        baseline = Some(value);
                    } else {
                        obs.push(Observation { as_of, value });
                    }
                }
                (obs, baseline)
            }
        };
        let p = progress(ind, baseline, &obs, today);
        indicators.push(IndicatorRow {
            indicator: ind.clone(),
            values: obs,
            baseline: ind.baseline.or(baseline),
            progress: p,
        });
    }

    let rules = plan.meta.rules(today);
    Ok(PlanStatus {
        plan: plan.clone(),
        today,
        tasks,
        indicators,
        scorecards: scorecards(plan, &plan.meta.town_tasks, &records, &rules, today),
        reminders: reminders(plan, &plan.meta.town_tasks, &records, &rules, today),
    })
}

/// A decimal for a table cell (trailing zeros dropped).
pub fn num(d: Option<Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

/// The tasks in the plan's table layout, with their status and review.
pub fn task_table(s: &PlanStatus) -> Tabular {
    let headers = [
        "序号",
        "重点工作任务",
        "工作内容",
        "完成时限",
        "责任分工",
        "牵头",
        "配合",
        "状态",
        "报告",
        "最近审核",
    ];
    let mut heading = String::new();
    let rows = s
        .tasks
        .iter()
        .map(|t| {
            if let Some(h) = &t.task.heading {
                heading = h.clone();
            }
            let accepted = t
                .reports
                .iter()
                .filter(|r| r.state == ReviewState::Accepted)
                .count();
            let last = t
                .reports
                .iter()
                .max_by_key(|r| r.updated_at_ms)
                .map(|r| format!("{} {} {}", r.report.period, r.report.party, r.state.zh()))
                .unwrap_or_default();
            vec![
                t.task.number.to_string(),
                heading.clone(),
                t.task.content.clone(),
                t.task.deadline_text.clone(),
                t.task.responsibility.clone(),
                t.task.lead.join("、"),
                t.task.cooperating.join("、"),
                t.status.zh().to_owned(),
                format!("{} 份，已通过 {accepted}", t.reports.len()),
                last,
            ]
        })
        .collect();
    Tabular {
        headers: headers.map(str::to_owned).to_vec(),
        rows,
    }
}

/// The indicators with their progress.
pub fn indicator_table(s: &PlanStatus) -> Tabular {
    let headers = [
        "指标",
        "单位",
        "目标",
        "基准年",
        "基准值",
        "期限",
        "最新值",
        "数据日期",
        "目标值",
        "按进度应达",
        "状态",
        "说明",
        "责任部门",
        "原文",
    ];
    let rows = s
        .indicators
        .iter()
        .map(|r| {
            let i = &r.indicator;
            let p = &r.progress;
            vec![
                i.name.clone(),
                i.unit.clone(),
                target_text(i),
                i.baseline_year.map(|y| y.to_string()).unwrap_or_default(),
                num(r.baseline),
                i.deadline.to_string(),
                num(p.latest.map(|o| o.value)),
                p.latest.map(|o| o.as_of.to_string()).unwrap_or_default(),
                num(p.goal.map(|g| g.round_dp(2))),
                num(p.expected.map(|e| e.round_dp(2))),
                p.status.zh().to_owned(),
                p.reason.clone(),
                i.responsible.join("、"),
                i.text.clone(),
            ]
        })
        .collect();
    Tabular {
        headers: headers.map(str::to_owned).to_vec(),
        rows,
    }
}

/// An indicator's target in words.
pub fn target_text(i: &Indicator) -> String {
    use lantian_plan::{Direction, IndicatorKind};
    let t = i.target.normalize();
    let about = if i.tolerance.is_zero() { "" } else { "左右" };
    let strive = if i.strive { "力争" } else { "" };
    match (i.kind, i.direction) {
        (IndicatorKind::Level, Direction::AtMost) => format!("{strive}≤{t}{}{about}", i.unit),
        (IndicatorKind::Level, Direction::AtLeast) => format!("{strive}≥{t}{}{about}", i.unit),
        (IndicatorKind::Change, _) => format!(
            "{strive}较{}年{}{}%{about}",
            i.baseline_year.unwrap_or_default(),
            if t.is_sign_negative() { "" } else { "+" },
            t
        ),
        (IndicatorKind::AnnualGrowth, _) => format!("{strive}年均增长≥{t}%"),
        (IndicatorKind::PerYear, _) => format!("{strive}每年≥{t}{}", i.unit),
    }
}

/// Scorecards as a table.
pub fn scorecard_table(s: &PlanStatus) -> Tabular {
    let headers = [
        "单位",
        "类别",
        "牵头任务",
        "已完成",
        "逾期",
        "应报",
        "已报",
        "按时",
        "按时率(%)",
        "被退回待改",
    ];
    let rows = s
        .scorecards
        .iter()
        .map(|c| {
            vec![
                c.party.name().to_owned(),
                match c.party {
                    Party::Department(_) => "部门",
                    Party::Town(_) => "区镇",
                }
                .to_owned(),
                c.tasks.to_string(),
                c.done.to_string(),
                c.overdue.to_string(),
                c.reports_due.to_string(),
                c.reports_submitted.to_string(),
                c.reports_on_time.to_string(),
                c.on_time_percent().unwrap_or_default(),
                c.reports_returned.to_string(),
            ]
        })
        .collect();
    Tabular {
        headers: headers.map(str::to_owned).to_vec(),
        rows,
    }
}

/// Reminders as a table.
pub fn reminder_table(s: &PlanStatus) -> Tabular {
    let rows = s
        .reminders
        .iter()
        .map(|r| match r {
            Reminder::MissingReport(e) => vec![
                "未报送".to_owned(),
                e.task.to_string(),
                e.party.name().to_owned(),
                e.period.key.clone(),
                e.due.to_string(),
                String::new(),
            ],
            Reminder::Deadline {
                task,
                lead,
                due,
                days_left,
            } => vec![
                if *days_left < 0 {
                    "已逾期"
                } else {
                    "临近期限"
                }
                .to_owned(),
                task.to_string(),
                lead.join("、"),
                String::new(),
                due.to_string(),
                days_left.to_string(),
            ],
        })
        .collect();
    Tabular {
        headers: ["提醒", "任务", "责任单位", "报告期", "期限", "剩余天数"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    }
}

/// The whole status as a workbook's sheets.
pub fn plan_sheets(s: &PlanStatus) -> Vec<Sheet> {
    vec![
        Sheet {
            name: "重点工作任务分解表".to_owned(),
            table: task_table(s),
        },
        Sheet {
            name: "指标".to_owned(),
            table: indicator_table(s),
        },
        Sheet {
            name: "记分卡".to_owned(),
            table: scorecard_table(s),
        },
        Sheet {
            name: "提醒".to_owned(),
            table: reminder_table(s),
        },
    ]
}

/// Whether a task's deadline is a date (for display).
pub fn is_dated(t: &Task) -> bool {
    matches!(t.deadline, Deadline::By(_))
}
