//! Writing to the terminal: results to stdout, warnings to stderr.

use std::io::{self, Write};

use anyhow::Result;

/// Writes a line of results to stdout.
pub(crate) fn line(s: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{s}")?;
    Ok(())
}

/// Writes text of results to stdout, as is.
pub(crate) fn text(s: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes a warning line to stderr.
pub(crate) fn warn(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{s}");
}
