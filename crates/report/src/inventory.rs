//! The emission inventory against the store: a year checked and computed before it is stored
//! as a new version (nothing stored from a year with a bad row), the year in force read back,
//! a year started from the last (roll forward), online-monitoring (CEMS) annual totals put in
//! place of point sources' estimates, the accounting against the baseline, the workbook, and
//! the region's totals the emergency-reduction list's shares are measured against.

use std::collections::BTreeMap;

use lantian_inventory::analysis::{self, Grouping};
use lantian_inventory::exchange::{self, HEADERS, PROJECT_HEADERS};
use lantian_inventory::{
    Accounting, Categories, Emission, Inventory, Library, Pollutant, RowError, SourceKind, cems,
    compute, pollutant_totals,
};
use lantian_store::{AuditEntry, InventoryVersionRecord, NewInventoryVersion, Store, StoreError};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{ReportError, Sheet, Tabular, xlsx_workbook};

/// A year as stored, parsed and computed.
#[derive(Debug, Clone)]
pub struct Year {
    /// The version in force.
    pub record: InventoryVersionRecord,
    /// The year.
    pub inventory: Inventory,
    /// Its emissions.
    pub emissions: Vec<Emission>,
}

fn corrupt(e: impl std::fmt::Display) -> ReportError {
    ReportError::Store(StoreError::Corrupt(format!("inventory: {e}")))
}

/// The rows' errors as one refusal.
#[must_use]
pub fn refusal(errors: &[RowError]) -> String {
    let shown: Vec<String> = errors.iter().take(50).map(ToString::to_string).collect();
    format!(
        "{} errors, nothing stored: {}",
        errors.len(),
        shown.join("；")
    )
}

/// Computes `inv` and stores it as the year's newest version (unless it is the newest
/// already); refused whole with every bad row. Returns the version's id, whether it is new,
/// and the totals.
pub fn store_year(
    store: &Store,
    inv: &Inventory,
    (cats, lib): (&Categories, &Library),
    name: &str,
    note: &str,
    actor: &str,
    at_ms: i64,
) -> Result<(i64, bool, BTreeMap<Pollutant, Decimal>), ReportError> {
    use sha2::Digest as _;
    let emissions = compute(inv, lib, cats).map_err(|e| ReportError::Input(refusal(&e)))?;
    let totals = pollutant_totals(&emissions);
    let body = serde_json::to_string(inv).map_err(corrupt)?;
    let sha: String = sha2::Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let totals_json = serde_json::to_string(&totals).map_err(corrupt)?;
    let v = NewInventoryVersion {
        year: inv.year,
        sha256: sha.clone(),
        name: name.to_owned(),
        note: note.to_owned(),
        body,
        totals: totals_json.clone(),
        example: inv.example,
        loaded_at_ms: at_ms,
        loaded_by: actor.to_owned(),
    };
    let audit = AuditEntry {
        at_ms,
        actor: actor.to_owned(),
        action: "inventory.version".to_owned(),
        target: String::new(),
        detail: serde_json::json!({
            "year": inv.year, "name": name, "note": note, "sha256": sha,
            "records": inv.records.len(), "totals": totals,
        })
        .to_string(),
    };
    let (id, new) = store.put_inventory_version(&v, &audit)?;
    Ok((id, new, totals))
}

/// A stored version parsed and computed.
pub fn load(
    record: InventoryVersionRecord,
    (cats, lib): (&Categories, &Library),
) -> Result<Year, ReportError> {
    let inventory: Inventory = serde_json::from_str(&record.version.body).map_err(corrupt)?;
    // A stored year was valid when stored; a library changed since may refuse it, and says why.
    let emissions = compute(&inventory, lib, cats).map_err(|e| {
        ReportError::Input(format!(
            "inventory {} (version {}) no longer computes with this factor library: {}",
            inventory.year,
            record.id,
            refusal(&e)
        ))
    })?;
    Ok(Year {
        record,
        inventory,
        emissions,
    })
}

/// The version of `year` in force, computed.
pub fn current(
    store: &Store,
    year: i32,
    lib: (&Categories, &Library),
) -> Result<Option<Year>, ReportError> {
    match store
        .inventory_versions(Some(year), true)?
        .into_iter()
        .next()
    {
        Some(r) => Ok(Some(load(r, lib)?)),
        None => Ok(None),
    }
}

/// The version of `year` in force, or a `NotFound` naming the year.
pub fn need(store: &Store, year: i32, lib: (&Categories, &Library)) -> Result<Year, ReportError> {
    current(store, year, lib)?
        .ok_or_else(|| ReportError::NotFound(format!("no inventory for {year}: import one first")))
}

/// The newest version of each year (without bodies), newest year first.
pub fn years(store: &Store) -> Result<Vec<InventoryVersionRecord>, ReportError> {
    let mut out: Vec<InventoryVersionRecord> = Vec::new();
    for r in store.inventory_versions(None, false)? {
        if out.last().is_none_or(|l| l.version.year != r.version.year) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Starts `year` from the newest year before it (copy, then update).
pub fn roll_forward(
    store: &Store,
    year: i32,
    lib: (&Categories, &Library),
    actor: &str,
    at_ms: i64,
) -> Result<(i64, i32), ReportError> {
    if !store.inventory_versions(Some(year), false)?.is_empty() {
        return Err(ReportError::Input(format!(
            "{year} has an inventory already: import changes into it instead"
        )));
    }
    let from = years(store)?
        .into_iter()
        .map(|r| r.version.year)
        .filter(|y| *y < year)
        .max()
        .ok_or_else(|| {
            ReportError::NotFound(format!("no inventory before {year} to start from"))
        })?;
    let last = need(store, from, lib)?;
    let next = last.inventory.roll_forward(year);
    let (id, _, _) = store_year(
        store,
        &next,
        lib,
        &format!("{from}年清单结转"),
        &format!("以{from}年为基础建立{year}年清单"),
        actor,
        at_ms,
    )?;
    Ok((id, from))
}

/// HJ 212 factor codes of the pollutants monitors report (standards.md §5; hj212.md).
fn factor_code(p: Pollutant) -> Option<&'static str> {
    match p {
        Pollutant::SO2 => Some("a21026"),
        Pollutant::NOx => Some("a21002"),
        Pollutant::VOCs => Some("a24088"),
        _ => None,
    }
}

/// One point source's measured total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measured {
    /// The source.
    pub source: String,
    /// The pollutant.
    pub pollutant: Pollutant,
    /// Its monitors.
    pub devices: Vec<String>,
    /// The year's total, scaled (t).
    pub tonnes: Decimal,
    /// Valid days (the fewest of its monitors).
    pub valid_days: u32,
    /// Share of valid days (percent).
    pub coverage_pct: Decimal,
    /// Whether it replaced the estimate.
    pub used: bool,
    /// Why not, or how it was obtained.
    pub note: String,
}

/// The kg a device emitted in an hour of pollutant `code`: its `-Cou` when sent, else the mean
/// concentration (mg/m³) times the flow's `-Cou` (m³) × 10⁻⁶; `None` when the reading is not
/// valid or either is missing.
fn hour_kg(r: &lantian_store::StoredReading, code: &str) -> Option<Decimal> {
    let v = r.values.iter().find(|v| v.code == code)?;
    if !v.is_measured(None) {
        return None;
    }
    if let Some(c) = v.cou {
        return Some(Decimal::new(c, 6));
    }
    let conc = Decimal::new(v.value?, 6);
    let flow = r.values.iter().find(|f| f.code == "a00000")?.cou?;
    Some(conc * Decimal::new(flow, 6) / Decimal::from(1_000_000))
}

/// Every point source with monitors: its annual totals from the stored hourly data (CN 2061)
/// of `year` (Beijing); those covering at least `min_coverage_pct` of the days replace the
/// estimate in a new version of the year.
pub fn measure(
    store: &Store,
    year: i32,
    lib: (&Categories, &Library),
    min_coverage_pct: Decimal,
    actor: &str,
    at_ms: i64,
) -> Result<(Vec<Measured>, Option<i64>), ReportError> {
    let y = need(store, year, lib)?;
    let start = jiff::civil::date(i16::try_from(year).map_err(|_| ReportError::Period)?, 1, 1);
    let end = start.checked_add(jiff::Span::new().years(1))?;
    let days = u32::try_from(end.since(start)?.get_days()).unwrap_or(365);
    let unix = |d| crate::plan::beijing_midnight_ms(d).map(|ms| ms / 1000);
    let (from, to) = (unix(start)?, unix(end)?);
    let ids: BTreeMap<String, i64> = store
        .devices()?
        .into_iter()
        .map(|d| (d.device.mn, d.id))
        .collect();
    let mut out = Vec::new();
    let mut inv = y.inventory.clone();
    for s in y
        .inventory
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Point && !s.devices.is_empty())
    {
        // Each monitor's year of hourly data is read once for all the source's pollutants.
        let mut missing = Vec::new();
        let mut readings = Vec::new();
        for mn in &s.devices {
            match ids.get(mn) {
                Some(&id) => readings.push(store.readings(id, 2061, from, to)?),
                None => missing.push(mn.clone()),
            }
        }
        for r in inv.records.iter_mut().filter(|r| r.source == s.id) {
            let Some(code) = factor_code(r.pollutant) else {
                continue;
            };
            let mut total = Decimal::ZERO;
            let mut valid_days = u32::MAX;
            for device in &readings {
                let hours: Vec<(i64, Option<Decimal>)> = device
                    .iter()
                    .map(|h| {
                        (
                            (h.data_time + 8 * 3600).div_euclid(86_400),
                            hour_kg(h, code),
                        )
                    })
                    .collect();
                let t = cems::annual(&hours, days);
                total += t.tonnes;
                valid_days = valid_days.min(t.valid_days);
            }
            if valid_days == u32::MAX {
                valid_days = 0;
            }
            let coverage_pct = (Decimal::from(valid_days) * Decimal::ONE_HUNDRED
                / Decimal::from(days))
            .round_dp(1);
            let (used, note) = if !missing.is_empty() {
                (false, format!("监测设备未登记：{}", missing.join("、")))
            } else if coverage_pct < min_coverage_pct {
                (
                    false,
                    format!(
                        "有效天数 {valid_days}/{days}（{coverage_pct}%）不足 {min_coverage_pct}%，仍用排放因子法"
                    ),
                )
            } else {
                (
                    true,
                    format!(
                        "在线监测小时数据：有效天数 {valid_days}/{days}，日有效小时≥18，按24/n折算并按全年天数推算"
                    ),
                )
            };
            if used {
                r.measured_t = Some(total);
                r.measured_note.clone_from(&note);
            }
            out.push(Measured {
                source: s.id.clone(),
                pollutant: r.pollutant,
                devices: s.devices.clone(),
                tonnes: total,
                valid_days,
                coverage_pct,
                used,
                note,
            });
        }
    }
    let stored = if out.iter().any(|m| m.used) {
        let (id, new, _) = store_year(
            store,
            &inv,
            lib,
            "在线监测年排放量",
            &format!(
                "{} 个点源污染物以在线监测实测量替代估算",
                out.iter().filter(|m| m.used).count()
            ),
            actor,
            at_ms,
        )?;
        new.then_some(id)
    } else {
        None
    };
    Ok((out, stored))
}

/// The plan's targets: NOx and VOCs −10 % against the baseline (§一).
#[must_use]
pub fn plan_targets() -> [(Pollutant, Decimal); 2] {
    [
        (Pollutant::NOx, Decimal::from(-10)),
        (Pollutant::VOCs, Decimal::from(-10)),
    ]
}

/// `year` against `baseline` for the plan's targets.
pub fn accounting_of(
    store: &Store,
    year: i32,
    baseline: i32,
    lib: (&Categories, &Library),
) -> Result<(Accounting, Year, Year), ReportError> {
    let b = need(store, baseline, lib)?;
    let c = need(store, year, lib)?;
    let a = analysis::accounting(
        (&b.inventory, &b.emissions),
        (&c.inventory, &c.emissions),
        &plan_targets(),
    );
    Ok((a, b, c))
}

fn t(d: Decimal) -> String {
    d.round_dp(3).normalize().to_string()
}

/// The year's sheets: the records in the import layout with their emissions, the projects,
/// and the totals by first-level category.
#[must_use]
pub fn sheets(y: &Year, cats: &Categories) -> Vec<Sheet> {
    let mut headers: Vec<String> = HEADERS.iter().map(|h| (*h).to_owned()).collect();
    headers.extend(["排放量(t)", "核算方法", "估算量(t)"].map(str::to_owned));
    let emissions: BTreeMap<(&str, Pollutant), &Emission> = y
        .emissions
        .iter()
        .map(|e| ((e.source.as_str(), e.pollutant), e))
        .collect();
    let rows = exchange::to_rows(&y.inventory)
        .into_iter()
        .zip(&y.inventory.records)
        .map(|(mut row, r)| {
            if let Some(e) = emissions.get(&(r.source.as_str(), r.pollutant)) {
                row.push(t(e.tonnes));
                row.push(e.method.zh().to_owned());
                row.push(e.estimate_t.map(t).unwrap_or_default());
            }
            row
        })
        .collect();
    let by_cat = analysis::totals(&y.inventory, &y.emissions, Grouping::Category, cats);
    let mut cat_rows: BTreeMap<(String, String), BTreeMap<Pollutant, Decimal>> = BTreeMap::new();
    for ((code, p), (name, v)) in by_cat {
        cat_rows.entry((code, name)).or_default().insert(p, v);
    }
    let mut sum_headers = vec!["分类代码".to_owned(), "第一级源分类".to_owned()];
    sum_headers.extend(Pollutant::ALL.iter().map(|p| format!("{p}(t)")));
    let mut keys: Vec<&(String, String)> = cat_rows.keys().collect();
    keys.sort_by_key(|(code, _)| code.parse::<u32>().unwrap_or(u32::MAX));
    let mut sum_rows: Vec<Vec<String>> = keys
        .into_iter()
        .map(|k| {
            let m = &cat_rows[k];
            let mut row = vec![k.0.clone(), k.1.clone()];
            row.extend(
                Pollutant::ALL
                    .iter()
                    .map(|p| m.get(p).map(|v| t(*v)).unwrap_or_default()),
            );
            row
        })
        .collect();
    let totals = pollutant_totals(&y.emissions);
    let mut total_row = vec![String::new(), "合计".to_owned()];
    total_row.extend(
        Pollutant::ALL
            .iter()
            .map(|p| totals.get(p).map(|v| t(*v)).unwrap_or_default()),
    );
    sum_rows.push(total_row);
    vec![
        Sheet {
            name: "清单".to_owned(),
            table: Tabular { headers, rows },
        },
        Sheet {
            name: "减排项目".to_owned(),
            table: Tabular {
                headers: PROJECT_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
                rows: exchange::project_to_rows(&y.inventory),
            },
        },
        Sheet {
            name: "分类汇总".to_owned(),
            table: Tabular {
                headers: sum_headers,
                rows: sum_rows,
            },
        },
    ]
}

/// The accounting as a table: one row per pollutant, then one per project.
#[must_use]
pub fn accounting_table(a: &Accounting) -> Tabular {
    let pct = |p: Option<Decimal>| p.map_or(String::new(), |p| format!("{p}%"));
    let mut rows: Vec<Vec<String>> = a
        .pollutants
        .iter()
        .map(|p| {
            vec![
                p.pollutant.to_string(),
                format!("{}年", a.baseline_year),
                t(p.baseline_t),
                t(p.current_t),
                pct(p.change_pct),
                format!("{}%", p.target_pct),
                if p.met { "达标" } else { "未达标" }.to_owned(),
                t(p.unexplained_t),
                String::new(),
            ]
        })
        .collect();
    rows.extend(a.projects.iter().map(|x| {
        vec![
            x.pollutant.to_string(),
            format!("{} {}", x.id, x.name),
            t(x.expected_t),
            x.verified_t.map(t).unwrap_or_default(),
            pct(x.share_pct),
            x.tasks
                .iter()
                .map(|n| format!("任务{n}"))
                .collect::<Vec<_>>()
                .join("、"),
            x.status.clone(),
            t(x.sources_change_t),
            t(x.counted_t),
        ]
    }));
    Tabular {
        headers: [
            "污染物",
            "基准/项目",
            "基准年排放(t) / 预期减排(t)",
            "当年排放(t) / 核定减排(t)",
            "变化率 / 贡献占比",
            "目标 / 关联任务",
            "是否达标 / 状态",
            "未由项目解释的减排(t) / 关联源排放变化(t)",
            "计入减排(t)",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }
}

/// The year's workbook (with the accounting sheet when a baseline is given).
pub fn workbook(
    y: &Year,
    cats: &Categories,
    accounting: Option<&Accounting>,
) -> Result<Vec<u8>, ReportError> {
    let mut s = sheets(y, cats);
    if let Some(a) = accounting {
        s.push(Sheet {
            name: "减排核算".to_owned(),
            table: accounting_table(a),
        });
    }
    xlsx_workbook(&s).map_err(|e| ReportError::Input(format!("xlsx: {e}")))
}

/// Tonnes (or kg) per pollutant.
pub type PerPollutant = BTreeMap<Pollutant, Decimal>;

/// The newest year's totals per pollutant in kg per day (t/a × 1000 / days): the region's total
/// emissions (全社会排放量) the emergency-reduction list's shares are measured against.
pub fn region_kg_per_day(
    store: &Store,
    lib: (&Categories, &Library),
) -> Result<Option<(Year, PerPollutant)>, ReportError> {
    let Some(newest) = years(store)?.into_iter().next() else {
        return Ok(None);
    };
    let y = need(store, newest.version.year, lib)?;
    let per_day = pollutant_totals(&y.emissions)
        .into_iter()
        .map(|(p, v)| {
            (
                p,
                (v * Decimal::ONE_THOUSAND / Decimal::from(365)).round_dp(1),
            )
        })
        .collect();
    Ok(Some((y, per_day)))
}

/// The region's total emissions for the emergency-reduction list's shares, from the newest
/// inventory year, in kg/d: SO2, NOx, 颗粒物 (the inventory's PM10, assumption I4), VOCs. With the
/// year it came from.
pub fn region_total_for_list(
    store: &Store,
    lib: (&Categories, &Library),
) -> Result<Option<(Year, lantian_emergency::list::Emissions)>, ReportError> {
    Ok(region_kg_per_day(store, lib)?.map(|(y, m)| {
        let g = |p| m.get(&p).copied().unwrap_or_default();
        let e = lantian_emergency::list::Emissions {
            so2: g(Pollutant::SO2),
            nox: g(Pollutant::NOx),
            pm: g(Pollutant::PM10),
            vocs: g(Pollutant::VOCs),
        };
        (y, e)
    }))
}

/// A pollutant's total (t) in `year`'s inventory in force, with the shipped library; `None`
/// when there is no inventory for the year, the pollutant is unknown, or the year no longer
/// computes.
pub fn year_total(
    store: &Store,
    pollutant: &str,
    year: i32,
) -> Result<Option<Decimal>, ReportError> {
    let Some(p) = Pollutant::parse(pollutant) else {
        return Ok(None);
    };
    let (cats, lib) = (Categories::builtin(), Library::builtin());
    match current(store, year, (&cats, &lib)) {
        Ok(Some(y)) => Ok(Some(
            pollutant_totals(&y.emissions)
                .get(&p)
                .copied()
                .unwrap_or_default()
                .round_dp(3)
                .normalize(),
        )),
        Ok(None) | Err(ReportError::Input(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads an inventory file (and its projects file) as `exchange::from_rows` does.
pub fn read_files(
    name: &str,
    bytes: &[u8],
    projects: Option<(&str, &[u8])>,
    year: Option<i32>,
) -> Result<Inventory, ReportError> {
    let (h, rows) =
        crate::table::grid(name, bytes).map_err(|e| ReportError::Input(e.to_string()))?;
    let p = match projects {
        Some((pn, pb)) => {
            Some(crate::table::grid(pn, pb).map_err(|e| ReportError::Input(e.to_string()))?)
        }
        None => None,
    };
    exchange::from_rows(
        &h,
        &rows,
        p.as_ref().map(|(h, r)| (h.as_slice(), r.as_slice())),
        year,
    )
    .map_err(|e| ReportError::Input(format!("{name}: {}", refusal(&e))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lantian_core::FactorValue;
    use lantian_store::IngestFrame;

    fn example(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../config/inventory/example")
                .join(name),
        )
        .unwrap()
    }

    #[allow(clippy::unwrap_used)]
    #[test]
    fn cems_totals_replace_the_estimate_when_enough_days_are_valid() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("i.db").to_str().unwrap()).unwrap();
        let (cats, lib) = (Categories::builtin(), Library::builtin());
        let l = (&cats, &lib);
        let b = example("2020.csv");
        let base = read_files("2020.csv", &b, None, None).unwrap();
        store_year(&store, &base, l, "2020.csv", "导入", "test", 1).unwrap();
        let c = example("2024.csv");
        let p = example("projects-2024.csv");
        let mut inv = read_files("2024.csv", &c, Some(("projects-2024.csv", &p)), None).unwrap();
        // Without the file's measured total, to measure it here.
        for r in &mut inv.records {
            r.measured_t = None;
        }
        store_year(&store, &inv, l, "2024.csv", "导入", "test", 2).unwrap();
        let device: lantian_core::Device = serde_json::from_value(serde_json::json!({
            "mn": "EXAMPLE0000000000000001", "password": "123456", "kind": "cems", "name": "1号机组烟气",
            "owner": {"kind": "enterprise", "name": "示例热电有限公司", "town": "海门港新区"},
            "factors": [{"code": "a21002", "name": "氮氧化物", "unit": "mg/m3"}],
            "limits": []
        }))
        .unwrap();
        store.upsert_devices(&[device]).unwrap();
        let id = store.devices().unwrap()[0].id;
        // 2024 (366 days): 300 days of hourly data at 5 kg/h of NOx, the first 150 as -Cou,
        // the rest as 50 mg/m³ × 100,000 m³; day 301 has only 17 hours (not a valid day).
        let start = 1_704_038_400; // 2024-01-01 00:00 Beijing
        let mut frames = Vec::new();
        for day in 0..301_i64 {
            for hour in 0..if day == 300 { 17 } else { 24 } {
                let t = start + day * 86_400 + hour * 3_600;
                let values = if day < 150 {
                    vec![FactorValue {
                        code: "a21002".into(),
                        value: Some(40_000_000),
                        cou: Some(5_000_000),
                        flag: Some("N".into()),
                        ..Default::default()
                    }]
                } else {
                    vec![
                        FactorValue {
                            code: "a21002".into(),
                            value: Some(50_000_000),
                            flag: Some("N".into()),
                            ..Default::default()
                        },
                        FactorValue {
                            code: "a00000".into(),
                            value: Some(28_000_000),
                            cou: Some(100_000_000_000),
                            ..Default::default()
                        },
                    ]
                };
                frames.push(IngestFrame {
                    device_id: id,
                    received_at_ms: t * 1000,
                    cn: 2061,
                    qn: None,
                    data_time: Some(t),
                    part: 0,
                    raw: format!("hour {t}").into_bytes(),
                    vals: lantian_core::reading::encode_values(&values),
                });
            }
        }
        for chunk in frames.chunks(2_000) {
            store.ingest(chunk).unwrap();
        }
        // 90 % of the days needed: 300/366 = 82.0 % is not enough, nothing stored.
        let (m, stored) = measure(&store, 2024, l, Decimal::from(90), "test", 3).unwrap();
        assert_eq!(stored, None);
        // NOx and SO2 are measurable; this monitor sends no SO2 (0 valid days).
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|x| !x.used));
        // 80 %: used. 300 days × 120 kg, scaled to 366 days: 43.92 t.
        let (m, stored) = measure(&store, 2024, l, Decimal::from(80), "test", 4).unwrap();
        let nox = m.iter().find(|x| x.pollutant == Pollutant::NOx).unwrap();
        assert!(nox.used, "{m:?}");
        assert_eq!(
            (nox.tonnes, nox.valid_days, nox.coverage_pct),
            (Decimal::new(4392, 2), 300, Decimal::new(820, 1))
        );
        let so2 = m.iter().find(|x| x.pollutant == Pollutant::SO2).unwrap();
        assert!(!so2.used && so2.note.contains("0/366"), "{so2:?}");
        assert!(stored.is_some());
        let y = need(&store, 2024, l).unwrap();
        let e = y
            .emissions
            .iter()
            .find(|e| e.source == "P001" && e.pollutant == Pollutant::NOx)
            .unwrap();
        assert_eq!(e.method, lantian_inventory::Method::Measured);
        assert_eq!(e.tonnes, Decimal::new(4392, 2));
        // The earlier version is kept beside the measured one.
        assert_eq!(
            store.inventory_versions(Some(2024), false).unwrap().len(),
            2
        );
        let (a, _, _) = accounting_of(&store, 2024, 2020, l).unwrap();
        assert_eq!(a.pollutants[0].measured_t, Decimal::new(4392, 2));
        // The region's totals for the emergency list, in kg/d.
        let (year, per_day) = region_kg_per_day(&store, l).unwrap().unwrap();
        assert_eq!(year.inventory.year, 2024);
        assert!(per_day[&Pollutant::NOx] > Decimal::ZERO);
    }
}
