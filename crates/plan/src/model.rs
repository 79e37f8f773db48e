//! The plan as data, after loading and validation: every name resolved, every deadline parsed,
//! each item with the line of the plan file it came from.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::Deadline;

/// An action plan (行动计划实施方案).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Identity and settings.
    pub meta: PlanMeta,
    /// Departments (责任部门), canonical names first.
    pub departments: Vec<Department>,
    /// Towns and sub-districts (区镇/街道) of the district.
    pub towns: Vec<Town>,
    /// Sections (一、二、…).
    pub sections: Vec<Section>,
    /// Measures ((一)…(二十四)).
    pub measures: Vec<Measure>,
    /// Tasks of the appendix (重点工作任务分解表).
    pub tasks: Vec<Task>,
    /// Quantitative targets (指标).
    pub indicators: Vec<Indicator>,
}

/// The plan's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMeta {
    /// A stable code (e.g. `haimen-aq-2024`): reports and values refer to it.
    pub code: String,
    /// The plan's version: raise it when the file changes in substance.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Its stage (征求意见稿, 印发稿, …).
    pub stage: String,
    /// The district it is for.
    pub district: String,
    /// The text of 总体要求 (the overall goal).
    pub goal: String,
    /// How often each responsible party reports on each task.
    pub reporting: ReportingCycle,
    /// The first day reports are due for (`None`: supervision starts when the plan is loaded).
    pub start: Option<Date>,
    /// Days after a period's end within which its report is on time.
    pub grace_days: u32,
    /// Days before a deadline from which it is "approaching".
    pub remind_days: u32,
    /// Tasks every town reports on too.
    pub town_tasks: Vec<u32>,
}

impl PlanMeta {
    /// The supervision rules, starting on `start` or else on `fallback`.
    pub fn rules(&self, fallback: Date) -> crate::supervision::Rules {
        crate::supervision::Rules {
            start: self.start.unwrap_or(fallback),
            grace_days: i64::from(self.grace_days),
            remind_days: i64::from(self.remind_days),
        }
    }
}

/// How often progress is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportingCycle {
    /// Every calendar month.
    Monthly,
    /// Every quarter.
    Quarterly,
    /// Every half year.
    Halfyearly,
}

/// A department (or a unit acting as one: the power company, a state enterprise, the bank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// The name the plan uses.
    pub name: String,
    /// Its full official name, if known.
    pub full_name: Option<String>,
    /// Other spellings the plan uses (e.g. 住房和城市建设局 for 住房和城乡建设局).
    pub aliases: Vec<String>,
}

/// A town or sub-district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Town {
    /// Name (海门街道).
    pub name: String,
    /// 镇, 街道, 园区, …
    pub kind: String,
}

/// A section of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 1…
    pub number: u32,
    /// Its numeral as written (一).
    pub numeral: String,
    /// Title.
    pub title: String,
}

/// A measure ((一) …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// 1…
    pub number: u32,
    /// Its section's number.
    pub section: u32,
    /// Title (the first sentence).
    pub title: String,
    /// The whole paragraph, verbatim.
    pub text: String,
}

/// A task of the appendix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// 序号.
    pub number: u32,
    /// Its measure's number.
    pub measure: u32,
    /// 重点工作任务 as written in the table (only on a measure's first row).
    pub heading: Option<String>,
    /// The task's content, verbatim.
    pub content: String,
    /// 完成时限, parsed.
    pub deadline: Deadline,
    /// 完成时限 as written.
    pub deadline_text: String,
    /// 责任分工 as written.
    pub responsibility: String,
    /// 牵头 (or jointly responsible) departments: canonical names.
    pub lead: Vec<String>,
    /// 配合 departments: canonical names.
    pub cooperating: Vec<String>,
    /// Departments not named take part (等, 各有关部门).
    pub others: bool,
    /// Line of the plan file.
    pub line: usize,
}

impl Task {
    /// Whether `department` is named for this task (leading or cooperating).
    pub fn involves(&self, department: &str) -> bool {
        self.lead
            .iter()
            .chain(&self.cooperating)
            .any(|d| d == department)
    }
}

/// What an indicator's target is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A level to reach (PM2.5 27 µg/m³, a utilisation rate of 95 %).
    Level,
    /// A change against the baseline year, in percent (−10 % vs 2020; doubling is +100).
    Change,
    /// A change against the previous year, in percent, every year (+10 %/year).
    AnnualGrowth,
    /// A number to reach within each calendar year (2 green factories a year).
    PerYear,
}

/// Which side of the target is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The value must not exceed the target.
    AtMost,
    /// The value must reach the target.
    AtLeast,
}

/// Where an indicator's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Computed by lantian from monitoring data; the name says which series (`pm25_annual`:
    /// the district's annual PM2.5 mean).
    Monitoring(String),
    /// Reported by the responsible department, with evidence.
    Report,
    /// Computed by lantian from the emission inventory: the pollutant's total of each year
    /// (`NOx`, `VOCs`, …).
    Inventory(String),
}

/// A quantitative target (指标).
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// A stable code (`pm25`, `nox_total`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit of the values (µg/m³, %, 吨, 台, …).
    pub unit: String,
    /// Kind of target.
    pub kind: IndicatorKind,
    /// Good side.
    pub direction: Direction,
    /// The target: a level, or a percentage for changes.
    pub target: Decimal,
    /// 左右 (about): how far past the target still counts as meeting it (0 for a firm target).
    pub tolerance: Decimal,
    /// 力争 (strive for): a soft target.
    pub strive: bool,
    /// The baseline year (for changes, and the start of a level's trajectory).
    pub baseline_year: Option<i16>,
    /// The baseline value, when the plan or the bureau states it.
    pub baseline: Option<Decimal>,
    /// The day by which the target is to be met.
    pub deadline: Date,
    /// Where values come from.
    pub source: Source,
    /// Who reports it (canonical department names).
    pub responsible: Vec<String>,
    /// The tasks it measures.
    pub tasks: Vec<u32>,
    /// The plan's words, verbatim.
    pub text: String,
    /// Line of the plan file.
    pub line: usize,
}

impl Plan {
    /// A task by number.
    pub fn task(&self, number: u32) -> Option<&Task> {
        self.tasks.iter().find(|t| t.number == number)
    }

    /// An indicator by code.
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// A measure by number.
    pub fn measure(&self, number: u32) -> Option<&Measure> {
        self.measures.iter().find(|m| m.number == number)
    }

    /// The canonical name of a department or one of its aliases.
    pub fn department(&self, name: &str) -> Option<&Department> {
        self.departments
            .iter()
            .find(|d| d.name == name || d.aliases.iter().any(|a| a == name))
    }

    /// Whether `name` is one of the towns.
    pub fn has_town(&self, name: &str) -> bool {
        self.towns.iter().any(|t| t.name == name)
    }
}
