//! Loading a plan file (TOML): parse, then validate everything, collecting every error with
//! its line. See `config/plans/haimen.toml` for the layout.

use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::model::{
    Department, Direction, Indicator, IndicatorKind, Measure, Plan, PlanMeta, ReportingCycle,
    Section, Source, Task, Town,
};
use crate::{Deadline, responsibility};

/// One problem in a plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// 1-based line (0 when the problem has no place, e.g. a missing table).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// Every problem found in a plan file, in line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanErrors(pub Vec<PlanError>);

impl fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    plan: RawMeta,
    #[serde(default, rename = "department")]
    departments: Vec<Spanned<RawDepartment>>,
    #[serde(default, rename = "town")]
    towns: Vec<Spanned<RawTown>>,
    #[serde(default, rename = "section")]
    sections: Vec<Spanned<RawSection>>,
    #[serde(default, rename = "measure")]
    measures: Vec<Spanned<RawMeasure>>,
    #[serde(default, rename = "task")]
    tasks: Vec<Spanned<RawTask>>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<Spanned<RawIndicator>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    code: String,
    version: u32,
    title: String,
    #[serde(default)]
    stage: String,
    district: String,
    #[serde(default)]
    goal: String,
    reporting: ReportingCycle,
    /// First day reports are due for, `YYYY-MM-DD`.
    start: Option<String>,
    #[serde(default = "default_grace_days")]
    grace_days: u32,
    #[serde(default = "default_remind_days")]
    remind_days: u32,
    #[serde(default)]
    town_tasks: Vec<u32>,
}

fn default_remind_days() -> u32 {
    30
}

fn default_grace_days() -> u32 {
    10
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDepartment {
    name: String,
    full_name: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTown {
    name: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    number: u32,
    numeral: String,
    title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    number: u32,
    section: u32,
    title: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    number: u32,
    measure: u32,
    heading: Option<String>,
    content: String,
    deadline: String,
    responsibility: String,
    lead: Option<Vec<Spanned<String>>>,
    cooperating: Option<Vec<Spanned<String>>>,
    others: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: String,
    name: String,
    unit: String,
    kind: IndicatorKind,
    direction: Direction,
    target: String,
    #[serde(default)]
    about: bool,
    tolerance: Option<String>,
    #[serde(default)]
    strive: bool,
    baseline_year: Option<i16>,
    baseline: Option<String>,
    deadline: String,
    source: String,
    #[serde(default)]
    responsible: Vec<Spanned<String>>,
    #[serde(default)]
    tasks: Vec<u32>,
    text: String,
}

/// Line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Loads and validates a plan file's text.
///
/// # Errors
///
/// Every problem found, each with its line: TOML syntax, unknown or missing fields, duplicate
/// numbers or names, references to measures, sections, tasks or departments that do not
/// exist, deadlines and numbers that do not parse, tasks without a lead department.
pub fn load(text: &str) -> Result<Plan, PlanErrors> {
    let raw: RawPlan = toml::from_str(text).map_err(|e| {
        PlanErrors(vec![PlanError {
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().trim().to_owned(),
        }])
    })?;
    let mut errors = Vec::new();
    let mut err = |line: usize, message: String| errors.push(PlanError { line, message });
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);

    let m = raw.plan;
    if m.code.trim().is_empty() {
        err(0, "plan.code is empty".to_owned());
    }
    let start = match &m.start {
        None => None,
        Some(s) => match s.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                err(0, format!("plan.start {s:?} is not a date (YYYY-MM-DD)"));
                None
            }
        },
    };
    if m.grace_days > 366 {
        err(0, format!("plan.grace_days {}: at most 366", m.grace_days));
    }
    if m.remind_days > 3660 {
        err(
            0,
            format!("plan.remind_days {}: at most 3660", m.remind_days),
        );
    }
    for t in &m.town_tasks {
        if !raw.tasks.iter().any(|x| x.get_ref().number == *t) {
            err(0, format!("plan.town_tasks: no task {t}"));
        }
    }

    // Departments and their aliases: every spelling unique.
    let mut spellings = HashSet::new();
    let mut departments = Vec::new();
    for d in &raw.departments {
        let line = at(d.span());
        let d = d.get_ref();
        for s in std::iter::once(&d.name).chain(&d.aliases) {
            if s.trim().is_empty() {
                err(line, "a department name is empty".to_owned());
            } else if !spellings.insert(s.clone()) {
                err(line, format!("department {s:?} is listed twice"));
            }
        }
        departments.push(Department {
            name: d.name.clone(),
            full_name: d.full_name.clone(),
            aliases: d.aliases.clone(),
        });
    }
    let canonical = |name: &str| -> Option<String> {
        departments
            .iter()
            .find(|d| d.name == name || d.aliases.iter().any(|a| a == name))
            .map(|d| d.name.clone())
    };

    let mut towns = Vec::new();
    let mut town_names = HashSet::new();
    for t in &raw.towns {
        let line = at(t.span());
        let t = t.get_ref();
        if !town_names.insert(t.name.clone()) {
            err(line, format!("town {:?} is listed twice", t.name));
        }
        towns.push(Town {
            name: t.name.clone(),
            kind: t.kind.clone(),
        });
    }

    let mut sections = Vec::new();
    for s in &raw.sections {
        let line = at(s.span());
        let s = s.get_ref();
        if sections.iter().any(|x: &Section| x.number == s.number) {
            err(line, format!("section {} is listed twice", s.number));
        }
        sections.push(Section {
            number: s.number,
            numeral: s.numeral.clone(),
            title: s.title.clone(),
        });
    }

    let mut measures = Vec::new();
    for x in &raw.measures {
        let line = at(x.span());
        let x = x.get_ref();
        if measures.iter().any(|y: &Measure| y.number == x.number) {
            err(line, format!("measure {} is listed twice", x.number));
        }
        if !sections.iter().any(|s| s.number == x.section) {
            err(
                line,
                format!("measure {}: no section {}", x.number, x.section),
            );
        }
        measures.push(Measure {
            number: x.number,
            section: x.section,
            title: x.title.clone(),
            text: x.text.clone(),
        });
    }

    let mut tasks: Vec<Task> = Vec::new();
    for t in &raw.tasks {
        let line = at(t.span());
        let t = t.get_ref();
        let name = format!("task {}", t.number);
        if tasks.iter().any(|x| x.number == t.number) {
            err(line, format!("{name} is listed twice"));
        }
        if !measures.iter().any(|x| x.number == t.measure) {
            err(line, format!("{name}: no measure {}", t.measure));
        }
        if t.content.trim().is_empty() {
            err(line, format!("{name}: content is empty"));
        }
        let deadline = match Deadline::parse(&t.deadline) {
            Ok(d) => d,
            Err(e) => {
                err(line, format!("{name}: {e}"));
                Deadline::Ongoing
            }
        };
        // Departments: as listed, else as read from the responsibility text.
        let parsed = responsibility::parse(&t.responsibility);
        let mut resolve = |list: &Option<Vec<Spanned<String>>>, derived: &[String]| {
            let mut out = Vec::new();
            let named: Vec<(usize, String)> = match list {
                Some(l) => l
                    .iter()
                    .map(|s| (at(s.span()), s.get_ref().clone()))
                    .collect(),
                None => derived.iter().map(|s| (line, s.clone())).collect(),
            };
            for (l, n) in named {
                match canonical(&n) {
                    Some(c) => out.push(c),
                    None => err(l, format!("{name}: unknown department {n:?}")),
                }
            }
            out
        };
        let lead = resolve(&t.lead, &parsed.lead);
        let cooperating = resolve(&t.cooperating, &parsed.cooperating);
        if lead.is_empty() && t.lead.as_ref().is_none_or(|l| l.is_empty()) {
            err(line, format!("{name}: no lead department (牵头)"));
        }
        tasks.push(Task {
            number: t.number,
            measure: t.measure,
            heading: t.heading.clone(),
            content: t.content.clone(),
            deadline,
            deadline_text: t.deadline.clone(),
            responsibility: t.responsibility.clone(),
            lead,
            cooperating,
            others: t.others.unwrap_or(parsed.others),
            line,
        });
    }

    let mut indicators: Vec<Indicator> = Vec::new();
    for i in &raw.indicators {
        let line = at(i.span());
        let i = i.get_ref();
        let name = format!("indicator {}", i.code);
        if indicators.iter().any(|x| x.code == i.code) {
            err(line, format!("{name} is listed twice"));
        }
        let number = |field: &str, v: &str| -> Result<Decimal, String> {
            v.trim()
                .parse::<Decimal>()
                .map_err(|_| format!("{name}: {field} {v:?} is not a number"))
        };
        let target = number("target", &i.target).unwrap_or_else(|e| {
            err(line, e);
            Decimal::ZERO
        });
        if !crate::indicator::in_range(target) {
            err(line, format!("{name}: target out of range"));
        }
        if matches!(i.kind, IndicatorKind::Change | IndicatorKind::AnnualGrowth)
            && target <= Decimal::from(-100)
        {
            err(line, format!("{name}: a change must be above -100 %"));
        }
        let tolerance = match (&i.tolerance, i.about) {
            (Some(t), _) => number("tolerance", t).unwrap_or_else(|e| {
                err(line, e);
                Decimal::ZERO
            }),
            // 左右: half a unit of the target's last written digit.
            (None, true) => Decimal::new(5, target.scale() + 1),
            (None, false) => Decimal::ZERO,
        };
        let baseline = i
            .baseline
            .as_deref()
            .and_then(|b| number("baseline", b).map_err(|e| err(line, e.clone())).ok());
        if baseline.is_some_and(|b| !crate::indicator::in_range(b)) {
            err(line, format!("{name}: baseline out of range"));
        }
        if tolerance.is_sign_negative() || !crate::indicator::in_range(tolerance) {
            err(line, format!("{name}: tolerance must be 0 or more"));
        }
        if matches!(i.kind, IndicatorKind::Change) && i.baseline_year.is_none() {
            err(line, format!("{name}: a change needs baseline_year"));
        }
        let deadline = match Deadline::parse(&i.deadline) {
            Ok(Deadline::By(d)) => d,
            Ok(Deadline::Ongoing) => {
                err(line, format!("{name}: a target needs a dated deadline"));
                jiff::civil::Date::MAX
            }
            Err(e) => {
                err(line, format!("{name}: {e}"));
                jiff::civil::Date::MAX
            }
        };
        let source = match i.source.split_once(':') {
            Some(("monitoring", series)) if !series.is_empty() => {
                Source::Monitoring(series.to_owned())
            }
            Some(("inventory", pollutant)) if !pollutant.is_empty() => {
                Source::Inventory(pollutant.to_owned())
            }
            None if i.source == "report" => Source::Report,
            _ => {
                err(
                    line,
                    format!(
                        "{name}: source {:?}: use \"report\", \"monitoring:SERIES\" or \"inventory:POLLUTANT\"",
                        i.source
                    ),
                );
                Source::Report
            }
        };
        let mut responsible = Vec::new();
        for r in &i.responsible {
            match canonical(r.get_ref()) {
                Some(c) => responsible.push(c),
                None => err(
                    at(r.span()),
                    format!("{name}: unknown department {:?}", r.get_ref()),
                ),
            }
        }
        if responsible.is_empty() && i.responsible.is_empty() {
            err(line, format!("{name}: no responsible department"));
        }
        for t in &i.tasks {
            if !raw.tasks.iter().any(|x| x.get_ref().number == *t) {
                err(line, format!("{name}: no task {t}"));
            }
        }
        indicators.push(Indicator {
            code: i.code.clone(),
            name: i.name.clone(),
            unit: i.unit.clone(),
            kind: i.kind,
            direction: i.direction,
            target,
            tolerance,
            strive: i.strive,
            baseline_year: i.baseline_year,
            baseline,
            deadline,
            source,
            responsible,
            tasks: i.tasks.clone(),
            text: i.text.clone(),
            line,
        });
    }

    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(PlanErrors(errors));
    }
    Ok(Plan {
        meta: PlanMeta {
            code: m.code,
            version: m.version,
            title: m.title,
            stage: m.stage,
            district: m.district,
            goal: m.goal,
            reporting: m.reporting,
            start,
            grace_days: m.grace_days,
            remind_days: m.remind_days,
            town_tasks: m.town_tasks,
        },
        departments,
        towns,
        sections,
        measures,
        tasks,
        indicators,
    })
}
