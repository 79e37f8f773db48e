//! The inventory in spreadsheet form: one row per source, year and pollutant (`HEADERS`), and
//! the reduction projects (`PROJECT_HEADERS`). Reading names every bad cell by row and column
//! and refuses the whole file; writing gives back the same layout, so an export re-imports to
//! the same inventory.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::ledger::{FactorRef, Inventory, Project, Record, RowError, Source, SourceKind, err};
use crate::pollutant::Pollutant;

/// The columns of the inventory sheet.
pub const HEADERS: [&str; 20] = [
    "年份",
    "源编号",
    "源名称",
    "源类型",
    "分类代码",
    "区镇",
    "企业名称",
    "统一社会信用代码",
    "监测设备MN",
    "污染物",
    "活动水平",
    "活动水平单位",
    "因子编号",
    "排放因子",
    "因子单位",
    "因子来源",
    "治理技术",
    "去除效率(%)",
    "实测排放量(t)",
    "备注",
];

/// The columns of the projects sheet.
pub const PROJECT_HEADERS: [&str; 8] = [
    "项目编号",
    "项目名称",
    "关联任务",
    "关联源",
    "污染物",
    "预期减排量(t)",
    "核定减排量(t)",
    "状态",
];

fn columns(headers: &[String], want: &[&str]) -> Result<HashMap<String, usize>, Vec<RowError>> {
    let col: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
        .collect();
    let missing: Vec<&str> = want
        .iter()
        .copied()
        .filter(|h| !col.contains_key(*h))
        .collect();
    if missing.is_empty() {
        Ok(col)
    } else {
        Err(vec![err(
            1,
            "表头",
            format!("missing columns: {}", missing.join(", ")),
        )])
    }
}

fn decimal(cell: &str, row: usize, field: &str, errors: &mut Vec<RowError>) -> Option<Decimal> {
    let c = cell.trim().replace(',', "");
    if c.is_empty() {
        return None;
    }
    match c
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&c))
    {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(err(row, field, format!("{cell:?} is not a number")));
            None
        }
    }
}

/// An inventory from its sheet (and optionally the projects sheet). `year` overrides the 年份
/// column (which must otherwise be one year throughout).
pub fn from_rows(
    headers: &[String],
    rows: &[Vec<String>],
    projects: Option<(&[String], &[Vec<String>])>,
    year: Option<i32>,
) -> Result<Inventory, Vec<RowError>> {
    let col = columns(headers, &HEADERS)?;
    let mut errors = Vec::new();
    let mut sources: BTreeMap<String, (Source, usize)> = BTreeMap::new();
    let mut records = Vec::new();
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let row = i + 2;
        let get = |h: &str| -> &str { col.get(h).and_then(|&c| r.get(c)).map_or("", |s| s.trim()) };
        match get("年份").parse::<i32>() {
            Ok(y) => {
                years.entry(y).or_insert(row);
            }
            Err(_) if year.is_some() => {}
            Err(_) => errors.push(err(row, "年份", format!("{:?} is not a year", get("年份")))),
        }
        let id = get("源编号");
        if id.is_empty() {
            errors.push(err(row, "源编号", "empty"));
            continue;
        }
        let Some(kind) = SourceKind::parse(get("源类型")) else {
            errors.push(err(
                row,
                "源类型",
                format!("{:?}: 点源, 面源 or 移动源", get("源类型")),
            ));
            continue;
        };
        let source = Source {
            id: id.to_owned(),
            name: get("源名称").to_owned(),
            kind,
            category: get("分类代码").to_owned(),
            town: get("区镇").to_owned(),
            enterprise: get("企业名称").to_owned(),
            uscc: get("统一社会信用代码").to_owned(),
            devices: get("监测设备MN")
                .split(['、', ',', ';', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        match sources.get(id) {
            Some((known, first)) if *known != source => errors.push(err(
                row,
                "源编号",
                format!("{id}: name, kind, category, town, enterprise or monitors differ from row {first}"),
            )),
            Some(_) => {}
            None => {
                sources.insert(id.to_owned(), (source, row));
            }
        }
        let Some(pollutant) = Pollutant::parse(get("污染物")) else {
            errors.push(err(
                row,
                "污染物",
                format!(
                    "{:?}: SO2, NOx, CO, PM10, PM2.5, BC, OC, VOCs or NH3",
                    get("污染物")
                ),
            ));
            continue;
        };
        let n = errors.len();
        let activity = decimal(get("活动水平"), row, "活动水平", &mut errors);
        let value = decimal(get("排放因子"), row, "排放因子", &mut errors);
        let efficiency = decimal(get("去除效率(%)"), row, "去除效率(%)", &mut errors);
        let measured_t = decimal(get("实测排放量(t)"), row, "实测排放量(t)", &mut errors);
        if errors.len() > n {
            continue;
        }
        let factor = match (get("因子编号"), value) {
            ("", None) => FactorRef::None,
            (id, None) => FactorRef::Library(id.to_owned()),
            ("", Some(v)) => FactorRef::Given {
                value: v,
                unit: get("因子单位").to_owned(),
                source: get("因子来源").to_owned(),
            },
            (_, Some(_)) => {
                errors.push(err(
                    row,
                    "因子编号",
                    "give a library factor id or a factor value, not both",
                ));
                continue;
            }
        };
        if activity.is_none() && !matches!(factor, FactorRef::None) {
            errors.push(err(row, "活动水平", "empty"));
            continue;
        }
        records.push(Record {
            row,
            source: id.to_owned(),
            pollutant,
            activity: activity.unwrap_or_default(),
            activity_unit: get("活动水平单位").to_owned(),
            factor,
            control: get("治理技术").to_owned(),
            efficiency,
            measured_t,
            measured_note: String::new(),
            note: get("备注").to_owned(),
        });
    }
    let year = match (year, years.len()) {
        (Some(y), _) => y,
        (None, 1) => years.keys().next().copied().unwrap_or_default(),
        (None, 0) => {
            errors.push(err(0, "年份", "no rows"));
            0
        }
        (None, _) => {
            let list: Vec<String> = years
                .iter()
                .map(|(y, r)| format!("{y} (row {r})"))
                .collect();
            errors.push(err(
                0,
                "年份",
                format!("one year per file: {}", list.join(", ")),
            ));
            0
        }
    };
    let projects = match projects {
        Some((h, rows)) => project_rows(h, rows, &mut errors),
        None => Vec::new(),
    };
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(errors);
    }
    Ok(Inventory {
        year,
        title: format!("{year}年大气污染源排放清单"),
        example: false,
        based_on: None,
        sources: sources.into_values().map(|(s, _)| s).collect(),
        records,
        projects,
    })
}

/// The reduction projects alone, from their sheet (as `PROJECT_HEADERS`), every bad cell named.
pub fn projects_from_rows(
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<Project>, Vec<RowError>> {
    let mut errors = Vec::new();
    let projects = project_rows(headers, rows, &mut errors);
    if errors.is_empty() {
        Ok(projects)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

fn project_rows(
    headers: &[String],
    rows: &[Vec<String>],
    errors: &mut Vec<RowError>,
) -> Vec<Project> {
    let col = match columns(headers, &PROJECT_HEADERS) {
        Ok(c) => c,
        Err(e) => {
            errors.extend(e.into_iter().map(|mut e| {
                e.field = format!("减排项目 {}", e.field);
                e
            }));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let row = i + 2;
        let get = |h: &str| -> &str { col.get(h).and_then(|&c| r.get(c)).map_or("", |s| s.trim()) };
        let n = errors.len();
        let id = get("项目编号");
        if id.is_empty() {
            errors.push(err(row, "减排项目 项目编号", "empty"));
        }
        let pollutant = Pollutant::parse(get("污染物"));
        if pollutant.is_none() {
            errors.push(err(row, "减排项目 污染物", format!("{:?}", get("污染物"))));
        }
        let mut tasks = Vec::new();
        for t in get("关联任务")
            .split(['、', ',', ';', ' '])
            .filter(|s| !s.is_empty())
        {
            match t.parse::<u32>() {
                Ok(n) => tasks.push(n),
                Err(_) => errors.push(err(
                    row,
                    "减排项目 关联任务",
                    format!("{t:?} is not a task number"),
                )),
            }
        }
        let expected = decimal(get("预期减排量(t)"), row, "减排项目 预期减排量(t)", errors);
        if expected.is_none() {
            errors.push(err(row, "减排项目 预期减排量(t)", "empty"));
        }
        let verified = decimal(get("核定减排量(t)"), row, "减排项目 核定减排量(t)", errors);
        if errors.len() > n {
            continue;
        }
        out.push(Project {
            row,
            id: id.to_owned(),
            name: get("项目名称").to_owned(),
            tasks,
            sources: get("关联源")
                .split(['、', ',', ';', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            pollutant: pollutant.unwrap_or(Pollutant::NOx),
            expected_t: expected.unwrap_or_default(),
            verified_t: verified,
            status: get("状态").to_owned(),
        });
    }
    out
}

fn dec(d: Option<Decimal>) -> String {
    d.map_or(String::new(), |d| d.normalize().to_string())
}

/// The inventory sheet's rows (as `HEADERS`).
#[must_use]
pub fn to_rows(inv: &Inventory) -> Vec<Vec<String>> {
    let sources: HashMap<&str, &Source> = inv.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    inv.records
        .iter()
        .map(|r| {
            let s = sources.get(r.source.as_str());
            let (id, value, unit, source) = match &r.factor {
                FactorRef::Library(id) => (id.clone(), String::new(), String::new(), String::new()),
                FactorRef::Given {
                    value,
                    unit,
                    source,
                } => (
                    String::new(),
                    dec(Some(*value)),
                    unit.clone(),
                    source.clone(),
                ),
                FactorRef::None => Default::default(),
            };
            vec![
                inv.year.to_string(),
                r.source.clone(),
                s.map(|s| s.name.clone()).unwrap_or_default(),
                s.map(|s| s.kind.zh().to_owned()).unwrap_or_default(),
                s.map(|s| s.category.clone()).unwrap_or_default(),
                s.map(|s| s.town.clone()).unwrap_or_default(),
                s.map(|s| s.enterprise.clone()).unwrap_or_default(),
                s.map(|s| s.uscc.clone()).unwrap_or_default(),
                s.map(|s| s.devices.join("、")).unwrap_or_default(),
                r.pollutant.as_str().to_owned(),
                if matches!(r.factor, FactorRef::None) {
                    String::new()
                } else {
                    dec(Some(r.activity))
                },
                r.activity_unit.clone(),
                id,
                value,
                unit,
                source,
                r.control.clone(),
                dec(r.efficiency),
                dec(r.measured_t),
                r.note.clone(),
            ]
        })
        .collect()
}

/// The projects sheet's rows (as `PROJECT_HEADERS`).
#[must_use]
pub fn project_to_rows(inv: &Inventory) -> Vec<Vec<String>> {
    inv.projects
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                p.name.clone(),
                p.tasks
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("、"),
                p.sources.join("、"),
                p.pollutant.as_str().to_owned(),
                dec(Some(p.expected_t)),
                dec(p.verified_t),
                p.status.clone(),
            ]
        })
        .collect()
}
