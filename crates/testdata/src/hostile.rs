//! Hostile files for the abuse tests: each is small on disk and would cost a careless reader
//! far more than its size. Made here, never copied from anywhere.

use std::io::Write as _;

/// An xlsx of about 1.6 KB with text at A1 and at XFD1048576, the last cell of a sheet: a reader
/// that builds the dense range asks for 2^20 × 2^14 cells (the 549,755,813,888-byte allocation
/// of issue #22).
#[must_use]
pub fn sparse_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let _ = sheet.set_name("台账");
    let _ = sheet.write_string(0, 0, "企业名称");
    let _ = sheet.write_string(1_048_575, 16_383, "x");
    book.save_to_buffer().unwrap_or_default()
}

/// A valid one-sheet workbook (a header and a row) with one more member of `inflated` zero
/// bytes, deflated to a thousandth of that: a zip bomb for a reader that inflates members
/// without a bound.
#[must_use]
pub fn zip_bomb_xlsx(inflated: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let _ = sheet.write_string(0, 0, "企业名称");
    let _ = sheet.write_string(1, 0, "甲化工");
    let base = book.save_to_buffer().unwrap_or_default();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(base)).ok();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    if let Some(src) = src.as_mut() {
        for i in 0..src.len() {
            if let Ok(f) = src.by_index_raw(i) {
                let _ = out.raw_copy_file(f);
            }
        }
    }
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(inflated > u32::MAX as usize);
    let _ = out.start_file("xl/media/padding.bin", opts);
    let zeros = vec![0u8; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(zeros.len());
        let _ = out.write_all(&zeros[..n]);
        left -= n;
    }
    out.finish()
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default()
}
