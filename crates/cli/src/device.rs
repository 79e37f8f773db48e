//! `lantian device import|export|list`: the device registry (设备档案).
//!
//! The registry travels as two tables, so that it can be kept in a spreadsheet:
//!
//! * devices: `mn,password,name,kind,generation,crc,st,owner_kind,owner_name,address,town,lon,lat,realtime_s,minute_s,hourly,offline_after,active`
//! * factors: `mn,code,name,unit,range_max,limit,window,converted,allowed_per_day,basis`
//!   (one row per factor; `limit` and `window` empty for a factor without a limit; a second
//!   limit on the same factor is a second row with the same code)
//!
//! `export` writes both as CSV files or as the two sheets of one workbook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use lantian_core::device::{format_micros, parse_micros};
use lantian_core::{
    Averaging, Device, DeviceFactor, DeviceKind, Intervals, Limit, Owner, OwnerKind,
};
use lantian_store::Store;

use crate::out;

/// `lantian device …`.
#[derive(Debug, Subcommand)]
pub(crate) enum DeviceCmd {
    /// Register or update devices from two CSV tables.
    ///
    /// DEVICES columns: mn, password, name, kind (cems, vocs, construction_dust, oil_fume,
    /// air_micro_station, other), generation (2005/2017/2025), crc (standard, modbus,
    /// modbus_swapped, signed_char), st, owner_kind (enterprise, construction_site, restaurant,
    /// government), owner_name, address, town, lon, lat, realtime_s, minute_s, hourly,
    /// offline_after, active. Only mn, password and kind are required.
    ///
    /// FACTORS columns (one row per factor and limit): mn, code, name, unit, range_max, limit,
    /// window (sample, minN, hour, day), converted (true: compare the 折算 value),
    /// allowed_per_day, basis. Errors name the file, line and field; nothing is stored unless
    /// both tables are valid.
    Import(ImportArgs),
    /// Write the registry as CSV tables or an Excel workbook.
    Export(ExportArgs),
    /// List registered devices.
    List,
}

/// Arguments of `lantian device import`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ImportArgs {
    /// The devices table (CSV, UTF-8 or GB18030), or a workbook (.xlsx) holding both tables
    /// as the sheets 设备 and 监测因子与限值 (as `device export --format xlsx` writes them).
    devices: PathBuf,
    /// The factors-and-limits table (CSV; not used with a workbook).
    #[arg(long)]
    factors: Option<PathBuf>,
}

/// Export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// Two CSV files: OUT (devices) and OUT with `.factors` before the extension.
    Csv,
    /// One workbook with the sheets 设备 and 监测因子与限值.
    Xlsx,
}

/// Arguments of `lantian device export`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ExportArgs {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

pub(crate) fn run(store: &Store, cmd: &DeviceCmd) -> Result<ExitCode> {
    match cmd {
        DeviceCmd::Import(a) => {
            let devices = read_tables(&a.devices, a.factors.as_deref())?;
            let n = store.upsert_devices(&devices)?;
            out::line(&format!(
                "{} devices read, {n} added or changed",
                devices.len()
            ))?;
        }
        DeviceCmd::Export(a) => {
            let devices: Vec<Device> = store.devices()?.into_iter().map(|d| d.device).collect();
            let (dev_rows, factor_rows) = to_rows(&devices);
            match a.format {
                Format::Csv => {
                    write_csv(&a.out, &DEVICE_HEADER, &dev_rows)?;
                    let fpath = factors_path(&a.out);
                    write_csv(&fpath, &FACTOR_HEADER, &factor_rows)?;
                    out::line(&format!(
                        "{} devices written to {} and {}",
                        devices.len(),
                        a.out.display(),
                        fpath.display()
                    ))?;
                }
                Format::Xlsx => {
                    write_xlsx(&a.out, &dev_rows, &factor_rows)?;
                    out::line(&format!(
                        "{} devices written to {}",
                        devices.len(),
                        a.out.display()
                    ))?;
                }
            }
        }
        DeviceCmd::List => {
            for d in store.devices()? {
                let d = d.device;
                out::line(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{} factors\t{} limits{}",
                    d.mn,
                    d.kind.zh(),
                    d.name,
                    d.owner.name,
                    d.owner.town,
                    d.factors.len(),
                    d.limits.len(),
                    if d.active { "" } else { "\t(停用)" }
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

const DEVICE_HEADER: [&str; 18] = [
    "mn",
    "password",
    "name",
    "kind",
    "generation",
    "crc",
    "st",
    "owner_kind",
    "owner_name",
    "address",
    "town",
    "lon",
    "lat",
    "realtime_s",
    "minute_s",
    "hourly",
    "offline_after",
    "active",
];
const FACTOR_HEADER: [&str; 10] = [
    "mn",
    "code",
    "name",
    "unit",
    "range_max",
    "limit",
    "window",
    "converted",
    "allowed_per_day",
    "basis",
];

fn factors_path(p: &Path) -> PathBuf {
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = p
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".to_owned());
    p.with_file_name(format!("{stem}.factors.{ext}"))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn to_rows(devices: &[Device]) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut dev_rows = Vec::new();
    let mut factor_rows = Vec::new();
    for d in devices {
        dev_rows.push(vec![
            d.mn.clone(),
            d.password.clone(),
            d.name.clone(),
            d.kind.as_str().to_owned(),
            d.generation.clone(),
            d.crc.clone(),
            d.st.clone(),
            d.owner.kind.as_str().to_owned(),
            d.owner.name.clone(),
            d.owner.address.clone(),
            d.owner.town.clone(),
            opt(d.owner.lon),
            opt(d.owner.lat),
            opt(d.intervals.realtime_s),
            opt(d.intervals.minute_s),
            d.intervals.hourly.to_string(),
            d.intervals.offline_after.to_string(),
            d.active.to_string(),
        ]);
        for f in &d.factors {
            let limits: Vec<&Limit> = d.limits.iter().filter(|l| l.factor == f.code).collect();
            let base = |l: Option<&Limit>| {
                vec![
                    d.mn.clone(),
                    f.code.clone(),
                    f.name.clone(),
                    f.unit.clone(),
                    opt(f.range_max.map(format_micros)),
                    opt(l.map(|l| format_micros(l.max))),
                    opt(l.map(|l| l.averaging.label())),
                    opt(l.map(|l| l.converted)),
                    opt(l.map(|l| l.allowed_per_day)),
                    l.map(|l| l.basis.clone()).unwrap_or_default(),
                ]
            };
            if limits.is_empty() {
                factor_rows.push(base(None));
            } else {
                for l in limits {
                    factor_rows.push(base(Some(l)));
                }
            }
        }
    }
    (dev_rows, factor_rows)
}

fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()?;
    Ok(())
}

fn write_xlsx(path: &Path, devices: &[Vec<String>], factors: &[Vec<String>]) -> Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, header, rows) in [
        ("设备", &DEVICE_HEADER[..], devices),
        ("监测因子与限值", &FACTOR_HEADER[..], factors),
    ] {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }
    book.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

type Rows = Vec<(u64, BTreeMap<String, String>)>;

use crate::table::is_xlsx;

/// Reads a worksheet (by name, or else by position) into header-keyed rows.
fn read_sheet(path: &Path, name: &str, index: usize, required: &[&str]) -> Result<Rows> {
    let (sheet, grid) = crate::table::read_sheet(path, name, index)?;
    crate::table::require(
        &grid,
        &format!("{} sheet {sheet:?}", path.display()),
        required,
    )?;
    Ok(grid.keyed())
}

/// Reads a CSV table into header-keyed rows with their line numbers.
fn read_table(path: &Path, required: &[&str]) -> Result<Rows> {
    let grid = crate::table::read_csv(path)?;
    crate::table::require(&grid, &path.display().to_string(), required)?;
    Ok(grid.keyed())
}

fn get<'a>(row: &'a BTreeMap<String, String>, col: &str) -> &'a str {
    row.get(col).map_or("", String::as_str)
}

fn parse_opt<T: std::str::FromStr>(
    path: &Path,
    line: u64,
    col: &str,
    s: &str,
) -> Result<Option<T>> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| anyhow::anyhow!("{}:{line}: field {col}: {s:?} is not valid", path.display()))
}

fn parse_bool(path: &Path, line: u64, col: &str, s: &str, default: bool) -> Result<bool> {
    match s.to_ascii_lowercase().as_str() {
        "" => Ok(default),
        "true" | "1" | "yes" | "是" => Ok(true),
        "false" | "0" | "no" | "否" => Ok(false),
        _ => bail!(
            "{}:{line}: field {col}: {s:?} is not true or false",
            path.display()
        ),
    }
}

/// Reads the two tables (two CSV files, or the two sheets of one workbook) into validated
/// devices; every error names the file, line (row) and field.
pub(crate) fn read_tables(devices: &Path, factors: Option<&Path>) -> Result<Vec<Device>> {
    let (device_rows, factor_rows) = if is_xlsx(devices) {
        (
            read_sheet(devices, "设备", 0, &["mn", "password", "kind"])?,
            Some((
                devices,
                read_sheet(devices, "监测因子与限值", 1, &["mn", "code"])?,
            )),
        )
    } else {
        (
            read_table(devices, &["mn", "password", "kind"])?,
            match factors {
                Some(f) => Some((f, read_table(f, &["mn", "code"])?)),
                None => None,
            },
        )
    };
    let mut out: Vec<Device> = Vec::new();
    let mut index = BTreeMap::new();
    for (line, row) in device_rows {
        let p = devices;
        let kind_text = get(&row, "kind");
        let kind = DeviceKind::parse(kind_text)
            .ok_or_else(|| anyhow::anyhow!("{}:{line}: field kind: {kind_text:?} is not a device kind (cems, vocs, construction_dust, oil_fume, air_micro_station, other)", p.display()))?;
        let ok_text = get(&row, "owner_kind");
        let owner_kind = if ok_text.is_empty() {
            OwnerKind::default()
        } else {
            OwnerKind::parse(ok_text).ok_or_else(|| anyhow::anyhow!("{}:{line}: field owner_kind: {ok_text:?} is not enterprise, construction_site, restaurant or government", p.display()))?
        };
        let non_empty = |c: &str, d: &str| {
            let v = get(&row, c);
            if v.is_empty() {
                d.to_owned()
            } else {
                v.to_owned()
            }
        };
        let defaults = Intervals::default();
        let d = Device {
            mn: get(&row, "mn").to_owned(),
            password: get(&row, "password").to_owned(),
            name: get(&row, "name").to_owned(),
            kind,
            generation: non_empty("generation", "2017"),
            crc: non_empty("crc", "standard"),
            st: get(&row, "st").to_owned(),
            owner: Owner {
                kind: owner_kind,
                name: get(&row, "owner_name").to_owned(),
                address: get(&row, "address").to_owned(),
                town: get(&row, "town").to_owned(),
                lon: parse_opt(p, line, "lon", get(&row, "lon"))?,
                lat: parse_opt(p, line, "lat", get(&row, "lat"))?,
            },
            factors: Vec::new(),
            intervals: Intervals {
                realtime_s: parse_opt(p, line, "realtime_s", get(&row, "realtime_s"))?,
                minute_s: parse_opt(p, line, "minute_s", get(&row, "minute_s"))?,
                hourly: parse_bool(p, line, "hourly", get(&row, "hourly"), defaults.hourly)?,
                offline_after: parse_opt(p, line, "offline_after", get(&row, "offline_after"))?
                    .unwrap_or(defaults.offline_after),
            },
            limits: Vec::new(),
            active: parse_bool(p, line, "active", get(&row, "active"), true)?,
        };
        if index.insert(d.mn.clone(), (out.len(), line)).is_some() {
            bail!("{}:{line}: field mn: {:?} appears twice", p.display(), d.mn);
        }
        out.push(d);
    }
    if let Some((fp, rows)) = factor_rows {
        for (line, row) in rows {
            let mn = get(&row, "mn");
            let Some(&(i, _)) = index.get(mn) else {
                bail!(
                    "{}:{line}: field mn: {mn:?} is not in {}",
                    fp.display(),
                    devices.display()
                );
            };
            let d = &mut out[i];
            let code = get(&row, "code").to_owned();
            if code.is_empty() {
                bail!("{}:{line}: field code is empty", fp.display());
            }
            let range_text = get(&row, "range_max");
            let range_max = if range_text.is_empty() {
                None
            } else {
                Some(parse_micros(range_text).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}:{line}: field range_max: {range_text:?} is not a number",
                        fp.display()
                    )
                })?)
            };
            if d.factor(&code).is_none() {
                d.factors.push(DeviceFactor {
                    code: code.clone(),
                    name: get(&row, "name").to_owned(),
                    unit: get(&row, "unit").to_owned(),
                    range_max,
                });
            }
            let limit_text = get(&row, "limit");
            if !limit_text.is_empty() {
                let max = parse_micros(limit_text).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}:{line}: field limit: {limit_text:?} is not a number",
                        fp.display()
                    )
                })?;
                let w = get(&row, "window");
                let averaging = Averaging::parse(if w.is_empty() { "sample" } else { w })
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}:{line}: field window: {w:?} is not sample, minN, hour or day",
                            fp.display()
                        )
                    })?;
                d.limits.push(Limit {
                    factor: code,
                    averaging,
                    max,
                    converted: parse_bool(fp, line, "converted", get(&row, "converted"), false)?,
                    allowed_per_day: parse_opt(
                        fp,
                        line,
                        "allowed_per_day",
                        get(&row, "allowed_per_day"),
                    )?
                    .unwrap_or(0),
                    basis: get(&row, "basis").to_owned(),
                });
            }
        }
    }
    for d in &out {
        if let Err(e) = d.validate() {
            let line = index.get(&d.mn).map_or(0, |x| x.1);
            bail!("{}:{line}: device {}: {e}", devices.display(), d.mn);
        }
    }
    Ok(out)
}
