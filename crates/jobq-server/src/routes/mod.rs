//! The routes, one module per group, and the state they share. Each handler carries its
//! OpenAPI description (`#[utoipa::path]`) and is registered with `utoipa_axum::routes!`,
//! which adds the route and its description together: the served router and
//! `/openapi.json` are made from the same list, so they cannot drift apart.

pub(crate) mod jobs;
pub(crate) mod lease;
pub(crate) mod manage;
pub(crate) mod ops;
pub(crate) mod schedule;

use std::sync::{Arc, OnceLock};

use jobq::AnyQueue;
use jobq_core::Limits;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::metrics::Metrics;

/// What every handler reads.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    /// The store.
    pub(crate) queue: AnyQueue,
    /// The counters of `/metrics` and the dashboard.
    pub(crate) metrics: Arc<Metrics>,
    /// Cancelled when the server shuts down, ending long polls at once.
    pub(crate) shutdown: CancellationToken,
    /// The payload limit, checked before anything reaches the store.
    pub(crate) limits: Limits,
    /// `/openapi.json`, rendered once the routes are known.
    pub(crate) openapi: Arc<OnceLock<String>>,
}

/// Every route with its description.
pub(crate) fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(jobs::submit))
        .routes(routes!(jobs::submit_batch))
        .routes(routes!(jobs::submit_any))
        .routes(routes!(jobs::status))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::stats))
        .routes(routes!(lease::take))
        .routes(routes!(lease::complete))
        .routes(routes!(lease::fail))
        .routes(routes!(lease::extend))
        .routes(routes!(lease::settle))
        .routes(routes!(manage::resubmit_one))
        .routes(routes!(manage::cancel_one))
        .routes(routes!(manage::resubmit))
        .routes(routes!(manage::cancel))
        .routes(routes!(manage::purge))
        .routes(routes!(schedule::list))
        .routes(routes!(schedule::set, schedule::remove))
        .routes(routes!(ops::throughput))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::metrics))
        .routes(routes!(ops::dashboard))
        .routes(routes!(ops::openapi))
}
