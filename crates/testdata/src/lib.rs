//! Where the shared real data lives, for tests, benches and examples (a dev-dependency only).
//!
//! The data (`shared/data`: CNEMC hourly files, HJ 212 messages, …) is read in place and never
//! copied into the repository. Its directory is `$LANTIAN_DATA` if set, else
//! `<workspace>/../shared/data`. Missing data is a failure naming the path, never a skip.

pub mod hostile;

use std::io::Read;
use std::path::{Path, PathBuf};

/// The PostgreSQL URL the tests use (`LANTIAN_TEST_PG`), or `None` when it is not set and not
/// required. With `LANTIAN_REQUIRE_PG=1` (set by `.ci/run`) a missing URL fails the test that
/// asked, naming the variable: no PostgreSQL test is ever skipped silently where PostgreSQL
/// is meant to be.
///
/// # Panics
///
/// If `LANTIAN_REQUIRE_PG=1` and `LANTIAN_TEST_PG` is not set.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("LANTIAN_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var("LANTIAN_REQUIRE_PG").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{test}: LANTIAN_REQUIRE_PG=1 but LANTIAN_TEST_PG is not set (a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test)"
            );
            #[allow(clippy::print_stderr)]
            {
                eprintln!("LANTIAN_TEST_PG is not set: the PostgreSQL part of {test} is not run");
            }
            None
        }
    }
}

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
