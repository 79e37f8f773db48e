//! A table uploaded as a file: a CSV (UTF-8, with or without a byte-order mark) or the first
//! sheet of an xlsx workbook, as its header and rows of text cells. Pure: bytes in.

use std::io::Cursor;

/// The header and the data rows (empty rows skipped), cells as text.
pub type Grid = (Vec<String>, Vec<Vec<String>>);

/// Reads `bytes` as the file `name` says (`.xlsx`, else CSV). The error says what is wrong.
pub fn read(name: &str, bytes: &[u8]) -> Result<Grid, String> {
    if name.to_ascii_lowercase().ends_with(".xlsx") {
        xlsx(bytes)
    } else {
        csv_text(bytes)
    }
}

fn csv_text(bytes: &[u8]) -> Result<Grid, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| format!("the CSV is not UTF-8 ({e}); save it as UTF-8 or upload the xlsx"))?;
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("no header line: {e}"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("unreadable CSV: {e}"))?;
        rows.push(rec.iter().map(str::to_owned).collect());
    }
    Ok((headers, rows))
}

fn xlsx(bytes: &[u8]) -> Result<Grid, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("not an xlsx workbook: {e}"))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "the workbook has no sheet".to_owned())?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| format!("sheet {first:?}: {e}"))?;
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    };
    let mut rows = range.rows();
    let headers = rows
        .next()
        .map(|r| r.iter().map(text).collect())
        .unwrap_or_default();
    let rows = rows
        .filter(|r| r.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|r| r.iter().map(text).collect())
        .collect();
    Ok((headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_xlsx_give_the_same_grid() {
        let t = crate::Tabular {
            headers: vec!["企业名称".into(), "基准NOx(kg/d)".into()],
            rows: vec![
                vec!["甲化工".into(), "100".into()],
                vec!["乙建材".into(), "12.5".into()],
            ],
        };
        let from_csv = read("清单.csv", &t.to_csv()).unwrap();
        let book = crate::xlsx_workbook(&[crate::Sheet {
            name: "清单".into(),
            table: t.clone(),
        }])
        .unwrap();
        let from_xlsx = read("清单.xlsx", &book).unwrap();
        assert_eq!(from_csv.0, t.headers);
        assert_eq!(from_csv.1, t.rows);
        assert_eq!(from_xlsx.0, t.headers);
        assert_eq!(from_xlsx.1, t.rows);
        assert!(
            read("x.xlsx", b"not a zip")
                .unwrap_err()
                .starts_with("not an xlsx")
        );
        assert!(read("x.csv", &[0xff, 0xfe]).unwrap_err().contains("UTF-8"));
    }
}
