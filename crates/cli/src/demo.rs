//! `lantian demo`: the whole system on one machine with one command. It fills the store with
//! the Haimen areas and their stations, a station history — generated and marked 演示数据
//! (demo data), or real CNEMC files with `--cnemc DIR` — console users, and a simulated device
//! fleet; then it serves the console and the HJ 212 receiver and keeps the fleet sending over
//! real TCP, so alarms appear while one watches. It prints the URL and a login.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Parser};
use jiff::civil::Date;
use lantian_aq::{Concentration, Pollutant};
use lantian_core::Role;
use lantian_server::simulate::{FleetSpec, SimConfig, fleet};
use lantian_server::{ServeConfig, Server};
use lantian_store::{
    AuditEntry, DayItem, DayValues, NewUser, Quantity, Station, StationLevel, Store,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio_util::sync::CancellationToken;

use crate::out;

/// Arguments of `lantian demo`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// Import real CNEMC hourly files from this folder (china_sites_YYYYMMDD.csv[.xz|.gz])
    /// instead of generating a station history; the console's "today" is the last file's date.
    #[arg(long)]
    cnemc: Option<PathBuf>,
    /// HTTP address of the console.
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// HJ 212 address of the receiver the simulated fleet sends to.
    #[arg(long, default_value = "127.0.0.1:9212")]
    hj212: SocketAddr,
    /// Seconds between a simulated device's live frames.
    #[arg(long, default_value_t = 10)]
    interval: u64,
    /// A district boundary GeoJSON for the map (as `lantian import boundary`; the bureau's file).
    #[arg(long)]
    boundary: Option<PathBuf>,
    /// Its coordinate system.
    #[arg(long, value_enum, default_value_t = crate::import_boundary::Crs::Wgs84)]
    boundary_crs: crate::import_boundary::Crs,
    /// Prepare the store and exit (no server, no fleet).
    #[arg(long)]
    prepare_only: bool,
}

/// Town stations of the demo (区镇站), generated only.
const TOWN_STATIONS: [(&str, &str, f64, f64); 3] = [
    ("HMDEMO01", "三厂街道（演示）", 121.27, 31.93),
    ("HMDEMO02", "临江镇（演示）", 121.12, 31.99),
    ("HMDEMO03", "海门港新区（演示）", 121.43, 32.03),
];

const DEMO_ORIGIN: &str = "演示数据 (lantian demo, generated)";

pub(crate) fn run(db: &str, a: &Args) -> Result<ExitCode> {
    let store = crate::open(db)?;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .date();

    // Areas and their stations (config/areas.toml).
    #[derive(Parser)]
    struct Areas {
        #[command(flatten)]
        a: crate::import_stations::AreasArgs,
    }
    crate::import_stations::run_areas(&store, &Areas::try_parse_from(["areas"])?.a)?;

    let (console_date, demo_data) = match &a.cnemc {
        Some(dir) => {
            let last = last_cnemc_date(dir)?;
            #[derive(Parser)]
            struct Cnemc {
                #[command(flatten)]
                a: crate::import_cnemc::Args,
            }
            let codes = store_codes(&store)?;
            let args = Cnemc::try_parse_from([
                "cnemc".to_owned(),
                dir.display().to_string(),
                "--quiet".to_owned(),
                format!("--stations={}", codes.join(",")),
            ])?;
            crate::import_cnemc::run(&store, &args.a)?;
            (Some(last), false)
        }
        None => {
            let n = generate_history(&store, today)?;
            out::line(&format!(
                "station history: {n} hourly values generated (演示数据), 1 January to today"
            ))?;
            (None, true)
        }
    };

    if let Some(file) = &a.boundary {
        crate::import_boundary::import(&store, file, "district", a.boundary_crs, None)?;
    }

    // The Haimen plan (tasks, indicators) for the supervision pages.
    let plan = lantian_plan::load(crate::plan::HAIMEN)
        .map_err(|e| anyhow::anyhow!("the shipped plan file: {e}"))?;
    crate::plan::store_plan(
        &store,
        crate::plan::HAIMEN.to_owned(),
        plan,
        "config/plans/haimen.toml",
    )?;

    // Users: an office account, a town account and a department account, with fresh passwords.
    let office_pw = password()?;
    let town_pw = password()?;
    let dept_pw = password()?;
    add_user(
        &store,
        "jiaotong",
        "交通运输局（演示）",
        Role::Department,
        Some("交通运输局"),
        &dept_pw,
    )?;
    add_user(
        &store,
        "admin",
        "攻坚办（演示）",
        Role::Office,
        None,
        &office_pw,
    )?;
    add_user(
        &store,
        "haimen",
        "海门街道（演示）",
        Role::Town,
        Some("海门街道"),
        &town_pw,
    )?;

    // The device fleet.
    let spec = FleetSpec {
        realtime_s: a.interval.max(1) as u32,
        ..FleetSpec::default()
    };
    let devices = fleet(&spec);
    store.upsert_devices(&devices)?;
    out::line(&format!("devices: {} simulated, registered", devices.len()))?;
    if a.prepare_only {
        return Ok(ExitCode::SUCCESS);
    }

    let mut cfg = ServeConfig::new(a.hj212, Some(a.http));
    cfg.web.console_date = console_date;
    cfg.web.demo = demo_data;
    cfg.tick = Duration::from_secs(2);
    let store = Arc::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = rt.block_on(async {
        let server = Server::bind(store.clone(), cfg).await?;
        let http = server.http_addr().context("no HTTP address")?;
        let hj212 = server.hj212_addr()?;
        let shutdown = CancellationToken::new();
        let serving = tokio::spawn(server.run(shutdown.clone()));
        out::line("")?;
        out::line(&format!("lantian demo: console http://{http}/"))?;
        out::line(&format!("  攻坚办 login: admin / {office_pw}"))?;
        out::line(&format!("  区镇 login:   haimen / {town_pw}   (海门街道)"))?;
        out::line(&format!(
            "  部门 login:   jiaotong / {dept_pw}   (交通运输局: 任务督办)"
        ))?;
        out::line(&format!(
            "  HJ 212 receiver on {hj212}; {} simulated devices sending every {} s; Ctrl-C stops",
            devices.len(),
            a.interval
        ))?;
        // First the last 40 minutes of device data, replayed as fast as the receiver answers
        // (at the registered interval of data time, so the console has history and alarms at
        // once), then live data in real time.
        let step = a.interval.max(1);
        let now = jiff::Timestamp::now().as_second();
        out::line("  replaying the last 40 minutes of device data…")?;
        let backfill = SimConfig {
            addrs: vec![hj212],
            devices: devices.clone(),
            interval: Duration::from_millis(1),
            duration: Duration::from_secs(120),
            exceed_prob: 0.02,
            maintenance_prob: 0.001,
            dropout_prob: 0.0,
            seed: 7,
            ramp: Duration::ZERO,
            time_step: Some(Duration::from_secs(step)),
            start: Some(now - 2400),
            until: Some(now),
        };
        lantian_server::simulate::run(backfill, shutdown.clone()).await;
        let live = SimConfig {
            addrs: vec![hj212],
            devices,
            interval: Duration::from_secs(step),
            duration: Duration::from_secs(365 * 86_400),
            exceed_prob: 0.002,
            maintenance_prob: 0.0005,
            dropout_prob: 0.001,
            seed: 8,
            ramp: Duration::from_secs(2),
            time_step: None,
            start: None,
            until: None,
        };
        let fleet_stop = shutdown.clone();
        let fleet_task =
            tokio::spawn(async move { lantian_server::simulate::run(live, fleet_stop).await });
        let _ = tokio::signal::ctrl_c().await;
        shutdown.cancel();
        let _ = fleet_task.await;
        serving.await??;
        out::line("lantian demo: stopped")?;
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    });
    drop(rt);
    code
}

fn store_codes(store: &Store) -> Result<Vec<String>> {
    Ok(store.stations()?.into_iter().map(|s| s.code).collect())
}

/// The date of the newest `china_sites_YYYYMMDD` file in `dir`.
fn last_cnemc_date(dir: &std::path::Path) -> Result<Date> {
    let mut last: Option<Date> = None;
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("china_sites_") else {
            continue;
        };
        let Some(digits) = rest.get(..8) else {
            continue;
        };
        if let Ok(d) = Date::strptime("%Y%m%d", digits) {
            last = last.max(Some(d));
        }
    }
    last.with_context(|| format!("{}: no china_sites_YYYYMMDD files", dir.display()))
}

fn password() -> Result<String> {
    let t = lantian_web::auth::new_token().map_err(anyhow::Error::msg)?;
    Ok(t[..12].to_owned())
}

fn add_user(
    store: &Store,
    name: &str,
    display: &str,
    role: Role,
    scope: Option<&str>,
    password: &str,
) -> Result<()> {
    let hash = lantian_web::auth::hash_password(password).map_err(anyhow::Error::msg)?;
    store.upsert_user(
        &NewUser {
            username: name.to_owned(),
            display_name: display.to_owned(),
            password_hash: hash,
            role: role.as_str().to_owned(),
            scope: scope.map(str::to_owned),
            active: true,
        },
        &AuditEntry {
            at_ms: jiff::Timestamp::now().as_millisecond(),
            actor: "lantian demo".to_owned(),
            action: "user.upsert".to_owned(),
            target: format!("user:{name}"),
            detail: serde_json::json!({"role": role.as_str(), "scope": scope}).to_string(),
        },
    )?;
    Ok(())
}

/// Generates hourly values for the area's stations and the demo town stations from 1 January
/// to `today` (Beijing): seasonal levels (PM2.5 high in winter, O3 in summer), a diurnal cycle,
/// and persistent multi-day episodes. Stored with the origin 演示数据; stored values are never
/// overwritten, so real data already in the store stays. Returns the values written.
fn generate_history(store: &Store, today: Date) -> Result<u64> {
    let now_hour = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .hour();
    let towns: Vec<Station> = TOWN_STATIONS
        .iter()
        .map(|(code, name, lon, lat)| Station {
            name: Some((*name).to_owned()),
            city: Some("南通市".to_owned()),
            province: Some("江苏省".to_owned()),
            lon: Some(*lon),
            lat: Some(*lat),
            level: StationLevel::Town,
            ..Station::unclassified(code, "演示数据")
        })
        .collect();
    store.upsert_stations(&towns)?;
    let mut codes: Vec<String> = store
        .area("haimen")?
        .map(|a| {
            a.assessed_stations()
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    codes.extend(TOWN_STATIONS.iter().map(|t| t.0.to_owned()));
    let import = store.begin_import("demo", DEMO_ORIGIN)?;
    let start = Date::new(today.year(), 1, 1)?;
    let mut written = 0u64;
    for (si, code) in codes.iter().enumerate() {
        let mut rng = SmallRng::seed_from_u64(0x4C54 + si as u64);
        let mut episode = 1.0f64;
        let mut items = Vec::new();
        let mut day = start;
        while day <= today {
            let doy = f64::from(day.day_of_year());
            let winter = (std::f64::consts::TAU * (doy - 15.0) / 365.0).cos(); // +1 in January
            // Episodes: a persistent multiplier (AR(1) in log space).
            episode = (episode.ln() * 0.8 + rng.random_range(-0.4..0.4)).exp();
            let mut series: Vec<(Pollutant, DayValues)> = Pollutant::ALL
                .iter()
                .map(|p| (*p, DayValues::default()))
                .collect();
            for h in 0..24usize {
                let hf = h as f64;
                let traffic = 1.0 + 0.2 * ((hf - 8.0) / 24.0 * std::f64::consts::TAU).cos();
                let sun = ((hf - 15.0) / 24.0 * std::f64::consts::TAU).cos().max(-0.6);
                let noise = |rng: &mut SmallRng| 1.0 + rng.random_range(-0.12..0.12);
                let pm25 = (29.0 + 16.0 * winter) * episode * traffic * noise(&mut rng);
                let values = [
                    (Pollutant::Pm25, pm25, 0),
                    (Pollutant::Pm10, pm25 * 1.55 * noise(&mut rng), 0),
                    (
                        Pollutant::No2,
                        (26.0 + 8.0 * winter) * traffic * noise(&mut rng),
                        0,
                    ),
                    (Pollutant::So2, 7.0 * noise(&mut rng), 0),
                    (
                        Pollutant::Co,
                        (0.6 + 0.2 * winter) * episode.sqrt() * noise(&mut rng),
                        1,
                    ),
                    (
                        Pollutant::O3,
                        ((74.0 - 32.0 * winter)
                            * (1.0 + 0.75 * sun)
                            * episode.sqrt()
                            * noise(&mut rng))
                        .max(2.0),
                        0,
                    ),
                ];
                // No future hours; now and then an hour is missing, as in real data.
                if (day == today && h as i8 > now_hour) || rng.random_bool(0.01) {
                    continue;
                }
                for (p, v, decimals) in values {
                    let scale = 10f64.powi(decimals);
                    let micros = ((v * scale).round() / scale * 1e6) as i64;
                    if let Some(slot) = series.iter_mut().find(|s| s.0 == p) {
                        slot.1.values[h] = Concentration::from_micros(micros.max(0)).ok();
                    }
                }
            }
            for (p, values) in series {
                written += values.values.iter().filter(|v| v.is_some()).count() as u64;
                items.push(DayItem {
                    station: code.clone(),
                    quantity: Quantity::Pollutant(p),
                    day,
                    values,
                    origin: DEMO_ORIGIN.to_owned(),
                });
            }
            day = day.tomorrow()?;
        }
        store.write_days(import, &items)?;
    }
    store.finish_import(import, &format!("{written} generated values (演示数据)"))?;
    Ok(written)
}
