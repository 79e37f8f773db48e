//! `lantian inventory`: the emission inventory (大气污染源排放清单). Import a year from its
//! spreadsheet (refused whole, every bad row named), start a year from the last, put online-
//! monitoring totals in place of point sources' estimates, show, compare and export years, and
//! account for the NOx and VOCs −10 % against the baseline with each project's part. Every
//! change is a new version of the year; none is ever overwritten.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Subcommand};
use lantian_inventory::analysis::{self, Grouping};
use lantian_inventory::{Categories, Library, Pollutant, pollutant_totals};
use lantian_report::inventory as report;
use lantian_store::Store;
use rust_decimal::Decimal;

use crate::out;
use crate::user::cli_actor;

/// The factor library and categories to use.
#[derive(Debug, ClapArgs)]
pub(crate) struct LibraryArgs {
    /// The source classification (default: config/inventory/categories.toml as shipped).
    #[arg(long, global = true)]
    categories: Option<PathBuf>,
    /// The factor library (default: config/inventory/factors.toml as shipped).
    #[arg(long, global = true)]
    factors: Option<PathBuf>,
}

/// `lantian inventory …`.
#[derive(Debug, ClapArgs)]
pub(crate) struct InventoryCmd {
    #[command(flatten)]
    library: LibraryArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A year from its spreadsheet (CSV or xlsx, one row per source and pollutant; the layout of
    /// `export`): a new version of the year.
    Import {
        /// The inventory file.
        file: PathBuf,
        /// The reduction projects (CSV or xlsx).
        #[arg(long)]
        projects: Option<PathBuf>,
        /// The year (default: the file's 年份 column).
        #[arg(long)]
        year: Option<i32>,
        /// Mark it as example data (not the district's).
        #[arg(long)]
        example: bool,
        /// Why this version (kept with it).
        #[arg(long, default_value = "导入")]
        note: String,
    },
    /// Start a year from the newest year before it (copy, then update).
    Roll {
        /// The new year.
        year: i32,
    },
    /// Online-monitoring (CEMS) annual totals of point sources with monitors, from the stored
    /// hourly data; those covering enough days replace the estimate in a new version.
    Measure {
        /// The year.
        year: i32,
        /// Share of valid days (≥ 18 valid hours) a total needs to be used (percent).
        #[arg(long, default_value = "80")]
        min_coverage: Decimal,
    },
    /// A year's totals by pollutant and by `--by`.
    Show {
        /// The year.
        year: i32,
        /// source, category, town or pollutant.
        #[arg(long, default_value = "category")]
        by: String,
    },
    /// Every stored version (of one year).
    Versions {
        /// Only this year.
        year: Option<i32>,
    },
    /// Two years compared by source, category, town or pollutant.
    Compare {
        /// The first year.
        a: i32,
        /// The second year.
        b: i32,
        /// source, category, town or pollutant.
        #[arg(long, default_value = "category")]
        by: String,
    },
    /// NOx and VOCs against the baseline and the −10 % target, with each project's part.
    /// Exit 1 if a target is missed.
    Accounting {
        /// The year.
        year: i32,
        /// The baseline year.
        #[arg(long, default_value_t = 2020)]
        baseline: i32,
    },
    /// A year as a workbook (records with emissions, projects, totals, and the accounting
    /// against `--baseline`), or as CSV in the import layout on stdout.
    Export {
        /// The year.
        year: i32,
        /// Write the workbook here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Add the accounting against this year.
        #[arg(long)]
        baseline: Option<i32>,
    },
    /// The factor library with each value's source.
    Factors,
}

fn library(a: &LibraryArgs) -> Result<(Categories, Library)> {
    let cats = match &a.categories {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Categories::from_toml(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}", p.display(), e.join("; ")))?
        }
        None => Categories::builtin(),
    };
    let lib = match &a.factors {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Library::from_toml(&text, &cats)
                .map_err(|e| anyhow::anyhow!("{}: {}", p.display(), e.join("; ")))?
        }
        None => Library::from_toml(lantian_inventory::library::BUILTIN, &cats).map_err(|e| {
            anyhow::anyhow!(
                "the shipped factor library against these categories: {}",
                e.join("; ")
            )
        })?,
    };
    Ok((cats, lib))
}

fn grouping(by: &str) -> Result<Grouping> {
    Grouping::parse(by).with_context(|| format!("--by {by:?}: source, category, town or pollutant"))
}

fn t(d: Decimal) -> String {
    d.round_dp(3).normalize().to_string()
}

fn name_of(p: &std::path::Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

pub(crate) fn run(store: &Store, cmd: &InventoryCmd) -> Result<ExitCode> {
    let (cats, lib) = library(&cmd.library)?;
    let l = (&cats, &lib);
    let now = jiff::Timestamp::now().as_millisecond();
    let actor = cli_actor();
    match &cmd.command {
        Command::Import {
            file,
            projects,
            year,
            example,
            note,
        } => import(
            store,
            l,
            (file, projects.as_ref()),
            (*year, *example, note),
            (&actor, now),
        ),
        Command::Roll { year } => {
            let (id, from) = report::roll_forward(store, *year, l, &actor, now)?;
            out::line(&format!(
                "{year}: started from {from} as version {id}; import its updates"
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Measure { year, min_coverage } => {
            let (m, stored) = report::measure(store, *year, l, *min_coverage, &actor, now)?;
            if m.is_empty() {
                out::line(&format!("{year}: no point source with monitors"))?;
            }
            for x in &m {
                out::line(&format!(
                    "{} {}: {} t, {} valid days ({}%) {} — {}",
                    x.source,
                    x.pollutant,
                    t(x.tonnes),
                    x.valid_days,
                    x.coverage_pct,
                    if x.used { "used" } else { "not used" },
                    x.note
                ))?;
            }
            if let Some(id) = stored {
                out::line(&format!("{year}: version {id} with the measured totals"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { year, by } => {
            let y = report::need(store, *year, l)?;
            let g = grouping(by)?;
            out::line(&format!(
                "{}{} (version {}, {}, {})",
                y.inventory.title,
                if y.inventory.example {
                    " [EXAMPLE]"
                } else {
                    ""
                },
                y.record.id,
                y.record.version.name,
                y.record.version.note
            ))?;
            for (p, v) in pollutant_totals(&y.emissions) {
                out::line(&format!("  {p}: {} t", t(v)))?;
            }
            for ((key, p), (name, v)) in analysis::totals(&y.inventory, &y.emissions, g, &cats) {
                out::line(&format!("{key:<8} {name:<16} {p:<6} {:>12}", t(v)))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Versions { year } => {
            for r in store.inventory_versions(*year, false)? {
                let v = &r.version;
                out::line(&format!(
                    "{:>5}  {}  {}  {}  {}  {}{}  {}",
                    r.id,
                    v.year,
                    lantian_report::beijing_minute(v.loaded_at_ms),
                    v.loaded_by,
                    v.name,
                    v.note,
                    if v.example { " [EXAMPLE]" } else { "" },
                    v.totals
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { a, b, by } => {
            let (ya, yb) = (report::need(store, *a, l)?, report::need(store, *b, l)?);
            let rows = analysis::compare(
                (&ya.inventory, &ya.emissions),
                (&yb.inventory, &yb.emissions),
                grouping(by)?,
                &cats,
            );
            out::line(&format!(
                "key,name,pollutant,{a} (t),{b} (t),change (t),change (%)"
            ))?;
            for r in rows {
                out::line(&format!(
                    "{},{},{},{},{},{},{}",
                    r.key,
                    r.name,
                    r.pollutant,
                    t(r.a),
                    t(r.b),
                    t(r.change),
                    r.change_pct.map(|p| p.to_string()).unwrap_or_default()
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounting { year, baseline } => accounting(store, l, *year, *baseline),
        Command::Export {
            year,
            out: path,
            baseline,
        } => {
            let y = report::need(store, *year, l)?;
            let acc = baseline
                .map(|b| report::accounting_of(store, *year, b, l).map(|x| x.0))
                .transpose()?;
            match path {
                Some(p) => {
                    std::fs::write(p, report::workbook(&y, &cats, acc.as_ref())?)
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    out::line(&format!(
                        "{}: {} records",
                        p.display(),
                        y.inventory.records.len()
                    ))?;
                }
                None => {
                    let table = lantian_report::Tabular {
                        headers: lantian_inventory::exchange::HEADERS
                            .iter()
                            .map(|h| (*h).to_owned())
                            .collect(),
                        rows: lantian_inventory::exchange::to_rows(&y.inventory),
                    };
                    out::text(&table.to_csv_plain())?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Factors => factors(&lib),
    }
}

/// `inventory import`: a year's inventory (and its projects) read, computed and stored as a new
/// version.
fn import(
    store: &Store,
    l: (&Categories, &Library),
    (file, projects): (&PathBuf, Option<&PathBuf>),
    (year, example, note): (Option<i32>, bool, &str),
    (actor, now): (&str, i64),
) -> Result<ExitCode> {
    // Read within the table reader's limit: a huge file is refused before it is all read.
    let max = lantian_report::table::TableLimits::default().max_file_bytes;
    let bytes = crate::table::read_bounded(file, max)?;
    let pbytes = projects
        .map(|p| crate::table::read_bounded(p, max))
        .transpose()?;
    let pname = projects.map(|p| name_of(p));
    let mut inv = report::read_files(
        &name_of(file),
        &bytes,
        pname.as_deref().zip(pbytes.as_deref()),
        year,
    )?;
    inv.example = example;
    if example {
        inv.title = format!("{}（示例数据，非海门区实际清单）", inv.title);
    }
    let (id, new, totals) = report::store_year(store, &inv, l, &name_of(file), note, actor, now)?;
    out::line(&format!(
        "{} {}: {} sources, {} records, {} projects; version {id}{}",
        inv.year,
        if example { "(EXAMPLE data)" } else { "" },
        inv.sources.len(),
        inv.records.len(),
        inv.projects.len(),
        if new {
            ""
        } else {
            " (unchanged: the year's newest already)"
        }
    ))?;
    for (p, v) in totals {
        out::line(&format!("  {p}: {} t", t(v)))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `inventory accounting`: the −10 % accounting of `year` against `baseline`; exit 1 when a
/// target is missed.
fn accounting(
    store: &Store,
    l: (&Categories, &Library),
    year: i32,
    baseline: i32,
) -> Result<ExitCode> {
    let (a, _, c) = report::accounting_of(store, year, baseline, l)?;
    if c.inventory.example {
        out::line("EXAMPLE data, not the district's inventory")?;
    }
    for p in &a.pollutants {
        out::line(&format!(
            "{}: {baseline} {} t → {year} {} t ({}%), target {}% (at most {} t): {}; {} t of the fall not from listed projects; {} t measured",
            p.pollutant,
            t(p.baseline_t),
            t(p.current_t),
            p.change_pct
                .map(|x| x.to_string())
                .unwrap_or_else(|| "—".to_owned()),
            p.target_pct,
            t(p.allowed_t),
            if p.met { "met" } else { "MISSED" },
            t(p.unexplained_t),
            t(p.measured_t),
        ))?;
    }
    for x in &a.projects {
        out::line(&format!(
            "  {} {} [{}] {}: counted {} t ({}), sources changed {} t{}",
            x.id,
            x.name,
            x.tasks
                .iter()
                .map(|n| format!("任务{n}"))
                .collect::<Vec<_>>()
                .join("、"),
            x.pollutant,
            t(x.counted_t),
            x.share_pct
                .map_or("—".to_owned(), |s| format!("{s}% of the fall")),
            t(x.sources_change_t),
            if x.verified_t.is_some() {
                ", verified"
            } else {
                ", expected"
            },
        ))?;
    }
    Ok(if a.pollutants.iter().all(|p| p.met) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `inventory factors`: the factor and control library.
fn factors(lib: &Library) -> Result<ExitCode> {
    for f in lib.factors.values() {
        out::line(&format!(
            "{}  {}  {} {}  {} {}  {}{}",
            f.id,
            f.category,
            f.pollutant,
            f.fuel,
            f.value.normalize(),
            f.unit,
            f.source,
            if f.example { " [EXAMPLE]" } else { "" }
        ))?;
    }
    for c in lib.controls.values() {
        let e: Vec<String> = c
            .efficiency
            .iter()
            .map(|(p, v): (&Pollutant, &Decimal)| format!("{p} {v}%"))
            .collect();
        out::line(&format!(
            "{}  {}  {}  {}{}",
            c.code,
            c.name,
            e.join(", "),
            c.source,
            if c.example { " [EXAMPLE]" } else { "" }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
