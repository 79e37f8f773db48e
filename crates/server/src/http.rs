//! HTTP endpoints of `lantian serve`: `/metrics` (Prometheus text), `/healthz`, and the JSON
//! API of `lantian-web` (`/api/v1/...`, `/api/openapi.json`).

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use lantian_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

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
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .merge(lantian_web::router(state))
}

/// Serves until `shutdown`.
///
/// # Errors
///
/// If serving fails.
pub async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    web: lantian_web::WebConfig,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(store, web).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.cancelled_owned())
    .await
}
