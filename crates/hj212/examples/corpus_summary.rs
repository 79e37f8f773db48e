//! Summarise the shared HJ 212 corpus: how many messages frame and parse, how many are rejected
//! and why.
//!
//! ```sh
//! cargo run -p lantian-hj212 --example corpus_summary [-- PATH/hj212_messages_all.tsv.gz] [--lenient]
//! ```
//!
//! Without a path it reads `$LANTIAN_DATA/hj212/hj212_messages_all.tsv.gz`, else
//! `<workspace>/../shared/data/hj212/hj212_messages_all.tsv.gz`. `--lenient` allows lengths up
//! to 9999 and length-mismatch recovery.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use lantian_hj212::{FramerConfig, Packet, Version, parse_frame_with};

fn default_path() -> PathBuf {
    lantian_testdata::path("hj212/hj212_messages_all.tsv.gz")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lenient = args.iter().any(|a| a == "--lenient");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(default_path, PathBuf::from);
    let raw = match std::fs::read(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let mut text = String::new();
    if let Err(e) = flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut text) {
        eprintln!("{}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    let cfg = if lenient {
        FramerConfig::lenient()
    } else {
        FramerConfig::default()
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let Some(col) = header.iter().position(|h| *h == "message") else {
        eprintln!("{}: no 'message' column", path.display());
        return ExitCode::FAILURE;
    };
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_cn: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_version: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        total += 1;
        let msg = line.split('\t').nth(col).unwrap_or("");
        let mut wire = msg.as_bytes().to_vec();
        wire.extend_from_slice(b"\r\n");
        let key = match parse_frame_with(&wire, &cfg) {
            Err(e) => format!("rejected  {}", e.kind().name()),
            Ok(f) => match Packet::parse(&f.text()) {
                Err(e) => format!("rejected  packet:{}", e.name()),
                Ok(p) => {
                    *by_cn.entry(p.cn().to_owned()).or_default() += 1;
                    let v = match p.version() {
                        Version::V2005 if p.flag().is_none() => "2005 (no Flag)".to_owned(),
                        v => v.to_string(),
                    };
                    *by_version.entry(v).or_default() += 1;
                    "parsed".to_owned()
                }
            },
        };
        *verdicts.entry(key).or_default() += 1;
    }
    println!("{}: {total} messages", path.display());
    for (k, n) in &verdicts {
        println!("  {k:<34} {n:>6}");
    }
    println!("parsed by CN:");
    for (k, n) in &by_cn {
        println!("  {k:<34} {n:>6}");
    }
    println!("parsed by version:");
    for (k, n) in &by_version {
        println!("  {k:<34} {n:>6}");
    }
    ExitCode::SUCCESS
}
