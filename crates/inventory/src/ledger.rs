//! An inventory year (清单年份): its sources (point sources with their enterprise and monitors,
//! area sources by town, mobile sources), one record per source and pollutant (activity, factor
//! with its reference, control and removal efficiency, or a measured total), and the reduction
//! projects. `compute` gives each record's emission or refuses the whole year with every bad
//! row named: nothing is computed from a bad row.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::category::Categories;
use crate::library::Library;
use crate::pollutant::Pollutant;
use crate::unit::{self, FactorUnit};

/// 点源, 面源, 移动源.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// 点源: an enterprise's stack or workshop.
    Point,
    /// 面源: a category counted over a town (households, fields, sites, restaurants).
    Area,
    /// 移动源: vehicles, machinery, ships.
    Mobile,
}

impl SourceKind {
    /// 点源, 面源, 移动源.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            SourceKind::Point => "点源",
            SourceKind::Area => "面源",
            SourceKind::Mobile => "移动源",
        }
    }

    /// From 点源/面源/移动源 or point/area/mobile.
    #[must_use]
    pub fn parse(s: &str) -> Option<SourceKind> {
        match s.trim() {
            "点源" | "point" => Some(SourceKind::Point),
            "面源" | "area" => Some(SourceKind::Area),
            "移动源" | "mobile" => Some(SourceKind::Mobile),
            _ => None,
        }
    }
}

/// A source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Stable id (kept from year to year).
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: SourceKind,
    /// Its category code.
    pub category: String,
    /// The town it lies in (area sources: the town they are counted over).
    pub town: String,
    /// A point source's enterprise.
    pub enterprise: String,
    /// Its 统一社会信用代码.
    pub uscc: String,
    /// Its online monitors (HJ 212 MN), whose totals can replace the estimate.
    pub devices: Vec<String>,
}

/// Which factor a record uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorRef {
    /// An entry of the library.
    Library(String),
    /// A value given with the record, with its reference.
    Given {
        /// The value.
        value: Decimal,
        /// Its unit.
        unit: String,
        /// Where it comes from.
        source: String,
    },
    /// None (only with a measured total).
    None,
}

/// One source, one pollutant, one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The spreadsheet row it came from (0: not from a sheet).
    pub row: usize,
    /// The source's id.
    pub source: String,
    /// The pollutant.
    pub pollutant: Pollutant,
    /// Activity level (活动水平).
    pub activity: Decimal,
    /// Its unit.
    pub activity_unit: String,
    /// The factor.
    pub factor: FactorRef,
    /// Control technology code (empty: none).
    pub control: String,
    /// Removal efficiency (%), overriding the control's.
    pub efficiency: Option<Decimal>,
    /// A measured annual total (t), from online monitoring (CEMS): replaces the estimate.
    pub measured_t: Option<Decimal>,
    /// How the measured total was obtained.
    pub measured_note: String,
    /// Remarks.
    pub note: String,
}

/// A reduction project (减排工程).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The spreadsheet row it came from.
    pub row: usize,
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The plan's task numbers it serves.
    pub tasks: Vec<u32>,
    /// The sources it acts on.
    pub sources: Vec<String>,
    /// The pollutant it reduces.
    pub pollutant: Pollutant,
    /// Expected reduction (t/a).
    pub expected_t: Decimal,
    /// Verified reduction (t/a), once checked.
    pub verified_t: Option<Decimal>,
    /// 计划, 在建, 已完成, 已核定 …
    pub status: String,
}

/// An inventory year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// The year.
    pub year: i32,
    /// Title.
    pub title: String,
    /// Example data, not the district's (shown as such everywhere).
    pub example: bool,
    /// The year it was started from, when rolled forward.
    pub based_on: Option<i32>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Records.
    pub records: Vec<Record>,
    /// Reduction projects.
    pub projects: Vec<Project>,
}

impl Inventory {
    /// The next year, started from this one (copy, then update): sources, records and projects
    /// carried over, measured totals dropped (they belong to their year).
    #[must_use]
    pub fn roll_forward(&self, year: i32) -> Inventory {
        let mut next = self.clone();
        next.year = year;
        next.based_on = Some(self.year);
        next.title = format!("{year}年大气污染源排放清单（以{}年为基础）", self.year);
        for r in &mut next.records {
            r.measured_t = None;
            r.measured_note.clear();
        }
        next
    }
}

/// How an emission was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 排放因子法: A × EF × (1 − η).
    Coefficient,
    /// 实测法: online monitoring totals.
    Measured,
}

impl Method {
    /// 排放因子法, 在线监测实测.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Method::Coefficient => "排放因子法",
            Method::Measured => "在线监测实测",
        }
    }
}

/// A record's emission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emission {
    /// The source's id.
    pub source: String,
    /// The pollutant.
    pub pollutant: Pollutant,
    /// Tonnes per year.
    pub tonnes: Decimal,
    /// How.
    pub method: Method,
    /// The factor-based estimate (also when the measured total is used).
    pub estimate_t: Option<Decimal>,
    /// The factor used: library id, or `given`.
    pub factor: String,
    /// The factor's reference.
    pub factor_source: String,
    /// The removal efficiency applied (%).
    pub efficiency: Decimal,
}

/// A bad row, named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct RowError {
    /// Spreadsheet row (1 = the header; 0: not from a sheet).
    pub row: usize,
    /// The column or field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "{}：{}", self.field, self.message)
        } else {
            write!(f, "第{}行 {}：{}", self.row, self.field, self.message)
        }
    }
}

pub(crate) fn err(row: usize, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Codes on one line of descent (a factor for 1.1 serves 1.1.1 and the other way round).
fn related(a: &str, b: &str) -> bool {
    let within = |x: &str, y: &str| x == y || x.starts_with(&format!("{y}."));
    within(a, b) || within(b, a)
}

/// Every record's emission, or every error (by row and field): unknown source, category or
/// control; negative activity; an activity unit that does not meet the factor's; a missing
/// factor; a factor for another pollutant or category; an efficiency outside 0–100 %; a measured
/// total on a source that is not a point source; a record given twice.
pub fn compute(
    inv: &Inventory,
    lib: &Library,
    cats: &Categories,
) -> Result<Vec<Emission>, Vec<RowError>> {
    let mut errors = Vec::new();
    let sources: HashMap<&str, &Source> = inv.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    for s in &inv.sources {
        if cats.get(&s.category).is_none() {
            let row = inv
                .records
                .iter()
                .find(|r| r.source == s.id)
                .map_or(0, |r| r.row);
            errors.push(err(
                row,
                "分类代码",
                format!("{}: unknown category {}", s.id, s.category),
            ));
        }
    }
    let mut seen: BTreeMap<(&str, Pollutant), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for r in &inv.records {
        let row = r.row;
        let before = errors.len();
        let Some(src) = sources.get(r.source.as_str()) else {
            errors.push(err(row, "源编号", format!("unknown source {:?}", r.source)));
            continue;
        };
        if let Some(first) = seen.insert((r.source.as_str(), r.pollutant), row) {
            errors.push(err(
                row,
                "污染物",
                format!(
                    "{} {} is given twice (also row {first})",
                    r.source, r.pollutant
                ),
            ));
        }
        if r.activity.is_sign_negative() && !r.activity.is_zero() {
            errors.push(err(
                row,
                "活动水平",
                format!("negative activity {}", r.activity),
            ));
        }
        if let Some(e) = r.efficiency
            && (e < Decimal::ZERO || e > Decimal::ONE_HUNDRED)
        {
            errors.push(err(row, "去除效率(%)", format!("{e} % is outside 0–100")));
        }
        if let Some(m) = r.measured_t {
            if m.is_sign_negative() && !m.is_zero() {
                errors.push(err(row, "实测排放量(t)", format!("negative total {m}")));
            }
            if src.kind != SourceKind::Point {
                errors.push(err(
                    row,
                    "实测排放量(t)",
                    format!(
                        "{} is a {}: only point sources are measured",
                        src.id,
                        src.kind.zh()
                    ),
                ));
            }
        }
        let control = if r.control.trim().is_empty() {
            None
        } else {
            match lib.controls.get(r.control.trim()) {
                Some(c) => Some(c),
                None => {
                    errors.push(err(
                        row,
                        "治理技术",
                        format!("unknown control technology {:?}", r.control),
                    ));
                    None
                }
            }
        };
        // The factor: value, unit, reference, whether η applies.
        let factor = match &r.factor {
            FactorRef::Library(id) => match lib.factors.get(id) {
                None => {
                    errors.push(err(
                        row,
                        "因子编号",
                        format!("missing factor {id:?}: not in the library"),
                    ));
                    None
                }
                Some(f) => {
                    if f.pollutant != r.pollutant {
                        errors.push(err(
                            row,
                            "因子编号",
                            format!("factor {id} is for {}, not {}", f.pollutant, r.pollutant),
                        ));
                    }
                    if !related(&f.category, &src.category) {
                        errors.push(err(
                            row,
                            "因子编号",
                            format!(
                                "factor {id} is for category {}, the source is {}",
                                f.category, src.category
                            ),
                        ));
                    }
                    Some((
                        f.value,
                        f.unit.clone(),
                        f.id.clone(),
                        f.source.clone(),
                        f.before_control(),
                    ))
                }
            },
            FactorRef::Given {
                value,
                unit,
                source,
            } => {
                if value.is_sign_negative() && !value.is_zero() {
                    errors.push(err(row, "排放因子", format!("negative factor {value}")));
                }
                if source.trim().is_empty() {
                    errors.push(err(
                        row,
                        "因子来源",
                        "a factor given in the row needs its source",
                    ));
                }
                Some((
                    *value,
                    unit.clone(),
                    "given".to_owned(),
                    source.clone(),
                    true,
                ))
            }
            FactorRef::None => {
                if r.measured_t.is_none() {
                    errors.push(err(
                        row,
                        "因子编号",
                        "missing factor: give a library id, or a value with its unit and source",
                    ));
                }
                None
            }
        };
        let a_unit = if factor.is_some() {
            match unit::parse(&r.activity_unit) {
                Some(u) => Some(u),
                None => {
                    errors.push(err(
                        row,
                        "活动水平单位",
                        format!("unknown unit {:?}", r.activity_unit),
                    ));
                    None
                }
            }
        } else {
            None
        };
        let efficiency = match (r.efficiency, control) {
            (Some(e), _) => e,
            (None, Some(c)) => c.efficiency.get(&r.pollutant).copied().unwrap_or_default(),
            (None, None) => Decimal::ZERO,
        };
        let mut estimate = None;
        let mut used = (String::new(), String::new());
        if let (Some((value, f_unit, id, source, before)), Some(a)) = (&factor, a_unit) {
            if !before && !efficiency.is_zero() {
                errors.push(err(
                    row,
                    "去除效率(%)",
                    format!("factor {id} is an emission factor (after control): no removal efficiency applies"),
                ));
            }
            match FactorUnit::parse(f_unit) {
                None => errors.push(err(
                    row,
                    "因子单位",
                    format!("{f_unit:?} is not a mass per unit of activity (g/kg, kg/t, g/m3, …)"),
                )),
                Some(fu) => match unit::tonnes(
                    r.activity,
                    a,
                    *value,
                    fu,
                    if *before { efficiency } else { Decimal::ZERO },
                ) {
                    Ok(t) => estimate = Some(t),
                    Err(m) => errors.push(err(row, "活动水平单位", m.to_string())),
                },
            }
            used = (id.clone(), source.clone());
        }
        if errors.len() > before {
            continue;
        }
        let (tonnes, method) = match r.measured_t {
            Some(m) => (m, Method::Measured),
            None => (estimate.unwrap_or_default(), Method::Coefficient),
        };
        out.push(Emission {
            source: r.source.clone(),
            pollutant: r.pollutant,
            tonnes: tonnes.normalize(),
            method,
            estimate_t: estimate.map(|e| e.normalize()),
            factor: used.0,
            factor_source: used.1,
            efficiency,
        });
    }
    for p in &inv.projects {
        for s in &p.sources {
            if !sources.contains_key(s.as_str()) {
                errors.push(err(
                    p.row,
                    "关联源",
                    format!("project {}: unknown source {s:?}", p.id),
                ));
            }
        }
        if p.expected_t.is_sign_negative() && !p.expected_t.is_zero() {
            errors.push(err(
                p.row,
                "预期减排量(t)",
                format!("project {}: negative", p.id),
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}
