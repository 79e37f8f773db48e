//! Any table as CSV or xlsx.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// A table of text cells with a header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tabular {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

/// A named sheet of a workbook.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Sheet name (at most 31 characters; Excel's rule).
    pub name: String,
    /// Its table.
    pub table: Tabular,
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first, and
/// not a number) gets a leading `'`, so text entered by users stays text (CSV injection).
fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

impl Tabular {
    /// The table as UTF-8 CSV with a byte-order mark, so Excel opens the Chinese text as
    /// UTF-8 rather than GBK.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        // Writing to a Vec cannot fail.
        let _ = w.write_record(self.headers.iter().map(|c| csv_safe(c).into_owned()));
        for row in &self.rows {
            let _ = w.write_record(row.iter().map(|c| csv_safe(c).into_owned()));
        }
        w.into_inner().unwrap_or_default()
    }

    /// The table as CSV without the byte-order mark (for terminals and pipes).
    pub fn to_csv_plain(&self) -> String {
        let bytes = self.to_csv();
        String::from_utf8_lossy(&bytes[3..]).into_owned()
    }

    /// The table as a one-sheet workbook.
    pub fn to_xlsx(&self, sheet: &str) -> Result<Vec<u8>, XlsxError> {
        xlsx_workbook(&[Sheet {
            name: sheet.to_owned(),
            table: self.clone(),
        }])
    }
}

/// True for a cell that is a plain decimal number (written as a number, so the office can
/// compute with it); codes such as `2008A` or times stay text.
fn is_number(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '-')
        && cell.parse::<f64>().is_ok()
}

/// Sheets as an xlsx workbook: bold, frozen header row, numbers as numbers.
pub fn xlsx_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name)?;
        for (c, h) in s.table.headers.iter().enumerate() {
            sheet.write_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in s.table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match cell.parse::<f64>() {
                    Ok(n) if is_number(cell) => {
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
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_bom_and_quotes() {
        let t = Tabular {
            headers: vec!["站点".into(), "值".into()],
            rows: vec![vec!["海门, 东".into(), "12.5".into()]],
        };
        let csv = t.to_csv();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(t.to_csv_plain(), "站点,值\n\"海门, 东\",12.5\n");
    }

    #[test]
    fn numbers_are_recognised() {
        assert!(is_number("12.5"));
        assert!(is_number("-3"));
        assert!(!is_number("2008A"));
        assert!(!is_number("2019-01-01"));
        assert!(!is_number(""));
        assert!(!is_number("-"));
    }

    #[test]
    fn xlsx_is_a_zip() {
        let t = Tabular {
            headers: vec!["a".into()],
            rows: vec![vec!["1".into()]],
        };
        let bytes = t.to_xlsx("表").unwrap_or_default();
        assert!(bytes.starts_with(b"PK"));
    }
}
