//! Fire points (秸秆焚烧火点) against the store: an import reads FIRMS or generic files
//! (`lantian_fire::parse`), attributes every detection to the configured district and towns
//! (map layers `district` and `towns`, WGS-84), keeps those inside the district or within the
//! near-border distance, merges them with the stored ones into incidents
//! (`lantian_fire::extend`), and dispatches each new incident inside the district to its
//! town. Statistics by town, month and source come from the work orders
//! (`lantian_fire::orders::statistics`), with an xlsx of the statistics and the incidents.

use std::collections::{BTreeMap, BTreeSet};

use lantian_fire::orders::{Finding, OrderFacts, OrderState, TownMonth, statistics};
use lantian_fire::{Detection, Joins, LineError, MergeRule, Regions, extend};
use lantian_store::{
    AuditEntry, FireBatchItem, FireBatchOutcome, FireFilter, FireIncidentRecord, FirePlace,
    FireTarget, NewFireDetection, Store,
};
use serde::Serialize;

pub use crate::beijing_minute;
use crate::{ReportError, Sheet, Tabular, xlsx_workbook};

/// The map layer of the district (or districts) whose fires are followed.
pub const DISTRICT_LAYER: &str = "district";
/// The map layer of its towns (乡镇/街道), by which incidents are dispatched.
pub const TOWNS_LAYER: &str = "towns";
/// The town of an incident inside the district but in no town polygon.
pub const UNASSIGNED: &str = "（未分派）";

/// How an import decides.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// Detections outside the district but within this distance of its border (km) are kept
    /// as near-border (UNVERIFIED default 5 km; assumption F2).
    pub near_km: f64,
    /// When detections are the same fire.
    pub rule: MergeRule,
    /// Dispatch new incidents to their town at once.
    pub dispatch: bool,
    /// Who imports (audit and history).
    pub actor: String,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// One file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FireFile {
    /// Its name (kept with each detection).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// What one file gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSummary {
    /// Its name.
    pub name: String,
    /// `firms-modis`, `firms-viirs`, `generic`.
    pub layout: &'static str,
    /// Detections read.
    pub read: usize,
    /// Detections that repeat a record read before in this import (every field equal), not
    /// counted again.
    pub same_record: usize,
    /// Lines refused, each named.
    pub errors: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    /// The import run's id.
    pub import_id: i64,
    /// Per file.
    pub files: Vec<FileSummary>,
    /// Detections read from all files, each record once: the files' `read` less their
    /// `same_record`.
    pub read: usize,
    /// Inside the district.
    pub inside: usize,
    /// Outside it but within `near_km` of its border.
    pub near: usize,
    /// Farther away (not kept).
    pub elsewhere: usize,
    /// What the store wrote.
    pub outcome: FireBatchOutcome,
}

/// The district and town layers as regions.
#[derive(Debug)]
pub struct FireLayers {
    /// The district layer.
    pub district: Regions,
    /// The towns layer, when configured.
    pub towns: Option<Regions>,
}

fn layer(store: &Store, name: &str) -> Result<Option<Regions>, ReportError> {
    let Some(l) = store.map_layer(name)? else {
        return Ok(None);
    };
    let regions = lantian_fire::regions_from_geojson(&l.geojson, name, |x, y| (x, y))
        .map_err(|e| ReportError::Input(format!("map layer {name}: {e}")))?;
    Ok(Some(Regions::new(regions)))
}

/// The configured layers; the district layer is required.
pub fn layers(store: &Store) -> Result<FireLayers, ReportError> {
    let district = layer(store, DISTRICT_LAYER)?.ok_or_else(|| {
        ReportError::Input(
            "no district boundary: import one first (lantian import boundary FILE --name district)"
                .to_owned(),
        )
    })?;
    Ok(FireLayers {
        district,
        towns: layer(store, TOWNS_LAYER)?,
    })
}

/// Where one detection is.
#[derive(Debug, Clone, Default, PartialEq)]
struct Placed {
    region: Option<String>,
    town: Option<(String, String)>,
    near: Option<(String, f64)>,
}

fn place(layers: &FireLayers, d: &Detection, near_km: f64) -> Placed {
    let a = layers.district.attribute(d.lon, d.lat, near_km);
    let Some(region) = a.inside.into_iter().next() else {
        return Placed {
            near: a.near,
            ..Placed::default()
        };
    };
    let town = layers.towns.as_ref().and_then(|t| {
        t.containing(d.lon, d.lat)
            .next()
            .map(|r| (r.code.clone(), r.name.clone()))
    });
    Placed {
        region: Some(region),
        town,
        near: None,
    }
}

/// A stored detection as the merge sees it.
fn as_detection(d: &NewFireDetection) -> Detection {
    Detection {
        lon: d.lon,
        lat: d.lat,
        at: jiff::Timestamp::from_millisecond(d.at_ms).unwrap_or_default(),
        source: d.source.clone(),
        satellite: d.satellite.clone(),
        confidence: lantian_fire::Confidence::Percent(0),
        frp: d.frp,
        daynight: d.daynight.clone(),
    }
}

/// Imports fire files: every readable line kept, every bad line named; a file whose header
/// is not recognised is refused with its name before anything is written.
pub fn import(
    store: &Store,
    files: &[FireFile],
    opts: &ImportOptions,
) -> Result<ImportSummary, ReportError> {
    let layers = layers(store)?;
    let mut keys = lantian_fire::Keys::default();
    let mut summaries = Vec::new();
    // (detection, file, line, where, stored key)
    let mut kept: Vec<Kept> = Vec::new();
    let (mut read, mut inside, mut near, mut elsewhere) = (0, 0, 0, 0);
    for f in files {
        let parsed = lantian_fire::parse(&f.text)
            .map_err(|e: LineError| ReportError::Input(format!("{}: {e}", f.name)))?;
        let mut summary = FileSummary {
            name: f.name.clone(),
            layout: parsed.layout,
            read: parsed.detections.len(),
            same_record: 0,
            errors: parsed
                .errors
                .iter()
                .map(|e| format!("{}: {e}", f.name))
                .collect(),
        };
        for (d, line) in parsed.detections.into_iter().zip(parsed.lines) {
            let Some(key) = keys.key_of(&d) else {
                summary.same_record += 1;
                continue;
            };
            read += 1;
            let p = place(&layers, &d, opts.near_km);
            if p.region.is_some() {
                inside += 1;
            } else if p.near.is_some() {
                near += 1;
            } else {
                elsewhere += 1;
                continue;
            }
            kept.push((d, f.name.clone(), line, p, key));
        }
        summaries.push(summary);
    }
    let import_id = store.begin_import(
        "fire",
        &files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )?;
    let items = batch(store, &kept, opts)?;
    let audit = AuditEntry {
        at_ms: opts.at_ms,
        actor: opts.actor.clone(),
        action: "fire.import".to_owned(),
        target: format!("import:{import_id}"),
        detail: serde_json::json!({
            "files": summaries.iter().map(|f| &f.name).collect::<Vec<_>>(),
            "near_km": opts.near_km,
            "rule": opts.rule,
        })
        .to_string(),
    };
    let outcome = store.put_fire_batch(import_id, &items, &opts.actor, opts.at_ms, &audit)?;
    let summary = ImportSummary {
        import_id,
        files: summaries,
        read,
        inside,
        near,
        elsewhere,
        outcome,
    };
    store.finish_import(
        import_id,
        &serde_json::to_string(&summary).unwrap_or_default(),
    )?;
    Ok(summary)
}

/// A detection kept for the batch: with its file, line, place and the key it is stored under.
type Kept = (Detection, String, usize, Placed, String);

/// The batch: kept detections not stored before, grouped by the incident they join.
fn batch(
    store: &Store,
    kept: &[Kept],
    opts: &ImportOptions,
) -> Result<Vec<FireBatchItem>, ReportError> {
    let window_ms = opts.rule.window_h.saturating_mul(3_600_000);
    let (Some(lo), Some(hi)) = (
        kept.iter().map(|k| k.0.at.as_millisecond()).min(),
        kept.iter().map(|k| k.0.at.as_millisecond()).max(),
    ) else {
        return Ok(Vec::new());
    };
    let stored = store.fire_detections_between(lo - window_ms, hi + window_ms)?;
    let known: BTreeMap<&str, i64> = stored
        .iter()
        .map(|s| (s.detection.key.as_str(), s.incident_id))
        .collect();
    // Detections stored before go to their incident, where the store counts them as duplicates.
    let (dupes, fresh): (Vec<_>, Vec<_>) =
        kept.iter().partition(|k| known.contains_key(k.4.as_str()));
    let context: Vec<(Detection, i64)> = stored
        .iter()
        .map(|s| (as_detection(&s.detection), s.incident_id))
        .collect();
    let new: Vec<Detection> = fresh.iter().map(|k| k.0.clone()).collect();
    let (joins, n_new) = extend(&context, &new, opts.rule);
    let row = |k: &Kept| NewFireDetection {
        key: k.4.clone(),
        lon: k.0.lon,
        lat: k.0.lat,
        at_ms: k.0.at.as_millisecond(),
        source: k.0.source.clone(),
        satellite: k.0.satellite.clone(),
        confidence: k.0.confidence.as_text(),
        frp: k.0.frp,
        daynight: k.0.daynight.clone(),
        file: k.1.clone(),
        line: i64::try_from(k.2).unwrap_or(i64::MAX),
    };
    let mut existing: BTreeMap<i64, Vec<NewFireDetection>> = BTreeMap::new();
    for k in dupes {
        if let Some(id) = known.get(k.4.as_str()) {
            existing.entry(*id).or_default().push(row(k));
        }
    }
    let mut groups: Vec<Vec<&Kept>> = vec![Vec::new(); n_new];
    for (k, j) in fresh.iter().zip(joins) {
        match j {
            Joins::Existing(id) => existing.entry(id).or_default().push(row(k)),
            Joins::New(n) => groups[n].push(k),
        }
    }
    let mut items: Vec<FireBatchItem> = existing
        .into_iter()
        .map(|(id, detections)| FireBatchItem {
            target: FireTarget::Existing(id),
            detections,
        })
        .collect();
    for mut g in groups {
        g.sort_by_key(|k| k.0.at);
        // The incident lies where its first detection inside the district lies; if none is
        // inside, it is near the border at the smallest distance seen.
        let at = g.iter().find(|k| k.3.region.is_some());
        let place = match at {
            Some(k) => FirePlace {
                region: k.3.region.clone(),
                town_code: k.3.town.as_ref().map(|t| t.0.clone()),
                town: k.3.town.as_ref().map(|t| t.1.clone()),
                ..FirePlace::default()
            },
            None => {
                let nearest = g
                    .iter()
                    .filter_map(|k| k.3.near.clone())
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                FirePlace {
                    near_region: nearest.as_ref().map(|n| n.0.clone()),
                    near_km: nearest.map(|n| (n.1 * 1000.0).round() / 1000.0),
                    ..FirePlace::default()
                }
            }
        };
        let dispatch_to = place.town.clone().filter(|_| opts.dispatch);
        items.push(FireBatchItem {
            target: FireTarget::New { place, dispatch_to },
            detections: g.into_iter().map(row).collect(),
        });
    }
    Ok(items)
}

/// `YYYY-MM` of a time in Beijing.
fn beijing_month(ms: i64) -> String {
    let d = crate::plan::beijing_date(ms);
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The town an incident counts for: the one it is dispatched to, else the one it lies in.
pub fn town_of(r: &FireIncidentRecord) -> Option<String> {
    r.assignee.clone().or_else(|| {
        r.place.region.as_ref().map(|_| {
            r.place
                .town
                .clone()
                .unwrap_or_else(|| UNASSIGNED.to_owned())
        })
    })
}

/// The finding that counts: only a verification the order still stands on (verified or
/// closed; one sent back counts as open).
pub fn finding_of(r: &FireIncidentRecord) -> Option<Finding> {
    match r.state {
        Some(OrderState::Verified | OrderState::Closed) => {
            r.verification.as_ref().map(|v| v.finding)
        }
        _ => None,
    }
}

/// Statistics rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FireStatistics {
    /// Per town and month (Beijing), sorted.
    pub rows: Vec<StatisticsRow>,
    /// Every source seen.
    pub sources: Vec<String>,
    /// Near-border incidents (not dispatched) per month.
    pub near_border: BTreeMap<String, u32>,
}

/// One town and month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatisticsRow {
    /// The town.
    pub town: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The counts.
    #[serde(flatten)]
    pub counts: TownMonth,
}

/// Statistics of the incidents whose first detection is in `[from_ms, to_ms)`, optionally of
/// one town.
pub fn statistics_of(
    store: &Store,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    town: Option<&str>,
) -> Result<FireStatistics, ReportError> {
    let incidents = store.fire_incidents(&FireFilter {
        from_ms,
        to_ms,
        town: town.map(str::to_owned),
        ..FireFilter::default()
    })?;
    Ok(compute(&incidents))
}

/// Statistics of these incidents.
#[must_use]
pub fn compute(incidents: &[FireIncidentRecord]) -> FireStatistics {
    let mut facts = Vec::new();
    let mut near_border: BTreeMap<String, u32> = BTreeMap::new();
    let mut sources = BTreeSet::new();
    for r in incidents {
        sources.extend(r.sources.iter().cloned());
        let month = beijing_month(r.first_at_ms);
        let Some(town) = town_of(r) else {
            *near_border.entry(month).or_default() += 1;
            continue;
        };
        let finding = finding_of(r);
        facts.push(OrderFacts {
            town,
            month,
            sources: r.sources.clone(),
            finding,
            response_min: r.response_min(None),
        });
    }
    FireStatistics {
        rows: statistics(&facts)
            .into_iter()
            .map(|((town, month), counts)| StatisticsRow {
                town,
                month,
                counts,
            })
            .collect(),
        sources: sources.into_iter().collect(),
        near_border,
    }
}

/// The statistics as a table (one column per source).
#[must_use]
pub fn statistics_table(s: &FireStatistics) -> Tabular {
    let mut headers: Vec<String> = [
        "区镇/街道",
        "月份",
        "火点事件",
        "属实",
        "误报",
        "不在辖区",
        "未核查",
        "核查用时中位数(分钟)",
    ]
    .map(str::to_owned)
    .to_vec();
    headers.extend(s.sources.iter().map(|x| format!("来源:{x}")));
    let rows = s
        .rows
        .iter()
        .map(|r| {
            let c = &r.counts;
            let mut row = vec![
                r.town.clone(),
                r.month.clone(),
                c.incidents.to_string(),
                c.real.to_string(),
                c.false_alarms.to_string(),
                c.outside.to_string(),
                c.open.to_string(),
                c.median_response_min
                    .map_or(String::new(), |m| m.to_string()),
            ];
            row.extend(
                s.sources
                    .iter()
                    .map(|x| c.by_source.get(x).copied().unwrap_or(0).to_string()),
            );
            row
        })
        .collect();
    Tabular { headers, rows }
}

/// The incidents as a table.
#[must_use]
pub fn incidents_table(incidents: &[FireIncidentRecord]) -> Tabular {
    let headers = [
        "编号",
        "首次发现(北京时间)",
        "最后发现",
        "经度",
        "纬度",
        "火点数",
        "来源",
        "所在区镇",
        "派发至",
        "状态",
        "核查结论",
        "过火面积(亩)",
        "处置情况",
        "核查用时(分钟)",
        "边界外距离(km)",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = incidents
        .iter()
        .map(|r| {
            let v = r.verification.as_ref();
            vec![
                r.id.to_string(),
                beijing_minute(r.first_at_ms),
                beijing_minute(r.last_at_ms),
                format!("{:.4}", r.lon),
                format!("{:.4}", r.lat),
                r.detections.to_string(),
                r.sources.join("、"),
                r.place.town.clone().unwrap_or_default(),
                r.assignee.clone().unwrap_or_default(),
                r.state_zh().to_owned(),
                v.map_or(String::new(), |v| v.finding.zh().to_owned()),
                v.and_then(|v| v.burned_mu)
                    .map_or(String::new(), |m| m.to_string()),
                v.map_or(String::new(), |v| v.action.clone()),
                r.response_min(None)
                    .map_or(String::new(), |m| m.to_string()),
                r.place.near_km.map_or(String::new(), |k| format!("{k:.3}")),
            ]
        })
        .collect();
    Tabular { headers, rows }
}

/// The statistics and the incidents as a workbook.
pub fn workbook(
    stats: &FireStatistics,
    incidents: &[FireIncidentRecord],
) -> Result<Vec<u8>, ReportError> {
    xlsx_workbook(&[
        Sheet {
            name: "火点统计".to_owned(),
            table: statistics_table(stats),
        },
        Sheet {
            name: "火点事件".to_owned(),
            table: incidents_table(incidents),
        },
    ])
    .map_err(|e| ReportError::Input(format!("xlsx: {e}")))
}
