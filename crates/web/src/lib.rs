//! lantian's HTTP shell: the JSON API under `/api/v1`, its OpenAPI document at
//! `/api/openapi.json`, login sessions and the role checks of every write.
//!
//! # Layout
//!
//! * [`router`] builds the axum router over an [`AppState`] (the store and [`WebConfig`]);
//!   `lantian serve` mounts it beside `/metrics`.
//! * [`api`]: the handlers, one module per resource; each is registered with `utoipa-axum`, so
//!   the route and its OpenAPI entry are declared once.
//! * [`auth`]: argon2id passwords, session tokens (the store keeps their SHA-256 only), the
//!   session cookie and the [`auth::CurrentUser`] extractor.
//! * [`extract`]: query and JSON extractors whose rejections name the field at fault.
//! * [`error`]: [`ApiError`], the one error shape of every response.
//! * `console`: the zh-CN web console: askama pages (`templates/`), assets from `web/dist`
//!   embedded with rust-embed.
//!
//! The store is synchronous; handlers run its calls on tokio's blocking pool
//! ([`AppState::blocking`]). Every write takes a [`auth::CurrentUser`], is checked by
//! `lantian_core::access`, and is recorded in the audit log in the same transaction.

pub mod api;
pub mod auth;
mod console;
pub mod error;
pub mod extract;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use lantian_store::Store;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

pub use error::ApiError;

/// Settings of the HTTP API.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (serve behind TLS).
    pub secure_cookie: bool,
    /// Largest request body accepted (bytes).
    pub max_body: usize,
    /// Most rows one page of a list returns.
    pub max_page: usize,
    /// Map layers are simplified for display to this tolerance, in degrees (vertices closer
    /// than this to the simplified outline are dropped). Default 0.0001° (about 10 m; a
    /// district map's pixel is about 50 m).
    pub map_layer_tolerance_deg: f64,
    /// Annual PM2.5 target of the district, µg/m³ (the plan: 27).
    pub pm25_target: lantian_aq::Concentration,
    /// Good-day share target, percent.
    pub good_target: lantian_aq::Concentration,
    /// The district's name in the console header.
    pub district: String,
    /// The area the overview assesses (code, name or alias in the store).
    pub home_area: String,
    /// The console's "today" (Beijing date); `None` for the real date. Demo and test data sets
    /// of past years set it.
    pub console_date: Option<jiff::civil::Date>,
    /// The station history is generated demo data: every page says 演示数据.
    pub demo: bool,
    /// How long a computed assessment report is reused (0: never). Station data arrives
    /// hourly and reports read a year of it; pages and API calls within this time share one.
    pub report_ttl: Duration,
    /// Failed logins per user name (`lantian_core::AuthThrottle`): growing waits only, never a
    /// ban, so nobody can lock a known name (admin included) out for long.
    pub login_by_name: lantian_core::ThrottlePolicy,
    /// Failed logins per client address, whatever the names tried (password spraying):
    /// growing waits, then a ban. Checked before any password is hashed.
    pub login_by_address: lantian_core::ThrottlePolicy,
    /// Password checks (argon2, about 20–50 ms of a core each) run at once, on their own
    /// bounded pool, never under the store's gate.
    pub login_concurrency: usize,
    /// Logins that may wait for the password pool; more are refused at once (503).
    pub login_queue: usize,
    /// Reverse proxies whose `X-Forwarded-For` gives the client's address (the rightmost
    /// address in it that is not one of them). Empty (the default): the header is ignored and
    /// the peer's address is the client's. Behind a proxy, set it, or every client shares
    /// the proxy's address and its throttle.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Heavy-pollution warning gradings (`config/emergency.toml`; the built-in ones by default).
    pub gradings: Vec<lantian_emergency::Grading>,
    /// What towns and departments read of alarms, fire points and cases (their own by default).
    pub read_scope: lantian_core::ReadScope,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookie: false,
            max_body: 64 * 1024,
            max_page: 10_000,
            map_layer_tolerance_deg: 0.0001,
            pm25_target: lantian_aq::Concentration::from_micros(27_000_000)
                .unwrap_or(lantian_aq::Concentration::ZERO),
            good_target: lantian_aq::Concentration::from_micros(80_000_000)
                .unwrap_or(lantian_aq::Concentration::ZERO),
            district: "海门区".to_owned(),
            home_area: "haimen".to_owned(),
            console_date: None,
            demo: false,
            report_ttl: Duration::from_secs(60),
            login_by_name: lantian_core::ThrottlePolicy {
                free_failures: 5,
                base_delay_ms: 1_000,
                max_delay_ms: 60_000,
                ban_after: None,
                ban_ms: 0,
                forget_ms: 15 * 60_000,
                capacity: 100_000,
            },
            login_by_address: lantian_core::ThrottlePolicy {
                free_failures: 10,
                base_delay_ms: 1_000,
                max_delay_ms: 60_000,
                ban_after: Some(50),
                ban_ms: 15 * 60_000,
                forget_ms: 15 * 60_000,
                capacity: 100_000,
            },
            login_concurrency: 2,
            login_queue: 32,
            trusted_proxies: Vec::new(),
            gradings: lantian_emergency::Grading::builtin(),
            read_scope: lantian_core::ReadScope::Own,
        }
    }
}

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
    /// Settings.
    pub config: Arc<WebConfig>,
    reports: Arc<ReportCache>,
    /// Store calls running at once: more threads than the store's reader connections only
    /// open and close connections and contend for the cores.
    gate: Arc<tokio::sync::Semaphore>,
    /// Failed logins per user name and per client address.
    pub(crate) login_throttle: Arc<std::sync::Mutex<auth::LoginThrottles>>,
    /// The password checks' own bounded pool.
    pub(crate) login_pool: Arc<auth::PasswordPool>,
    /// Map layers simplified for display, per version.
    pub(crate) layers: Arc<console::layers::LayerCache>,
}

/// A station (`true`) or an area by its key, the period's kind, and its first and last day.
type ReportKey = (
    bool,
    String,
    &'static str,
    jiff::civil::Date,
    jiff::civil::Date,
);

/// A cached value and when it was computed.
type Cached<T> = (std::time::Instant, Arc<T>);

/// Recently computed reports, reused for `WebConfig::report_ttl`, and the station list.
#[derive(Default)]
struct ReportCache {
    entries: std::sync::Mutex<std::collections::HashMap<ReportKey, Cached<lantian_report::Report>>>,
    /// Held while a missing report is computed, so concurrent requests for it wait for the
    /// one computation instead of all doing it.
    computing: std::sync::Mutex<()>,
    stations: std::sync::Mutex<Option<Cached<Vec<lantian_store::Station>>>>,
    /// Small computed values (a station's current AQI, the plan in force, …) by key.
    values: std::sync::Mutex<
        std::collections::HashMap<String, Cached<dyn std::any::Any + Send + Sync>>,
    >,
    /// One lock per value key, held while it is computed (single flight per key).
    value_locks: std::sync::Mutex<std::collections::HashMap<String, Arc<std::sync::Mutex<()>>>>,
}

/// Store calls the API runs at once.
const STORE_CALLS_AT_ONCE: usize = 4;

/// Most reports kept.
const REPORT_CACHE_MAX: usize = 256;

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store.engine())
            .field("config", &self.config)
            .finish()
    }
}

impl AppState {
    /// A state over `store`.
    pub fn new(store: Arc<Store>, config: WebConfig) -> AppState {
        let throttle = auth::LoginThrottles::new(&config);
        AppState {
            store,
            login_throttle: Arc::new(std::sync::Mutex::new(throttle)),
            login_pool: Arc::new(auth::PasswordPool::new(
                config.login_concurrency,
                config.login_queue,
            )),
            config: Arc::new(config),
            reports: Arc::default(),
            layers: Arc::default(),
            gate: Arc::new(tokio::sync::Semaphore::new(STORE_CALLS_AT_ONCE)),
        }
    }

    /// How many times a map layer was simplified for display since this state was made (once
    /// per layer and version; the rest are served from memory).
    #[must_use]
    pub fn map_layers_computed(&self) -> u64 {
        self.layers
            .computed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A value computed by `f`, reused under `key` for `WebConfig::report_ttl`; one request
    /// computes a missing or expired value while the others wait (missing) or get the expired
    /// one (stale while revalidating). `f` must not ask for the same key.
    ///
    /// # Errors
    ///
    /// What `f` returns.
    pub fn cached<T: Send + Sync + 'static>(
        &self,
        key: String,
        f: impl FnOnce() -> Result<T, ApiError>,
    ) -> Result<Arc<T>, ApiError> {
        let ttl = self.config.report_ttl;
        // (fresh?, value) of the entry, if any.
        let lookup = || -> Result<Option<(bool, Arc<T>)>, ApiError> {
            let values = self.reports.values.lock().map_err(ApiError::internal)?;
            Ok(values.get(&key).and_then(|(at, v)| {
                v.clone()
                    .downcast::<T>()
                    .ok()
                    .map(|v| (at.elapsed() < ttl, v))
            }))
        };
        let found = lookup()?;
        if let Some((true, v)) = &found {
            return Ok(v.clone());
        }
        // One computation per key: the others wait for a missing value, or get the stale one.
        let lock = {
            let mut locks = self
                .reports
                .value_locks
                .lock()
                .map_err(ApiError::internal)?;
            if locks.len() >= 4 * REPORT_CACHE_MAX {
                locks.retain(|_, l| Arc::strong_count(l) > 1);
            }
            locks.entry(key.clone()).or_default().clone()
        };
        let _guard = match (found, lock.try_lock()) {
            (_, Ok(g)) => g,
            (Some((false, stale)), Err(std::sync::TryLockError::WouldBlock)) => return Ok(stale),
            (_, Err(std::sync::TryLockError::WouldBlock)) => {
                lock.lock().map_err(ApiError::internal)?
            }
            (_, Err(e)) => return Err(ApiError::internal(e)),
        };
        if let Some((true, v)) = lookup()? {
            return Ok(v);
        }
        let v = Arc::new(f()?);
        if !ttl.is_zero() {
            let mut values = self.reports.values.lock().map_err(ApiError::internal)?;
            if values.len() >= REPORT_CACHE_MAX {
                values.retain(|_, (at, _)| at.elapsed() < ttl);
            }
            let any: Arc<dyn std::any::Any + Send + Sync> = v.clone();
            values.insert(key, (std::time::Instant::now(), any));
        }
        Ok(v)
    }

    /// The station registry, reused for `WebConfig::report_ttl`.
    ///
    /// # Errors
    ///
    /// A store failure.
    pub fn stations(&self, store: &Store) -> Result<Arc<Vec<lantian_store::Station>>, ApiError> {
        let ttl = self.config.report_ttl;
        let mut cached = self.reports.stations.lock().map_err(ApiError::internal)?;
        if let Some((at, list)) = cached.as_ref() {
            if at.elapsed() < ttl {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(store.stations()?);
        *cached = Some((std::time::Instant::now(), list.clone()));
        Ok(list)
    }

    /// The assessment report of a station (`station = true`, `key` its code) or an area (`key`
    /// its code, name or alias) over `period`, from the cache when it is fresh enough. One
    /// request computes a missing or expired report; while it does, the others wait for a
    /// missing one and get the expired one (stale while revalidating).
    /// Call on the blocking pool (it reads the store on a miss).
    ///
    /// # Errors
    ///
    /// No such station or area (404), or a store failure.
    pub fn report(
        &self,
        store: &Store,
        station: bool,
        key: &str,
        period: lantian_aq::assess::Period,
    ) -> Result<Arc<lantian_report::Report>, ApiError> {
        let (from, to) = period
            .bounds()
            .ok_or_else(|| ApiError::bad_request("the period has no days"))?;
        // The kind matters as much as the days: a year and the same days as a range are
        // judged by different validity rules.
        let kind = match period {
            lantian_aq::assess::Period::Year(_) => "year",
            lantian_aq::assess::Period::Month(..) => "month",
            lantian_aq::assess::Period::Range(..) => "range",
        };
        let cache_key = (station, key.to_owned(), kind, from, to);
        let ttl = self.config.report_ttl;
        // (fresh?, report) of the cache entry, if any.
        let lookup = || -> Result<Option<(bool, Arc<lantian_report::Report>)>, ApiError> {
            if ttl.is_zero() {
                return Ok(None);
            }
            let entries = self.reports.entries.lock().map_err(ApiError::internal)?;
            Ok(entries
                .get(&cache_key)
                .map(|(at, r)| (at.elapsed() < ttl, r.clone())))
        };
        let _computing = match lookup()? {
            Some((true, r)) => return Ok(r),
            // Stale: one request recomputes, the others get the stale report meanwhile (so a
            // report expiring under load is not a pile-up behind the computation).
            Some((false, stale)) => match self.reports.computing.try_lock() {
                Ok(guard) => guard,
                Err(std::sync::TryLockError::WouldBlock) => return Ok(stale),
                Err(e) => return Err(ApiError::internal(e)),
            },
            None => self.reports.computing.lock().map_err(ApiError::internal)?,
        };
        if let Some((true, r)) = lookup()? {
            return Ok(r);
        }
        let scope = if station {
            lantian_report::Scope::station(store, key)?
        } else {
            lantian_report::Scope::area(store, key)?
        };
        let report = Arc::new(lantian_report::build(
            store,
            scope,
            period,
            self.config.pm25_target,
            self.config.good_target,
            &lantian_aq::Config::default(),
        )?);
        if !ttl.is_zero() {
            let mut entries = self.reports.entries.lock().map_err(ApiError::internal)?;
            if entries.len() >= REPORT_CACHE_MAX {
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if entries.len() >= REPORT_CACHE_MAX {
                    entries.clear();
                }
            }
            entries.insert(cache_key, (std::time::Instant::now(), report.clone()));
        }
        Ok(report)
    }

    /// Runs `f` with the store on the blocking pool.
    ///
    /// # Errors
    ///
    /// What `f` returns, or an internal error if the task fails.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    {
        let store = self.store.clone();
        let _permit = self.gate.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(ApiError::internal)?
    }
}

/// The OpenAPI document's root.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "lantian API",
        description = "海门区大气污染防治: air quality, online monitoring, alarms. Times are given in UTC and Beijing time (UTC+8); dates are Beijing dates.",
        license(name = "see repository"),
    ),
    tags(
        (name = "session", description = "Login sessions"),
        (name = "air", description = "Stations, measurements, AQI and assessments (public)"),
        (name = "monitoring", description = "Online-monitoring devices and their readings"),
        (name = "alarms", description = "Alarms, their lifecycle and evidence"),
        (name = "emergency", description = "Heavy-pollution weather: proposals, warnings, the emergency-reduction list, verification, after-action reports"),
        (name = "fire", description = "Straw-burning fire points: incidents, work orders, statistics by town and month"),
        (name = "inventory", description = "The emission inventory: years as versions, comparisons, the NOx/VOCs −10 % accounting"),
        (name = "enforcement", description = "Enforcement cases with their time limits, credit records, project screening"),
        (name = "towns", description = "The town assessment: versions of the rules, stored results with every item's source, the circular and the workbook"),
    )
)]
struct ApiDoc;

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::session::router())
        .merge(api::air::router())
        .merge(api::monitoring::router())
        .merge(api::plan::router())
        .merge(api::emergency::router())
        .merge(api::fire::router())
        .merge(api::inventory::router())
        .merge(api::towns::router())
        .merge(api::enforcement::router())
}

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_router().split_for_parts().1;
    doc.merge(api::plan::upload_router().split_for_parts().1);
    doc.merge(api::emergency::upload_router().split_for_parts().1);
    doc.merge(api::fire::upload_router().split_for_parts().1);
    doc.merge(api::inventory::upload_router().split_for_parts().1);
    doc
}

/// The API (`/api/v1/...`, `/api/openapi.json`) and the console pages, with the body limit.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body;
    let (router, mut doc) = api_router().split_for_parts();
    // Uploads have their own, larger limit; every other body stays small.
    let (uploads, upload_doc) = api::plan::upload_router()
        .merge(api::emergency::upload_router())
        .merge(api::fire::upload_router())
        .merge(api::inventory::upload_router())
        .split_for_parts();
    doc.merge(upload_doc);
    // axum's own extractor limit (2 MiB by default) must be lifted too.
    let uploads = uploads
        .layer(axum::extract::DefaultBodyLimit::max(
            api::plan::MAX_ATTACHMENT,
        ))
        .layer(RequestBodyLimitLayer::new(api::plan::MAX_ATTACHMENT));
    let doc = Arc::new(doc);
    let router = router.layer(RequestBodyLimitLayer::new(max_body));
    let router = router
        .merge(uploads)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(console::router().layer(RequestBodyLimitLayer::new(max_body)))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .with_state(state);
    with_security_headers(router)
}

/// The Content-Security-Policy of every response.
///
/// Scripts only from this site's own files (`/assets/console.js`): no inline `<script>` and no
/// inline event handlers run, so markup injected through a name that escaped escaping cannot
/// execute. The pages' data travels in `<script type="application/json">` blocks, which are
/// data, not script. `style-src` allows `'unsafe-inline'` because ECharts writes its tooltip
/// as HTML with `style="…"` attributes and a few templates lay out forms with `style`; styles
/// cannot run script, and `img-src`/`connect-src`/`default-src` keep anything a style could
/// load on this site. `frame-ancestors 'none'` (with `X-Frame-Options: DENY` for older
/// browsers) keeps the console out of other sites' frames (clickjacking);
/// `form-action 'self'` and `base-uri 'none'` stop injected forms and `<base>` from sending
/// anything elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// The headers every response carries (pages, API answers, assets, errors, `/metrics`): the
/// [`CONTENT_SECURITY_POLICY`], `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` (a
/// file is only ever what its `Content-Type` says, so an uploaded attachment is never run as
/// a script or page) and `Referrer-Policy: same-origin` (paths with ids and filters are not
/// sent to other sites). [`router`] has them; `lantian serve` wraps its whole router too.
pub fn with_security_headers(router: Router) -> Router {
    let set = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    router
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
}

/// The console's "today" (Beijing): the configured date, or the real one.
pub(crate) fn console_today(state: &AppState) -> jiff::civil::Date {
    state
        .config
        .console_date
        .unwrap_or_else(|| jiff::Timestamp::now().to_zoned(api::beijing()).date())
}

/// Fills the caches a first visitor would otherwise wait for: the plan in force and its status
/// (the home area's yearly reports behind the PM2.5 indicator). Failures (no plan loaded, no
/// area) are left for the pages to report.
pub async fn warm_up(state: AppState) {
    let st = state.clone();
    let _ = state
        .blocking(move |store| api::plan::status(&st, store).map(|_| ()))
        .await;
}
