//! `lantian`: the one binary. Subcommands are thin shells over the library crates.
//!
//! Exit codes: 0 success, 1 a check failed (e.g. `verify` found unexplained differences),
//! 2 an error (bad arguments, unreadable input).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// mimalloc: the receiver allocates per frame on many threads; glibc malloc cost some 17 % of
// its CPU under load (perf, bench/load_hj212.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alarm;
mod assess;
mod case;
mod config;
mod demo;
mod device;
mod emergency;
mod fire;
mod import_boundary;
mod import_cnemc;
mod import_csv;
mod import_stations;
mod inventory;
mod migrate_store;
mod out;
mod plan;
mod rank;
mod report;
mod review;
mod serve;
mod simulate;
mod table;
mod towns;
mod user;
mod verify_cnemc;

/// lantian (蓝天): the district air-quality action plan, run, measured and visible.
#[derive(Debug, Parser)]
#[command(name = "lantian", version, about)]
struct Cli {
    /// The store: a SQLite file path (created if missing) or a postgres:// URL.
    #[arg(long, global = true, env = "LANTIAN_DB", default_value = "lantian.db")]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check lantian's results against published data.
    #[command(subcommand)]
    Verify(Verify),
    /// Bring data into the store.
    #[command(subcommand)]
    Import(Import),
    /// Assess a station or an area over a period (AQI, HJ 663 statistics, targets).
    Assess(assess::Args),
    /// Review marks on stored values (审核): add, list.
    #[command(subcommand)]
    Review(review::Review),
    /// Run the HJ 212 receiver, the alarm jobs and the HTTP endpoints.
    Serve(serve::Args),
    /// Run a simulated device fleet against a receiver.
    Simulate(simulate::Args),
    /// The online-monitoring device registry (设备档案).
    #[command(subcommand)]
    Device(device::DeviceCmd),
    /// Alarms (报警): list, show with evidence, act.
    #[command(subcommand)]
    Alarm(alarm::AlarmCmd),
    /// The whole system with demo data: console, receiver and a live simulated fleet.
    Demo(demo::Args),
    /// Console users (用户): add or change, list, disable, enable, reset a password.
    #[command(subcommand)]
    User(user::UserCmd),
    /// The action plan as data (行动计划): check, load, show, export.
    #[command(subcommand)]
    Plan(plan::PlanCmd),
    /// Heavy-pollution weather (重污染天气): warning proposals, the warning workflow, the
    /// emergency-reduction list, gate records of key vehicle-using units.
    #[command(subcommand)]
    Emergency(emergency::EmergencyCmd),
    /// Straw-burning fire points (秸秆焚烧火点): incidents, their work orders (派发, 核查,
    /// 退回, 办结) and statistics by town, month and source.
    #[command(subcommand)]
    Fire(fire::FireCmd),
    /// The emission inventory (大气污染源排放清单): import, roll forward, measured totals, show,
    /// compare, export, and the NOx/VOCs −10 % accounting.
    Inventory(inventory::InventoryCmd),
    /// Rank a province's cities or configured areas from raw hourly values (排名): composite
    /// index, PM2.5, good-day share, and the change against the year before.
    Rank(rank::Args),
    /// Enforcement cases (执法案件): open, step within the time limits, list, effectiveness.
    #[command(subcommand)]
    Case(case::CaseCmd),
    /// Credit records (信用记录): add for a decided case, publish, repair, appeal, list.
    #[command(subcommand)]
    Credit(case::CreditCmd),
    /// Screens a new construction project (项目准入): banned industries, the 两高 catalogue,
    /// and the 20 km / tall-stack 环评一致性会商 against the map layer `border`.
    Screen(case::ScreenArgs),
    /// Towns (区镇): the assessment of a month or a year under a version of the rules.
    #[command(subcommand)]
    Towns(towns::TownsCmd),
    /// Copy a whole store into an empty PostgreSQL database and verify it table by table
    /// (row counts and checksums): from one SQLite node to several nodes on PostgreSQL.
    MigrateStore(migrate_store::Args),
}

#[derive(Debug, Subcommand)]
enum Import {
    /// Station lists (CNEMC's or the project's CSV) into the station registry.
    Stations(import_stations::StationsArgs),
    /// The project's station metadata and areas (config/areas.toml) into the store.
    Areas(import_stations::AreasArgs),
    /// CNEMC national hourly files (china_sites_YYYYMMDD.csv[.xz|.gz]) into the store.
    Cnemc(import_cnemc::Args),
    /// Generic long-format CSV (`station,time,pollutant,value[,flag]`) into the store.
    Csv(import_csv::Args),
    /// A boundary GeoJSON (district or towns) as a map layer for the console's map.
    Boundary(import_boundary::Args),
    /// Satellite fire points (FIRMS MODIS/VIIRS CSV, or generic lon,lat,time,source,confidence):
    /// attributed to the district and its towns, merged into incidents, dispatched.
    Fires(fire::ImportArgs),
}

#[derive(Debug, Subcommand)]
enum Verify {
    /// Recompute CNEMC's published hourly AQI from its published concentrations, and assess the
    /// configured areas' year from the raw hourly values.
    Cnemc(verify_cnemc::Args),
    /// Recompute the hash chains of stored HJ 212 frames (evidence integrity).
    Frames {
        /// Only this device.
        #[arg(long)]
        mn: Option<String>,
    },
}

/// Opens the store named by `--db`.
pub(crate) fn open(db: &str) -> anyhow::Result<lantian_store::Store> {
    use anyhow::Context;
    lantian_store::Store::open(db).with_context(|| format!("cannot open the store {db}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Verify(Verify::Cnemc(args)) => verify_cnemc::run(args),
        Command::Verify(Verify::Frames { mn }) => {
            open(&cli.db).and_then(|store| alarm::verify_frames(&store, mn.as_deref()))
        }
        Command::Serve(a) => open(&cli.db).and_then(|store| serve::run(store, a)),
        Command::Simulate(a) => simulate::run(&cli.db, a),
        Command::Device(d) => open(&cli.db).and_then(|store| device::run(&store, d)),
        Command::Alarm(a) => open(&cli.db).and_then(|store| alarm::run(&store, a)),
        Command::Demo(a) => demo::run(&cli.db, a),
        Command::User(u) => open(&cli.db).and_then(|store| user::run(&store, u)),
        // Checking a file needs no store.
        Command::Plan(p @ plan::PlanCmd::Check { .. }) => plan::run(None, p),
        Command::Plan(p) => open(&cli.db).and_then(|store| plan::run(Some(&store), p)),
        Command::Import(import) => open(&cli.db).and_then(|store| match import {
            Import::Stations(a) => import_stations::run_stations(&store, a),
            Import::Areas(a) => import_stations::run_areas(&store, a),
            Import::Cnemc(a) => import_cnemc::run(&store, a),
            Import::Csv(a) => import_csv::run(&store, a),
            Import::Boundary(a) => import_boundary::run(&store, a),
            Import::Fires(a) => fire::run_import(&store, a),
        }),
        Command::Assess(a) => open(&cli.db).and_then(|store| assess::run(&store, a)),
        Command::Review(r) => open(&cli.db).and_then(|store| review::run(&store, r)),
        Command::MigrateStore(a) => migrate_store::run(a),
        Command::Emergency(e) => open(&cli.db).and_then(|store| emergency::run(&store, e)),
        Command::Fire(f) => open(&cli.db).and_then(|store| fire::run(&store, f)),
        Command::Inventory(i) => open(&cli.db).and_then(|store| inventory::run(&store, i)),
        Command::Rank(r) => open(&cli.db).and_then(|store| rank::run(&store, r)),
        Command::Towns(t) => open(&cli.db).and_then(|store| towns::run(&store, t)),
        Command::Case(c) => open(&cli.db).and_then(|store| case::run_case(&store, c)),
        Command::Credit(c) => open(&cli.db).and_then(|store| case::run_credit(&store, c)),
        Command::Screen(a) => open(&cli.db).and_then(|store| case::run_screen(&store, a)),
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
