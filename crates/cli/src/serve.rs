//! `lantian serve`: the HJ 212 receiver, alarm jobs and HTTP endpoints in one process, until
//! SIGINT or SIGTERM, then a drain (every frame read is committed and answered).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args as ClapArgs;
use lantian_server::{ServeConfig, Server};
use lantian_store::Store;
use tokio_util::sync::CancellationToken;

use crate::out;

/// Arguments of `lantian serve`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// HJ 212 listen address.
    #[arg(long, default_value = "0.0.0.0:9212")]
    hj212: SocketAddr,
    /// HTTP listen address: the web console, the JSON API (/api/v1), /metrics, /healthz.
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// The area the console's overview assesses (code, name or alias).
    #[arg(long, default_value = "haimen")]
    home_area: String,
    /// The district's name in the console header.
    #[arg(long, default_value = "海门区")]
    district: String,
    /// The console's "today" (YYYY-MM-DD, Beijing), for data sets of past years.
    #[arg(long)]
    console_date: Option<jiff::civil::Date>,
    /// Hours a login lasts.
    #[arg(long, default_value_t = 12)]
    session_hours: u64,
    /// Mark the session cookie Secure (when served behind TLS).
    #[arg(long)]
    secure_cookie: bool,
    /// What towns and departments read: `own` (their own area's alarms, fire points and cases;
    /// the default) or `all` (the whole district, as the office does).
    #[arg(long, default_value = "own")]
    read_scope: lantian_core::ReadScope,
    /// Most simultaneous device connections.
    #[arg(long, default_value_t = 20_000)]
    max_connections: usize,
    /// Close a silent connection after this many seconds.
    #[arg(long, default_value_t = 600)]
    idle_timeout: u64,
    /// Most simultaneous HTTP connections (more are answered 503 and closed).
    #[arg(long, default_value_t = lantian_server::HttpLimits::default().max_connections)]
    http_max_connections: usize,
    /// Seconds an HTTP client has to send a request's headers (also the keep-alive idle time).
    #[arg(long, default_value_t = lantian_server::HttpLimits::default().header_read_timeout.as_secs())]
    http_header_timeout: u64,
    /// Seconds an HTTP request may take, its body's upload included (then 408).
    #[arg(long, default_value_t = lantian_server::HttpLimits::default().request_timeout.as_secs())]
    http_request_timeout: u64,
    /// Most simultaneous device connections from one address (a TCP balancer listed with
    /// --hj212-proxy is exempt).
    #[arg(long, default_value_t = 64)]
    max_connections_per_address: usize,
    /// Close a connection that has sent no authenticated frame this many seconds after it
    /// was accepted.
    #[arg(long, default_value_t = 90)]
    first_frame_timeout: u64,
    /// Address of a TCP load balancer in front of the HJ 212 port (repeatable): devices behind
    /// it share its address, so the per-address limits and bans do not apply to it.
    #[arg(long)]
    hj212_proxy: Vec<std::net::IpAddr>,
    /// Address of a reverse proxy in front of the HTTP port (repeatable): its
    /// X-Forwarded-For gives the client's address for the login throttle.
    #[arg(long)]
    trusted_proxy: Vec<std::net::IpAddr>,
    /// Frames per second one connection may send (excess ones wait).
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Seconds between runs of the offline job and of closing averaging windows.
    #[arg(long, default_value_t = 10)]
    tick: u64,
    /// This node's name in job leases and the job log (default: host:pid). Several nodes on
    /// one PostgreSQL run each periodic job on one node at a time.
    #[arg(long)]
    node: Option<String>,
    /// A node that stops renewing a job's lease (it died) loses the job after this many of
    /// the job's periods.
    #[arg(long, default_value_t = 3)]
    lease_periods: u32,
    /// Heavy-pollution warning gradings (the layout of config/emergency.toml; default: the
    /// built-in ones).
    #[arg(long)]
    gradings: Option<std::path::PathBuf>,
    /// Worker threads of the async runtime (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

pub(crate) fn run(store: Store, a: &Args) -> Result<ExitCode> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = a.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.build()?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LANTIAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let mut cfg = ServeConfig::new(a.hj212, Some(a.http));
    cfg.web.home_area = a.home_area.clone();
    cfg.web.district = a.district.clone();
    cfg.web.console_date = a.console_date;
    cfg.web.session_ttl = Duration::from_secs(a.session_hours.clamp(1, 24 * 30) * 3600);
    cfg.web.secure_cookie = a.secure_cookie;
    cfg.web.read_scope = a.read_scope;
    cfg.web.gradings = crate::emergency::load_gradings(a.gradings.as_deref())?;
    cfg.limits.max_connections = a.max_connections;
    cfg.limits.idle_timeout = Duration::from_secs(a.idle_timeout.max(1));
    cfg.limits.frames_per_second = a.rate;
    cfg.http_limits.max_connections = a.http_max_connections.max(1);
    cfg.http_limits.header_read_timeout = Duration::from_secs(a.http_header_timeout.max(1));
    cfg.http_limits.request_timeout = Duration::from_secs(a.http_request_timeout.max(1));
    cfg.limits.max_connections_per_address = a.max_connections_per_address.max(1);
    cfg.limits.first_frame_timeout = Duration::from_secs(a.first_frame_timeout.max(1));
    cfg.limits.proxies = a.hj212_proxy.clone();
    cfg.web.trusted_proxies = a.trusted_proxy.clone();
    cfg.tick = Duration::from_secs(a.tick.max(1));
    if let Some(node) = &a.node {
        anyhow::ensure!(
            !node.is_empty() && node.len() <= 64,
            "--node: 1 to 64 characters"
        );
        cfg.jobs.node = node.clone();
    }
    cfg.jobs.lease_periods = a.lease_periods.max(2);
    let store = Arc::new(store);
    let code = rt.block_on(async {
        let server = Server::bind(store.clone(), cfg).await?;
        out::line(&format!(
            "lantian serve: HJ 212 on {}, HTTP on {}, node {}",
            server.hj212_addr()?,
            server
                .http_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            server.node()
        ))?;
        let shutdown = CancellationToken::new();
        {
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("Shutting down: draining connections and the writer.");
                shutdown.cancel();
            });
        }
        server.run(shutdown).await?;
        out::line("lantian serve: stopped")?;
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    });
    // The runtime first, then the store: the PostgreSQL client must not be dropped inside
    // the async runtime (it blocks on its own).
    drop(rt);
    drop(store);
    code
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
