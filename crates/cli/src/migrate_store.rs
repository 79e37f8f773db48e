//! `lantian migrate-store`: moves a whole store from SQLite to PostgreSQL (the way from one
//! node to several), then proves the copy: every table's row count and the SHA-256 of its rows
//! in key order, read back from both sides.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use lantian_store::Store;

use crate::out;

/// Arguments of `lantian migrate-store`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// The store to copy: a SQLite file (`path`, `sqlite:path` or `sqlite://path`) or a
    /// postgres:// URL. It must exist.
    #[arg(long)]
    from: String,
    /// The PostgreSQL database to copy into (postgres://…): migrated first, and it must hold no
    /// data.
    #[arg(long)]
    to: String,
    /// Only compare the two stores (counts and checksums), copying nothing.
    #[arg(long)]
    verify_only: bool,
}

/// A store location as `Store::open` takes it; a SQLite file must exist (a typo must not
/// create an empty source).
fn location(loc: &str, what: &str) -> Result<String> {
    if loc.starts_with("postgres://") || loc.starts_with("postgresql://") {
        return Ok(loc.to_owned());
    }
    let path = loc
        .strip_prefix("sqlite://")
        .or_else(|| loc.strip_prefix("sqlite:"))
        .unwrap_or(loc);
    anyhow::ensure!(
        std::path::Path::new(path).is_file(),
        "{what} {loc:?}: no such SQLite file"
    );
    Ok(path.to_owned())
}

pub(crate) fn run(a: &Args) -> Result<ExitCode> {
    let from = location(&a.from, "--from")?;
    anyhow::ensure!(
        a.to.starts_with("postgres://") || a.to.starts_with("postgresql://"),
        "--to {:?}: the target must be a postgres:// URL",
        a.to
    );
    let source = Store::open(&from).with_context(|| format!("cannot open --from {}", a.from))?;
    let target = Store::open(&a.to).context("cannot open --to (PostgreSQL)")?;
    if !a.verify_only {
        let started = std::time::Instant::now();
        let copied = lantian_store::copy::copy(&source, &target, &mut |table, n| {
            let _ = out::line(&format!("  {table}: {n} rows"));
        })
        .context("copy failed; the target was left as it was (one transaction)")?;
        let rows: u64 = copied.iter().map(|(_, n)| n).sum();
        out::line(&format!(
            "copied {rows} rows in {} tables in {:.1} s",
            copied.len(),
            started.elapsed().as_secs_f64()
        ))?;
    }
    let checks = lantian_store::copy::compare(&source, &target).context("comparison failed")?;
    out::line(&format!(
        "{:<20} {:>12} {:>12}  {:<16}  result",
        "table", "source rows", "target rows", "sha256"
    ))?;
    let mut differ = Vec::new();
    for c in &checks {
        let ok = c.matches();
        if !ok {
            differ.push(c.table);
        }
        out::line(&format!(
            "{:<20} {:>12} {:>12}  {:<16}  {}",
            c.table,
            c.source_rows,
            c.target_rows,
            c.source_sha256.get(..16).unwrap_or(""),
            if ok {
                "equal".to_owned()
            } else {
                format!(
                    "DIFFERS (target sha256 {})",
                    c.target_sha256.get(..16).unwrap_or("")
                )
            }
        ))?;
    }
    if differ.is_empty() {
        out::line(&format!(
            "verified: {} tables, counts and checksums equal",
            checks.len()
        ))?;
        Ok(ExitCode::SUCCESS)
    } else {
        out::line(&format!("DIFFERENT: {}", differ.join(", ")))?;
        Ok(ExitCode::from(1))
    }
}
