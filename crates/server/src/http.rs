//! HTTP endpoints of `lantian serve`: `/metrics` (Prometheus text), `/healthz`, and the JSON
//! API and console of `lantian-web` (`/api/v1/...`, `/api/openapi.json`, the pages).
//!
//! Served by our own accept loop over hyper's HTTP/1 connection (not `axum::serve`, which has
//! no header-read timeout and no connection cap): a client must send its request headers
//! within [`HttpLimits::header_read_timeout`] (also the keep-alive idle time), a request must
//! be answered within [`HttpLimits::request_timeout`] (408 otherwise, the body upload
//! included), and at most [`HttpLimits::max_connections`] connections are served at once; one
//! past the cap gets a 503 and is closed.
//!
//! Metrics: `lantian_http_connections_opened_total` and
//! `lantian_http_connections_closed_total{reason}` (`closed`, `header_timeout`, `error`,
//! `over_capacity`). Logs: a warning when the cap refuses connections (at most one a minute,
//! with the count since the last one), a debug line per header timeout with the client's
//! address.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use lantian_store::Store;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;
use tower_http::timeout::TimeoutLayer;

/// Limits of the HTTP server against slow, idle or piled-up clients.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Most connections served at once (browsers keep about 6 each); a connection accepted
    /// past this is answered 503 and closed at once, so a flood cannot take the process's
    /// file descriptors or memory.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, counted from the connection's start
    /// or from the previous answer on a kept-alive connection (so it is also the keep-alive
    /// idle time). A client trickling its headers (slowloris) is closed after it. Browsers
    /// send headers at once and reopen a closed keep-alive connection themselves.
    pub header_read_timeout: Duration,
    /// Time from a request's headers to its answer, the body's upload included; past it the
    /// answer is 408. Long enough for the largest upload (10 MiB) on a slow office line
    /// (~1 Mbit/s: 84 s) and for the workbook exports (seconds).
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// What a connection over the cap is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\nretry-after: 5\r\n\r\n";

async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::telemetry::render(),
    )
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// The router.
pub fn router(store: Arc<Store>, web: lantian_web::WebConfig) -> Router {
    let state = lantian_web::AppState::new(store, web);
    // Compute the plan's status (and the reports behind it) once before the first visitor
    // asks; needs a runtime, which `serve` has.
    if tokio::runtime::Handle::try_current().is_ok() {
        tokio::spawn(lantian_web::warm_up(state.clone()));
    }
    // The security headers on `/metrics` and `/healthz` too (the web router has its own).
    lantian_web::with_security_headers(
        Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(healthz))
            .merge(lantian_web::router(state)),
    )
}

/// Serves until `shutdown`, then stops accepting, lets each connection finish the request it
/// is answering, and returns when all are closed.
///
/// # Errors
///
/// None yet: accept failures (out of file descriptors, …) are logged and retried.
pub async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    web: lantian_web::WebConfig,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_router(listener, router(store, web), limits, shutdown).await
}

/// Serves `app` with `limits` until `shutdown` (see [`serve`]).
///
/// # Errors
///
/// None yet: accept failures (out of file descriptors, …) are logged and retried.
pub async fn serve_router(
    listener: TcpListener,
    app: Router,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // The 408 inside the security headers, so it carries them too.
    let app = lantian_web::with_security_headers(app.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    )));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let tasks = TaskTracker::new();
    // Refusals over the cap since the last warning, and when that was (a flood must not
    // flood the log too).
    let mut refused: u64 = 0;
    let mut warned: Option<tokio::time::Instant> = None;
    while let Some((stream, peer)) = crate::accept(&listener, &shutdown, "http").await {
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("lantian_http_connections_closed_total", "reason" => "over_capacity")
                .increment(1);
            // One try, never a wait: a client that does not read gets the close alone.
            let _ = stream.try_write(BUSY);
            drop(stream);
            refused += 1;
            if warned.is_none_or(|w| w.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    refused,
                    last = %peer,
                    "HTTP connection cap reached: new connections answered 503 and closed."
                );
                warned = Some(tokio::time::Instant::now());
                refused = 0;
            }
            continue;
        };
        metrics::counter!("lantian_http_connections_opened_total").increment(1);
        let app = app.clone();
        let http = http.clone();
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let reason = connection(stream, peer, app, &http, &shutdown).await;
            metrics::counter!("lantian_http_connections_closed_total", "reason" => reason)
                .increment(1);
        });
    }
    tasks.close();
    tasks.wait().await;
    Ok(())
}

/// Serves one connection; the reason it ended (a metrics label).
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    http: &hyper::server::conn::http1::Builder,
    shutdown: &CancellationToken,
) -> &'static str {
    // Handlers may ask for the client's address (`ConnectInfo`), as with axum's own server.
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(req).await.into_response()) }
        });
    let conn = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let ended = tokio::select! {
        r = conn.as_mut() => r,
        () = shutdown.cancelled() => {
            // Finish the request under way (if any), then close.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    match ended {
        Ok(()) => "closed",
        Err(e) if e.is_timeout() => {
            tracing::debug!(%peer, "HTTP client sent no complete request headers in time: closed.");
            "header_timeout"
        }
        Err(_) => "error",
    }
}
