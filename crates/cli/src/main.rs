//! `lantian`: the one binary. Subcommands are thin shells over the library crates.
//!
//! Exit codes: 0 success, 1 a check failed (e.g. `verify` found unexplained differences),
//! 2 an error (bad arguments, unreadable input).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod areas;
mod report;
mod verify_cnemc;

/// lantian (蓝天): the district air-quality action plan, run, measured and visible.
#[derive(Debug, Parser)]
#[command(name = "lantian", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check lantian's results against published data.
    #[command(subcommand)]
    Verify(Verify),
}

#[derive(Debug, Subcommand)]
enum Verify {
    /// Recompute CNEMC's published hourly AQI from its published concentrations, and assess the
    /// configured areas' year from the raw hourly values.
    Cnemc(verify_cnemc::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(Verify::Cnemc(args)) => verify_cnemc::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`lantian … | head`) is not an error.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<io::Error>())
                .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr().lock(), "lantian: {err:#}");
            ExitCode::from(2)
        }
    }
}
