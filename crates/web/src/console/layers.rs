//! Map layers for the console's maps (`/map`, `/fire`), each from its own URL
//! (`/layers/{name}?v={version}`) instead of inside every page: a district or towns layer can
//! be megabytes. Each layer is simplified for display once per version
//! ([`lantian_fire::boundary::simplify_layer`], [`crate::WebConfig::map_layer_tolerance_deg`])
//! and kept in memory; the page asks for it by version, so the browser keeps it
//! (`immutable`) until the layer is imported again, and revalidates by ETag otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lantian_store::{MapLayerInfo, Store};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::{ApiError, AppState};

/// A layer as served: its version, the simplified GeoJSON and its ETag.
#[derive(Debug)]
struct Served {
    version: String,
    etag: String,
    body: axum::body::Bytes,
}

/// Simplified layers by name, each for the version it was computed from.
#[derive(Debug, Default)]
pub(crate) struct LayerCache {
    served: Mutex<HashMap<String, Arc<Served>>>,
    /// Held while a layer is simplified: concurrent first requests wait for the one
    /// computation instead of each simplifying a large layer.
    computing: Mutex<()>,
    /// How many times a layer was simplified (the tests count them).
    pub(crate) computed: std::sync::atomic::AtomicU64,
}

/// The URL a page fetches a layer from (`None` when the layer is not stored).
pub(super) fn url(info: Option<&MapLayerInfo>) -> Option<String> {
    info.map(|i| format!("/layers/{}?v={}", i.name, i.version()))
}

/// Layer names are short identifiers (`district`, `towns`, `border`).
fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl LayerCache {
    fn get(&self, store: &Store, name: &str, tolerance: f64) -> Result<Arc<Served>, ApiError> {
        let missing = || ApiError::not_found(format!("no map layer {name:?}"));
        let info = store.map_layer_info(name)?.ok_or_else(missing)?;
        let version = info.version();
        let cached = || -> Result<Option<Arc<Served>>, ApiError> {
            let served = self.served.lock().map_err(ApiError::internal)?;
            Ok(served.get(name).filter(|s| s.version == version).cloned())
        };
        if let Some(s) = cached()? {
            return Ok(s);
        }
        let _one = self.computing.lock().map_err(ApiError::internal)?;
        if let Some(s) = cached()? {
            return Ok(s);
        }
        let layer = store.map_layer(name)?.ok_or_else(missing)?;
        let body = lantian_fire::boundary::simplify_layer(&layer.geojson, tolerance)
            .map_err(|e| ApiError::internal(format!("map layer {name}: {e}")))?;
        self.computed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The version read before the layer: a newer import in between gives a newer
        // version on the next request, never a stale body under a new version.
        let served = Arc::new(Served {
            etag: format!("\"{name}-{version}\""),
            version,
            body: axum::body::Bytes::from(body),
        });
        self.served
            .lock()
            .map_err(ApiError::internal)?
            .insert(name.to_owned(), served.clone());
        Ok(served)
    }
}

/// `?v=` of a layer URL.
#[derive(Debug, Deserialize)]
pub(super) struct LayerQuery {
    v: Option<String>,
}

/// One map layer, simplified for display (GeoJSON, WGS-84).
pub(super) async fn layer(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(name): Path<String>,
    Query(q): Query<LayerQuery>,
    headers: HeaderMap,
) -> Response {
    if !valid_name(&name) {
        return ApiError::not_found(format!("no map layer {name:?}")).into_response();
    }
    let cache = state.layers.clone();
    let tolerance = state.config.map_layer_tolerance_deg;
    let served = match state
        .blocking(move |store| cache.get(store, &name, tolerance))
        .await
    {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    // Asked for by its current version: the browser may keep it (a new import changes the
    // version, and so the URL the pages ask for).
    let cache_control = if q.v.as_deref() == Some(served.version.as_str()) {
        "private, max-age=31536000, immutable"
    } else {
        "private, no-cache"
    };
    let etag = HeaderValue::from_str(&served.etag).unwrap_or(HeaderValue::from_static("\"\""));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == served.etag));
    let head = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, head).into_response();
    }
    (
        head,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/geo+json"),
        )],
        served.body.clone(),
    )
        .into_response()
}
