//! Assessment reports: the HJ 663 assessment of a station or an area over a period, with
//! hourly and daily AQI, targets and year on year, built from the store and laid out as tables
//! with Chinese headers for CSV and Excel export.
//!
//! Layout:
//! - [`build`] reads a [`Scope`]'s hourly data from the store and computes the whole
//!   [`Report`] (the JSON shape of `lantian assess --format json` and `/api/v1/assessment`).
//! - [`Table`], [`headers`] and [`rows`] lay a report out as text tables; [`Tabular`] is any
//!   table (headers and text rows) written as CSV or as an xlsx workbook, used by every export
//!   of the CLI and the API.
//! - [`plan`]: where the action plan stands (tasks, indicators, scorecards, reminders) and its
//!   workbook in the layout of the plan's own table.

pub mod emergency;
pub mod enforcement;
pub mod fire;
pub mod inventory;
pub mod plan;
pub mod ranking;
pub mod table;
mod tabular;
pub mod towns;

pub use tabular::{Sheet, Tabular, xlsx_workbook};

use jiff::civil::Date;
use lantian_aq::assess::{
    Assessment, DailyRecord, Judged, Period, area_daily_records, assess, year_on_year,
};
use lantian_aq::series::area_hourly;
use lantian_aq::target::{Comparison, MeanBudget, ShareBudget, good_day_budget, mean_budget};
use lantian_aq::{
    Concentration, Config, Exact, HourlyFrame, HourlyInputs, Pollutant, RuleSet, daily_records,
    hourly_aqi,
};
use lantian_store::Store;
use serde::Serialize;

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] lantian_store::StoreError),
    /// The standards computation refused its input.
    #[error(transparent)]
    Aq(#[from] lantian_aq::AqiError),
    /// A date outside the calendar.
    #[error("date: {0}")]
    Date(#[from] jiff::Error),
    /// The period has no days.
    #[error("bad period")]
    Period,
    /// No station or area of that name.
    #[error("{0}")]
    NotFound(String),
    /// A monitoring series could not be computed.
    #[error("monitoring series: {0}")]
    Series(String),
    /// Input the report refuses (a file, a layer), named.
    #[error("{0}")]
    Input(String),
}

/// A stored frame as people are shown it (evidence on a page, in the API, in an export): text,
/// without its CR LF, and with the device's password masked (`lantian_hj212::mask_passwords`).
/// The stored bytes, and so the hash chain, are untouched.
#[must_use]
pub fn frame_text(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    lantian_hj212::mask_passwords(text.trim_end()).into_owned()
}

/// A time in Beijing, `YYYY-MM-DD HH:MM`.
pub fn beijing_minute(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Tables of a report, for CSV and xlsx output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    /// 概况: the scope, period, day counts, composite index and targets.
    Summary,
    /// 污染物评价: one row per pollutant.
    Pollutants,
    /// 日数据: one row per day.
    Daily,
    /// 小时数据: one row per hour.
    Hourly,
    /// 月数据: one row per month, with the previous year.
    Monthly,
    /// 日变化: mean by hour of day.
    Diurnal,
    /// 周变化: mean by day of week.
    Weekday,
}

impl Table {
    /// Every table, in workbook order, with its sheet name.
    pub const ALL: [(Table, &'static str); 7] = [
        (Table::Summary, "概况"),
        (Table::Pollutants, "污染物评价"),
        (Table::Monthly, "月数据"),
        (Table::Daily, "日数据"),
        (Table::Hourly, "小时数据"),
        (Table::Diurnal, "日变化"),
        (Table::Weekday, "周变化"),
    ];

    /// The table of a name (`summary`, `pollutants`, `monthly`, `daily`, `hourly`, `diurnal`,
    /// `weekday`).
    pub fn parse(name: &str) -> Option<Table> {
        Some(match name {
            "summary" => Table::Summary,
            "pollutants" => Table::Pollutants,
            "monthly" => Table::Monthly,
            "daily" => Table::Daily,
            "hourly" => Table::Hourly,
            "diurnal" => Table::Diurnal,
            "weekday" => Table::Weekday,
            _ => return None,
        })
    }
}

impl Scope {
    /// A station by code, from the store's registry.
    pub fn station(store: &Store, code: &str) -> Result<Scope, ReportError> {
        let station = store
            .stations()?
            .into_iter()
            .find(|s| s.code == code)
            .ok_or_else(|| ReportError::NotFound(format!("no station {code:?} in the store")))?;
        Ok(Scope {
            kind: "station",
            code: station.code.clone(),
            name: station.name.clone().unwrap_or_else(|| station.code.clone()),
            stations: vec![station.code],
        })
    }

    /// An area by code, name or alias.
    pub fn area(store: &Store, key: &str) -> Result<Scope, ReportError> {
        let area = store.area(key)?.ok_or_else(|| {
            ReportError::NotFound(format!(
                "no area {key:?} in the store (lantian import areas)"
            ))
        })?;
        Ok(Scope::of_area(&area))
    }

    /// A stored area: the stations that count in its assessment.
    #[must_use]
    pub fn of_area(area: &lantian_store::Area) -> Scope {
        Scope {
            kind: "area",
            code: area.code.clone(),
            name: area.name.clone(),
            stations: area
                .assessed_stations()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// A report as one [`Tabular`] per table.
pub fn tabular(report: &Report, table: Table) -> Tabular {
    Tabular {
        headers: headers(table).into_iter().map(str::to_owned).collect(),
        rows: rows(report, table),
    }
}

/// A report as an xlsx workbook: one sheet per table.
pub fn to_xlsx(report: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let sheets: Vec<Sheet> = Table::ALL
        .iter()
        .map(|(t, name)| Sheet {
            name: (*name).to_owned(),
            table: tabular(report, *t),
        })
        .collect();
    xlsx_workbook(&sheets)
}

/// The whole report (also the JSON output, through [`Report::view`]).
#[derive(Debug)]
pub struct Report {
    pub scope: Scope,
    pub period: PeriodOut,
    pub rules: String,
    pub pollutants: Vec<PollutantRow>,
    pub aqi_days: AqiDaysOut,
    pub primary_days: Vec<(String, u32)>,
    pub composite_index: Option<String>,
    pub composite_index_valid: bool,
    pub composite_parts: Vec<(String, String)>,
    pub attains: Option<bool>,
    pub year_on_year: Option<YearOnYearOut>,
    pub targets: TargetsOut,
    /// One row per calendar month of the period, with the same month a year earlier.
    pub monthly: Vec<MonthRow>,
    /// Mean concentrations by hour of day (日变化), 24 rows.
    pub diurnal: Vec<ProfileRow>,
    /// Mean daily statistics by day of week (周变化), 7 rows from Monday.
    pub weekday: Vec<ProfileRow>,
    pub daily: Vec<DailyRow>,
    pub hourly: Vec<HourlyRow>,
    pub assessment: Assessment,
}

/// The serialised form of a [`Report`], borrowing it; the hourly rows are optional because a
/// year of them is most of the document's size.
#[derive(Debug, Serialize)]
pub struct ReportView<'a> {
    scope: &'a Scope,
    period: &'a PeriodOut,
    rules: &'a str,
    pollutants: &'a [PollutantRow],
    aqi_days: &'a AqiDaysOut,
    primary_days: &'a [(String, u32)],
    composite_index: &'a Option<String>,
    composite_index_valid: bool,
    composite_parts: &'a [(String, String)],
    attains: Option<bool>,
    year_on_year: &'a Option<YearOnYearOut>,
    targets: &'a TargetsOut,
    monthly: &'a [MonthRow],
    diurnal: &'a [ProfileRow],
    weekday: &'a [ProfileRow],
    daily: &'a [DailyRow],
    /// Number of hourly rows (also when they are left out).
    hourly_rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    hourly: Option<&'a [HourlyRow]>,
}

impl Report {
    /// The report for serialising, with or without its hourly rows.
    pub fn view(&self, with_hourly: bool) -> ReportView<'_> {
        ReportView {
            scope: &self.scope,
            period: &self.period,
            rules: &self.rules,
            pollutants: &self.pollutants,
            aqi_days: &self.aqi_days,
            primary_days: &self.primary_days,
            composite_index: &self.composite_index,
            composite_index_valid: self.composite_index_valid,
            composite_parts: &self.composite_parts,
            attains: self.attains,
            year_on_year: &self.year_on_year,
            targets: &self.targets,
            monthly: &self.monthly,
            diurnal: &self.diurnal,
            weekday: &self.weekday,
            daily: &self.daily,
            hourly_rows: self.hourly.len(),
            hourly: with_hourly.then_some(self.hourly.as_slice()),
        }
    }
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.view(true).serialize(s)
    }
}

/// One calendar month of a report (the part of it inside the period): the HJ 663 monthly
/// statistics (means; CO P95; O3_8h P90), AQI days and the composite index, with the same
/// month of the previous year when the store has it.
#[derive(Debug, Serialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Days of the month inside the period.
    pub days: u32,
    pub valid_days: u32,
    pub good_days: u32,
    pub good_share_percent: Option<String>,
    /// PM2.5, PM10, SO2, NO2 means; CO P95; O3_8h P90 (in that order, as `values_order`).
    pub values: Vec<Option<String>>,
    pub composite_index: Option<String>,
    /// The same days a year earlier: PM2.5 mean and good-day share.
    pub previous_pm25: Option<String>,
    pub previous_good_share_percent: Option<String>,
    /// PM2.5 change against the previous year, % (from the published values).
    pub pm25_change_percent: Option<String>,
}

/// The pollutants of [`MonthRow::values`], in order.
pub const MONTH_VALUES: [&str; 6] = ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3_8h"];

/// One slot of a profile: an hour of the day or a day of the week.
#[derive(Debug, Serialize)]
pub struct ProfileRow {
    /// Hour (0–23, the hour starting then) or day of week (1 = Monday … 7 = Sunday).
    pub slot: u8,
    /// `0时` … `23时`, or `周一` … `周日`.
    pub label: String,
    /// Means of SO2, NO2, PM10, CO, O3, PM2.5 (the order of the hourly rows), one decimal more
    /// than the reporting precision; O3 is MDA8 in the weekday profile.
    pub values: Vec<Option<String>>,
    /// Hours (or days) behind each mean.
    pub counts: Vec<u32>,
}

#[derive(Debug, Serialize)]
pub struct Scope {
    pub kind: &'static str,
    pub code: String,
    pub name: String,
    pub stations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PeriodOut {
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    pub days: u32,
}

#[derive(Debug, Serialize)]
pub struct PollutantRow {
    pub pollutant: String,
    pub unit: String,
    pub mean: Option<String>,
    pub mean_days: Option<u32>,
    pub mean_valid: Option<bool>,
    pub mean_limit: Option<String>,
    pub percentile_rank: u32,
    pub percentile: Option<String>,
    pub percentile_days: u32,
    pub percentile_valid: bool,
    pub daily_limit: Option<String>,
    pub exceedance: Option<String>,
    pub days_over_limit: u32,
    pub valid_days: u32,
    pub compliance_rate_percent: Option<String>,
    pub attains: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct AqiDaysOut {
    pub excellent: u32,
    pub good: u32,
    pub lightly: u32,
    pub moderately: u32,
    pub heavily: u32,
    pub severely: u32,
    pub valid: u32,
    pub missing: u32,
    pub good_days: u32,
    pub good_share_percent: Option<String>,
    pub heavy_or_worse_days: u32,
}

#[derive(Debug, Serialize)]
pub struct YearOnYearOut {
    pub previous_from: String,
    pub previous_to: String,
    pub changes_percent: Vec<(String, Option<String>)>,
    pub composite_change_percent: Option<String>,
    pub good_share_change_points: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TargetsOut {
    pub pm25_target: String,
    pub pm25_mean_so_far: Option<String>,
    pub pm25_days_so_far: u32,
    pub days_remaining: u32,
    /// "reachable", "unreachable" or "final".
    pub pm25_status: &'static str,
    pub pm25_max_remaining_mean: Option<String>,
    pub pm25_final_met: Option<bool>,
    pub good_target_percent: String,
    pub good_days_so_far: u32,
    pub valid_days_so_far: u32,
    pub good_status: &'static str,
    pub non_good_days_affordable: Option<u32>,
    pub good_final_met: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct DailyRow {
    pub date: String,
    pub aqi: Option<u16>,
    pub category: Option<&'static str>,
    pub primary: String,
    pub pm25: Option<String>,
    pub pm10: Option<String>,
    pub so2: Option<String>,
    pub no2: Option<String>,
    pub co: Option<String>,
    pub o3_8h: Option<String>,
    pub o3_1h_max: Option<String>,
    pub rules: &'static str,
}

#[derive(Debug, Serialize)]
pub struct HourlyRow {
    /// The hour's start, Beijing time.
    pub start: String,
    /// The hour as CNEMC labels it (its end): `YYYY-MM-DD HH时`.
    pub label: String,
    pub aqi: Option<u16>,
    pub category: Option<&'static str>,
    pub primary: String,
    pub values: Vec<Option<String>>,
}

/// An area's (or a station's) hourly data and daily records.
#[derive(Debug)]
pub struct ScopeData {
    /// Each station's daily records, in the order of the frames.
    pub stations: Vec<Vec<DailyRecord>>,
    /// The scope's daily records.
    pub days: Vec<DailyRecord>,
    pub hourly: Option<HourlyFrame<Exact>>,
}

/// Daily records of an area from its stations' hourly frames (HJ 663: the mean of the
/// stations' concentrations first, then the indices).
pub fn scope_data(frames: &[&HourlyFrame<Concentration>], config: &Config) -> ScopeData {
    let station_days: Vec<Vec<DailyRecord>> =
        frames.iter().map(|f| daily_records(f, config)).collect();
    let hourly = area_hourly(frames, config);
    let days = area_daily_records(&station_days, hourly.as_ref(), config);
    ScopeData {
        stations: station_days,
        days,
        hourly,
    }
}

/// An exact value rounded per GB/T 8170 to `decimals`, as text.
pub fn dec(v: Option<Exact>, decimals: u32) -> Option<String> {
    v.map(|e| e.round_gbt8170(decimals).to_string())
}

fn judged_parts(j: &Judged) -> (Option<String>, u32, bool, Option<String>) {
    (
        j.reported.map(|d| d.to_string()),
        j.stat.count,
        j.stat.valid,
        j.limit.map(|l| l.to_string()),
    )
}

/// Builds the report for a scope and period: the data read once from 1 January of the first
/// year (the targets need the year so far), then each section built from it.
pub fn build(
    store: &Store,
    scope: Scope,
    period: Period,
    pm25_target: Concentration,
    good_target: Concentration,
    config: &Config,
) -> Result<Report, ReportError> {
    let (from, to) = period.bounds().ok_or(ReportError::Period)?;
    let year_start = Date::new(from.year(), 1, 1)?;
    let load = |a: Date, b: Date| -> Result<ScopeData, ReportError> {
        let frames: Vec<HourlyFrame<Concentration>> = scope
            .stations
            .iter()
            .map(|s| store.reviewed_frame(s, a, b).map(|(f, _)| f))
            .collect::<Result<_, _>>()?;
        let refs: Vec<&HourlyFrame<Concentration>> = frames.iter().collect();
        Ok(scope_data(&refs, config))
    };
    let data = load(year_start, to)?;
    let assessment = assess(&data.days, period, config)?;
    // Year on year: the same period a year earlier, when the store has data for it.
    let prev = |d: Date| d.checked_sub(jiff::Span::new().years(1)).ok();
    let previous: Option<ScopeData> = match (prev(from), prev(to)) {
        (Some(pf), Some(pt)) => {
            let prev_data = load(pf, pt)?;
            let has_data = prev_data
                .days
                .iter()
                .any(|r| r.mean_24h[Pollutant::Pm25].count > 0);
            has_data.then_some(prev_data)
        }
        _ => None,
    };
    let year_on_year = match (prev(from), prev(to), &previous) {
        (Some(pf), Some(pt), Some(prev_data)) => Some(year_on_year_out(
            &assessment,
            prev_data,
            period,
            (pf, pt),
            config,
        )?),
        _ => None,
    };
    let targets = targets_out(&data, to, year_start, (pm25_target, good_target), config)?;
    let monthly = monthly_rows(
        &data.days,
        previous.as_ref().map(|p| &p.days[..]),
        from,
        to,
        config,
    )?;
    let (diurnal, weekday) = profiles(&data, from, to);
    let daily = daily_rows(&data, from, to, config)?;
    let hourly = hourly_rows(&data, from, to, config)?;
    let pollutants = pollutant_rows(&assessment);
    let aqi_days = aqi_days_out(&assessment);
    let ci = &assessment.composite;
    Ok(Report {
        period: PeriodOut {
            kind: match period {
                Period::Year(_) => "year",
                Period::Month(..) => "month",
                Period::Range(..) => "range",
            },
            from: from.to_string(),
            to: to.to_string(),
            days: period.days(),
        },
        rules: assessment.rules.to_string(),
        pollutants,
        aqi_days,
        primary_days: assessment
            .primary_days
            .iter()
            .map(|(i, n)| (i.to_string(), *n))
            .collect(),
        composite_index: ci.reported.map(|d| d.to_string()),
        composite_index_valid: ci.valid,
        composite_parts: Pollutant::ALL
            .iter()
            .filter_map(|p| {
                ci.parts[*p].map(|v| (p.code().to_owned(), v.round_gbt8170(3).to_string()))
            })
            .collect(),
        attains: assessment.attains,
        year_on_year,
        targets,
        monthly,
        diurnal,
        weekday,
        daily,
        hourly,
        scope,
        assessment,
    })
}

/// The pollutants' table: each mean and percentile judged against its limit.
fn pollutant_rows(assessment: &Assessment) -> Vec<PollutantRow> {
    Pollutant::REPORT_ORDER
        .into_iter()
        .map(|p| {
            let pa = &assessment.pollutants[p];
            let mean = pa.mean.as_ref().map(judged_parts);
            let (pv, pd, pvalid, plimit) = judged_parts(&pa.percentile);
            let exceedance = pa
                .mean
                .as_ref()
                .and_then(|m| m.exceedance)
                .or(pa.percentile.exceedance)
                .map(|d| d.to_string());
            PollutantRow {
                pollutant: if p == Pollutant::O3 {
                    "O3_8h".to_owned()
                } else {
                    p.code().to_owned()
                },
                unit: p.unit().symbol().to_owned(),
                mean: mean.as_ref().and_then(|m| m.0.clone()),
                mean_days: mean.as_ref().map(|m| m.1),
                mean_valid: mean.as_ref().map(|m| m.2),
                mean_limit: mean.as_ref().and_then(|m| m.3.clone()),
                percentile_rank: pa.percentile_rank,
                percentile: pv,
                percentile_days: pd,
                percentile_valid: pvalid,
                daily_limit: plimit,
                exceedance,
                days_over_limit: pa.days_over_limit,
                valid_days: pa.valid_days,
                compliance_rate_percent: dec(pa.compliance_rate, 1),
                attains: pa.attains,
            }
        })
        .collect()
}

/// Days by AQI level.
fn aqi_days_out(assessment: &Assessment) -> AqiDaysOut {
    let d = assessment.aqi_days;
    AqiDaysOut {
        excellent: d.by_level[0],
        good: d.by_level[1],
        lightly: d.by_level[2],
        moderately: d.by_level[3],
        heavily: d.by_level[4],
        severely: d.by_level[5],
        valid: d.valid,
        missing: d.missing,
        good_days: d.good(),
        good_share_percent: dec(d.good_share_percent(), 1),
        heavy_or_worse_days: d.heavy_or_worse(),
    }
}

/// The change against the same period a year earlier (`pf`..`pt`), assessed on `prev_data`.
fn year_on_year_out(
    assessment: &Assessment,
    prev_data: &ScopeData,
    period: Period,
    (pf, pt): (Date, Date),
    config: &Config,
) -> Result<YearOnYearOut, ReportError> {
    let prev_period = match period {
        Period::Year(y) => Period::Year(y - 1),
        Period::Month(y, m) => Period::Month(y - 1, m),
        Period::Range(..) => Period::Range(pf, pt),
    };
    let pa = assess(&prev_data.days, prev_period, config)?;
    let yoy = year_on_year(assessment, &pa);
    Ok(YearOnYearOut {
        previous_from: pf.to_string(),
        previous_to: pt.to_string(),
        changes_percent: Pollutant::ALL
            .iter()
            .map(|p| {
                (
                    p.code().to_owned(),
                    yoy.pollutants[*p].and_then(|c| dec(c.percent, 1)),
                )
            })
            .collect(),
        composite_change_percent: yoy.composite.and_then(|c| dec(c.percent, 1)),
        good_share_change_points: dec(yoy.good_share_points, 1),
    })
}

/// The targets: the calendar year of the period's end (`to`), so far.
fn targets_out(
    data: &ScopeData,
    to: Date,
    year_start: Date,
    (pm25_target, good_target): (Concentration, Concentration),
    config: &Config,
) -> Result<TargetsOut, ReportError> {
    let year_end = Date::new(to.year(), 12, 31)?;
    let so_far: Vec<&DailyRecord> = data
        .days
        .iter()
        .filter(|r| r.date >= Date::new(to.year(), 1, 1).unwrap_or(year_start) && r.date <= to)
        .collect();
    let pm25_so_far: Vec<Exact> = so_far
        .iter()
        .filter_map(|r| r.mean_24h[Pollutant::Pm25].valid_value())
        .collect();
    let remaining = year_end.since(to).map(|s| s.get_days() as u32).unwrap_or(0);
    let cmp = Comparison::Rounded(0);
    let mb = mean_budget(&pm25_so_far, remaining, pm25_target.exact(), cmp);
    let (mut good, mut valid) = (0u32, 0u32);
    for r in &so_far {
        if let Some(level) = r.aqi(config)?.level() {
            valid += 1;
            good += u32::from(level.is_good());
        }
    }
    let sb = good_day_budget(
        good,
        valid,
        remaining,
        good_target.exact(),
        Comparison::Rounded(1),
    );
    Ok(TargetsOut {
        pm25_target: pm25_target.to_string(),
        pm25_mean_so_far: dec(Exact::mean(&pm25_so_far), 1),
        pm25_days_so_far: pm25_so_far.len() as u32,
        days_remaining: remaining,
        pm25_status: match mb {
            MeanBudget::Reachable { .. } => "reachable",
            MeanBudget::Unreachable { .. } => "unreachable",
            MeanBudget::Final { .. } => "final",
        },
        pm25_max_remaining_mean: match mb {
            MeanBudget::Reachable { max_mean, .. } => dec(Some(max_mean), 1),
            _ => None,
        },
        pm25_final_met: match mb {
            MeanBudget::Final { met, .. } => Some(met),
            _ => None,
        },
        good_target_percent: good_target.to_string(),
        good_days_so_far: good,
        valid_days_so_far: valid,
        good_status: match sb {
            ShareBudget::Reachable { .. } => "reachable",
            ShareBudget::Unreachable { .. } => "unreachable",
            ShareBudget::Final { .. } => "final",
        },
        non_good_days_affordable: match sb {
            ShareBudget::Reachable {
                non_good_days_affordable,
                ..
            } => Some(non_good_days_affordable),
            _ => None,
        },
        good_final_met: match sb {
            ShareBudget::Final { met, .. } => Some(met),
            _ => None,
        },
    })
}

/// The diurnal (by hour of day) and weekday profiles over `from..=to`.
fn profiles(data: &ScopeData, from: Date, to: Date) -> (Vec<ProfileRow>, Vec<ProfileRow>) {
    let profile_rows = |stats: Vec<lantian_aq::PollutantMap<lantian_aq::Stat>>,
                        label: &dyn Fn(usize) -> String,
                        first_slot: u8| {
        stats
            .iter()
            .enumerate()
            .map(|(i, m)| ProfileRow {
                slot: u8::try_from(i)
                    .unwrap_or(u8::MAX)
                    .saturating_add(first_slot),
                label: label(i),
                values: Pollutant::ALL
                    .iter()
                    .map(|p| dec(m[*p].valid_value(), p.reporting_decimals() + 1))
                    .collect(),
                counts: Pollutant::ALL.iter().map(|p| m[*p].count).collect(),
            })
            .collect::<Vec<_>>()
    };
    let diurnal = match &data.hourly {
        Some(h) => profile_rows(
            lantian_aq::profile::diurnal(h, from, to),
            &|i| format!("{i}时"),
            0,
        ),
        None => Vec::new(),
    };
    const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let weekday = profile_rows(
        lantian_aq::profile::weekday(&data.days, from, to),
        &|i| WEEKDAYS[i % 7].to_owned(),
        1,
    );

    (diurnal, weekday)
}

/// The daily rows of `from..=to`.
fn daily_rows(
    data: &ScopeData,
    from: Date,
    to: Date,
    config: &Config,
) -> Result<Vec<DailyRow>, ReportError> {
    data.days
        .iter()
        .filter(|r| r.date >= from && r.date <= to)
        .map(|r| {
            let report = r.aqi(config)?;
            let v = |p: Pollutant| dec(r.mean_24h[p].valid_value(), p.reporting_decimals());
            Ok(DailyRow {
                date: r.date.to_string(),
                aqi: report.aqi,
                category: report.level().map(|l| l.category_zh()),
                primary: report
                    .primary()
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                pm25: v(Pollutant::Pm25),
                pm10: v(Pollutant::Pm10),
                so2: v(Pollutant::So2),
                no2: v(Pollutant::No2),
                co: v(Pollutant::Co),
                o3_8h: dec(r.o3_mda8.valid_value(), 0),
                o3_1h_max: dec(r.o3_max_1h.valid_value(), 0),
                rules: RuleSet::for_date(r.date).aqi_standard().name(),
            })
        })
        .collect::<Result<Vec<_>, ReportError>>()
}

/// The hourly rows of `from..=to`: the hours with any value, their AQI by the rules of the day.
fn hourly_rows(
    data: &ScopeData,
    from: Date,
    to: Date,
    config: &Config,
) -> Result<Vec<HourlyRow>, ReportError> {
    let mut hourly = Vec::new();
    if let Some(h) = &data.hourly {
        for i in 0..h.len() {
            let Some(start) = h
                .first_hour
                .checked_add(jiff::Span::new().hours(i as i64))
                .ok()
            else {
                continue;
            };
            if start.date() < from || start.date() > to {
                continue;
            }
            let mut inputs = HourlyInputs::default();
            for p in Pollutant::ALL {
                inputs.hour[p] = h.columns[p][i].and_then(|e| e.to_concentration());
            }
            if Pollutant::ALL.iter().all(|p| inputs.hour[*p].is_none()) {
                continue;
            }
            let r = hourly_aqi(&inputs, RuleSet::for_date(start.date()), config)?;
            let end = start
                .checked_add(jiff::Span::new().hours(1))
                .unwrap_or(start);
            hourly.push(HourlyRow {
                start: start.strftime("%Y-%m-%d %H:%M").to_string(),
                label: format!("{} {}时", end.date(), end.hour()),
                aqi: r.aqi,
                category: r.level().map(|l| l.category_zh()),
                primary: r
                    .primary()
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                values: Pollutant::ALL
                    .iter()
                    .map(|p| {
                        inputs.hour[*p]
                            .map(|c| c.exact().round_gbt8170(p.reporting_decimals()).to_string())
                    })
                    .collect(),
            });
        }
    }

    Ok(hourly)
}

/// The calendar months of `from..=to`, each assessed over its days inside the range (a whole
/// month as [`Period::Month`], a part as a range), with the same days a year earlier.
fn monthly_rows(
    days: &[DailyRecord],
    previous: Option<&[DailyRecord]>,
    from: Date,
    to: Date,
    config: &Config,
) -> Result<Vec<MonthRow>, ReportError> {
    let mut rows = Vec::new();
    let mut first = from.first_of_month();
    while first <= to {
        let last = first.last_of_month();
        let (a, b) = (first.max(from), last.min(to));
        let period = if a == first && b == last {
            Period::Month(first.year(), first.month())
        } else {
            Period::Range(a, b)
        };
        let cur = assess(days, period, config)?;
        let prev = match previous {
            Some(p) => {
                let back = |d: Date| d.checked_sub(jiff::Span::new().years(1));
                let prev_period = match period {
                    Period::Month(y, m) => Period::Month(y - 1, m),
                    _ => Period::Range(back(a)?, back(b)?),
                };
                let pa = assess(p, prev_period, config)?;
                (pa.aqi_days.valid > 0).then_some(pa)
            }
            None => None,
        };
        let pm25 = |x: &Assessment| {
            x.pollutants[Pollutant::Pm25]
                .mean
                .as_ref()
                .and_then(|m| m.reported)
                .map(|d| d.to_string())
        };
        let stat = |p: Pollutant| {
            let pa = &cur.pollutants[p];
            match &pa.mean {
                Some(m) => m.reported.map(|d| d.to_string()),
                None => pa.percentile.reported.map(|d| d.to_string()),
            }
        };
        let yoy = prev.as_ref().map(|pa| year_on_year(&cur, pa));
        rows.push(MonthRow {
            month: format!("{:04}-{:02}", first.year(), first.month()),
            days: period.days(),
            valid_days: cur.aqi_days.valid,
            good_days: cur.aqi_days.good(),
            good_share_percent: dec(cur.aqi_days.good_share_percent(), 1),
            values: [
                Pollutant::Pm25,
                Pollutant::Pm10,
                Pollutant::So2,
                Pollutant::No2,
                Pollutant::Co,
                Pollutant::O3,
            ]
            .into_iter()
            .map(stat)
            .collect(),
            composite_index: cur.composite.reported.map(|d| d.to_string()),
            previous_pm25: prev.as_ref().and_then(pm25),
            previous_good_share_percent: prev
                .as_ref()
                .and_then(|pa| dec(pa.aqi_days.good_share_percent(), 1)),
            pm25_change_percent: yoy
                .and_then(|y| y.pollutants[Pollutant::Pm25])
                .and_then(|c| dec(c.percent, 1)),
        });
        first = match last.tomorrow() {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    Ok(rows)
}

/// Chinese headers of each table.
pub fn headers(table: Table) -> Vec<&'static str> {
    match table {
        Table::Summary => vec!["项目", "数值"],
        Table::Pollutants => vec![
            "污染物",
            "单位",
            "均值",
            "均值有效天数",
            "均值有效",
            "均值标准限值",
            "百分位",
            "百分位数",
            "百分位有效天数",
            "百分位有效",
            "日标准限值",
            "超标倍数",
            "超标天数",
            "有效天数",
            "达标率(%)",
            "达标",
        ],
        Table::Daily => vec![
            "日期",
            "AQI",
            "类别",
            "首要污染物",
            "PM2.5",
            "PM10",
            "SO2",
            "NO2",
            "CO",
            "O3_8h",
            "O3_1h最大",
            "标准",
        ],
        Table::Hourly => vec![
            "开始时间",
            "时段（结束）",
            "AQI",
            "类别",
            "首要污染物",
            "SO2",
            "NO2",
            "PM10",
            "CO",
            "O3",
            "PM2.5",
        ],
        Table::Monthly => vec![
            "月份",
            "天数",
            "有效天数",
            "优良天数",
            "优良天数比例(%)",
            "PM2.5",
            "PM10",
            "SO2",
            "NO2",
            "CO(P95)",
            "O3_8h(P90)",
            "综合指数",
            "上年同期PM2.5",
            "上年同期优良天数比例(%)",
            "PM2.5同比(%)",
        ],
        Table::Diurnal | Table::Weekday => vec![
            if table == Table::Diurnal {
                "时刻"
            } else {
                "星期"
            },
            "SO2",
            "NO2",
            "PM10",
            "CO",
            if table == Table::Diurnal {
                "O3"
            } else {
                "O3_8h"
            },
            "PM2.5",
            "PM2.5样本数",
        ],
    }
}

/// A table cell of an optional value: empty when absent.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

/// A table cell of a yes/no: 是, 否 or empty.
pub fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "是".to_owned(),
        Some(false) => "否".to_owned(),
        None => String::new(),
    }
}

/// The rows of a table, as text cells.
pub fn rows(r: &Report, table: Table) -> Vec<Vec<String>> {
    match table {
        Table::Summary => {
            let d = &r.aqi_days;
            let t = &r.targets;
            let mut rows = vec![
                vec![
                    "范围".to_owned(),
                    format!("{} ({})", r.scope.name, r.scope.code),
                ],
                vec!["站点".to_owned(), r.scope.stations.join(", ")],
                vec![
                    "时段".to_owned(),
                    format!("{} 至 {}", r.period.from, r.period.to),
                ],
                vec!["评价标准".to_owned(), r.rules.clone()],
                vec!["有效天数".to_owned(), d.valid.to_string()],
                vec!["缺测天数".to_owned(), d.missing.to_string()],
                vec!["优".to_owned(), d.excellent.to_string()],
                vec!["良".to_owned(), d.good.to_string()],
                vec!["轻度污染".to_owned(), d.lightly.to_string()],
                vec!["中度污染".to_owned(), d.moderately.to_string()],
                vec!["重度污染".to_owned(), d.heavily.to_string()],
                vec!["严重污染".to_owned(), d.severely.to_string()],
                vec!["优良天数比例(%)".to_owned(), opt(&d.good_share_percent)],
                vec!["综合指数".to_owned(), opt(&r.composite_index)],
                vec![
                    "综合指数数据充足".to_owned(),
                    yes_no(Some(r.composite_index_valid)),
                ],
                vec!["六项污染物达标".to_owned(), yes_no(r.attains)],
                vec!["PM2.5目标(µg/m³)".to_owned(), t.pm25_target.clone()],
                vec!["PM2.5年初至今均值".to_owned(), opt(&t.pm25_mean_so_far)],
                vec!["余下天数".to_owned(), t.days_remaining.to_string()],
                vec![
                    "余下天数PM2.5均值上限".to_owned(),
                    opt(&t.pm25_max_remaining_mean),
                ],
                vec![
                    "优良天数比例目标(%)".to_owned(),
                    t.good_target_percent.clone(),
                ],
                vec![
                    "余下可承受非优良天数".to_owned(),
                    opt(&t.non_good_days_affordable),
                ],
            ];
            for (i, n) in &r.primary_days {
                rows.push(vec![format!("首要污染物天数 {i}"), n.to_string()]);
            }
            rows
        }
        Table::Pollutants => r
            .pollutants
            .iter()
            .map(|p| {
                vec![
                    p.pollutant.clone(),
                    p.unit.clone(),
                    opt(&p.mean),
                    opt(&p.mean_days),
                    yes_no(p.mean_valid),
                    opt(&p.mean_limit),
                    format!("P{}", p.percentile_rank),
                    opt(&p.percentile),
                    p.percentile_days.to_string(),
                    yes_no(Some(p.percentile_valid)),
                    opt(&p.daily_limit),
                    opt(&p.exceedance),
                    p.days_over_limit.to_string(),
                    p.valid_days.to_string(),
                    opt(&p.compliance_rate_percent),
                    yes_no(p.attains),
                ]
            })
            .collect(),
        Table::Daily => r
            .daily
            .iter()
            .map(|d| {
                vec![
                    d.date.clone(),
                    opt(&d.aqi),
                    opt(&d.category),
                    d.primary.clone(),
                    opt(&d.pm25),
                    opt(&d.pm10),
                    opt(&d.so2),
                    opt(&d.no2),
                    opt(&d.co),
                    opt(&d.o3_8h),
                    opt(&d.o3_1h_max),
                    d.rules.to_owned(),
                ]
            })
            .collect(),
        Table::Hourly => r
            .hourly
            .iter()
            .map(|h| {
                let mut row = vec![
                    h.start.clone(),
                    h.label.clone(),
                    opt(&h.aqi),
                    opt(&h.category),
                    h.primary.clone(),
                ];
                row.extend(h.values.iter().map(opt));
                row
            })
            .collect(),
        Table::Monthly => r
            .monthly
            .iter()
            .map(|m| {
                let mut row = vec![
                    m.month.clone(),
                    m.days.to_string(),
                    m.valid_days.to_string(),
                    m.good_days.to_string(),
                    opt(&m.good_share_percent),
                ];
                row.extend(m.values.iter().map(opt));
                row.extend([
                    opt(&m.composite_index),
                    opt(&m.previous_pm25),
                    opt(&m.previous_good_share_percent),
                    opt(&m.pm25_change_percent),
                ]);
                row
            })
            .collect(),
        Table::Diurnal | Table::Weekday => {
            let profile = if table == Table::Diurnal {
                &r.diurnal
            } else {
                &r.weekday
            };
            profile
                .iter()
                .map(|p| {
                    let mut row = vec![p.label.clone()];
                    row.extend(p.values.iter().map(opt));
                    row.push(
                        p.counts
                            .get(Pollutant::ALL.len() - 1)
                            .copied()
                            .unwrap_or(0)
                            .to_string(),
                    );
                    row
                })
                .collect()
        }
    }
}
