//! `lantian import cnemc PATH…`: CNEMC national hourly files into the store.
//!
//! Files are read, decompressed (`.xz`, `.gz` or plain) and parsed on all cores; one writer
//! (this thread) stores them in batched transactions. CNEMC's hour 0 of day D is the last hour
//! of day D−1, so a day's values come from two files: the writer holds a day until both files
//! have been read (or are not among the inputs) and stores it whole. Re-importing the same
//! files stores nothing new and says so; values that disagree with stored ones are kept out
//! and recorded as conflicts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use jiff::civil::Date;
use lantian_cnemc::{DayFile, RowType, RowTypes};
use lantian_store::chunk::merge;
use lantian_store::{DayItem, DayValues, Quantity, Station, Store, WriteSummary};

use crate::out;

/// Arguments of `lantian import cnemc`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// `china_sites_YYYYMMDD.csv` files (plain, `.gz` or `.xz`), folders of them, or globs.
    #[arg(required = true)]
    paths: Vec<String>,
    /// Worker threads reading files (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Register station codes the registry does not know (as unclassified) instead of
    /// rejecting their values.
    #[arg(long)]
    register_unknown: bool,
    /// Import only these stations (comma-separated codes); the others' values are skipped,
    /// not rejected.
    #[arg(long, value_delimiter = ',')]
    stations: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// The row types stored: the six 1-h concentrations, and CNEMC's AQI as a reference.
fn stored_types() -> RowTypes {
    RowTypes::of(&[
        RowType::Aqi,
        RowType::So2,
        RowType::No2,
        RowType::Pm10,
        RowType::Co,
        RowType::O3,
        RowType::Pm25,
    ])
}

fn quantities() -> [(Quantity, RowType); 7] {
    [
        (Quantity::CnemcAqi, RowType::Aqi),
        (
            Quantity::Pollutant(lantian_aq::Pollutant::So2),
            RowType::So2,
        ),
        (
            Quantity::Pollutant(lantian_aq::Pollutant::No2),
            RowType::No2,
        ),
        (
            Quantity::Pollutant(lantian_aq::Pollutant::Pm10),
            RowType::Pm10,
        ),
        (Quantity::Pollutant(lantian_aq::Pollutant::Co), RowType::Co),
        (Quantity::Pollutant(lantian_aq::Pollutant::O3), RowType::O3),
        (
            Quantity::Pollutant(lantian_aq::Pollutant::Pm25),
            RowType::Pm25,
        ),
    ]
}

/// The files named by the arguments — files, folders (their `PREFIX*.csv[.xz|.gz]` files) and
/// globs — sorted, each once.
pub(crate) fn expand(paths: &[String], prefix: &str) -> Result<Vec<PathBuf>> {
    let is_data = |p: &Path| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        name.starts_with(prefix)
            && [".csv", ".csv.xz", ".csv.gz"]
                .iter()
                .any(|e| name.ends_with(e))
    };
    let mut files = Vec::new();
    for arg in paths {
        let p = Path::new(arg);
        if p.is_dir() {
            let before = files.len();
            for entry in std::fs::read_dir(p).with_context(|| format!("cannot read {arg}"))? {
                let path = entry?.path();
                if path.is_file() && is_data(&path) {
                    files.push(path);
                }
            }
            if files.len() == before {
                bail!("{arg}: no {prefix}*.csv[.xz|.gz] files");
            }
        } else if p.is_file() {
            files.push(p.to_path_buf());
        } else {
            let matches: Vec<PathBuf> = glob::glob(arg)
                .with_context(|| format!("{arg}: not a file, folder or valid glob"))?
                .filter_map(|m| m.ok())
                .filter(|m| m.is_file())
                .collect();
            if matches.is_empty() {
                bail!("{arg}: no such file, folder, or matching files");
            }
            files.extend(matches);
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Reads a file, decompressing by extension.
pub(crate) fn read_bytes(path: &Path, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = std::io::BufReader::new(file);
    let name = path.to_string_lossy();
    let result = if name.ends_with(".xz") {
        liblzma::read::XzDecoder::new(reader).read_to_end(buf)
    } else if name.ends_with(".gz") {
        flate2::read::GzDecoder::new(reader).read_to_end(buf)
    } else {
        let mut r = reader;
        r.read_to_end(buf)
    };
    result.with_context(|| format!("cannot read {} (truncated or corrupt?)", path.display()))?;
    Ok(())
}

/// Complete days are written in batches of about this many (station, quantity, day) items —
/// some four weeks of the national network — sorted by key: the store's rows for one series
/// then sit together, and a batch touches each page once instead of once a day. Memory stays
/// near 200 MB.
const WRITE_BATCH: usize = 300_000;

/// The date in a `china_sites_YYYYMMDD…` name.
pub(crate) fn date_in_name(path: &Path) -> Option<Date> {
    let name = path.file_name()?.to_str()?;
    let d = name.strip_prefix("china_sites_")?.get(..8)?;
    let n = |r: std::ops::Range<usize>| d.get(r)?.parse::<i16>().ok();
    Date::new(n(0..4)?, n(4..6)? as i8, n(6..8)? as i8).ok()
}

/// What a worker made of one file.
struct FileResult {
    name: String,
    date: Option<Date>,
    /// (station, quantity, day) → values.
    days: Vec<DayItem>,
    /// Problems that left data out.
    problems: Vec<String>,
    /// Remarks that left nothing out (e.g. a repeated column that agrees with the first).
    notes: Vec<String>,
    rows: u64,
    cells: u64,
    aqi_cells: u64,
    first_hour: Option<jiff::civil::DateTime>,
    last_hour: Option<jiff::civil::DateTime>,
    error: Option<String>,
}

fn read_one(path: &Path, buf: &mut Vec<u8>) -> FileResult {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_owned();
    let mut r = FileResult {
        name: name.clone(),
        date: date_in_name(path),
        days: Vec::new(),
        problems: Vec::new(),
        notes: Vec::new(),
        rows: 0,
        cells: 0,
        aqi_cells: 0,
        first_hour: None,
        last_hour: None,
        error: None,
    };
    if let Err(e) = read_bytes(path, buf) {
        r.error = Some(format!("{e:#}"));
        return r;
    }
    let file = DayFile::parse(buf, stored_types());
    for p in &file.problems {
        let text = format!("{name}: {p}");
        if p.kind.is_rejection() {
            r.problems.push(text);
        } else {
            r.notes.push(text);
        }
    }
    if r.date.is_none() {
        r.date = file.date;
    }
    // A file holds hours of two days: day D−1 (CNEMC's hour 0 of D) and day D. Accumulate per
    // (station, quantity) in two slots, indexed directly: no hashing per value.
    let qs = quantities();
    let base = file.hours.iter().map(|b| b.start.date()).min();
    let n = file.stations.len();
    let mut slots: Vec<Option<DayValues>> = vec![None; n * qs.len() * 2];
    let mut other_days: Vec<DayItem> = Vec::new();
    for block in &file.hours {
        let day = block.start.date();
        let hour = block.start.hour() as usize;
        r.first_hour = Some(r.first_hour.map_or(block.start, |f| f.min(block.start)));
        r.last_hour = Some(r.last_hour.map_or(block.start, |l| l.max(block.start)));
        let slot = match base {
            Some(b) if day == b => Some(0),
            Some(b) if b.tomorrow().is_ok_and(|t| t == day) => Some(1),
            _ => None,
        };
        for (qi, (q, t)) in qs.iter().enumerate() {
            if !block.has(*t) {
                continue;
            }
            r.rows += 1;
            for s in 0..n {
                let Some(v) = block.value(*t, s) else {
                    continue;
                };
                if *q == Quantity::CnemcAqi {
                    r.aqi_cells += 1;
                } else {
                    r.cells += 1;
                }
                match slot {
                    Some(k) => {
                        slots[(s * qs.len() + qi) * 2 + k]
                            .get_or_insert_with(DayValues::default)
                            .values[hour] = Some(v);
                    }
                    // Not expected (the reader keeps one date per file); kept all the same.
                    None => {
                        let mut values = DayValues::default();
                        values.values[hour] = Some(v);
                        other_days.push(DayItem {
                            station: file.stations[s].clone(),
                            quantity: *q,
                            day,
                            values,
                            origin: name.clone(),
                        });
                    }
                }
            }
        }
    }
    let mut items = Vec::with_capacity(slots.iter().filter(|s| s.is_some()).count());
    for (i, values) in slots.into_iter().enumerate() {
        let (Some(values), Some(b)) = (values, base) else {
            continue;
        };
        let day = if i % 2 == 0 {
            b
        } else {
            b.tomorrow().unwrap_or(b)
        };
        items.push(DayItem {
            station: file.stations[i / 2 / qs.len()].clone(),
            quantity: qs[(i / 2) % qs.len()].0,
            day,
            values,
            origin: name.clone(),
        });
    }
    items.append(&mut other_days);
    r.days = items;
    r
}

/// Totals of a run, also stored with the import run as JSON.
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    files: u64,
    files_failed: u64,
    rows: u64,
    first_hour: Option<String>,
    last_hour: Option<String>,
    stations: u64,
    concentration_values_in_files: u64,
    values_stored: u64,
    values_already_stored: u64,
    values_conflicting: u64,
    values_rejected_unknown_station: u64,
    values_skipped_not_selected: u64,
    reference_aqi_conflicting: u64,
    reference_aqi_skipped: u64,
    reference_aqi_in_files: u64,
    reference_aqi_stored: u64,
    reference_aqi_already_stored: u64,
    problems: u64,
    notes: u64,
    unknown_stations: Vec<String>,
    registered_stations: Vec<String>,
    seconds: f64,
}

/// Days held back until both files that feed them have been read.
#[derive(Default)]
struct Pending {
    days: BTreeMap<Date, PendingDay>,
    /// Items that could not be merged in memory (the same hour twice); the store records
    /// their conflict.
    extra: Vec<DayItem>,
}

#[derive(Default)]
struct PendingDay {
    items: Vec<DayItem>,
    index: HashMap<(String, Quantity), usize>,
}

impl Pending {
    fn add(&mut self, item: DayItem) {
        let day = self.days.entry(item.day).or_default();
        match day.index.get(&(item.station.clone(), item.quantity)) {
            None => {
                day.index
                    .insert((item.station.clone(), item.quantity), day.items.len());
                day.items.push(item);
            }
            Some(&i) => {
                let held = &mut day.items[i];
                let m = merge(&held.values, &item.values);
                if m.conflicts.is_empty() && m.unchanged == 0 {
                    held.values = m.merged;
                } else {
                    self.extra.push(item);
                }
            }
        }
    }

    /// Takes the days for which `ready` holds.
    fn take(&mut self, ready: impl Fn(Date) -> bool) -> Vec<DayItem> {
        let days: Vec<Date> = self.days.keys().copied().filter(|d| ready(*d)).collect();
        let mut out: Vec<DayItem> = Vec::new();
        for d in days {
            if let Some(day) = self.days.remove(&d) {
                out.extend(day.items);
            }
        }
        out.append(&mut self.extra);
        out
    }
}

pub(crate) fn run(store: &Store, args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let files = expand(&args.paths, "china_sites_")?;
    let expected: HashSet<Date> = files.iter().filter_map(|p| date_in_name(p)).collect();
    let mut known: HashSet<String> = store.stations()?.into_iter().map(|s| s.code).collect();
    let only: HashSet<String> = args.stations.iter().cloned().collect();
    let description = if files.len() == 1 {
        files[0].display().to_string()
    } else {
        format!(
            "{} files: {} … {}",
            files.len(),
            files[0].display(),
            files[files.len() - 1].display()
        )
    };
    let import = store.begin_import("cnemc", &description)?;

    let progress = if args.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} files {elapsed_precise} ETA {eta} {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    };

    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let next = AtomicUsize::new(0);
    let mut sum = Summary::default();
    let mut written = WriteSummary::default();
    let mut written_aqi = WriteSummary::default();
    let mut stations_seen: HashSet<String> = HashSet::new();
    let mut unknown: BTreeMap<String, u64> = BTreeMap::new();
    let mut registered: Vec<String> = Vec::new();
    let mut processed: HashSet<Date> = HashSet::new();
    let mut pending = Pending::default();
    // Complete days waiting to be written, in batches of several weeks.
    let mut ready: Vec<DayItem> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    let write = |mut items: Vec<DayItem>,
                 w: &mut WriteSummary,
                 wa: &mut WriteSummary|
     -> Result<()> {
        // In key order, so that each series' new days land on the same page of the store.
        items.sort_unstable_by(|a, b| {
            (a.station.as_str(), a.quantity, a.day).cmp(&(b.station.as_str(), b.quantity, b.day))
        });
        let (aqi, obs): (Vec<DayItem>, Vec<DayItem>) = items
            .into_iter()
            .partition(|i| i.quantity == Quantity::CnemcAqi);
        for batch in obs.chunks(20_000) {
            w.add(&store.write_days(import, batch)?);
        }
        for batch in aqi.chunks(20_000) {
            wa.add(&store.write_days(import, batch)?);
        }
        Ok(())
    };

    std::thread::scope(|scope| -> Result<()> {
        // Bounded: workers wait when the writer lags, so memory stays flat.
        let (tx, rx) = mpsc::sync_channel::<FileResult>(threads);
        for _ in 0..threads {
            let tx = tx.clone();
            let files = &files;
            let next = &next;
            scope.spawn(move || {
                let mut buf = Vec::with_capacity(4 << 20);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    if tx.send(read_one(path, &mut buf)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for r in rx {
            progress.inc(1);
            sum.files += 1;
            if let Some(e) = r.error {
                sum.files_failed += 1;
                problems.push(e);
                if let Some(d) = r.date {
                    processed.insert(d);
                }
                continue;
            }
            sum.rows += r.rows;
            sum.concentration_values_in_files += r.cells;
            sum.reference_aqi_in_files += r.aqi_cells;
            problems.extend(r.problems);
            notes.extend(r.notes);
            for (h, better) in [(r.first_hour, true), (r.last_hour, false)] {
                if let Some(h) = h {
                    let s = h.to_string();
                    let slot = if better {
                        &mut sum.first_hour
                    } else {
                        &mut sum.last_hour
                    };
                    let replace = slot
                        .as_ref()
                        .is_none_or(|cur| if better { s < *cur } else { s > *cur });
                    if replace {
                        *slot = Some(s);
                    }
                }
            }
            // Unknown stations: register them, or keep their values out.
            let mut codes: Vec<&str> = r.days.iter().map(|d| d.station.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            let new: Vec<Station> = codes
                .iter()
                .filter(|c| !known.contains(**c) && (only.is_empty() || only.contains(**c)))
                .map(|c| Station::unclassified(c, &r.name))
                .collect();
            if !new.is_empty() && args.register_unknown {
                store.upsert_stations(&new)?;
                for s in new {
                    registered.push(s.code.clone());
                    known.insert(s.code);
                }
            }
            for item in r.days {
                if !only.is_empty() && !only.contains(&item.station) {
                    match item.quantity {
                        Quantity::CnemcAqi => {
                            sum.reference_aqi_skipped += item.values.count() as u64
                        }
                        _ => sum.values_skipped_not_selected += item.values.count() as u64,
                    }
                    continue;
                }
                stations_seen.insert(item.station.clone());
                if known.contains(&item.station) {
                    pending.add(item);
                } else if item.quantity != Quantity::CnemcAqi {
                    *unknown.entry(item.station.clone()).or_default() += item.values.count() as u64;
                }
            }
            if let Some(d) = r.date {
                processed.insert(d);
            }
            let done = |d: Date| !expected.contains(&d) || processed.contains(&d);
            ready.extend(pending.take(|d| done(d) && d.tomorrow().is_ok_and(done)));
            if ready.len() >= WRITE_BATCH {
                write(std::mem::take(&mut ready), &mut written, &mut written_aqi)?;
                progress.set_message(format!("{} values stored", written.values_added));
            }
        }
        Ok(())
    })?;
    ready.extend(pending.take(|_| true));
    write(ready, &mut written, &mut written_aqi)?;
    progress.finish_and_clear();

    sum.stations = stations_seen.len() as u64;
    sum.values_stored = written.values_added;
    sum.values_already_stored = written.values_unchanged;
    sum.values_conflicting = written.conflicts;
    sum.reference_aqi_conflicting = written_aqi.conflicts;
    sum.values_rejected_unknown_station = unknown.values().sum();
    sum.reference_aqi_stored = written_aqi.values_added;
    sum.reference_aqi_already_stored = written_aqi.values_unchanged;
    sum.unknown_stations = unknown.keys().cloned().collect();
    registered.sort();
    sum.registered_stations = registered;
    for (code, n) in &unknown {
        problems.push(format!(
            "station {code} is not registered: its {n} values were not imported \
             (register it with `lantian import stations`, or use --register-unknown)"
        ));
    }
    sum.problems = problems.len() as u64;
    sum.notes = notes.len() as u64;
    sum.seconds = started.elapsed().as_secs_f64();
    store.finish_import(import, &serde_json::to_string(&sum)?)?;

    notes.sort();
    for n in notes.iter().take(5) {
        out::warn(&format!("note: {n}"));
    }
    if notes.len() > 5 {
        out::warn(&format!(
            "note: … and {} more notes like these",
            notes.len() - 5
        ));
    }
    problems.sort();
    for p in problems.iter().take(50) {
        out::warn(p);
    }
    if problems.len() > 50 {
        out::warn(&format!("… and {} more problems", problems.len() - 50));
    }
    out::text(&render(&sum, import))?;
    let rejected = sum.files_failed > 0
        || sum.values_rejected_unknown_station > 0
        || sum.values_conflicting > 0
        || sum.reference_aqi_conflicting > 0
        || sum.problems > 0;
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render(s: &Summary, import: i64) -> String {
    let period = match (&s.first_hour, &s.last_hour) {
        (Some(a), Some(b)) => format!("hours starting {a} … {b} (Beijing time)"),
        _ => "no data".to_owned(),
    };
    let nothing_new = s.values_stored == 0 && s.reference_aqi_stored == 0 && s.files > 0;
    format!(
        "import run {import}: {} files ({} unreadable), {} rows, {} stations, {period}\n\
         concentration values in the files: {}\n\
         \u{20}  stored now:                     {}\n\
         \u{20}  already stored (unchanged):     {}\n\
         \u{20}  conflicting with stored (kept): {}\n\
         \u{20}  rejected (unknown station):     {}\n\
         \u{20}  skipped (not in --stations):   {}\n\
         CNEMC reference AQI values: {} ({} stored now, {} already stored, {} conflicting)\n\
         problems (data left out): {}; notes: {}\n\
         {}",
        s.files,
        s.files_failed,
        s.rows,
        s.stations,
        s.concentration_values_in_files,
        s.values_stored,
        s.values_already_stored,
        s.values_conflicting,
        s.values_rejected_unknown_station,
        s.values_skipped_not_selected,
        s.reference_aqi_in_files,
        s.reference_aqi_stored,
        s.reference_aqi_already_stored,
        s.reference_aqi_conflicting,
        s.problems,
        s.notes,
        if nothing_new {
            "nothing new: every value was already stored\n"
        } else {
            ""
        }
    )
}
