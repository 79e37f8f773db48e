//! The one table reader: a 台账 or list uploaded or named on the command line, as a CSV (UTF-8
//! with or without a byte-order mark, or GB18030/GBK) or a worksheet of an xlsx workbook, read
//! into its header and its data rows with their line (CSV) or row (xlsx) numbers, cells as text.
//! Pure: bytes in. The CLI and the API both call [`read`], so a file one accepts the other
//! accepts too.
//!
//! Every limit is a field of [`TableLimits`]: a hostile workbook is refused before it costs
//! memory. An xlsx is a zip of XML; the reader first inflates every member through a bounded
//! counter (so a zip bomb is refused after `max_unzipped_bytes`, whatever sizes the archive
//! declares), then streams the sheet's cells one by one (never the dense range a sparse sheet
//! declares: a cell at `XFD1048576` would otherwise ask for 2^34 cells), refusing a cell beyond
//! `max_rows`/`max_columns` and a table whose rows × columns exceed `max_cells`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Limits of one table file. The defaults allow the largest 台账 a district keeps (20,000
/// sources × 200 columns) with room to spare, and keep a hostile file below ~1 GiB of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableLimits {
    /// Largest file (bytes) read at all.
    pub max_file_bytes: usize,
    /// Largest total size of an xlsx's members once inflated (bytes), all members together.
    pub max_unzipped_bytes: u64,
    /// Most members in an xlsx archive.
    pub max_zip_entries: usize,
    /// Most rows (a cell in a row beyond it refuses the file).
    pub max_rows: u32,
    /// Most columns (a cell in a column beyond it refuses the file).
    pub max_columns: u32,
    /// Most cells of the table as read: data rows × columns (the dense grid handed on).
    pub max_cells: usize,
}

impl Default for TableLimits {
    fn default() -> Self {
        TableLimits {
            max_file_bytes: 64 * 1024 * 1024,
            max_unzipped_bytes: 256 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_rows: 1_000_000,
            max_columns: 1_024,
            max_cells: 8_000_000,
        }
    }
}

/// A table as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The worksheet read (xlsx only).
    pub sheet: Option<String>,
    /// The text encoding of a CSV (`UTF-8` or `GB18030`); `xlsx` for a workbook.
    pub encoding: &'static str,
    /// The header's cells.
    pub headers: Vec<String>,
    /// Data rows (empty rows skipped): line (CSV) or row (xlsx) number, counted from 1 with the
    /// header, then the cells.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Rows keyed by header.
    #[must_use]
    pub fn keyed(self) -> Vec<(u64, BTreeMap<String, String>)> {
        let headers = self.headers;
        self.rows
            .into_iter()
            .map(|(n, cells)| (n, headers.iter().cloned().zip(cells).collect()))
            .collect()
    }

    /// The first column of `required` the header lacks.
    #[must_use]
    pub fn missing<'a>(&self, required: &[&'a str]) -> Option<&'a str> {
        required
            .iter()
            .find(|c| !self.headers.iter().any(|h| h == *c))
            .copied()
    }

    /// The header and the cells without their numbers.
    #[must_use]
    pub fn into_grid(self) -> Grid {
        (
            self.headers,
            self.rows.into_iter().map(|(_, cells)| cells).collect(),
        )
    }
}

/// Which worksheet of a workbook to read (a CSV has one table and ignores this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet<'a> {
    /// The first sheet.
    First,
    /// The sheet of this name, or else the one at this position (0 is the first).
    Named(&'a str, usize),
}

/// Why a table was refused; the text (zh-CN) names the file, and the sheet, row or column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct TableError {
    /// The file's name as given.
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

/// Whether `name` is read as a workbook (`.xlsx`; `.xls` is named so that it is refused with a
/// reason rather than read as CSV).
#[must_use]
pub fn is_workbook(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xlsx") || lower.ends_with(".xls")
}

/// Reads `bytes` as the file `name` says (`.xlsx`, else CSV), within `limits`.
///
/// # Errors
///
/// A [`TableError`] naming the file and what is wrong: too large, not a workbook, no such
/// sheet, a cell beyond the limits, an unreadable CSV line.
pub fn read(
    name: &str,
    bytes: &[u8],
    sheet: Sheet<'_>,
    limits: &TableLimits,
) -> Result<Table, TableError> {
    let err = |reason: String| TableError {
        file: name.to_owned(),
        reason,
    };
    if bytes.len() > limits.max_file_bytes {
        return Err(err(format!(
            "文件 {} 字节，超过上限 {} 字节",
            bytes.len(),
            limits.max_file_bytes
        )));
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".xls") {
        return Err(err(
            "不支持旧版 .xls 工作簿，请另存为 .xlsx 或 CSV 后上传".to_owned()
        ));
    }
    if lower.ends_with(".xlsx") {
        xlsx(bytes, sheet, limits).map_err(err)
    } else {
        csv_table(bytes, limits).map_err(err)
    }
}

/// A table's header and its rows' cells, without line numbers.
pub type Grid = (Vec<String>, Vec<Vec<String>>);

/// An uploaded file as its header and cells: the first sheet of a workbook or the CSV, within
/// the default limits.
///
/// # Errors
///
/// As [`read`].
pub fn grid(name: &str, bytes: &[u8]) -> Result<Grid, TableError> {
    read(name, bytes, Sheet::First, &TableLimits::default()).map(Table::into_grid)
}

/// Decodes text of unknown encoding: UTF-8 when the bytes are valid UTF-8 (a byte-order mark is
/// dropped), else GB18030 (a superset of GBK, which Chinese spreadsheets save as "CSV").
/// Returns the text and the encoding's name.
#[must_use]
pub fn decode_text(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text, "GB18030")
        }
    }
}

fn csv_table(bytes: &[u8], limits: &TableLimits) -> Result<Table, String> {
    let (text, encoding) = decode_text(bytes);
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("无法读取表头：{e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let width = headers.len().max(1);
    if headers.len() > limits.max_columns as usize {
        return Err(format!(
            "表头有 {} 列，超过上限 {} 列",
            headers.len(),
            limits.max_columns
        ));
    }
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for rec in r.records() {
        let rec = rec.map_err(|e| match e.position() {
            Some(p) => format!("第 {} 行无法读取：{e}", p.line()),
            None => format!("无法读取：{e}"),
        })?;
        let line = rec.position().map_or(0, csv::Position::line);
        if rec.len() > limits.max_columns as usize {
            return Err(format!(
                "第 {line} 行有 {} 列，超过上限 {} 列",
                rec.len(),
                limits.max_columns
            ));
        }
        if rec.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() >= limits.max_rows as usize {
            return Err(format!("数据超过 {} 行的上限", limits.max_rows));
        }
        cells = cells.saturating_add(rec.len().max(width));
        if cells > limits.max_cells {
            return Err(format!("单元格超过 {} 个的上限", limits.max_cells));
        }
        rows.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok(Table {
        sheet: None,
        encoding,
        headers,
        rows,
    })
}

/// Inflates every member of the archive through a bounded counter: the real sizes, not the
/// declared ones, are held against the limits before calamine reads anything.
fn check_archive(bytes: &[u8], limits: &TableLimits) -> Result<(), String> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("不是 xlsx 工作簿（{e}）"))?;
    if zip.len() > limits.max_zip_entries {
        return Err(format!(
            "工作簿含 {} 个部件，超过上限 {}",
            zip.len(),
            limits.max_zip_entries
        ));
    }
    let mut left = limits.max_unzipped_bytes;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("工作簿第 {} 个部件无法读取：{e}", i + 1))?;
        let name = entry.name().to_owned();
        let read = std::io::copy(&mut (&mut entry).take(left + 1), &mut std::io::sink())
            .map_err(|e| format!("工作簿部件 {name} 无法解压：{e}"))?;
        if read > left {
            return Err(format!(
                "工作簿解压后超过 {} 字节的上限（部件 {name}）",
                limits.max_unzipped_bytes
            ));
        }
        left -= read;
    }
    Ok(())
}

/// A cell as text, as a person typed it: whole numbers without `.0`, text trimmed.
fn cell_text(d: calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        #[allow(clippy::cast_possible_truncation)]
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn xlsx(bytes: &[u8], sheet: Sheet<'_>, limits: &TableLimits) -> Result<Table, String> {
    use calamine::{Reader, Xlsx};
    check_archive(bytes, limits)?;
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("不是 xlsx 工作簿（{e}）"))?;
    let names = book.sheet_names();
    let chosen = match sheet {
        Sheet::First => names.first(),
        Sheet::Named(name, index) => names
            .iter()
            .find(|n| n.as_str() == name)
            .or_else(|| names.get(index)),
    }
    .cloned()
    .ok_or_else(|| match sheet {
        Sheet::Named(name, _) if !name.is_empty() => format!("没有工作表 {name:?}"),
        _ => "工作簿没有工作表".to_owned(),
    })?;
    let mut reader = book
        .worksheet_cells_reader(&chosen)
        .map_err(|e| format!("工作表 {chosen:?} 无法读取：{e}"))?;
    // Cells by row, kept sparse: only cells that hold something cost memory.
    let mut by_row: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut first_col = u32::MAX;
    let mut last_col = 0u32;
    let mut stored = 0usize;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(format!("工作表 {chosen:?} 无法读取：{e}")),
        };
        let (row, col) = cell.get_position();
        if row >= limits.max_rows || col >= limits.max_columns {
            return Err(format!(
                "工作表 {chosen:?} 在第 {} 行第 {} 列有内容，超过上限（{} 行 × {} 列）",
                u64::from(row) + 1,
                u64::from(col) + 1,
                limits.max_rows,
                limits.max_columns
            ));
        }
        let text = cell_text(calamine::Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        stored += 1;
        if stored > limits.max_cells {
            return Err(format!(
                "工作表 {chosen:?} 的单元格超过 {} 个的上限",
                limits.max_cells
            ));
        }
        first_col = first_col.min(col);
        last_col = last_col.max(col);
        by_row.entry(row).or_default().push((col, text));
    }
    // The table starts at the first row and the first column that hold anything (as a dense
    // range would): that row is the header.
    if by_row.is_empty() {
        return Ok(Table {
            sheet: Some(chosen),
            encoding: "xlsx",
            headers: Vec::new(),
            rows: Vec::new(),
        });
    }
    let width = (last_col - first_col) as usize + 1;
    if by_row.len().saturating_mul(width.max(1)) > limits.max_cells {
        return Err(format!(
            "工作表 {chosen:?} 有 {} 行 × {width} 列，超过 {} 个单元格的上限",
            by_row.len(),
            limits.max_cells
        ));
    }
    let dense = |cells: Vec<(u32, String)>| {
        let mut out = vec![String::new(); width];
        for (c, t) in cells {
            out[(c - first_col) as usize] = t;
        }
        out
    };
    let mut rows = by_row.into_iter();
    let headers = rows.next().map(|(_, c)| dense(c)).unwrap_or_default();
    let rows = rows.map(|(r, c)| (u64::from(r) + 1, dense(c))).collect();
    Ok(Table {
        sheet: Some(chosen),
        encoding: "xlsx",
        headers,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> crate::Tabular {
        crate::Tabular {
            headers: vec!["企业名称".into(), "基准NOx(kg/d)".into()],
            rows: vec![
                vec!["甲化工".into(), "100".into()],
                vec!["乙建材".into(), "12.5".into()],
            ],
        }
    }

    #[test]
    fn csv_and_xlsx_give_the_same_table() {
        let t = sample();
        let limits = TableLimits::default();
        let from_csv = read("清单.csv", &t.to_csv(), Sheet::First, &limits).unwrap();
        let book = crate::xlsx_workbook(&[crate::Sheet {
            name: "清单".into(),
            table: t.clone(),
        }])
        .unwrap();
        let from_xlsx = read("清单.xlsx", &book, Sheet::First, &limits).unwrap();
        assert_eq!(from_csv.headers, t.headers);
        assert_eq!(from_xlsx.headers, t.headers);
        assert_eq!(from_csv.clone().into_grid().1, t.rows);
        assert_eq!(from_xlsx.clone().into_grid().1, t.rows);
        // Line numbers count the header as line 1.
        assert_eq!(from_csv.rows[0].0, 2);
        assert_eq!(from_xlsx.rows[1].0, 3);
        assert_eq!(from_xlsx.sheet.as_deref(), Some("清单"));
        let e = read("x.xlsx", b"not a zip", Sheet::First, &limits).unwrap_err();
        assert!(e.to_string().starts_with("x.xlsx: 不是 xlsx"), "{e}");
        let e = read("x.xls", b"whatever", Sheet::First, &limits).unwrap_err();
        assert!(e.reason.contains(".xls"), "{e}");
    }

    #[test]
    fn gbk_csv_is_read_like_utf8() {
        let (gbk, _, _) = encoding_rs::GBK.encode("企业名称,镇\n甲化工,三厂街道\n");
        let t = read("台账.csv", &gbk, Sheet::First, &TableLimits::default()).unwrap();
        assert_eq!(t.encoding, "GB18030");
        assert_eq!(t.headers, ["企业名称", "镇"]);
        assert_eq!(
            t.rows,
            [(2, vec!["甲化工".to_owned(), "三厂街道".to_owned()])]
        );
        let bom = read(
            "a.csv",
            b"\xEF\xBB\xBFcode\n1\n",
            Sheet::First,
            &TableLimits::default(),
        )
        .unwrap();
        assert_eq!((bom.headers[0].as_str(), bom.encoding), ("code", "UTF-8"));
    }

    #[test]
    fn named_sheet_or_position() {
        let book = crate::xlsx_workbook(&[
            crate::Sheet {
                name: "设备".into(),
                table: sample(),
            },
            crate::Sheet {
                name: "因子".into(),
                table: crate::Tabular {
                    headers: vec!["code".into()],
                    rows: vec![vec!["a34004".into()]],
                },
            },
        ])
        .unwrap();
        let l = TableLimits::default();
        let by_name = read("d.xlsx", &book, Sheet::Named("因子", 0), &l).unwrap();
        assert_eq!(by_name.headers, ["code"]);
        let by_pos = read("d.xlsx", &book, Sheet::Named("Sheet9", 1), &l).unwrap();
        assert_eq!(by_pos.sheet.as_deref(), Some("因子"));
        let none = read("d.xlsx", &book, Sheet::Named("无", 5), &l).unwrap_err();
        assert!(none.reason.contains("没有工作表"), "{none}");
    }

    #[test]
    fn limits_name_what_was_exceeded() {
        let l = TableLimits {
            max_columns: 1,
            ..TableLimits::default()
        };
        let e = read("a.csv", b"a,b\n1,2\n", Sheet::First, &l).unwrap_err();
        assert!(e.reason.contains("2 列"), "{e}");
        let l = TableLimits {
            max_file_bytes: 3,
            ..TableLimits::default()
        };
        let e = read("a.csv", b"a,b\n", Sheet::First, &l).unwrap_err();
        assert!(e.reason.contains("超过上限 3 字节"), "{e}");
        let l = TableLimits {
            max_rows: 1,
            ..TableLimits::default()
        };
        let e = read("a.csv", b"a\n1\n2\n", Sheet::First, &l).unwrap_err();
        assert!(e.reason.contains("1 行"), "{e}");
    }

    #[test]
    fn a_sparse_workbook_is_refused_naming_the_cell() {
        let bytes = lantian_testdata::hostile::sparse_xlsx();
        assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
        let e = read("清单.xlsx", &bytes, Sheet::First, &TableLimits::default()).unwrap_err();
        // 1,048,576 rows fit the row limit; column 16,384 does not.
        assert_eq!(e.file, "清单.xlsx");
        assert!(
            e.reason.contains("工作表 \"台账\"") && e.reason.contains("第 1048576 行第 16384 列"),
            "{e}"
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_by_what_it_inflates_to() {
        let bytes = lantian_testdata::hostile::zip_bomb_xlsx(8 << 20);
        assert!(bytes.len() < 64 * 1024, "{} bytes", bytes.len());
        let small = TableLimits {
            max_unzipped_bytes: 4 << 20,
            ..TableLimits::default()
        };
        let e = read("b.xlsx", &bytes, Sheet::First, &small).unwrap_err();
        assert!(e.reason.contains("解压后超过 4194304 字节"), "{e}");
        // Within the default limits the same workbook is an ordinary table.
        let t = read("b.xlsx", &bytes, Sheet::First, &TableLimits::default()).unwrap();
        assert_eq!(t.headers, ["企业名称"]);
        assert_eq!(t.rows, [(2, vec!["甲化工".to_owned()])]);
    }
}
