//! Where the shared test data lives: `$LANTIAN_DATA` (the `shared/data` directory) if set,
//! else `<workspace>/../shared/data`. Missing data fails the test with the path; never skipped.

use std::path::PathBuf;

/// The `shared/data/hj212` directory.
pub(crate) fn dir() -> PathBuf {
    let base = match std::env::var_os("LANTIAN_DATA") {
        Some(d) => PathBuf::from(d),
        None => {
            let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let manifest = std::fs::canonicalize(&manifest).unwrap_or(manifest);
            manifest.join("../../../shared/data")
        }
    };
    let dir = base.join("hj212");
    assert!(
        dir.join("hj212_valid.txt").is_file(),
        "HJ 212 test data not found at {} (set LANTIAN_DATA to the shared/data directory)",
        dir.display()
    );
    dir
}

/// A data file's bytes.
pub(crate) fn read(name: &str) -> Vec<u8> {
    let p = dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
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
    use std::io::Read;
    let raw = read(name);
    let mut text = String::new();
    if name.ends_with(".gz") {
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    } else {
        text = String::from_utf8(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
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
