//! Consuming: take (a long poll), complete, fail, extend, and settling in batches.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use jobq_core::api::{
    CompleteBody, ExtendBody, ExtendedAnswer, FailBody, SettleAnswer, SettleBody, SettleResult,
    SettledAnswer, TakeAnswer, TakeBody, millis,
};
use jobq_core::wire::{ErrorJson, LeasedJson};
use jobq_core::{LeaseToken, LeasedJob, Outcome, Queue, Result, Settled, Settlement, TakeRequest};

use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, JobPath, QueuePath};

/// Leases as `req` asks, waiting as long as it says unless the server shuts down first
/// (then the answer is no job, at once, so shutdown never waits for long polls).
async fn take_jobs(state: &AppState, req: TakeRequest) -> Result<Vec<LeasedJob>> {
    tokio::select! {
        jobs = state.queue.take(req) => jobs,
        () = state.shutdown.cancelled() => Ok(Vec::new()),
    }
}

/// Lease the next ready jobs of a queue, waiting up to `wait_ms` for one (a long poll).
///
/// Jobs come out by priority (higher first), then ready time, then submission order. The
/// answer comes as soon as a job is ready, or with no job when `wait_ms` passed. Each job
/// has its lease token, to present to complete, fail and extend.
#[utoipa::path(
    post,
    path = "/v1/queues/{queue}/take",
    tag = "consume",
    params(("queue" = String, Path, description = "The queue to take from", pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)),
    request_body(content = TakeBody, description = "Every key is optional; the body may be empty"),
    responses(
        (status = 200, description = "The leased jobs; none when none was ready in time", body = TakeAnswer),
        (status = 400, description = "A bad queue name, max, lease, wait or worker", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn take(
    State(state): State<AppState>,
    QueuePath(queue): QueuePath,
    Body(body): Body<TakeBody>,
) -> ApiResult<Json<TakeAnswer>> {
    let req = body.into_request(queue)?;
    let started = Instant::now();
    let waiting = state.metrics.waiting();
    let jobs = take_jobs(&state, req).await;
    drop(waiting);
    let jobs = jobs?;
    state.metrics.took(started.elapsed(), jobs.len());
    Ok(Json(TakeAnswer {
        jobs: jobs.iter().map(LeasedJson::from).collect(),
    }))
}

/// Settles `settlements`, counting what happened.
async fn settle_all(
    state: &AppState,
    settlements: Vec<Settlement>,
) -> Result<Vec<Result<Settled>>> {
    let complete: Vec<bool> = settlements
        .iter()
        .map(|s| s.outcome == Outcome::Complete)
        .collect();
    let results = state.queue.settle(settlements).await?;
    for (complete, result) in complete.into_iter().zip(&results) {
        if let Ok(settled) = result {
            state.metrics.settled(complete, settled.state);
        }
    }
    Ok(results)
}

/// Settles one attempt of job `id`.
async fn settle_one(state: &AppState, settlement: Settlement) -> ApiResult<Json<SettledAnswer>> {
    let id = settlement.id.clone();
    let result = settle_all(state, vec![settlement])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| jobq_core::Error::backend("settle", "the store returned no result"))?;
    let settled = result?;
    Ok(Json(SettledAnswer {
        id,
        state: settled.state,
        retry_at: settled.retry_at,
    }))
}

fn lease(token: String) -> ApiResult<LeaseToken> {
    Ok(LeaseToken::new(token)?)
}

/// Mark a leased job done.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/complete",
    tag = "consume",
    params(("id" = String, Path, description = "The job's id, percent-encoded", min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$")),
    request_body = CompleteBody,
    responses(
        (status = 200, description = "Done", body = SettledAnswer),
        (status = 400, description = "Malformed JSON, a bad id or lease token", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "No job has this id", body = ErrorJson),
        (status = 409, description = "The lease is not the job's current one (lease_lost)", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn complete(
    State(state): State<AppState>,
    JobPath(id): JobPath,
    Body(body): Body<CompleteBody>,
) -> ApiResult<Json<SettledAnswer>> {
    let lease = lease(body.lease)?;
    settle_one(&state, Settlement::complete(id, lease)).await
}

/// Record a failed attempt: the job is retried after a back-off while it has attempts
/// left, else it is `failed`.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/fail",
    tag = "consume",
    params(("id" = String, Path, description = "The job's id, percent-encoded", min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$")),
    request_body = FailBody,
    responses(
        (status = 200, description = "Where the job went: queued (with retry_at) or failed", body = SettledAnswer),
        (status = 400, description = "Malformed JSON, a bad id or lease token", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "No job has this id", body = ErrorJson),
        (status = 409, description = "The lease is not the job's current one (lease_lost)", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn fail(
    State(state): State<AppState>,
    JobPath(id): JobPath,
    Body(body): Body<FailBody>,
) -> ApiResult<Json<SettledAnswer>> {
    let lease = lease(body.lease)?;
    let error = body.error.unwrap_or_else(|| "failed".to_owned());
    settle_one(&state, Settlement::fail(id, lease, error)).await
}

/// Extend a lease (a heartbeat): it then ends `lease_ms` from now.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/extend",
    tag = "consume",
    params(("id" = String, Path, description = "The job's id, percent-encoded", min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$")),
    request_body = ExtendBody,
    responses(
        (status = 200, description = "When the lease now ends", body = ExtendedAnswer),
        (status = 400, description = "Malformed JSON, a bad id, lease token or lease_ms", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "No job has this id", body = ErrorJson),
        (status = 409, description = "The lease is not the job's current one (lease_lost)", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn extend(
    State(state): State<AppState>,
    JobPath(id): JobPath,
    Body(body): Body<ExtendBody>,
) -> ApiResult<Json<ExtendedAnswer>> {
    let lease = lease(body.lease)?;
    let lease_for = match body.lease_ms {
        Some(ms) => millis("lease", ms)?,
        None => TakeRequest::DEFAULT_LEASE,
    };
    let lease_until = state.queue.extend(&id, &lease, lease_for).await?;
    Ok(Json(ExtendedAnswer { id, lease_until }))
}

/// The most settlements one request may carry.
const MAX_SETTLEMENTS: usize = 10_000;

/// Settle many leased attempts at once, each by itself: the answer has one result per
/// settlement, in order, with where the job went or why it was refused.
#[utoipa::path(
    post,
    path = "/v1/settle",
    tag = "consume",
    request_body = SettleBody,
    responses(
        (status = 200, description = "One result per settlement, in order", body = SettleAnswer),
        (status = 400, description = "Malformed JSON, a bad id or lease token, too many settlements", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn settle(
    State(state): State<AppState>,
    Body(body): Body<SettleBody>,
) -> ApiResult<Json<SettleAnswer>> {
    if body.settlements.len() > MAX_SETTLEMENTS {
        return Err(ApiError::invalid(
            "settlements",
            format!(
                "{} of them; settle at most {MAX_SETTLEMENTS} at once",
                body.settlements.len()
            ),
        ));
    }
    let settlements = body
        .settlements
        .into_iter()
        .map(|s| s.into_settlement())
        .collect::<Result<Vec<_>>>()?;
    let results = settle_all(&state, settlements).await?;
    Ok(Json(SettleAnswer {
        results: results.iter().map(SettleResult::from).collect(),
    }))
}
