//! The town assessment (区镇考核) as the office runs it: each town's figures gathered from what
//! lantian holds, each with where it came from, then a version of the rules
//! (`lantian_assessment::Rules`) applied to them, the result stored with the rules it used, and
//! the circular (通报) and workbook made from a stored result.
//!
//! Figures gathered (codes as the rules name them):
//! - air quality of the town's stations (an area of kind `town` named as the town):
//!   `pm25`, `good_day_pct`, `composite`, `heavy_days`, and against the same period a year
//!   earlier `pm25_before`, `pm25_change_pct`, `composite_change_pct`, `good_day_pct_change`
//!   (percentage points) and `heavy_days_up`;
//! - straw-burning fire points: `fire_real` (incidents the town verified as real, by their
//!   first detection in the period) and `fire_open` (dispatched to it, not yet verified);
//! - plan tasks and progress reports: `tasks_overdue` (tasks the town reports on that are past
//!   their deadline and not done) and `reports_on_time_pct` (submitted on time, of those due);
//! - alarms of devices of the town raised in the period: `alarms` and `alarms_on_time_pct`
//!   (handled, closed or dismissed within the rules' `alarm_deadline_hours`);
//! - anything else (complaints, inspections by others) given in a CSV `town,indicator,value`,
//!   kept with the result so that a re-run uses the same.

use std::collections::BTreeMap;

use jiff::civil::Date;
use lantian_aq::Config;
use lantian_aq::assess::Period;
use lantian_assessment::{Assessment, Figures, Rules, assess};
use lantian_store::{
    AlarmFilter, AssessmentResultRecord, AssessmentRulesRecord, AuditEntry, FireFilter,
    NewAssessmentResult, NewAssessmentRules, Store,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::ReportError;
use crate::plan::{PlanStatus, beijing_midnight_ms};
use crate::ranking::{PlaceFigures, year_before};
use crate::tabular::{Sheet, Tabular, xlsx_workbook};

/// An assessment period: a month (`2026-03`) or a year (`2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TownPeriod {
    /// `month` or `year`.
    pub kind: &'static str,
    /// Its first day.
    pub first: Date,
    /// The day after its last.
    pub next: Date,
}

impl TownPeriod {
    /// `2026-03` or `2026`.
    pub fn parse(s: &str) -> Result<TownPeriod, ReportError> {
        let bad = || ReportError::Input(format!("period {s:?}: give YYYY-MM or YYYY"));
        if s.len() == 7 {
            let first: Date = format!("{s}-01").parse().map_err(|_| bad())?;
            Ok(TownPeriod {
                kind: "month",
                first,
                next: first.checked_add(jiff::Span::new().months(1))?,
            })
        } else if s.len() == 4 {
            let y: i16 = s.parse().map_err(|_| bad())?;
            Ok(TownPeriod {
                kind: "year",
                first: Date::new(y, 1, 1).map_err(|_| bad())?,
                next: Date::new(y + 1, 1, 1).map_err(|_| bad())?,
            })
        } else {
            Err(bad())
        }
    }

    /// `2026-03` or `2026`.
    #[must_use]
    pub fn label(&self) -> String {
        if self.kind == "month" {
            self.first.strftime("%Y-%m").to_string()
        } else {
            self.first.year().to_string()
        }
    }

    /// The period in the standards' terms.
    #[must_use]
    pub fn aq(&self) -> Period {
        if self.kind == "month" {
            Period::Month(self.first.year(), self.first.month())
        } else {
            Period::Year(self.first.year())
        }
    }
}

/// A figure given from outside (a CSV line), kept with the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenFigure {
    /// The town.
    pub town: String,
    /// The indicator code.
    pub indicator: String,
    /// The value.
    pub value: Decimal,
    /// Where (file and line).
    pub source: String,
}

/// Each town's figures and where each came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gathered {
    /// Town → indicator → value.
    pub figures: Figures,
    /// Town → indicator → source, in words.
    pub sources: BTreeMap<String, BTreeMap<String, String>>,
    /// The figures given from outside (they override gathered ones).
    pub given: Vec<GivenFigure>,
}

impl Gathered {
    /// Why a figure is missing, shown where it would be scored.
    fn note(&mut self, town: &str, code: &str, why: String) {
        self.sources
            .entry(town.to_owned())
            .or_default()
            .insert(code.to_owned(), why);
    }

    fn set(&mut self, town: &str, code: &str, value: Decimal, source: String) {
        self.figures
            .entry(town.to_owned())
            .or_default()
            .insert(code.to_owned(), value);
        self.sources
            .entry(town.to_owned())
            .or_default()
            .insert(code.to_owned(), source);
    }
}

/// Reads given figures: CSV with a header, `town,indicator,value`; errors name the line.
pub fn given_from_csv(text: &str, name: &str) -> Result<Vec<GivenFigure>, ReportError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let c: Vec<&str> = line.split(',').map(str::trim).collect();
        let [town, indicator, value] = c[..] else {
            return Err(ReportError::Input(format!(
                "{name}: line {}: give town,indicator,value",
                i + 1
            )));
        };
        let v: Decimal = value.parse().map_err(|_| {
            ReportError::Input(format!("{name}: line {}: {value:?} is not a number", i + 1))
        })?;
        out.push(GivenFigure {
            town: town.to_owned(),
            indicator: indicator.to_owned(),
            value: v,
            source: format!("{name} 第{}行", i + 1),
        });
    }
    Ok(out)
}

fn pct(part: u64, whole: u64) -> Decimal {
    (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(1)
}

/// Gathers every town's figures for `period` (towns of the plan status's plan).
pub fn gather(
    store: &Store,
    status: &PlanStatus,
    rules: &Rules,
    period: &TownPeriod,
    given: &[GivenFigure],
    config: &Config,
) -> Result<Gathered, ReportError> {
    let mut g = Gathered::default();
    let label = period.label();
    for t in &status.plan.towns {
        g.figures.entry(t.name.clone()).or_default();
    }
    let towns: Vec<String> = g.figures.keys().cloned().collect();
    let (from_ms, to_ms) = (
        beijing_midnight_ms(period.first)?,
        beijing_midnight_ms(period.next)?,
    );

    // Air quality of each town's own stations.
    let areas = store.areas()?;
    for town in &towns {
        let Some(area) = areas
            .iter()
            .find(|a| a.kind == "town" && (a.name == *town || a.alias.as_deref() == Some(town)))
        else {
            continue;
        };
        let scope = crate::Scope::of_area(area);
        let now = crate::ranking::figures(store, &scope, period.aq(), config)?;
        let before = year_before(period.aq())
            .map(|b| crate::ranking::figures(store, &scope, b, config))
            .transpose()?;
        let src = |f: &PlaceFigures, what: &str| {
            format!(
                "{}（站点 {}）{what}，有效天数 {}",
                area.name,
                f.stations.join("、"),
                f.valid_days
            )
        };
        let here = label.clone();
        // Values without the days HJ 663 asks for are not scored; the reason is kept.
        if !now.pm25_valid {
            let why = format!("{}，数据不足（HJ 663 有效性要求），不计", src(&now, &here));
            for code in ["pm25", "good_day_pct", "composite"] {
                g.note(town, code, why.clone());
            }
            continue;
        }
        if let Some(v) = now.pm25 {
            g.set(town, "pm25", v, src(&now, &here));
        }
        if let Some(v) = now.good_pct {
            g.set(town, "good_day_pct", v, src(&now, &here));
        }
        if let (Some(v), true) = (now.composite, now.composite_valid) {
            g.set(town, "composite", v, src(&now, &here));
        }
        g.set(
            town,
            "heavy_days",
            Decimal::from(now.heavy_days),
            src(&now, &here),
        );
        let Some(before) = before.filter(|b| b.pm25_valid) else {
            continue;
        };
        let both = format!("{label} 与上年同期");
        if let (Some(a), Some(b)) = (now.pm25, before.pm25) {
            g.set(town, "pm25_before", b, src(&before, "上年同期"));
            if let Some(r) = lantian_assessment::change_rate(Some(a), Some(b), 1) {
                g.set(town, "pm25_change_pct", r, src(&now, &both));
            }
        }
        if let (Some(r), true, true) = (
            lantian_assessment::change_rate(now.composite, before.composite, 1),
            now.composite_valid,
            before.composite_valid,
        ) {
            g.set(town, "composite_change_pct", r, src(&now, &both));
        }
        if let (Some(a), Some(b)) = (now.good_pct, before.good_pct) {
            g.set(town, "good_day_pct_change", a - b, src(&now, &both));
        }
        {
            g.set(
                town,
                "heavy_days_up",
                Decimal::from(now.heavy_days) - Decimal::from(before.heavy_days),
                src(&now, &both),
            );
        }
    }

    // Straw-burning fire points.
    let incidents = store.fire_incidents(&FireFilter {
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        ..FireFilter::default()
    })?;
    let stats = crate::fire::compute(&incidents);
    for town in &towns {
        let (real, open) = stats
            .rows
            .iter()
            .filter(|r| &r.town == town)
            .fold((0u32, 0u32), |(r, o), x| {
                (r + x.counts.real, o + x.counts.open)
            });
        let real_ids = incidents
            .iter()
            .filter(|i| {
                i.place.town.as_deref() == Some(town.as_str())
                    && i.verification
                        .as_ref()
                        .is_some_and(|v| v.finding == lantian_fire::orders::Finding::RealFire)
            })
            .map(|i| format!("#{}", i.id))
            .collect::<Vec<_>>()
            .join(" ");
        g.set(
            town,
            "fire_real",
            Decimal::from(real),
            format!("{label} 首次探测的火点事件，核查属实：{real}个 {real_ids}"),
        );
        g.set(
            town,
            "fire_open",
            Decimal::from(open),
            format!("{label} 首次探测的火点事件，尚未核查：{open}个"),
        );
    }

    // Plan progress reports on time.
    for card in &status.scorecards {
        let lantian_plan::supervision::Party::Town(name) = &card.party else {
            continue;
        };
        if !g.figures.contains_key(name) {
            continue;
        }
        if card.tasks > 0 {
            g.set(
                name,
                "tasks_overdue",
                Decimal::from(card.overdue as u64),
                format!(
                    "截至{}须报告的任务 {} 项，已完成 {} 项，逾期 {} 项",
                    status.today, card.tasks, card.done, card.overdue
                ),
            );
        }
        if card.reports_due == 0 {
            continue;
        }
        g.set(
            name,
            "reports_on_time_pct",
            pct(card.reports_on_time as u64, card.reports_due as u64),
            format!(
                "截至{}应报 {} 次，按时 {} 次",
                status.today, card.reports_due, card.reports_on_time
            ),
        );
    }

    // Alarms of the town's devices.
    let devices = store.devices()?;
    let town_of: BTreeMap<&str, &str> = devices
        .iter()
        .map(|d| (d.device.mn.as_str(), d.device.owner.town.as_str()))
        .collect();
    let alarms = store.alarms(&AlarmFilter {
        raised_from_ms: Some(from_ms),
        raised_to_ms: Some(to_ms),
        limit: 100_000,
        ..AlarmFilter::default()
    })?;
    let deadline_ms = i64::from(rules.figures.alarm_deadline_hours) * 3_600_000;
    let mut by_town: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for a in &alarms {
        let Some(town) = town_of.get(a.mn.as_str()).copied() else {
            continue;
        };
        if !g.figures.contains_key(town) {
            continue;
        }
        let done = store
            .alarm_events(a.id)?
            .iter()
            .filter(|e| matches!(e.to.as_str(), "handled" | "closed" | "dismissed"))
            .map(|e| e.at_ms)
            .min();
        let on_time = done.is_some_and(|at| at - a.raised_at_ms <= deadline_ms);
        let e = by_town.entry(town).or_default();
        e.0 += 1;
        e.1 += u64::from(on_time);
    }
    for (town, (n, ok)) in by_town {
        let hours = rules.figures.alarm_deadline_hours;
        g.set(
            town,
            "alarms",
            Decimal::from(n),
            format!("{label} 本镇设备产生的告警 {n} 条"),
        );
        g.set(
            town,
            "alarms_on_time_pct",
            pct(ok, n),
            format!("{n} 条告警中 {ok} 条在 {hours} 小时内处置、办结或驳回"),
        );
    }

    for f in given {
        g.set(&f.town, &f.indicator, f.value, f.source.clone());
    }
    g.given = given.to_vec();
    Ok(g)
}

/// Applies `rules` to the gathered figures, each item carrying its source.
#[must_use]
pub fn apply(rules: &Rules, gathered: &Gathered, period: &TownPeriod) -> Assessment {
    let mut a = assess(rules, &gathered.figures, &period.label());
    for t in &mut a.towns {
        for i in &mut t.items {
            if let Some(s) = gathered.sources.get(&t.town).and_then(|m| m.get(&i.code)) {
                i.source.clone_from(s);
            }
        }
    }
    a
}

/// The plan status at the end of `period` (whose towns and scorecards the assessment uses).
pub fn status_for(store: &Store, period: &TownPeriod) -> Result<PlanStatus, ReportError> {
    let (_, plan) = store.active_plan()?.ok_or_else(|| {
        ReportError::NotFound(
            "no plan in the store: lantian plan load config/plans/haimen.toml".to_owned(),
        )
    })?;
    let last = period.next.yesterday()?;
    let config = Config::default();
    let series = crate::plan::area_series(store, "haimen", last, &config);
    crate::plan::plan_status(store, &plan, last, &series)
}

/// Gathers and applies in one step.
pub fn compute(
    store: &Store,
    rules: &Rules,
    period: &TownPeriod,
    given: &[GivenFigure],
) -> Result<(Gathered, Assessment), ReportError> {
    let status = status_for(store, period)?;
    let gathered = gather(store, &status, rules, period, given, &Config::default())?;
    let a = apply(rules, &gathered, period);
    Ok((gathered, a))
}

/// Parses rules text, naming `name` in errors.
pub fn parse_rules(text: &str, name: &str) -> Result<Rules, ReportError> {
    Rules::from_toml(text).map_err(|e| ReportError::Input(format!("{name}: {}", e.join("; "))))
}

/// Loads a version of the rules into the store; returns its id and whether it is new.
pub fn load_rules(
    store: &Store,
    text: &str,
    name: &str,
    actor: &str,
    at_ms: i64,
) -> Result<(i64, bool, Rules), ReportError> {
    let rules = parse_rules(text, name)?;
    let sha256: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (id, new) = store.put_assessment_rules(
        &NewAssessmentRules {
            code: rules.rules.code.clone(),
            version: rules.rules.version,
            sha256,
            body: text.to_owned(),
            period: rules.rules.period.clone(),
            valid_from: rules.rules.valid_from.clone(),
            valid_to: rules.rules.valid_to.clone(),
            example: rules.rules.example,
            loaded_at_ms: at_ms,
            loaded_by: actor.to_owned(),
        },
        &AuditEntry {
            at_ms,
            actor: actor.to_owned(),
            action: "assessment.rules.load".to_owned(),
            target: String::new(),
            detail: format!(
                "{} version {} ({name})",
                rules.rules.code, rules.rules.version
            ),
        },
    )?;
    Ok((id, new, rules))
}

/// The stored version of the rules for `period` (see `Rules::select`), parsed.
pub fn rules_for(
    store: &Store,
    period: &TownPeriod,
) -> Result<(AssessmentRulesRecord, Rules), ReportError> {
    let records = store.assessment_rules()?;
    let parsed: Vec<(AssessmentRulesRecord, Rules)> = records
        .into_iter()
        .map(|r| {
            let p = parse_rules(&r.rules.body, &format!("stored rules #{}", r.id))?;
            Ok((r, p))
        })
        .collect::<Result<_, ReportError>>()?;
    let first = period.first.to_string();
    let chosen = Rules::select(parsed.iter().map(|(_, r)| r), period.kind, &first)
        .map(|r| (r.rules.code.clone(), r.rules.version));
    parsed
        .into_iter()
        .find(|(_, r)| Some((r.rules.code.clone(), r.rules.version)) == chosen)
        .ok_or_else(|| {
            ReportError::NotFound(format!(
                "no stored assessment rules apply to {} ({}): load a version with lantian towns rules load FILE",
                period.label(),
                period.kind
            ))
        })
}

/// The JSON kept as a result's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFigures {
    /// The period kind.
    pub kind: String,
    /// The figures.
    pub gathered: Gathered,
}

/// A stored result, read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAssessment {
    /// Store id.
    pub id: i64,
    /// The rules it used.
    pub rules_id: i64,
    /// Their code.
    pub rules_code: String,
    /// Their version.
    pub rules_version: u32,
    /// Example rules.
    pub example: bool,
    /// The rules' name.
    pub rules_name: String,
    /// Unix ms.
    pub computed_at_ms: i64,
    /// Who.
    pub computed_by: String,
    /// The figures.
    pub gathered: Gathered,
    /// The result.
    pub assessment: Assessment,
}

impl StoredAssessment {
    /// The towns ranked first (several when tied).
    #[must_use]
    pub fn first(&self) -> Vec<String> {
        self.towns_where(|t| t.rank == Some(1))
    }

    /// The towns on the special-inspection list.
    #[must_use]
    pub fn inspected(&self) -> Vec<String> {
        self.towns_where(|t| !t.inspection.is_empty())
    }

    fn towns_where(&self, f: impl Fn(&lantian_assessment::TownResult) -> bool) -> Vec<String> {
        self.assessment
            .towns
            .iter()
            .filter(|t| f(t))
            .map(|t| t.town.clone())
            .collect()
    }
}

/// Stores a result with the rules it used; returns its id.
pub fn save(
    store: &Store,
    rules_id: i64,
    period: &TownPeriod,
    gathered: &Gathered,
    assessment: &Assessment,
    actor: &str,
    at_ms: i64,
) -> Result<i64, ReportError> {
    let json_error = |e: serde_json::Error| ReportError::Input(e.to_string());
    let figures = serde_json::to_string(&StoredFigures {
        kind: period.kind.to_owned(),
        gathered: gathered.clone(),
    })
    .map_err(json_error)?;
    let result = serde_json::to_string(assessment).map_err(json_error)?;
    Ok(store.put_assessment_result(
        &NewAssessmentResult {
            rules_id,
            period: period.label(),
            figures,
            result,
            computed_at_ms: at_ms,
            computed_by: actor.to_owned(),
        },
        &AuditEntry {
            at_ms,
            actor: actor.to_owned(),
            action: "assessment.run".to_owned(),
            target: String::new(),
            detail: format!(
                "{} version {} {}",
                assessment.rules,
                assessment.version,
                period.label()
            ),
        },
    )?)
}

/// Reads a stored result back with its rules.
pub fn stored(store: &Store, id: i64) -> Result<StoredAssessment, ReportError> {
    let rec = store.assessment_result(id)?;
    from_record(store, &rec)
}

fn from_record(
    store: &Store,
    rec: &AssessmentResultRecord,
) -> Result<StoredAssessment, ReportError> {
    let bad = |e: serde_json::Error| {
        ReportError::Input(format!("stored assessment result #{}: {e}", rec.id))
    };
    let figures: StoredFigures = serde_json::from_str(&rec.result.figures).map_err(bad)?;
    let assessment: Assessment = serde_json::from_str(&rec.result.result).map_err(bad)?;
    let rules = store
        .assessment_rules()?
        .into_iter()
        .find(|r| r.id == rec.result.rules_id)
        .ok_or_else(|| ReportError::NotFound(format!("rules #{}", rec.result.rules_id)))?;
    let name = parse_rules(&rules.rules.body, "stored rules")
        .map(|r| r.rules.name)
        .unwrap_or_default();
    Ok(StoredAssessment {
        id: rec.id,
        rules_id: rules.id,
        rules_code: rules.rules.code,
        rules_version: rules.rules.version,
        example: rules.rules.example,
        rules_name: name,
        computed_at_ms: rec.result.computed_at_ms,
        computed_by: rec.result.computed_by.clone(),
        gathered: figures.gathered,
        assessment,
    })
}

/// Stored results (of one period, or all), newest first.
pub fn list(store: &Store, period: Option<&str>) -> Result<Vec<StoredAssessment>, ReportError> {
    store
        .assessment_results(period)?
        .iter()
        .map(|r| from_record(store, r))
        .collect()
}

/// Re-runs a stored result: its period, its rules (from the store) and its given figures,
/// with the figures gathered again now. Returns the new result and the differences from the
/// stored one, in words (empty: the same figures).
pub fn rerun(store: &Store, id: i64) -> Result<(Gathered, Assessment, Vec<String>), ReportError> {
    let old = stored(store, id)?;
    let period = TownPeriod::parse(&old.assessment.period)?;
    let rec = store
        .assessment_rules()?
        .into_iter()
        .find(|r| r.id == old.rules_id)
        .ok_or_else(|| ReportError::NotFound(format!("rules #{}", old.rules_id)))?;
    let rules = parse_rules(&rec.rules.body, "stored rules")?;
    let (g, a) = compute(store, &rules, &period, &old.gathered.given)?;
    let mut diff = Vec::new();
    for (town, values) in &old.gathered.figures {
        let now = g.figures.get(town);
        for (code, v) in values {
            let n = now.and_then(|m| m.get(code));
            if n != Some(v) {
                diff.push(format!(
                    "{town} {code}: stored {v}, now {}",
                    n.map_or("—".to_owned(), ToString::to_string)
                ));
            }
        }
        for (code, n) in now.into_iter().flatten() {
            if !values.contains_key(code) {
                diff.push(format!("{town} {code}: stored —, now {n}"));
            }
        }
    }
    if diff.is_empty() && a != old.assessment {
        diff.push("the same figures give a different result".to_owned());
    }
    Ok((g, a, diff))
}

fn num(v: Option<Decimal>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| x.normalize().to_string())
}

fn yuan(v: Decimal) -> String {
    v.normalize().to_string()
}

/// One line of the circular's ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CircularLine {
    /// Rank (`—` when not ranked), with 并列 when shared.
    pub rank: String,
    /// The town.
    pub town: String,
    /// Total score.
    pub total: String,
    /// Money (yuan).
    pub money: String,
    /// Vetoes, inspections, or why not ranked.
    pub note: String,
}

/// The circular (通报) of a stored result: the ranking, rewards and penalties, vetoes, the
/// special-inspection list and the rules it used. Rendered as Markdown here and as a printable
/// page by the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Circular {
    /// Title.
    pub title: String,
    /// Computed with example rules.
    pub example: bool,
    /// The opening paragraph.
    pub lead: String,
    /// The ranking.
    pub lines: Vec<CircularLine>,
    /// Rewards, in words (`无` when none).
    pub rewards: String,
    /// Penalties, in words.
    pub penalties: String,
    /// Vetoes: town, reason.
    pub vetoes: Vec<(String, String)>,
    /// Special inspection: town, reasons.
    pub inspections: Vec<(String, String)>,
    /// The closing note.
    pub note: String,
}

/// The circular of a stored result.
#[must_use]
pub fn circular(s: &StoredAssessment) -> Circular {
    let a = &s.assessment;
    let when = if a.period.len() == 7 {
        format!(
            "{}年{}月",
            &a.period[..4],
            a.period[5..].trim_start_matches('0')
        )
    } else {
        format!("{}年度", a.period)
    };
    let ranked = a.towns.iter().filter(|t| t.rank.is_some()).count();
    let money = |sign: Decimal| {
        let v: Vec<String> = a
            .towns
            .iter()
            .filter(|t| t.money_total * sign > Decimal::ZERO)
            .map(|t| format!("{}{}元", t.town, yuan(t.money_total * sign)))
            .collect();
        if v.is_empty() {
            "无".to_owned()
        } else {
            v.join("、")
        }
    };
    Circular {
        title: format!("关于{when}各区镇大气环境质量考核结果的通报"),
        example: s.example,
        lead: format!(
            "依据《{}》（{} 第{}版），对各区镇{when}大气环境质量及相关工作进行了考核，{ranked}个区镇参与排名。现将结果通报如下。",
            s.rules_name, s.rules_code, s.rules_version
        ),
        lines: a
            .towns
            .iter()
            .map(|t| {
                let mut note: Vec<String> = Vec::new();
                if t.total.is_none() {
                    note.push("计分指标不足，不参与排名".to_owned());
                }
                note.extend(t.veto.iter().cloned());
                note.extend(t.inspection.iter().cloned());
                CircularLine {
                    rank: format!(
                        "{}{}",
                        t.rank.map_or("—".to_owned(), |r| r.to_string()),
                        if t.tied { "（并列）" } else { "" }
                    ),
                    town: t.town.clone(),
                    total: num(t.total),
                    money: yuan(t.money_total),
                    note: note.join("；"),
                }
            })
            .collect(),
        rewards: money(Decimal::ONE),
        penalties: money(Decimal::NEGATIVE_ONE),
        vetoes: a
            .towns
            .iter()
            .filter_map(|t| t.veto.clone().map(|v| (t.town.clone(), v)))
            .collect(),
        inspections: a
            .towns
            .iter()
            .filter(|t| !t.inspection.is_empty())
            .map(|t| (t.town.clone(), t.inspection.join("；")))
            .collect(),
        note: format!(
            "各项得分、权重、目标值及数据来源见附表（考核结果 #{}），可据考核规则原文逐项复核。",
            s.id
        ),
    }
}

impl Circular {
    /// As Markdown.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(o, "# {}\n", self.title);
        if self.example {
            let _ = writeln!(o, "> 示例规则计算，非正式考核结果。\n");
        }
        let _ = writeln!(o, "{}\n", self.lead);
        let _ = writeln!(o, "## 一、考核排名\n");
        let _ = writeln!(o, "| 排名 | 区镇 | 总分 | 奖惩（元） | 备注 |");
        let _ = writeln!(o, "|---:|---|---:|---:|---|");
        for l in &self.lines {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                l.rank, l.town, l.total, l.money, l.note
            );
        }
        let _ = writeln!(o, "\n## 二、奖励与扣罚\n");
        let _ = writeln!(
            o,
            "奖励：{}。\n\n扣罚：{}。\n",
            self.rewards, self.penalties
        );
        if !self.vetoes.is_empty() {
            let _ = writeln!(o, "一票否决：");
            for (t, v) in &self.vetoes {
                let _ = writeln!(o, "- {t}：{v}");
            }
            o.push('\n');
        }
        let _ = writeln!(o, "## 三、专项督察与监督帮扶名单\n");
        if self.inspections.is_empty() {
            let _ = writeln!(o, "本期无。\n");
        } else {
            for (t, r) in &self.inspections {
                let _ = writeln!(o, "- {t}：{r}");
            }
            o.push('\n');
        }
        let _ = writeln!(o, "## 四、说明\n");
        let _ = writeln!(o, "{}", self.note);
        o
    }
}

/// The workbook of a stored result: the ranking, every item of every town with its source,
/// the money and the special-inspection list.
pub fn workbook(s: &StoredAssessment) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let a = &s.assessment;
    let ranking = Sheet {
        name: "排名".to_owned(),
        table: Tabular {
            headers: [
                "排名",
                "并列",
                "区镇",
                "总分",
                "奖惩（元）",
                "一票否决",
                "专项督察",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: a
                .towns
                .iter()
                .map(|t| {
                    vec![
                        t.rank.map_or(String::new(), |r| r.to_string()),
                        if t.tied { "是" } else { "" }.to_owned(),
                        t.town.clone(),
                        t.total.map_or(String::new(), |x| x.to_string()),
                        yuan(t.money_total),
                        t.veto.clone().unwrap_or_default(),
                        t.inspection.join("；"),
                    ]
                })
                .collect(),
        },
    };
    let items = Sheet {
        name: "计分明细".to_owned(),
        table: Tabular {
            headers: [
                "区镇",
                "指标",
                "名称",
                "数值",
                "目标",
                "满分值",
                "零分值",
                "得分",
                "权重",
                "计分方法",
                "数据来源",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: a
                .towns
                .iter()
                .flat_map(|t| {
                    t.items.iter().map(|i| {
                        vec![
                            t.town.clone(),
                            i.code.clone(),
                            i.name.clone(),
                            num(i.value),
                            num(i.target),
                            num(i.full_at),
                            num(i.zero_at),
                            i.score.map_or(String::new(), |x| x.to_string()),
                            i.weight.normalize().to_string(),
                            i.note.clone(),
                            i.source.clone(),
                        ]
                    })
                })
                .collect(),
        },
    };
    let money = Sheet {
        name: "奖惩".to_owned(),
        table: Tabular {
            headers: ["区镇", "指标", "金额（元）", "计算"]
                .map(str::to_owned)
                .to_vec(),
            rows: a
                .towns
                .iter()
                .flat_map(|t| {
                    t.money.iter().map(|m| {
                        vec![
                            t.town.clone(),
                            m.indicator.clone(),
                            yuan(m.amount),
                            m.note.clone(),
                        ]
                    })
                })
                .collect(),
        },
    };
    let figures = Sheet {
        name: "全部数据".to_owned(),
        table: Tabular {
            headers: ["区镇", "指标", "数值", "来源"].map(str::to_owned).to_vec(),
            rows: s
                .gathered
                .figures
                .iter()
                .flat_map(|(town, m)| {
                    m.iter().map(|(code, v)| {
                        vec![
                            town.clone(),
                            code.clone(),
                            v.normalize().to_string(),
                            s.gathered
                                .sources
                                .get(town)
                                .and_then(|x| x.get(code))
                                .cloned()
                                .unwrap_or_default(),
                        ]
                    })
                })
                .collect(),
        },
    };
    xlsx_workbook(&[ranking, items, money, figures])
}
