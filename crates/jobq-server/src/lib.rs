//! The jobq server: the HTTP API of SPEC section 5 over any jobq store, with the web
//! dashboard, Prometheus metrics and an OpenAPI description. `jobq serve` is a thin
//! command over this crate; programs can embed it too.
//!
//! ```no_run
//! use jobq_server::{ServerConfig, start};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let queue = jobq::connect("sqlite:jobq.db").await.map_err(std::io::Error::other)?;
//! let server = start("127.0.0.1:7070", queue, ServerConfig::new().token("s3cret")).await?;
//! println!("listening on {}", server.url());
//! server.stop().await?;
//! # Ok(()) }
//! ```
//!
//! # What it promises
//!
//! - The same behaviour as a local store: every answer comes from the `Queue` trait, and
//!   every error is the store's own, as JSON with its details ([`jobq_core::wire::ErrorBody`]),
//!   so the HTTP client (`jobq-http`) rebuilds exactly the error a local store gives.
//! - Bad input is refused before it reaches the store, naming what was wrong: malformed
//!   JSON and unknown keys (400), a body over [`ServerConfig::body_limit`] or a payload over
//!   the limit (413).
//! - A long-poll take answers as soon as a job is ready, and at once when the server shuts
//!   down, so shutdown never waits on a poll. Shutdown is graceful: requests in flight
//!   finish, idle connections close.
//! - With a token, every `/v1` route needs `Authorization: Bearer TOKEN`, compared in
//!   constant time. `/`, `/healthz`, `/metrics` and `/openapi.json` stay open: the page
//!   holds no data until it is given the token, and health and metrics hold counts only.
//!
//! # Layout
//!
//! - `config`: [`ServerConfig`] and [`check_listen`], which keeps a server without a token
//!   on loopback.
//! - `routes`: the handlers, each with its OpenAPI description (`jobs`, `lease`, `manage`,
//!   `ops`), and the state they share.
//! - `extract`: request extractors that refuse bad input as JSON errors.
//! - `error`: [`ApiError`], the mapping from the queue's errors to statuses.
//! - `auth`: the bearer token check.
//! - `metrics`: the counters of `/metrics` and the dashboard's throughput.
//! - `openapi`: the frame of `/openapi.json`.
//! - `dashboard/`: the page, its style and its script, embedded in the binary.

mod auth;
mod config;
mod error;
mod extract;
mod metrics;
mod openapi;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::{Extension, Router, middleware};
use jobq::AnyQueue;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

pub use config::{ServerConfig, check_listen};
pub use error::ApiError;
pub use metrics::Throughput;

use crate::extract::BodyLimit;
use crate::routes::AppState;

/// A server's routes over one store, ready to serve.
pub struct App {
    router: Router,
    openapi: utoipa::openapi::OpenApi,
    shutdown: CancellationToken,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("paths", &self.openapi.paths.paths.len())
            .finish_non_exhaustive()
    }
}

/// The routes of a server over `queue`.
pub fn app(queue: AnyQueue, config: ServerConfig) -> App {
    let shutdown = CancellationToken::new();
    let rendered = Arc::new(OnceLock::new());
    let state = AppState {
        queue,
        metrics: Arc::default(),
        shutdown: shutdown.clone(),
        limits: config.limits,
        openapi: Arc::clone(&rendered),
    };
    let (router, mut openapi) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::all())
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let _ = rendered.set(serde_json::to_string(&openapi).unwrap_or_default());
    let token: Option<Arc<str>> = config.token.as_deref().map(Arc::from);
    let router = router
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(token, auth::require_token))
        .layer(DefaultBodyLimit::max(config.body_limit()))
        .layer(Extension(BodyLimit(config.body_limit())))
        .with_state(state);
    App {
        router,
        openapi,
        shutdown,
    }
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::status(
        StatusCode::NOT_FOUND,
        "no_route",
        format!(
            "no route {method} {}; the routes are listed at /openapi.json",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::status(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} does not take {method}; see /openapi.json", uri.path()),
    )
}

impl App {
    /// The router, to serve or to test with.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The OpenAPI description of every route, as served at `/openapi.json`.
    pub fn openapi(&self) -> &utoipa::openapi::OpenApi {
        &self.openapi
    }

    /// Serves on `listener` until `signal` resolves, then shuts down gracefully: long
    /// polls answer at once, requests in flight finish, idle connections close.
    ///
    /// # Errors
    ///
    /// When the listener fails.
    pub async fn serve(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shutdown = self.shutdown.clone();
        axum::serve(listener, self.router)
            .with_graceful_shutdown(async move {
                signal.await;
                shutdown.cancel();
            })
            .await
    }
}

/// A server running in the background, stopped by [`Running::stop`] or when dropped.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts a server over `queue` on `addr` (port 0 picks a free port), in the background.
///
/// # Errors
///
/// When `addr` cannot be bound.
pub async fn start(
    addr: impl ToSocketAddrs,
    queue: AnyQueue,
    config: ServerConfig,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let signal = stop.clone().cancelled_owned();
    let task = tokio::spawn(app(queue, config).serve(listener, signal));
    Ok(Running { addr, stop, task })
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts it down gracefully and waits until it has.
    ///
    /// # Errors
    ///
    /// When the server had failed.
    pub async fn stop(mut self) -> std::io::Result<()> {
        self.stop.cancel();
        (&mut self.task).await.map_err(std::io::Error::other)?
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
