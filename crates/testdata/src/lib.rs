//! Where the shared real data lives, for tests, benches and examples (a dev-dependency only).
//!
//! The data (`shared/data`: CNEMC hourly files, HJ 212 messages, …) is read in place and never
//! copied into the repository. Its directory is `$LANTIAN_DATA` if set, else
//! `<workspace>/../shared/data`. Missing data is a failure naming the path, never a skip.

pub mod hostile;

use std::io::Read;
use std::path::{Path, PathBuf};

/// The `shared/data` directory.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("LANTIAN_DATA") {
        Some(d) => PathBuf::from(d),
        None => {
            let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let manifest = std::fs::canonicalize(&manifest).unwrap_or(manifest);
            manifest.join("../../../shared/data")
        }
    }
}

/// A path below `shared/data`, checked to exist.
///
/// # Panics
/// If it does not exist, with the path and how to point at the data.
pub fn path(relative: impl AsRef<Path>) -> PathBuf {
    let p = data_dir().join(relative);
    assert!(
        p.exists(),
        "test data not found at {} (set LANTIAN_DATA to the shared/data directory)",
        p.display()
    );
    p
}

/// The bytes of a file below `shared/data`, decompressed when it ends in `.xz` or `.gz`.
///
/// # Panics
/// If the file is missing or cannot be read or decompressed.
pub fn read(relative: impl AsRef<Path>) -> Vec<u8> {
    let p = path(relative);
    let raw = std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    let mut out = Vec::new();
    let result = match p.extension().and_then(|e| e.to_str()) {
        Some("xz") => liblzma::read::XzDecoder::new(&raw[..]).read_to_end(&mut out),
        Some("gz") => flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out),
        _ => return raw,
    };
    result.unwrap_or_else(|e| panic!("cannot decompress {}: {e}", p.display()));
    out
}
