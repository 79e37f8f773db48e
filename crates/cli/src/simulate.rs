//! `lantian simulate`: a simulated device fleet over real TCP against a receiver.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Args as ClapArgs;
use lantian_core::DeviceKind;
use lantian_server::simulate::{FleetSpec, SimConfig, fleet, run as simulate};
use tokio_util::sync::CancellationToken;

use crate::out;

/// Arguments of `lantian simulate`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// Receiver address; several (comma-separated, or the option repeated) spread the devices
    /// over them, and a device that cannot connect tries the next.
    #[arg(long, default_value = "127.0.0.1:9212", value_delimiter = ',')]
    addr: Vec<SocketAddr>,
    /// Smoke-stack CEMS devices.
    #[arg(long, default_value_t = 2)]
    cems: usize,
    /// VOCs monitors.
    #[arg(long, default_value_t = 2)]
    vocs: usize,
    /// Construction-dust monitors.
    #[arg(long, default_value_t = 4)]
    dust: usize,
    /// Restaurant oil-fume monitors.
    #[arg(long, default_value_t = 4)]
    fume: usize,
    /// Air micro-stations.
    #[arg(long, default_value_t = 4)]
    air: usize,
    /// MN prefix.
    #[arg(long, default_value = "SIM")]
    prefix: String,
    /// Milliseconds between a device's frames.
    #[arg(long, default_value_t = 60_000)]
    interval_ms: u64,
    /// Seconds of `DataTime` between a device's frames (default: the interval); larger replays
    /// time faster than the clock, so averaging windows close sooner.
    #[arg(long)]
    time_step_s: Option<u64>,
    /// Seconds to run after the ramp.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Seconds over which the devices connect.
    #[arg(long, default_value_t = 5)]
    ramp: u64,
    /// Probability per frame that an exceedance episode starts.
    #[arg(long, default_value_t = 0.002)]
    exceed_prob: f64,
    /// Probability per frame that a maintenance-flag run starts.
    #[arg(long, default_value_t = 0.001)]
    maintenance_prob: f64,
    /// Probability per frame that a device drops its connection for a while.
    #[arg(long, default_value_t = 0.0005)]
    dropout_prob: f64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only register the fleet in the store (--db) and exit.
    #[arg(long)]
    register_only: bool,
    /// Register the fleet in the store (--db) before simulating.
    #[arg(long)]
    register: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(db: &str, a: &Args) -> Result<ExitCode> {
    let spec = FleetSpec {
        counts: vec![
            (DeviceKind::Cems, a.cems),
            (DeviceKind::Vocs, a.vocs),
            (DeviceKind::ConstructionDust, a.dust),
            (DeviceKind::OilFume, a.fume),
            (DeviceKind::AirMicroStation, a.air),
        ],
        mn_prefix: a.prefix.clone(),
        realtime_s: (a.interval_ms / 1000).max(1) as u32,
        ..FleetSpec::default()
    };
    let devices = fleet(&spec);
    if a.register || a.register_only {
        let store = crate::open(db)?;
        let n = store.upsert_devices(&devices)?;
        out::line(&format!(
            "{} simulated devices registered ({n} added or changed)",
            devices.len()
        ))?;
        if a.register_only {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let cfg = SimConfig {
        addrs: a.addr.clone(),
        devices,
        interval: Duration::from_millis(a.interval_ms.max(1)),
        duration: Duration::from_secs(a.duration),
        exceed_prob: a.exceed_prob,
        maintenance_prob: a.maintenance_prob,
        dropout_prob: a.dropout_prob,
        seed: a.seed,
        ramp: Duration::from_secs(a.ramp),
        time_step: a.time_step_s.map(Duration::from_secs),
        start: None,
        until: None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = rt.block_on(async move {
        let shutdown = CancellationToken::new();
        {
            let s = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                s.cancel();
            });
        }
        simulate(cfg, shutdown).await
    });
    if a.json {
        out::line(&serde_json::json!({
            "devices": report.devices,
            "connected": report.connected,
            "connect_failures": report.connect_failures,
            "sent": report.sent,
            "acked": report.acked,
            "unanswered": report.unanswered,
            "steady_seconds": report.steady.as_secs_f64(),
            "throughput_fps": report.throughput(),
            "latency_ms": {"p50": report.latency_ms(50.0), "p90": report.latency_ms(90.0), "p99": report.latency_ms(99.0), "max": report.latency_ms(100.0)},
        }).to_string())?;
    } else {
        out::line(&format!(
            "devices {} (connected {}), frames sent {}, answered {}, unanswered {}, connect failures {}",
            report.devices,
            report.connected,
            report.sent,
            report.acked,
            report.unanswered,
            report.connect_failures
        ))?;
        out::line(&format!(
            "steady state: {:.0} answered frames/s over {:.1} s; answer latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            report.throughput(),
            report.steady.as_secs_f64(),
            report.latency_ms(50.0),
            report.latency_ms(99.0),
            report.latency_ms(100.0)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
