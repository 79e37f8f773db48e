//! Key vehicle-using units (重点用车单位): their registered vehicles and the rule per warning
//! level on which vehicles may enter (e.g. only China VI or new-energy vehicles at orange and
//! red), and the check of gate entry records (门禁记录) against it.

use std::collections::HashMap;

use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

use crate::grading::Level;

/// Emission stage (排放阶段); new-energy vehicles are the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// 国三 or older.
    China3,
    /// 国四.
    China4,
    /// 国五.
    China5,
    /// 国六.
    China6,
    /// 新能源 (electric, fuel cell).
    NewEnergy,
}

impl Stage {
    /// 国三, 国四, 国五, 国六, 新能源.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Stage::China3 => "国三",
            Stage::China4 => "国四",
            Stage::China5 => "国五",
            Stage::China6 => "国六",
            Stage::NewEnergy => "新能源",
        }
    }

    /// From 国三…国六 (also 国3, 国Ⅵ, 国VI, China 6) or 新能源 (纯电动, 电动).
    #[must_use]
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        if matches!(s, "新能源" | "纯电动" | "电动" | "氢燃料") {
            return Some(Stage::NewEnergy);
        }
        let n = s
            .trim_start_matches("国")
            .trim_start_matches("China")
            .trim();
        Some(match n {
            "三" | "3" | "Ⅲ" | "III" | "二" | "2" | "Ⅱ" | "II" | "一" | "1" | "Ⅰ" | "I" => {
                Stage::China3
            }
            "四" | "4" | "Ⅳ" | "IV" => Stage::China4,
            "五" | "5" | "Ⅴ" | "V" => Stage::China5,
            "六" | "6" | "Ⅵ" | "VI" => Stage::China6,
            _ => return None,
        })
    }
}

/// A registered vehicle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Number plate (号牌).
    pub plate: String,
    /// Fuel (柴油, 汽油, 天然气, 电, …).
    pub fuel: String,
    /// Emission stage.
    pub stage: Stage,
}

/// A key vehicle-using unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleUnit {
    /// Name.
    pub name: String,
    /// Its vehicles.
    pub vehicles: Vec<Vehicle>,
}

/// The lowest stage allowed in per level (yellow, orange, red); `None`: no restriction.
/// Default: China V at yellow, China VI or new energy at orange and red (UNVERIFIED: local
/// plans differ; configurable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleRule {
    /// Per level.
    pub min_stage: [Option<Stage>; 3],
}

impl Default for VehicleRule {
    fn default() -> Self {
        VehicleRule {
            min_stage: [
                Some(Stage::China5),
                Some(Stage::China6),
                Some(Stage::China6),
            ],
        }
    }
}

/// An entry recorded by a unit's gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateRecord {
    /// The unit.
    pub unit: String,
    /// Plate.
    pub plate: String,
    /// When (Beijing).
    pub at: DateTime,
    /// Source row.
    pub row: usize,
}

/// A warning period: level in force from `start` until `end` (exclusive; `None`: still in
/// force).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Level.
    pub level: Level,
    /// Start.
    pub start: DateTime,
    /// End.
    pub end: Option<DateTime>,
}

/// An entry the rule does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateViolation {
    /// The record.
    pub record: GateRecord,
    /// The level in force.
    pub level: Level,
    /// Why (Chinese).
    pub reason: String,
}

fn norm_plate(p: &str) -> String {
    p.chars()
        .filter(|c| !c.is_whitespace() && *c != '·' && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

/// The entries made during a warning that its level's rule does not allow: unregistered
/// vehicles and vehicles below the minimum stage.
#[must_use]
pub fn check_gate(
    units: &[VehicleUnit],
    records: &[GateRecord],
    periods: &[Period],
    rule: &VehicleRule,
) -> Vec<GateViolation> {
    let fleet: HashMap<(&str, String), &Vehicle> = units
        .iter()
        .flat_map(|u| {
            u.vehicles
                .iter()
                .map(move |v| ((u.name.as_str(), norm_plate(&v.plate)), v))
        })
        .collect();
    let mut out = Vec::new();
    for r in records {
        let Some(level) = periods
            .iter()
            .filter(|p| p.start <= r.at && p.end.is_none_or(|e| r.at < e))
            .map(|p| p.level)
            .max()
        else {
            continue;
        };
        let Some(min) = rule.min_stage[level.index()] else {
            continue;
        };
        let reason = match fleet.get(&(r.unit.as_str(), norm_plate(&r.plate))) {
            None => format!(
                "未登记车辆：{}预警期间仅允许本单位登记的{}及以上车辆进出",
                level.zh(),
                min.zh()
            ),
            Some(v) if v.stage < min => format!(
                "{}{}车辆：{}预警期间仅允许{}及以上（含新能源）车辆进出",
                v.stage.zh(),
                v.fuel,
                level.zh(),
                min.zh()
            ),
            Some(_) => continue,
        };
        out.push(GateViolation {
            record: r.clone(),
            level,
            reason,
        });
    }
    out
}

fn column(headers: &[String], name: &str) -> Result<usize, String> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| format!("第1行 表头：缺少列“{name}”"))
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", |s| s.trim())
}

/// Key vehicle-using units from a table with 单位, 车牌, 燃料, 排放阶段 (one row per vehicle);
/// every bad row is named, and nothing is returned if any.
pub fn units_from_rows(
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<VehicleUnit>, Vec<String>> {
    let cols = ["单位", "车牌", "燃料", "排放阶段"]
        .map(|c| column(headers, c))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| vec![e])?;
    let mut units: Vec<VehicleUnit> = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (unit, plate, fuel, stage) = (
            cell(r, cols[0]),
            cell(r, cols[1]),
            cell(r, cols[2]),
            cell(r, cols[3]),
        );
        if unit.is_empty() || plate.is_empty() {
            errors.push(format!("第{}行：单位和车牌不能为空", i + 2));
            continue;
        }
        let Some(stage) = Stage::parse(stage) else {
            errors.push(format!(
                "第{}行 排放阶段：{stage:?} 不是国三…国六或新能源",
                i + 2
            ));
            continue;
        };
        let v = Vehicle {
            plate: plate.to_owned(),
            fuel: fuel.to_owned(),
            stage,
        };
        match units.iter_mut().find(|u| u.name == unit) {
            Some(u) => u.vehicles.push(v),
            None => units.push(VehicleUnit {
                name: unit.to_owned(),
                vehicles: vec![v],
            }),
        }
    }
    if errors.is_empty() {
        Ok(units)
    } else {
        Err(errors)
    }
}

/// Gate records from a table with 单位, 车牌, 时间 (Beijing, `2026-01-10 08:30[:00]`); every bad
/// row is named, and nothing is returned if any.
pub fn records_from_rows(
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<GateRecord>, Vec<String>> {
    let cols = ["单位", "车牌", "时间"]
        .map(|c| column(headers, c))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| vec![e])?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let t = cell(r, cols[2]).replace('/', "-");
        let t = if t.len() == 16 { format!("{t}:00") } else { t };
        match t.replace(' ', "T").parse::<DateTime>() {
            Ok(at) => out.push(GateRecord {
                unit: cell(r, cols[0]).to_owned(),
                plate: cell(r, cols[1]).to_owned(),
                at,
                row: i + 2,
            }),
            Err(_) => errors.push(format!(
                "第{}行 时间：{:?} 不是日期时间",
                i + 2,
                cell(r, cols[2])
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn entries_during_warnings_are_checked_by_level() {
        let units = vec![VehicleUnit {
            name: "某物流公司".into(),
            vehicles: vec![
                Vehicle {
                    plate: "苏F·12345".into(),
                    fuel: "柴油".into(),
                    stage: Stage::China5,
                },
                Vehicle {
                    plate: "苏F67890".into(),
                    fuel: "柴油".into(),
                    stage: Stage::China6,
                },
                Vehicle {
                    plate: "苏FD1234".into(),
                    fuel: "电".into(),
                    stage: Stage::NewEnergy,
                },
            ],
        }];
        let t = |d: i8, h: i8| date(2026, 1, d).at(h, 0, 0, 0);
        let periods = [
            Period {
                level: Level::Yellow,
                start: t(10, 0),
                end: Some(t(11, 0)),
            },
            Period {
                level: Level::Orange,
                start: t(11, 0),
                end: None,
            },
        ];
        let rec = |plate: &str, at: DateTime, row: usize| GateRecord {
            unit: "某物流公司".into(),
            plate: plate.into(),
            at,
            row,
        };
        let records = [
            rec("苏F12345", t(9, 23), 2),  // before any warning
            rec("苏F12345", t(10, 8), 3),  // yellow: China V allowed
            rec("苏F12345", t(11, 0), 4),  // orange from 00h: not allowed
            rec("苏F 67890", t(11, 9), 5), // China VI
            rec("苏FD1234", t(11, 9), 6),  // new energy
            rec("苏A00000", t(10, 9), 7),  // not registered
        ];
        let v = check_gate(&units, &records, &periods, &VehicleRule::default());
        let rows: Vec<usize> = v.iter().map(|x| x.record.row).collect();
        assert_eq!(rows, [4, 7]);
        assert_eq!(
            v[0].reason,
            "国五柴油车辆：橙色预警期间仅允许国六及以上（含新能源）车辆进出"
        );
        assert_eq!(
            v[1].reason,
            "未登记车辆：黄色预警期间仅允许本单位登记的国五及以上车辆进出"
        );
        assert_eq!(Stage::parse("国Ⅵ"), Some(Stage::China6));
        assert_eq!(Stage::parse("国4"), Some(Stage::China4));
        assert_eq!(Stage::parse("纯电动"), Some(Stage::NewEnergy));
        assert_eq!(Stage::parse("国七"), None);
    }
}

#[cfg(test)]
mod rows_tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn tables_read_with_their_rows_named() {
        let h = s(&["单位", "车牌", "燃料", "排放阶段"]);
        let u = units_from_rows(
            &h,
            &[
                s(&["甲", "苏F1", "柴油", "国五"]),
                s(&["甲", "苏F2", "电", "新能源"]),
            ],
        )
        .unwrap();
        assert_eq!((u.len(), u[0].vehicles.len()), (1, 2));
        let e = units_from_rows(&h, &[s(&["甲", "苏F1", "柴油", "国七"])]).unwrap_err();
        assert_eq!(e, ["第2行 排放阶段：\"国七\" 不是国三…国六或新能源"]);
        assert_eq!(
            units_from_rows(&h[1..], &[]).unwrap_err(),
            ["第1行 表头：缺少列“单位”"]
        );
        let h = s(&["单位", "车牌", "时间"]);
        let r = records_from_rows(&h, &[s(&["甲", "苏F1", "2026/01/10 08:30"])]).unwrap();
        assert_eq!(r[0].at, jiff::civil::date(2026, 1, 10).at(8, 30, 0, 0));
        let e = records_from_rows(&h, &[s(&["甲", "苏F1", "昨天"])]).unwrap_err();
        assert_eq!(e, ["第2行 时间：\"昨天\" 不是日期时间"]);
    }
}
