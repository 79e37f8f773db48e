//! Tables named on the command line: the file is read within the table reader's size limit and
//! handed to [`lantian_report::table`], the reader the API uses too.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use lantian_report::table::{Sheet, Table, TableLimits};

/// A table as read.
pub(crate) type Grid = Table;

/// Fails naming the file (and sheet) if a required column is missing.
pub(crate) fn require(grid: &Grid, what: &str, required: &[&str]) -> Result<()> {
    if let Some(col) = grid.missing(required) {
        bail!("{what}: the header has no column {col:?}");
    }
    Ok(())
}

/// Whether the path names a workbook.
pub(crate) fn is_xlsx(path: &Path) -> bool {
    lantian_report::table::is_workbook(&path.to_string_lossy())
}

/// A file's bytes, refused past the table reader's size limit before they are all read.
pub(crate) fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > limit {
        bail!("{}: larger than {limit} bytes", path.display());
    }
    Ok(bytes)
}

fn read(path: &Path, sheet: Sheet<'_>) -> Result<Grid> {
    let limits = TableLimits::default();
    let bytes = read_bounded(path, limits.max_file_bytes)?;
    Ok(lantian_report::table::read(
        &path.display().to_string(),
        &bytes,
        sheet,
        &limits,
    )?)
}

/// Reads a worksheet (by name, or else by position); empty rows are skipped.
pub(crate) fn read_sheet(path: &Path, name: &str, index: usize) -> Result<(String, Grid)> {
    let grid = read(path, Sheet::Named(name, index))?;
    Ok((grid.sheet.clone().unwrap_or_default(), grid))
}

/// A CSV file, or the first sheet of a workbook.
pub(crate) fn read_any(path: &Path) -> Result<Grid> {
    read(path, Sheet::First)
}

/// Reads a CSV file (UTF-8 or GB18030).
pub(crate) fn read_csv(path: &Path) -> Result<Grid> {
    let limits = TableLimits::default();
    let bytes = read_bounded(path, limits.max_file_bytes)?;
    // Named as CSV whatever its extension says.
    Ok(lantian_report::table::read(
        &format!("{} (CSV)", path.display()),
        &bytes,
        Sheet::First,
        &limits,
    )?)
}
