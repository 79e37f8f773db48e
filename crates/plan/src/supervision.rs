//! Task supervision (督办): reporting periods, each task's status, what is missing or due soon
//! (reminders), and scorecards per department and per town. Pure: reports come in as plain
//! records and "today" is an argument.
//!
//! The rules (docs/assumptions.md P5–P7):
//! * every lead department (牵头) reports on each of its tasks once per reporting period, from
//!   the plan's start until the task is done (an overdue task too); a report is due within
//!   `grace_days` after its period ends;
//! * towns report on the tasks listed in `[plan] town_tasks`, by the same rule;
//! * a report counts as on time if it was first submitted by the due day, even if the office
//!   returned it and it was resubmitted later;
//! * a dated task is done when the office accepts a report marking it completed (by a lead
//!   department); it is overdue when its deadline has passed without that.

use jiff::civil::Date;

use crate::Deadline;
use crate::model::{Plan, ReportingCycle, Task};

/// A reporting period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportPeriod {
    /// `2024-07` (monthly), `2024Q3` (quarterly) or `2024H2` (half-yearly).
    pub key: String,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
}

impl ReportingCycle {
    /// Months per period.
    fn months(self) -> i8 {
        match self {
            ReportingCycle::Monthly => 1,
            ReportingCycle::Quarterly => 3,
            ReportingCycle::Halfyearly => 6,
        }
    }

    /// The period containing `day`.
    pub fn period_of(self, day: Date) -> ReportPeriod {
        let n = self.months();
        let first_month = (day.month() - 1) / n * n + 1;
        let start = Date::new(day.year(), first_month, 1).unwrap_or(day);
        let end = start
            .checked_add(jiff::Span::new().months(i64::from(n)))
            .and_then(|d| d.yesterday())
            .unwrap_or(day);
        let key = match self {
            ReportingCycle::Monthly => format!("{}-{:02}", day.year(), first_month),
            ReportingCycle::Quarterly => format!("{}Q{}", day.year(), (first_month - 1) / 3 + 1),
            ReportingCycle::Halfyearly => format!("{}H{}", day.year(), (first_month - 1) / 6 + 1),
        };
        ReportPeriod { key, start, end }
    }

    /// The period of a key, if it is one of this cycle's.
    pub fn parse_key(self, key: &str) -> Option<ReportPeriod> {
        let start = match self {
            ReportingCycle::Monthly => {
                let (y, m) = key.split_once('-')?;
                Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?
            }
            ReportingCycle::Quarterly => {
                let (y, q) = key.split_once('Q')?;
                let q: i8 = q.parse().ok()?;
                if !(1..=4).contains(&q) {
                    return None;
                }
                Date::new(y.parse().ok()?, (q - 1) * 3 + 1, 1).ok()?
            }
            ReportingCycle::Halfyearly => {
                let (y, h) = key.split_once('H')?;
                let h: i8 = h.parse().ok()?;
                if !(1..=2).contains(&h) {
                    return None;
                }
                Date::new(y.parse().ok()?, (h - 1) * 6 + 1, 1).ok()?
            }
        };
        let p = self.period_of(start);
        (p.key == key).then_some(p)
    }

    /// Every period from the one containing `from` to the one containing `to`.
    pub fn periods(self, from: Date, to: Date) -> Vec<ReportPeriod> {
        let mut out = Vec::new();
        let mut p = self.period_of(from);
        while p.start <= to {
            let next = p.end.tomorrow();
            out.push(p);
            match next {
                Ok(d) => p = self.period_of(d),
                Err(_) => break,
            }
        }
        out
    }
}

/// Who reports: a department or a town.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// A department (canonical name).
    Department(String),
    /// A town.
    Town(String),
}

impl Party {
    /// The name.
    pub fn name(&self) -> &str {
        match self {
            Party::Department(n) | Party::Town(n) => n,
        }
    }
}

/// Where a report stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    /// 待审核: submitted (or resubmitted), waiting for the office.
    Submitted,
    /// 已退回: returned with a comment, to be resubmitted.
    Returned,
    /// 已通过: accepted.
    Accepted,
}

impl ReviewState {
    /// `submitted`, `returned`, `accepted`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Submitted => "submitted",
            ReviewState::Returned => "returned",
            ReviewState::Accepted => "accepted",
        }
    }

    /// Parses [`ReviewState::as_str`].
    pub fn parse(s: &str) -> Option<ReviewState> {
        Some(match s {
            "submitted" => ReviewState::Submitted,
            "returned" => ReviewState::Returned,
            "accepted" => ReviewState::Accepted,
            _ => return None,
        })
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            ReviewState::Submitted => "待审核",
            ReviewState::Returned => "已退回",
            ReviewState::Accepted => "已通过",
        }
    }
}

/// A step of a report's review (审核).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// 提交: a new report.
    Submit,
    /// 修改: a submitted report changed before review.
    Edit,
    /// 重新提交: a returned report submitted again.
    Resubmit,
    /// 退回: the office returns it with a comment.
    Return,
    /// 通过: the office accepts it.
    Accept,
}

impl ReviewAction {
    /// `submit`, `edit`, `resubmit`, `return`, `accept`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Submit => "submit",
            ReviewAction::Edit => "edit",
            ReviewAction::Resubmit => "resubmit",
            ReviewAction::Return => "return",
            ReviewAction::Accept => "accept",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            ReviewAction::Submit => "提交",
            ReviewAction::Edit => "修改",
            ReviewAction::Resubmit => "重新提交",
            ReviewAction::Return => "退回",
            ReviewAction::Accept => "通过",
        }
    }
}

/// What submitting a report does, given the stored report's state (`None`: there is none).
///
/// # Errors
///
/// An accepted report is final.
pub fn on_submit(current: Option<ReviewState>) -> Result<(ReviewAction, ReviewState), String> {
    match current {
        None => Ok((ReviewAction::Submit, ReviewState::Submitted)),
        Some(ReviewState::Submitted) => Ok((ReviewAction::Edit, ReviewState::Submitted)),
        Some(ReviewState::Returned) => Ok((ReviewAction::Resubmit, ReviewState::Submitted)),
        Some(ReviewState::Accepted) => Err("the report was accepted: it cannot change".to_owned()),
    }
}

/// What reviewing a report does: only a submitted report can be accepted or returned.
///
/// # Errors
///
/// A report not waiting for review.
pub fn on_review(
    current: ReviewState,
    accept: bool,
) -> Result<(ReviewAction, ReviewState), String> {
    match (current, accept) {
        (ReviewState::Submitted, true) => Ok((ReviewAction::Accept, ReviewState::Accepted)),
        (ReviewState::Submitted, false) => Ok((ReviewAction::Return, ReviewState::Returned)),
        (s, _) => Err(format!(
            "the report is {}: only a submitted report is reviewed",
            s.zh()
        )),
    }
}

/// A progress report, as supervision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    /// Task number.
    pub task: u32,
    /// Who reported.
    pub party: Party,
    /// Period key ([`ReportPeriod::key`]).
    pub period: String,
    /// Review state now.
    pub state: ReviewState,
    /// The report says the task is completed.
    pub completed: bool,
    /// Day of the first submission (Beijing).
    pub first_submitted: Date,
}

/// A task's status (任务状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// 未启动: no report yet.
    NotStarted,
    /// 推进中: reported, not completed.
    InProgress,
    /// 已完成: an accepted report marks it completed.
    Done,
    /// 逾期: the deadline passed without that.
    Overdue,
    /// 持续推进: an ongoing task.
    Ongoing,
}

impl TaskStatus {
    /// `not_started`, `in_progress`, `done`, `overdue`, `ongoing`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Overdue => "overdue",
            TaskStatus::Ongoing => "ongoing",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "未启动",
            TaskStatus::InProgress => "推进中",
            TaskStatus::Done => "已完成",
            TaskStatus::Overdue => "逾期",
            TaskStatus::Ongoing => "持续推进",
        }
    }
}

/// Supervision settings (from the plan file's `[plan]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The first day reports are due for.
    pub start: Date,
    /// Days after a period's end within which its report is on time.
    pub grace_days: i64,
    /// Days before a deadline from which it is approaching.
    pub remind_days: i64,
}

/// The due day of a period's report.
pub fn due_day(period: &ReportPeriod, rules: &Rules) -> Date {
    period
        .end
        .checked_add(jiff::Span::new().days(rules.grace_days))
        .unwrap_or(period.end)
}

/// Whether a report completes a task: an accepted report marking a dated task completed, from
/// one of its lead departments.
pub fn completes(task: &Task, r: &ReportRecord) -> bool {
    r.task == task.number
        && r.completed
        && r.state == ReviewState::Accepted
        && task.deadline != Deadline::Ongoing
        && matches!(&r.party, Party::Department(d) if task.lead.contains(d))
}

/// A task's status as of `today` from its reports.
pub fn task_status(task: &Task, reports: &[ReportRecord], today: Date) -> TaskStatus {
    let mine: Vec<&ReportRecord> = reports.iter().filter(|r| r.task == task.number).collect();
    let done = mine.iter().any(|r| completes(task, r));
    match task.deadline {
        Deadline::Ongoing => TaskStatus::Ongoing,
        Deadline::By(_) if done => TaskStatus::Done,
        Deadline::By(due) if today > due => TaskStatus::Overdue,
        Deadline::By(_) if mine.is_empty() => TaskStatus::NotStarted,
        Deadline::By(_) => TaskStatus::InProgress,
    }
}

/// One report that is expected: (task, party, period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Task number.
    pub task: u32,
    /// Who must report.
    pub party: Party,
    /// The period.
    pub period: ReportPeriod,
    /// When it is due.
    pub due: Date,
}

/// Every report expected by `today` (periods whose due day has come), for the parties the
/// plan names: each task's lead departments, and every town for `town_tasks`. A task expects no
/// reports for periods after the one in which it was done; an overdue task still does.
pub fn expected_reports(
    plan: &Plan,
    town_tasks: &[u32],
    reports: &[ReportRecord],
    rules: &Rules,
    today: Date,
) -> Vec<Expected> {
    let cycle = plan.meta.reporting;
    let mut out = Vec::new();
    for period in cycle.periods(rules.start, today) {
        let due = due_day(&period, rules);
        if due > today {
            continue;
        }
        for task in &plan.tasks {
            // Done before this period began: nothing more to report. (An overdue task goes on
            // being reported on until it is done.)
            let done_before = reports.iter().any(|r| {
                completes(task, r)
                    && cycle
                        .parse_key(&r.period)
                        .is_some_and(|p| p.end < period.start)
            });
            if done_before {
                continue;
            }
            let mut parties: Vec<Party> =
                task.lead.iter().cloned().map(Party::Department).collect();
            if town_tasks.contains(&task.number) {
                parties.extend(plan.towns.iter().map(|t| Party::Town(t.name.clone())));
            }
            for party in parties {
                out.push(Expected {
                    task: task.number,
                    party,
                    period: period.clone(),
                    due,
                });
            }
        }
    }
    out
}

/// A reminder (提醒).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reminder {
    /// A report that is due and was not submitted.
    MissingReport(Expected),
    /// A dated task not done whose deadline is within `remind_days` (or passed).
    Deadline {
        /// Task number.
        task: u32,
        /// Its lead departments.
        lead: Vec<String>,
        /// The deadline.
        due: Date,
        /// Days left (negative: overdue).
        days_left: i64,
    },
}

/// What to remind of as of `today`.
pub fn reminders(
    plan: &Plan,
    town_tasks: &[u32],
    reports: &[ReportRecord],
    rules: &Rules,
    today: Date,
) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = expected_reports(plan, town_tasks, reports, rules, today)
        .into_iter()
        .filter(|e| !submitted(reports, e))
        .map(Reminder::MissingReport)
        .collect();
    for task in &plan.tasks {
        let Deadline::By(due) = task.deadline else {
            continue;
        };
        if task_status(task, reports, today) == TaskStatus::Done {
            continue;
        }
        let left = today
            .until(due)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0);
        if left <= rules.remind_days {
            out.push(Reminder::Deadline {
                task: task.number,
                lead: task.lead.clone(),
                due,
                days_left: left,
            });
        }
    }
    out
}

fn submitted(reports: &[ReportRecord], e: &Expected) -> bool {
    reports
        .iter()
        .any(|r| r.task == e.task && r.party == e.party && r.period == e.period.key)
}

/// A party's record (考核记分卡).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scorecard {
    /// Who.
    pub party: Party,
    /// Tasks it leads (departments) or must report on (towns).
    pub tasks: usize,
    /// Of those with a deadline: done.
    pub done: usize,
    /// Of those with a deadline: overdue.
    pub overdue: usize,
    /// Reports due so far.
    pub reports_due: usize,
    /// Submitted (at any time).
    pub reports_submitted: usize,
    /// First submitted by the due day.
    pub reports_on_time: usize,
    /// Currently returned and not yet resubmitted.
    pub reports_returned: usize,
}

impl Scorecard {
    /// On-time share of the reports due, percent with one decimal (`None` when none were due).
    pub fn on_time_percent(&self) -> Option<String> {
        (self.reports_due > 0).then(|| {
            let tenths = (self.reports_on_time * 1000 + self.reports_due / 2) / self.reports_due;
            format!("{}.{}", tenths / 10, tenths % 10)
        })
    }
}

/// Scorecards of every department named as lead and of every town with `town_tasks`.
pub fn scorecards(
    plan: &Plan,
    town_tasks: &[u32],
    reports: &[ReportRecord],
    rules: &Rules,
    today: Date,
) -> Vec<Scorecard> {
    let expected = expected_reports(plan, town_tasks, reports, rules, today);
    let mut parties: Vec<Party> = plan
        .departments
        .iter()
        .filter(|d| plan.tasks.iter().any(|t| t.lead.contains(&d.name)))
        .map(|d| Party::Department(d.name.clone()))
        .collect();
    if !town_tasks.is_empty() {
        parties.extend(plan.towns.iter().map(|t| Party::Town(t.name.clone())));
    }
    parties
        .into_iter()
        .map(|party| {
            let tasks: Vec<&Task> = plan
                .tasks
                .iter()
                .filter(|t| match &party {
                    Party::Department(d) => t.lead.contains(d),
                    Party::Town(_) => town_tasks.contains(&t.number),
                })
                .collect();
            let statuses: Vec<TaskStatus> = tasks
                .iter()
                .map(|t| task_status(t, reports, today))
                .collect();
            let due: Vec<&Expected> = expected.iter().filter(|e| e.party == party).collect();
            let mut card = Scorecard {
                party: party.clone(),
                tasks: tasks.len(),
                done: statuses.iter().filter(|s| **s == TaskStatus::Done).count(),
                overdue: statuses
                    .iter()
                    .filter(|s| **s == TaskStatus::Overdue)
                    .count(),
                reports_due: due.len(),
                reports_submitted: 0,
                reports_on_time: 0,
                reports_returned: 0,
            };
            for e in &due {
                if let Some(r) = reports
                    .iter()
                    .find(|r| r.task == e.task && r.party == e.party && r.period == e.period.key)
                {
                    card.reports_submitted += 1;
                    if r.first_submitted <= e.due {
                        card.reports_on_time += 1;
                    }
                    if r.state == ReviewState::Returned {
                        card.reports_returned += 1;
                    }
                }
            }
            card
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jiff::civil::date;

    const PLAN: &str = r#"
[plan]
code = "t"
version = 1
title = "t"
district = "d"
reporting = "quarterly"

[[department]]
name = "甲局"

[[department]]
name = "乙局"

[[town]]
name = "一镇"
kind = "镇"

[[section]]
number = 1
numeral = "一"
title = "s"

[[measure]]
number = 1
section = 1
title = "m"
text = "m"

[[task]]
number = 1
measure = 1
content = "dated"
deadline = "2024年9月底"
responsibility = "甲局牵头，乙局配合"

[[task]]
number = 2
measure = 1
content = "ongoing"
deadline = "持续推进"
responsibility = "甲局、乙局按职责分工负责"
"#;

    fn plan() -> Plan {
        crate::load(PLAN).unwrap()
    }

    fn rules() -> Rules {
        Rules {
            start: date(2024, 4, 1),
            grace_days: 10,
            remind_days: 30,
        }
    }

    fn report(
        task: u32,
        dept: &str,
        period: &str,
        state: ReviewState,
        done: bool,
        on: Date,
    ) -> ReportRecord {
        ReportRecord {
            task,
            party: Party::Department(dept.into()),
            period: period.into(),
            state,
            completed: done,
            first_submitted: on,
        }
    }

    #[test]
    fn review_transitions() {
        assert_eq!(
            on_submit(None),
            Ok((ReviewAction::Submit, ReviewState::Submitted))
        );
        assert_eq!(
            on_submit(Some(ReviewState::Returned)),
            Ok((ReviewAction::Resubmit, ReviewState::Submitted))
        );
        assert_eq!(
            on_submit(Some(ReviewState::Submitted)),
            Ok((ReviewAction::Edit, ReviewState::Submitted))
        );
        assert!(on_submit(Some(ReviewState::Accepted)).is_err());
        assert_eq!(
            on_review(ReviewState::Submitted, false),
            Ok((ReviewAction::Return, ReviewState::Returned))
        );
        assert_eq!(
            on_review(ReviewState::Submitted, true),
            Ok((ReviewAction::Accept, ReviewState::Accepted))
        );
        assert!(on_review(ReviewState::Returned, true).is_err());
        assert!(on_review(ReviewState::Accepted, false).is_err());
    }

    #[test]
    fn periods_and_keys() {
        let q = ReportingCycle::Quarterly;
        let p = q.period_of(date(2024, 8, 15));
        assert_eq!(
            (p.key.as_str(), p.start, p.end),
            ("2024Q3", date(2024, 7, 1), date(2024, 9, 30))
        );
        assert_eq!(q.parse_key("2024Q3"), Some(p));
        assert_eq!(q.parse_key("2024Q5"), None);
        assert_eq!(q.parse_key("2024-07"), None);
        let m = ReportingCycle::Monthly.period_of(date(2024, 2, 10));
        assert_eq!((m.key.as_str(), m.end), ("2024-02", date(2024, 2, 29)));
        assert_eq!(ReportingCycle::Monthly.parse_key("2024-02"), Some(m));
        let h = ReportingCycle::Halfyearly.period_of(date(2024, 12, 31));
        assert_eq!((h.key.as_str(), h.start), ("2024H2", date(2024, 7, 1)));
        let all = q.periods(date(2024, 4, 1), date(2025, 1, 5));
        let keys: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["2024Q2", "2024Q3", "2024Q4", "2025Q1"]);
    }

    #[test]
    fn task_status_follows_reports_and_deadline() {
        let plan = plan();
        let t1 = plan.task(1).unwrap();
        let t2 = plan.task(2).unwrap();
        let day = date(2024, 8, 1);
        assert_eq!(task_status(t1, &[], day), TaskStatus::NotStarted);
        let sub = report(
            1,
            "甲局",
            "2024Q2",
            ReviewState::Submitted,
            true,
            date(2024, 7, 5),
        );
        assert_eq!(
            task_status(t1, std::slice::from_ref(&sub), day),
            TaskStatus::InProgress
        );
        // Completed only when the office accepts it, and only from a lead department.
        let acc = ReportRecord {
            state: ReviewState::Accepted,
            ..sub.clone()
        };
        assert_eq!(
            task_status(t1, std::slice::from_ref(&acc), day),
            TaskStatus::Done
        );
        let coop = ReportRecord {
            party: Party::Department("乙局".into()),
            ..acc.clone()
        };
        assert_eq!(task_status(t1, &[coop], day), TaskStatus::InProgress);
        // Past the deadline without completion: overdue.
        assert_eq!(
            task_status(t1, &[sub], date(2024, 10, 1)),
            TaskStatus::Overdue
        );
        assert_eq!(task_status(t2, &[], day), TaskStatus::Ongoing);
    }

    #[test]
    fn reminders_and_scorecards() {
        let plan = plan();
        let r = rules();
        // On 2024-10-11 the reports of Q2 (due 07-10) and Q3 (due 10-10) are due.
        let today = date(2024, 10, 11);
        let reports = vec![
            // 甲局: task 1 Q2 on time, returned; task 2 Q2 late; Q3 nothing.
            report(
                1,
                "甲局",
                "2024Q2",
                ReviewState::Returned,
                false,
                date(2024, 7, 10),
            ),
            report(
                2,
                "甲局",
                "2024Q2",
                ReviewState::Accepted,
                false,
                date(2024, 7, 11),
            ),
            // 乙局: task 2 both quarters on time.
            report(
                2,
                "乙局",
                "2024Q2",
                ReviewState::Accepted,
                false,
                date(2024, 7, 1),
            ),
            report(
                2,
                "乙局",
                "2024Q3",
                ReviewState::Submitted,
                false,
                date(2024, 10, 9),
            ),
        ];
        let exp = expected_reports(&plan, &[], &reports, &r, today);
        // Task 1 (甲局) Q2, Q3; task 2 (甲局, 乙局) Q2, Q3.
        assert_eq!(exp.len(), 6);
        let rem = reminders(&plan, &[], &reports, &r, today);
        let missing: Vec<(u32, &str, &str)> = rem
            .iter()
            .filter_map(|x| match x {
                Reminder::MissingReport(e) => Some((e.task, e.party.name(), e.period.key.as_str())),
                Reminder::Deadline { .. } => None,
            })
            .collect();
        assert_eq!(missing, [(1, "甲局", "2024Q3"), (2, "甲局", "2024Q3")]);
        // Task 1's deadline (09-30) has passed without completion.
        assert!(rem.iter().any(|x| matches!(
            x,
            Reminder::Deadline {
                task: 1,
                days_left: -11,
                ..
            }
        )));

        let cards = scorecards(&plan, &[], &reports, &r, today);
        let jia = cards.iter().find(|c| c.party.name() == "甲局").unwrap();
        assert_eq!((jia.tasks, jia.done, jia.overdue), (2, 0, 1));
        assert_eq!(
            (jia.reports_due, jia.reports_submitted, jia.reports_on_time),
            (4, 2, 1)
        );
        assert_eq!(jia.reports_returned, 1);
        assert_eq!(jia.on_time_percent().as_deref(), Some("25.0"));
        let yi = cards.iter().find(|c| c.party.name() == "乙局").unwrap();
        assert_eq!((yi.tasks, yi.reports_due, yi.reports_on_time), (1, 2, 2));
        assert_eq!(yi.on_time_percent().as_deref(), Some("100.0"));

        // A cooperating department's "completed" does not complete the task.
        let coop = vec![ReportRecord {
            party: Party::Department("乙局".into()),
            ..report(
                1,
                "甲局",
                "2024Q2",
                ReviewState::Accepted,
                true,
                date(2024, 7, 2),
            )
        }];
        let exp = expected_reports(&plan, &[], &coop, &r, today);
        assert!(exp.iter().any(|e| e.task == 1 && e.period.key == "2024Q3"));
        // Task 1 done in Q2: nothing more expected for it in Q3.
        let done = vec![report(
            1,
            "甲局",
            "2024Q2",
            ReviewState::Accepted,
            true,
            date(2024, 7, 2),
        )];
        let exp = expected_reports(&plan, &[], &done, &r, today);
        assert!(!exp.iter().any(|e| e.task == 1 && e.period.key == "2024Q3"));
        // Towns report on the tasks listed for them.
        let exp = expected_reports(&plan, &[2], &[], &r, today);
        assert_eq!(
            exp.iter()
                .filter(|e| matches!(e.party, Party::Town(_)))
                .count(),
            2
        );
    }
}
