//! Reading a table from a CSV file (UTF-8 or GB18030, with or without BOM) or a worksheet of an
//! xlsx workbook: the header and the data rows with their line (row) numbers, cells as text.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// A table as read.
#[derive(Debug)]
pub(crate) struct Grid {
    /// The header's cells.
    pub(crate) headers: Vec<String>,
    /// Data rows: line (CSV) or row (xlsx) number, then the cells.
    pub(crate) rows: Vec<(u64, Vec<String>)>,
}

impl Grid {
    /// Fails naming the file (and sheet) if a required column is missing.
    pub(crate) fn require(&self, what: &str, required: &[&str]) -> Result<()> {
        for col in required {
            if !self.headers.iter().any(|h| h == col) {
                bail!("{what}: the header has no column {col:?}");
            }
        }
        Ok(())
    }

    /// Rows keyed by header.
    pub(crate) fn keyed(self) -> Vec<(u64, BTreeMap<String, String>)> {
        let headers = self.headers;
        self.rows
            .into_iter()
            .map(|(n, cells)| (n, headers.iter().cloned().zip(cells).collect()))
            .collect()
    }
}

/// Whether the path names a workbook.
pub(crate) fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xls"))
}

/// Reads a worksheet (by name, or else by position); empty rows are skipped.
pub(crate) fn read_sheet(path: &Path, name: &str, index: usize) -> Result<(String, Grid)> {
    use calamine::{Data, Reader, open_workbook_auto};
    let mut book =
        open_workbook_auto(path).with_context(|| format!("cannot read {}", path.display()))?;
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.as_str() == name)
        .or_else(|| names.get(index))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("{}: no sheet {name:?}", path.display()))?;
    let range = book
        .worksheet_range(&sheet)
        .with_context(|| format!("{}: cannot read sheet {sheet:?}", path.display()))?;
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(text).collect())
        .unwrap_or_default();
    let rows = rows
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, r)| (i as u64 + 2, r.iter().map(text).collect()))
        .collect();
    Ok((sheet, Grid { headers, rows }))
}

/// Reads a CSV file.
pub(crate) fn read_csv(path: &Path) -> Result<Grid> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (text, _) = crate::text::decode(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .with_context(|| format!("{}: no header line", path.display()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.with_context(|| format!("{}: unreadable CSV", path.display()))?;
        let line = rec.position().map_or(0, csv::Position::line);
        rows.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok(Grid { headers, rows })
}

/// A CSV file, or the first sheet of a workbook.
pub(crate) fn read_any(path: &Path) -> Result<Grid> {
    if is_xlsx(path) {
        Ok(read_sheet(path, "", 0)?.1)
    } else {
        read_csv(path)
    }
}
