//! Recomputes CNEMC's published hourly AQI from the published concentrations and classifies
//! every disagreement.
//!
//! For each station-hour with an official AQI, the six 1-h concentrations (and, for the letter
//! of HJ 633-2012 Table 4, the published 24-h and 8-h moving means) go through
//! [`lantian_aq::hourly_aqi`] under the rule set of the hour's date (overridable). Classes of
//! disagreement are found from the data, not from dates:
//!
//! * **incomplete hour**: the file lacks some of the hour's concentration rows (a file cut
//!   short), so CNEMC's AQI rests on values the file does not hold;
//! * **hour-wide**: at least half (and at least 10) of an hour's compared stations disagree:
//!   the published concentrations of that hour do not belong to its AQI row;
//! * **SO2 1-h above 800**: the hour has SO2 > 800 µg/m³ and the special rule decides;
//! * **official one below / one above** ours;
//! * **other**.
//!
//! Station-hours with an official AQI but none of the six concentrations cannot be recomputed
//! and are counted apart.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::Date;
use lantian_aq::{Config, HourlyInputs, Pollutant, RealTimeMethod2012, RuleSet, hourly_aqi_value};

use crate::file::{DayFile, HourBlock, RowType, RowTypes};

/// The row types the verification reads.
pub fn needed_types() -> RowTypes {
    RowTypes::of(&[
        RowType::Aqi,
        RowType::Pm25,
        RowType::Pm25_24h,
        RowType::Pm10,
        RowType::Pm10_24h,
        RowType::So2,
        RowType::So2_24h,
        RowType::No2,
        RowType::O3,
        RowType::O3_8h,
        RowType::Co,
    ])
}

/// A class of disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MismatchClass {
    /// The file lacks some of the hour's concentration rows (e.g. a file cut short): CNEMC
    /// computed its AQI from values the file does not have.
    IncompleteHour,
    /// Most stations of the hour disagree: a data glitch of that hour.
    HourWide,
    /// SO2 1-h > 800 µg/m³ in the hour.
    So2Above800,
    /// The official AQI is exactly one below ours.
    OfficialOneBelow,
    /// The official AQI is exactly one above ours.
    OfficialOneAbove,
    /// Anything else.
    Other,
}

impl MismatchClass {
    /// A short description.
    pub const fn describe(self) -> &'static str {
        match self {
            MismatchClass::IncompleteHour => {
                "hour incomplete in the file (concentration rows missing)"
            }
            MismatchClass::HourWide => "hour-wide: >= half of the hour's stations disagree",
            MismatchClass::So2Above800 => "SO2 1-h above 800 ug/m3",
            MismatchClass::OfficialOneBelow => "official AQI one below ours",
            MismatchClass::OfficialOneAbove => "official AQI one above ours",
            MismatchClass::Other => "other",
        }
    }
}

/// One disagreeing station-hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Station code.
    pub station: String,
    /// File date.
    pub date: Date,
    /// Hour label (0–23).
    pub hour: u8,
    /// CNEMC's AQI.
    pub official: u16,
    /// Ours (`None`: we give `NA`).
    pub ours: Option<u16>,
    /// The six 1-h concentrations as published (`-` for empty).
    pub concentrations: String,
}

/// Counts of one class, with a few examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassTally {
    /// How many station-hours.
    pub count: u64,
    /// Up to [`MAX_EXAMPLES`] examples.
    pub examples: Vec<Example>,
}

/// Problems kept in full.
pub const MAX_PROBLEMS: usize = 1000;

/// Examples kept per class: the earliest by (date, hour, station), whatever the reading order.
pub const MAX_EXAMPLES: usize = 5;

fn keep_example(list: &mut Vec<Example>, e: Example) {
    let key = |x: &Example| (x.date, x.hour, x.station.clone());
    let at = list.partition_point(|x| key(x) < key(&e));
    if at < MAX_EXAMPLES {
        list.insert(at, e);
        list.truncate(MAX_EXAMPLES);
    }
}

/// The outcome of a verification run; mergeable across files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Files read.
    pub files: u64,
    /// Bytes read (uncompressed).
    pub bytes: u64,
    /// Hour blocks read.
    pub hours: u64,
    /// Station-hours with an official AQI that could be recomputed.
    pub compared: u64,
    /// Of those, equal to ours.
    pub matched: u64,
    /// Station-hours with an official AQI but no concentration at all.
    pub not_recomputable: u64,
    /// Station-hours with concentrations but no official AQI.
    pub no_official: u64,
    /// Of those, how many we give an AQI.
    pub no_official_but_computed: u64,
    /// Station-hours whose input we reject (implausible values).
    pub rejected_input: u64,
    /// Disagreements by class.
    pub classes: BTreeMap<MismatchClass, ClassTally>,
    /// Disagreements per (date, hour), for clusters.
    pub by_hour: BTreeMap<(Date, u8), u64>,
    /// Disagreements per station.
    pub by_station: BTreeMap<String, u64>,
    /// Problems in the files, as `file: line N: …` (the first [`MAX_PROBLEMS`] in sorted order;
    /// `problem_count` counts all).
    pub problems: Vec<String>,
    /// All problems.
    pub problem_count: u64,
}

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The AQI configuration (e.g. the HJ 633-2012 real-time method).
    pub config: Config,
    /// Force a rule set instead of choosing it by date.
    pub rules: Option<RuleSet>,
}

/// Fills `h` with station `s`'s values of the hour (reused across stations: no reallocation).
fn fill_inputs(h: &mut HourlyInputs, block: &HourBlock, s: usize, moving_means: bool) {
    for (p, t) in RowType::HOURLY {
        h.hour[p] = block.value(t, s);
    }
    if !moving_means {
        return;
    }
    for (p, t) in [
        (Pollutant::So2, RowType::So2_24h),
        (Pollutant::Pm10, RowType::Pm10_24h),
        (Pollutant::Pm25, RowType::Pm25_24h),
    ] {
        h.sliding_24h[p] = block.value(t, s).map(|c| c.exact());
    }
    h.o3_8h = block.value(RowType::O3_8h, s).map(|c| c.exact());
}

fn describe_inputs(h: &HourlyInputs) -> String {
    let mut out = String::new();
    for (p, _) in RowType::HOURLY {
        let v = h.hour[p].map_or_else(|| "-".to_owned(), |c| c.to_string());
        let _ = write!(out, "{}={} ", p.code(), v);
    }
    out.trim_end().to_owned()
}

impl Verification {
    /// Verifies one parsed file; `name` labels its problems.
    pub fn add_file(&mut self, name: &str, file: &DayFile, options: &Options) {
        self.files += 1;
        self.bytes += file.bytes as u64;
        self.problem_count += file.problems.len() as u64;
        self.problems
            .extend(file.problems.iter().map(|p| format!("{name}: {p}")));
        self.trim_problems();
        let Some(date) = file.date else { return };
        for block in &file.hours {
            self.hours += 1;
            self.add_hour(date, block, &file.stations, options);
        }
    }

    fn add_hour(&mut self, date: Date, block: &HourBlock, stations: &[String], options: &Options) {
        let rules = options
            .rules
            .unwrap_or_else(|| RuleSet::for_date(block.start.date()));
        // The published 24-h and 8-h moving means are only read by the letter of HJ 633-2012.
        let moving_means = rules == RuleSet::Gb2012
            && options.config.real_time_method_2012 == RealTimeMethod2012::Hj633Table4;
        let incomplete = RowType::HOURLY.iter().any(|(_, t)| !block.has(*t));
        let mut mismatches: Vec<(usize, u16, Option<u16>, HourlyInputs)> = Vec::new();
        let mut compared = 0u64;
        let mut h = HourlyInputs::default();
        for s in 0..stations.len() {
            let official = block.aqi(s);
            fill_inputs(&mut h, block, s, moving_means);
            let any = RowType::HOURLY.iter().any(|(p, _)| h.hour[*p].is_some());
            let ours = match hourly_aqi_value(&h, rules, &options.config) {
                Ok(v) => v,
                Err(_) => {
                    self.rejected_input += 1;
                    continue;
                }
            };
            match official {
                None => {
                    if any {
                        self.no_official += 1;
                        self.no_official_but_computed += u64::from(ours.is_some());
                    }
                }
                Some(_) if !any => self.not_recomputable += 1,
                Some(o) => {
                    compared += 1;
                    if ours == Some(o) {
                        self.matched += 1;
                    } else {
                        mismatches.push((s, o, ours, h.clone()));
                    }
                }
            }
        }
        self.compared += compared;
        let hour_wide = mismatches.len() >= 10 && mismatches.len() as u64 * 2 >= compared;
        for (s, official, ours, h) in mismatches {
            let class = if incomplete {
                MismatchClass::IncompleteHour
            } else if hour_wide {
                MismatchClass::HourWide
            } else if h.hour[Pollutant::So2]
                .is_some_and(|c| c > lantian_aq::Concentration::from_units(800))
            {
                MismatchClass::So2Above800
            } else {
                match ours.map(i32::from) {
                    Some(v) if v - 1 == i32::from(official) => MismatchClass::OfficialOneBelow,
                    Some(v) if v + 1 == i32::from(official) => MismatchClass::OfficialOneAbove,
                    _ => MismatchClass::Other,
                }
            };
            let tally = self.classes.entry(class).or_default();
            tally.count += 1;
            let station = stations[s].clone();
            keep_example(
                &mut tally.examples,
                Example {
                    station: station.clone(),
                    date,
                    hour: block.label,
                    official,
                    ours,
                    concentrations: describe_inputs(&h),
                },
            );
            *self.by_hour.entry((date, block.label)).or_default() += 1;
            *self.by_station.entry(station).or_default() += 1;
        }
    }

    /// Merges another run's results into this one.
    pub fn merge(&mut self, other: Verification) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.hours += other.hours;
        self.compared += other.compared;
        self.matched += other.matched;
        self.not_recomputable += other.not_recomputable;
        self.no_official += other.no_official;
        self.no_official_but_computed += other.no_official_but_computed;
        self.rejected_input += other.rejected_input;
        for (class, t) in other.classes {
            let mine = self.classes.entry(class).or_default();
            mine.count += t.count;
            for e in t.examples {
                keep_example(&mut mine.examples, e);
            }
        }
        for (k, v) in other.by_hour {
            *self.by_hour.entry(k).or_default() += v;
        }
        for (k, v) in other.by_station {
            *self.by_station.entry(k).or_default() += v;
        }
        self.problem_count += other.problem_count;
        self.problems.extend(other.problems);
        self.trim_problems();
    }

    /// Sorts the kept problems so the report does not depend on the order files were read.
    pub fn normalise(&mut self) {
        self.problems.sort();
    }

    /// Keeps the first [`MAX_PROBLEMS`] problems in sorted order.
    fn trim_problems(&mut self) {
        if self.problems.len() > MAX_PROBLEMS {
            self.problems.sort();
            self.problems.truncate(MAX_PROBLEMS);
        }
    }

    /// Disagreements.
    pub fn mismatched(&self) -> u64 {
        self.compared - self.matched
    }

    /// The report as text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let pct = |a: u64, b: u64| {
            if b == 0 {
                "-".to_owned()
            } else {
                format!("{:.4} %", a as f64 * 100.0 / b as f64)
            }
        };
        let _ = writeln!(o, "files read:                     {}", self.files);
        let _ = writeln!(o, "hours read:                     {}", self.hours);
        let _ = writeln!(o, "station-hours compared:         {}", self.compared);
        let _ = writeln!(
            o,
            "  equal to CNEMC's AQI:         {} ({})",
            self.matched,
            pct(self.matched, self.compared)
        );
        let _ = writeln!(
            o,
            "  different:                    {} ({})",
            self.mismatched(),
            pct(self.mismatched(), self.compared)
        );
        let _ = writeln!(
            o,
            "official AQI, no concentration: {} (not recomputable, not compared)",
            self.not_recomputable
        );
        let _ = writeln!(
            o,
            "concentrations, no official AQI: {} ({} given an AQI by us)",
            self.no_official, self.no_official_but_computed
        );
        let _ = writeln!(o, "inputs rejected as implausible: {}", self.rejected_input);
        let _ = writeln!(o, "file problems:                  {}", self.problem_count);
        for p in self.problems.iter().take(10) {
            let _ = writeln!(o, "  {p}");
        }
        if !self.classes.is_empty() {
            let _ = writeln!(o, "\ndifferences by class:");
        }
        for (class, t) in &self.classes {
            let _ = writeln!(o, "  {:<60} {}", class.describe(), t.count);
            for e in &t.examples {
                let ours = e.ours.map_or_else(|| "NA".to_owned(), |v| v.to_string());
                let _ = writeln!(
                    o,
                    "    {} {} {:>2}h official {} ours {}: {}",
                    e.station, e.date, e.hour, e.official, ours, e.concentrations
                );
            }
        }
        if !self.by_hour.is_empty() {
            let mut hours: Vec<_> = self.by_hour.iter().collect();
            hours.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(o, "\nhours with most differences:");
            for ((d, h), n) in hours.into_iter().take(5) {
                let _ = writeln!(o, "  {d} {h:>2}h  {n}");
            }
            let mut stations: Vec<_> = self.by_station.iter().collect();
            stations.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(o, "stations with most differences:");
            for (s, n) in stations.into_iter().take(15) {
                let _ = writeln!(o, "  {s}  {n}");
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_disagreements() {
        // Station A matches (PM2.5 53 → 73). B: official one below. C: SO2 915 → 200.
        let text = b"date,hour,type,A,B,C\r\n\
20190109,13,AQI,73,72,200\r\n\
20190109,13,PM2.5,53,53,10\r\n\
20190109,13,PM10,,,\r\n\
20190109,13,SO2,,,915\r\n\
20190109,13,NO2,,,\r\n\
20190109,13,O3,,,\r\n\
20190109,13,CO,,,\r\n";
        let f = DayFile::parse(text, needed_types());
        let mut v = Verification::default();
        v.add_file("t.csv", &f, &Options::default());
        assert_eq!((v.compared, v.matched), (3, 2));
        assert_eq!(v.classes.len(), 1);
        assert_eq!(v.classes[&MismatchClass::OfficialOneBelow].count, 1);
        // The letter of HJ 633-2012 takes the SO2 24-h value instead: no 24-h value, so SO2
        // has no IAQI and station C disagrees.
        let mut opts = Options::default();
        opts.config.real_time_method_2012 = RealTimeMethod2012::Hj633Table4;
        let mut v = Verification::default();
        v.add_file("t.csv", &f, &opts);
        assert!(v.classes.contains_key(&MismatchClass::So2Above800));
        assert!(v.render().contains("SO2 1-h above 800"));
    }

    #[test]
    fn an_hour_missing_rows_is_its_own_class() {
        let text = b"date,hour,type,A\r\n20190424,23,AQI,20\r\n20190424,23,PM2.5,4\r\n";
        let f = DayFile::parse(text, needed_types());
        let mut v = Verification::default();
        v.add_file("t.csv", &f, &Options::default());
        assert_eq!(v.classes[&MismatchClass::IncompleteHour].count, 1);
    }

    #[test]
    fn official_without_concentrations_is_not_compared() {
        let f = DayFile::parse(b"date,hour,type,A\n20190220,7,AQI,55\n", needed_types());
        let mut v = Verification::default();
        v.add_file("t.csv", &f, &Options::default());
        assert_eq!((v.compared, v.not_recomputable), (0, 1));
    }
}
