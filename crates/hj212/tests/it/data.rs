//! The shared HJ 212 test data, read in place through `lantian-testdata` (`$LANTIAN_DATA` or
//! `<workspace>/../shared/data`). Missing data fails the test with the path; never skipped.

/// A data file's bytes (a `.gz` file decompressed).
pub(crate) fn read(name: &str) -> Vec<u8> {
    lantian_testdata::read(format!("hj212/{name}"))
}

/// The lines of a `\r\n`-terminated message file, each with its `\r\n`.
pub(crate) fn lines(name: &str) -> Vec<Vec<u8>> {
    let all = read(name);
    let mut out = Vec::new();
    let mut rest = &all[..];
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        out.push(rest[..i + 2].to_vec());
        rest = &rest[i + 2..];
    }
    assert!(rest.is_empty(), "{name}: bytes after the last CR LF");
    out
}

/// Rows of `hj212_messages_all.tsv.gz` / `hj212_curated.tsv` as (column name → value) pairs.
pub(crate) fn tsv(name: &str) -> Vec<Vec<(String, String)>> {
    let text = String::from_utf8(read(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_owned)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split('\t').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// A column of a TSV row.
pub(crate) fn col<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    row.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no column {name}"))
}
