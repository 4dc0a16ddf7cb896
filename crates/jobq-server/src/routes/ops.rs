//! For people and their tools: the dashboard, its throughput, health, metrics and the
//! OpenAPI description.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use jobq_core::wire::ErrorJson;
use jobq_core::{Queue, QueueName, Timestamp};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use crate::metrics::{BUCKET_SECS, Throughput};

/// The dashboard: one page, its style and script inlined, nothing fetched from elsewhere.
const DASHBOARD: &str = concat!(
    include_str!("../dashboard/head.html"),
    "<style>\n",
    include_str!("../dashboard/style.css"),
    "</style>\n",
    include_str!("../dashboard/body.html"),
    "<script>\n",
    include_str!("../dashboard/app.js"),
    "</script>\n</body>\n</html>\n"
);

/// The query of `GET /v1/throughput`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ThroughputParams {
    /// How many minutes back, 1 to 60 (default 15).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 60)]
    minutes: Option<String>,
}

/// One bucket of [`ThroughputAnswer`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ThroughputBucket {
    /// When the bucket starts.
    at: Timestamp,
    /// What happened in it.
    #[serde(flatten)]
    counts: Throughput,
}

/// The answer of `GET /v1/throughput`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ThroughputAnswer {
    /// The width of each bucket, in seconds.
    bucket_secs: u64,
    /// The buckets, oldest first, the last one still filling.
    buckets: Vec<ThroughputBucket>,
}

/// Jobs submitted, completed and failed through this server, in buckets of 10 s over the
/// last minutes (what the dashboard draws).
#[utoipa::path(
    get,
    path = "/v1/throughput",
    tag = "ops",
    params(ThroughputParams),
    responses(
        (status = 200, description = "The buckets, oldest first", body = ThroughputAnswer),
        (status = 400, description = "minutes out of 1 to 60", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn throughput(
    State(state): State<AppState>,
    Params(params): Params<ThroughputParams>,
) -> ApiResult<Json<ThroughputAnswer>> {
    let minutes: u64 = match params.minutes {
        None => 15,
        Some(text) => text
            .parse()
            .ok()
            .filter(|m| (1..=60).contains(m))
            .ok_or_else(|| {
                ApiError::invalid("minutes", format!("{text:?}; a number from 1 to 60"))
            })?,
    };
    let buckets = usize::try_from(minutes * 60 / BUCKET_SECS).unwrap_or(1);
    let buckets = state
        .metrics
        .recent(buckets)
        .into_iter()
        .map(|(at, counts)| ThroughputBucket {
            at: Timestamp::from_unix_micros(i64::try_from(at).unwrap_or(0) * 1_000_000),
            counts,
        })
        .collect();
    Ok(Json(ThroughputAnswer {
        bucket_secs: BUCKET_SECS,
        buckets,
    }))
}

/// The answer of `GET /healthz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// `ok`, or `unavailable` with the error.
    status: &'static str,
    /// Why the store did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// 200 when the store answers a read, 503 when it does not. Needs no token.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "ops",
    responses(
        (status = 200, description = "The store answers", body = Health),
        (status = 503, description = "The store does not answer", body = Health),
    )
)]
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    // A read of one queue that need not exist: cheap, and it goes through to the store.
    let probe = QueueName::new("jobq-health").ok();
    match state.queue.stats(probe.as_ref()).await {
        Ok(_) => Json(Health {
            status: "ok",
            error: None,
        })
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable",
                error: Some(e.to_string()),
            }),
        )
            .into_response(),
    }
}

/// Prometheus text: jobs by queue and state (gauges), totals submitted, completed and
/// failed through this server (counters), and a histogram of take latency. Needs no token.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "ops",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 503, description = "The store does not answer", body = ErrorJson),
    )
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> ApiResult<Response> {
    let stats = state.queue.stats(None).await.map_err(|e| {
        ApiError::status(
            StatusCode::SERVICE_UNAVAILABLE,
            e.code().as_str(),
            e.to_string(),
        )
    })?;
    let text = state.metrics.render(&stats);
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response())
}

/// The dashboard: queues with live counts, throughput, failed jobs with a resubmit
/// button, each job's history. The page itself needs no token; it asks for one when the
/// API does.
#[utoipa::path(
    get,
    path = "/",
    tag = "ops",
    responses((status = 200, description = "The dashboard", content_type = "text/html", body = String))
)]
pub(crate) async fn dashboard() -> impl IntoResponse {
    ([(CACHE_CONTROL, "no-cache")], Html(DASHBOARD))
}

/// This description of the API, as OpenAPI 3.1. Needs no token.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "ops",
    responses((status = 200, description = "The OpenAPI description", content_type = "application/json", body = Object))
)]
pub(crate) async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    let json = state.openapi.get().cloned().unwrap_or_default();
    ([(CONTENT_TYPE, "application/json")], json)
}
