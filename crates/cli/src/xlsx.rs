//! The assessment as an Excel workbook: one sheet per table, Chinese headers.

use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, Workbook};

use crate::assess::{Report, Table, headers, rows};

/// Writes the report's tables to `path`.
pub(crate) fn write(report: &Report, path: &Path) -> Result<()> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for (table, name) in [
        (Table::Summary, "概况"),
        (Table::Pollutants, "污染物评价"),
        (Table::Daily, "日数据"),
        (Table::Hourly, "小时数据"),
    ] {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (c, h) in headers(table).iter().enumerate() {
            sheet.write_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, row) in rows(report, table).iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                // Numbers as numbers, so the office can compute with them.
                match cell.parse::<f64>() {
                    Ok(n)
                        if !cell.is_empty()
                            && cell
                                .chars()
                                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '-') =>
                    {
                        sheet.write_number(r, c, n)?;
                    }
                    _ => {
                        sheet.write_string(r, c, cell)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    book.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
