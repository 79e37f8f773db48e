//! lantian's server shells around the pure crates: the HJ 212 TCP receiver ([`receiver`]) that
//! answers a device only after its data is committed by the batching writer ([`writer`]), the
//! alarm rules run on ingest and on a periodic tick, the HTTP endpoints ([`http`]: `/metrics`,
//! `/healthz`), and a simulated device fleet ([`simulate`]) for the demo, load tests and tests.
//!
//! ```text
//!  device ──TCP──> connection task ──(bounded mpsc)──> writer thread ──> Store (SQLite | PG)
//!    ^   framer, auth, limits          backpressure       batch commit       │
//!    └──── answer task <──(oneshot per frame: outcome after commit)──────────┘
//!                                                      └─> DeviceMonitor → alarms
//! ```

pub mod http;
pub mod jobs;
pub mod receiver;
pub mod registry;
pub mod simulate;
pub mod telemetry;
pub mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lantian_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use http::HttpLimits;
pub use jobs::JobsConfig;
pub use receiver::ReceiverLimits;
pub use writer::WriterConfig;

/// What `lantian serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// HJ 212 listen address.
    pub hj212: SocketAddr,
    /// HTTP listen address (`/metrics`, `/healthz`); `None` for none.
    pub http: Option<SocketAddr>,
    /// Receiver limits.
    pub limits: ReceiverLimits,
    /// HTTP limits (slow and piled-up clients).
    pub http_limits: HttpLimits,
    /// Writer settings.
    pub writer: WriterConfig,
    /// How often averaging windows are closed on the clock and the offline job runs.
    pub tick: Duration,
    /// The periodic jobs that run on one node at a time (the offline job's period is `tick`).
    pub jobs: JobsConfig,
    /// How often the device registry is reloaded from the store.
    pub registry_reload: Duration,
    /// The JSON API and console.
    pub web: lantian_web::WebConfig,
}

impl ServeConfig {
    /// Defaults on the given addresses.
    #[must_use]
    pub fn new(hj212: SocketAddr, http: Option<SocketAddr>) -> Self {
        ServeConfig {
            hj212,
            http,
            limits: ReceiverLimits::default(),
            http_limits: HttpLimits::default(),
            writer: WriterConfig::default(),
            tick: Duration::from_secs(10),
            jobs: JobsConfig::default(),
            registry_reload: Duration::from_secs(30),
            web: lantian_web::WebConfig::default(),
        }
    }
}

/// A bound, not yet running server.
#[derive(Debug)]
pub struct Server {
    hj212: TcpListener,
    http: Option<TcpListener>,
    config: ServeConfig,
    store: Arc<Store>,
}

impl Server {
    /// Binds the listeners and loads the device registry.
    ///
    /// # Errors
    ///
    /// If an address cannot be bound or the store cannot be read.
    pub async fn bind(store: Arc<Store>, config: ServeConfig) -> anyhow::Result<Server> {
        let hj212 = TcpListener::bind(config.hj212)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for HJ 212 on {}: {e}", config.hj212))?;
        let http = match config.http {
            Some(a) => Some(
                TcpListener::bind(a)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for HTTP on {a}: {e}"))?,
            ),
            None => None,
        };
        Ok(Server {
            hj212,
            http,
            config,
            store,
        })
    }

    /// The bound HJ 212 address (useful with port 0).
    ///
    /// # Errors
    ///
    /// If the socket has no local address.
    pub fn hj212_addr(&self) -> std::io::Result<SocketAddr> {
        self.hj212.local_addr()
    }

    /// This node's name (job leases, the job log).
    #[must_use]
    pub fn node(&self) -> &str {
        &self.config.jobs.node
    }

    /// The bound HTTP address.
    #[must_use]
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Runs until `shutdown` is cancelled, then drains: stops accepting, lets connections
    /// finish the frames they have read, commits and answers them, and returns.
    ///
    /// # Errors
    ///
    /// If the registry cannot be loaded or the writer fails to start.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        telemetry::init_metrics();
        let registry = Arc::new(registry::Registry::default());
        {
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || store.prepare_for_ingest()).await??;
        }
        {
            let store = self.store.clone();
            let reg = registry.clone();
            tokio::task::spawn_blocking(move || reg.reload(&store)).await??;
        }
        let (tx, writer) = writer::spawn(
            self.store.clone(),
            registry.clone(),
            self.config.writer.clone(),
            shutdown.clone(),
        )?;

        let tasks = tokio_util::task::TaskTracker::new();
        // The jobs one node runs at a time (leases in the store).
        {
            let mut jobs = self.config.jobs.clone();
            jobs.offline_every = self.config.tick;
            jobs::spawn(
                self.store.clone(),
                registry.clone(),
                &jobs,
                &tasks,
                shutdown.clone(),
            );
        }
        // Every node: close averaging windows on the clock, reload the registry.
        {
            let tx = tx.clone();
            let shutdown = shutdown.clone();
            let store = self.store.clone();
            let reg = registry.clone();
            let tick = self.config.tick;
            let reload = self.config.registry_reload;
            tasks.spawn(async move {
                let mut t = tokio::time::interval(tick);
                let mut r = tokio::time::interval(reload);
                t.tick().await;
                r.tick().await;
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        _ = t.tick() => {
                            let now = jiff::Timestamp::now().as_second();
                            if tx.send_async(writer::WriterMsg::Tick(now)).await.is_err() { break; }
                        }
                        _ = r.tick() => {
                            let store = store.clone();
                            let reg = reg.clone();
                            match tokio::task::spawn_blocking(move || reg.reload(&store)).await {
                                Ok(Ok(())) => {}
                                Ok(Err(e)) => tracing::warn!(error = %e, "Device registry reload failed."),
                                Err(e) => tracing::warn!(error = %e, "Device registry reload panicked."),
                            }
                        }
                    }
                }
            });
        }
        if let Some(http) = self.http {
            let shutdown = shutdown.clone();
            let store = self.store.clone();
            let web = self.config.web.clone();
            let limits = self.config.http_limits.clone();
            tasks.spawn(async move {
                if let Err(e) = http::serve(http, store, web, &limits, shutdown).await {
                    tracing::error!(error = %e, "HTTP server failed.");
                }
            });
        }
        receiver::accept_loop(
            self.hj212,
            receiver::Shared::new(registry, tx, self.config.limits.clone()),
            &tasks,
            shutdown.clone(),
        )
        .await;
        // Accepting stopped; wait for connections to drain their answers.
        tasks.close();
        tasks.wait().await;
        // Every sender is gone now: the writer commits what it holds and stops.
        tokio::task::spawn_blocking(move || writer.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}

/// The next connection on `listener`, or `None` once `shutdown` is cancelled. A failed accept
/// (out of file descriptors and the like) is logged and retried after a pause that doubles up
/// to a second: never spun on. Both listeners, HJ 212 and HTTP, accept through it.
pub(crate) async fn accept(
    listener: &TcpListener,
    shutdown: &CancellationToken,
    what: &'static str,
) -> Option<(tokio::net::TcpStream, SocketAddr)> {
    let mut backoff = Duration::from_millis(5);
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return None,
            a = listener.accept() => a,
        };
        match accepted {
            Ok(a) => return Some(a),
            Err(e) => {
                tracing::warn!(error = %e, listener = what, "Accept failed.");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}
