//! Console pages of the action plan: 任务督办 (tasks with status, reminders), one task with its
//! reports (a department or town submits; the office accepts or returns), 指标 (indicators with
//! their progress; the responsible department records values) and 记分卡 (scorecards).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use lantian_plan::supervision::Party;
use serde::Deserialize;

use super::{Nav, PageUser, nav, page};
use crate::api::plan::{
    ReminderOut, ReportOut, TASK_STATUSES, reminders_for, status, task_detail, visible_status,
};
use crate::extract::Query;
use crate::{ApiError, AppState};

struct TaskLine {
    number: u32,
    heading: String,
    content: String,
    deadline: String,
    lead: String,
    cooperating: String,
    status: &'static str,
    status_key: &'static str,
    reports: usize,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    nav: Nav,
    title: String,
    code: String,
    today: String,
    counts: Vec<(&'static str, &'static str, usize)>,
    departments: Vec<String>,
    department: String,
    status: String,
    tasks: Vec<TaskLine>,
    /// Deadlines passed or near, one row each.
    deadlines: Vec<ReminderOut>,
    /// Missing reports per party: (party, how many, the latest period missing, its tasks).
    missing: Vec<(String, usize, String, String)>,
    missing_total: usize,
}

#[derive(Debug, Deserialize)]
pub(super) struct PlanQuery {
    department: Option<String>,
    status: Option<String>,
}

pub(super) async fn plan(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<PlanQuery>,
) -> Response {
    let nav = nav(&state, &user, "plan");
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            if let Some(x) = q.status.as_deref().filter(|x| !x.is_empty()) {
                crate::api::plan::task_status_param(x)?;
            }
            let s = visible_status(&st, store, &user)?;
            let dept = q
                .department
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| {
                    s.plan.department(d).map(|x| x.name.clone()).ok_or_else(|| {
                        ApiError::field(
                            "department",
                            format!("{d:?} is not a department of the plan"),
                        )
                    })
                })
                .transpose()?;
            let reminders = reminders_for(&s, &user);
            let mut heading = String::new();
            let mut tasks = Vec::new();
            for r in &s.tasks {
                if let Some(h) = &r.task.heading {
                    heading = h.clone();
                }
                if dept.as_ref().is_some_and(|d| !r.task.involves(d))
                    || q.status
                        .as_deref()
                        .is_some_and(|x| !x.is_empty() && x != r.status.as_str())
                {
                    continue;
                }
                tasks.push(TaskLine {
                    number: r.task.number,
                    heading: heading.clone(),
                    content: r.task.content.clone(),
                    deadline: r.task.deadline_text.clone(),
                    lead: r.task.lead.join("、"),
                    cooperating: r.task.cooperating.join("、"),
                    status: r.status.zh(),
                    status_key: r.status.as_str(),
                    reports: r.reports.len(),
                });
            }
            Ok(PlanPage {
                title: s.plan.meta.title.clone(),
                code: s.plan.meta.code.clone(),
                today: s.today.to_string(),
                counts: TASK_STATUSES
                    .iter()
                    .map(|k| {
                        (
                            k.as_str(),
                            k.zh(),
                            s.tasks.iter().filter(|t| t.status == *k).count(),
                        )
                    })
                    .collect(),
                departments: s
                    .plan
                    .departments
                    .iter()
                    .filter(|d| s.plan.tasks.iter().any(|t| t.involves(&d.name)))
                    .map(|d| d.name.clone())
                    .collect(),
                department: dept.unwrap_or_default(),
                status: q.status.clone().unwrap_or_default(),
                tasks,
                deadlines: reminders
                    .iter()
                    .filter(|r| r.kind != "missing_report")
                    .cloned()
                    .collect(),
                missing_total: reminders
                    .iter()
                    .filter(|r| r.kind == "missing_report")
                    .count(),
                missing: missing_by_party(&reminders),
                nav,
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "plan_task.html")]
struct TaskPage {
    nav: Nav,
    number: u32,
    measure_title: String,
    content: String,
    deadline: String,
    dated: bool,
    responsibility: String,
    lead: String,
    cooperating: String,
    status: String,
    status_key: String,
    reports: Vec<ReportOut>,
    may_report_as: String,
    may_review: bool,
    periods: Vec<String>,
    current_period: String,
}

pub(super) async fn task(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(number): Path<String>,
) -> Response {
    let Ok(n) = number.parse::<u32>() else {
        return ApiError::field("number", "not a task number").into_response();
    };
    let nav = nav(&state, &user, "plan");
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            let d = task_detail(&st, store, &user, n, true)?;
            let plan = crate::api::plan::active_plan(&st, store)?;
            let today = crate::api::plan::plan_today();
            let cycle = plan.1.meta.reporting;
            let rules = plan.1.meta.rules(today);
            let mut periods: Vec<String> = cycle
                .periods(rules.start, today)
                .into_iter()
                .map(|p| p.key)
                .collect();
            periods.reverse();
            Ok(TaskPage {
                number: d.task.number,
                measure_title: d.task.measure_title.clone(),
                content: d.task.content.clone(),
                deadline: d.task.deadline_text.clone(),
                dated: d.task.due.is_some(),
                responsibility: d.task.responsibility.clone(),
                lead: d.task.lead.join("、"),
                cooperating: d.task.cooperating.join("、"),
                status: d.task.status_zh.clone(),
                status_key: d.task.status.clone(),
                reports: d.reports,
                may_report_as: d.may_report_as.clone().unwrap_or_default(),
                may_review: user.actor.may_review_reports().is_ok(),
                current_period: cycle.period_of(today).key,
                periods,
                nav,
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

struct IndicatorLine {
    code: String,
    name: String,
    target: String,
    baseline: String,
    latest: String,
    expected: String,
    status: &'static str,
    status_key: &'static str,
    reason: String,
    responsible: String,
    text: String,
    mine: bool,
    values: String,
    baseline_year: String,
}

#[derive(Template)]
#[template(path = "plan_indicators.html")]
struct IndicatorsPage {
    nav: Nav,
    today: String,
    indicators: Vec<IndicatorLine>,
}

pub(super) async fn indicators(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Response {
    let nav = nav(&state, &user, "indicators");
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            let s = status(&st, store)?;
            let mine = match user.actor.party() {
                Some(lantian_core::Party::Department(d)) => Some(d.to_owned()),
                _ => None,
            };
            let num = |d: Option<rust_decimal::Decimal>| lantian_report::plan::num(d);
            Ok(IndicatorsPage {
                today: s.today.to_string(),
                indicators: s
                    .indicators
                    .iter()
                    .map(|r| {
                        let i = &r.indicator;
                        let p = &r.progress;
                        IndicatorLine {
                            code: i.code.clone(),
                            name: i.name.clone(),
                            target: format!(
                                "{}（{}前）",
                                lantian_report::plan::target_text(i),
                                i.deadline
                            ),
                            baseline: match (i.baseline_year, r.baseline, &i.source) {
                                (Some(y), Some(b), _) => format!("{y}年 {}", num(Some(b))),
                                (Some(y), None, lantian_plan::Source::Monitoring(_)) => {
                                    format!("{y}年 无监测数据")
                                }
                                (Some(y), None, lantian_plan::Source::Report) => {
                                    format!("{y}年 未填报")
                                }
                                (Some(y), None, lantian_plan::Source::Inventory(_)) => {
                                    format!("{y}年 无排放清单")
                                }
                                _ => String::new(),
                            },
                            latest: p
                                .latest
                                .map(|o| format!("{}（{}）", num(Some(o.value)), o.as_of))
                                .unwrap_or_default(),
                            expected: num(p.expected.map(|e| e.round_dp(2))),
                            status: p.status.zh(),
                            status_key: p.status.as_str(),
                            reason: p.reason.clone(),
                            responsible: i.responsible.join("、"),
                            text: i.text.clone(),
                            mine: matches!(i.source, lantian_plan::Source::Report)
                                && mine.as_ref().is_some_and(|m| i.responsible.contains(m)),
                            values: r
                                .values
                                .iter()
                                .map(|o| format!("{} {}", o.as_of, num(Some(o.value))))
                                .collect::<Vec<_>>()
                                .join("；"),
                            baseline_year: i
                                .baseline_year
                                .map(|y| y.to_string())
                                .unwrap_or_default(),
                        }
                    })
                    .collect(),
                nav,
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

struct CardLine {
    name: String,
    kind: &'static str,
    tasks: usize,
    done: usize,
    overdue: usize,
    due: usize,
    submitted: usize,
    on_time: usize,
    percent: String,
    returned: usize,
}

#[derive(Template)]
#[template(path = "plan_scorecards.html")]
struct ScorecardsPage {
    nav: Nav,
    today: String,
    cards: Vec<CardLine>,
}

pub(super) async fn scorecards(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Response {
    let nav = nav(&state, &user, "scorecards");
    let st = state.clone();
    let result = state
        .blocking(move |store| {
            let s = status(&st, store)?;
            Ok(ScorecardsPage {
                today: s.today.to_string(),
                cards: s
                    .scorecards
                    .iter()
                    .map(|c| CardLine {
                        name: c.party.name().to_owned(),
                        kind: match c.party {
                            Party::Department(_) => "部门",
                            Party::Town(_) => "区镇",
                        },
                        tasks: c.tasks,
                        done: c.done,
                        overdue: c.overdue,
                        due: c.reports_due,
                        submitted: c.reports_submitted,
                        on_time: c.reports_on_time,
                        percent: c.on_time_percent().unwrap_or_else(|| "—".into()),
                        returned: c.reports_returned,
                    })
                    .collect(),
                nav,
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}

/// Missing reports grouped by party, the parties with most first: (party, count, latest period,
/// the tasks of that period).
fn missing_by_party(reminders: &[ReminderOut]) -> Vec<(String, usize, String, String)> {
    let mut by: std::collections::BTreeMap<&str, Vec<&ReminderOut>> = Default::default();
    for r in reminders.iter().filter(|r| r.kind == "missing_report") {
        by.entry(r.party.as_str()).or_default().push(r);
    }
    let mut out: Vec<(String, usize, String, String)> = by
        .into_iter()
        .map(|(party, rs)| {
            let latest = rs
                .iter()
                .filter_map(|r| r.period.clone())
                .max()
                .unwrap_or_default();
            let tasks = rs
                .iter()
                .filter(|r| r.period.as_deref() == Some(latest.as_str()))
                .map(|r| r.task.to_string())
                .collect::<Vec<_>>()
                .join("、");
            (party.to_owned(), rs.len(), latest, tasks)
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}
