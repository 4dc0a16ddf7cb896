//! Submitting jobs and reading them: submit, batches, status, list, stats.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jobq_core::api::{BatchBody, IdAnswer, IdsAnswer, JobsAnswer, SubmitBody};
use jobq_core::wire::{ErrorJson, JobJson};
use jobq_core::{JobState, ListQuery, NewJob, Queue, QueueName, Stats};
use serde::Deserialize;

use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, JobPath, Params, QueuePath};

/// Checks `jobs` against the payload limit (413 when one is over it), submits them and
/// counts them.
async fn submit_jobs(state: &AppState, jobs: Vec<NewJob>) -> ApiResult<Vec<jobq_core::JobId>> {
    for job in &jobs {
        job.validate(&state.limits)?;
    }
    let queues: Vec<QueueName> = jobs.iter().map(|j| j.queue.clone()).collect();
    let ids = state.queue.submit_batch(jobs).await?;
    for queue in queues {
        state.metrics.submitted(&queue, 1);
    }
    Ok(ids)
}

/// Reads the jobs of a batch body, naming the position of a bad one.
fn batch_jobs(body: BatchBody, queue: Option<&QueueName>) -> ApiResult<Vec<NewJob>> {
    body.jobs
        .into_iter()
        .enumerate()
        .map(|(i, job)| {
            job.into_job(queue).map_err(|e| match e {
                jobq_core::Error::InvalidInput { field, message } => {
                    ApiError::invalid(field, format!("job {i} of the batch: {message}"))
                }
                other => other.into(),
            })
        })
        .collect()
}

/// Submit a job.
///
/// The payload is `payload` (text) or `payload_base64` (any bytes), up to 1 MiB unless the
/// server says otherwise. An `id` that exists already is refused with 409 and changes
/// nothing, which makes submitting with chosen ids idempotent.
#[utoipa::path(
    post,
    path = "/v1/queues/{queue}/jobs",
    tag = "jobs",
    params(("queue" = String, Path, description = "The queue: 1 to 128 of A-Z a-z 0-9 . _ -", pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)),
    request_body = SubmitBody,
    responses(
        (status = 201, description = "Submitted", body = IdAnswer),
        (status = 400, description = "Malformed JSON, a bad id, queue name or argument", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 409, description = "A job with this id exists", body = ErrorJson),
        (status = 413, description = "The payload is over the limit", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    QueuePath(queue): QueuePath,
    Body(body): Body<SubmitBody>,
) -> ApiResult<(StatusCode, Json<IdAnswer>)> {
    let job = body.into_job(Some(&queue))?;
    let ids = submit_jobs(&state, vec![job]).await?;
    let id = ids
        .into_iter()
        .next()
        .ok_or_else(|| jobq_core::Error::backend("submit", "the store returned no id"))?;
    Ok((StatusCode::CREATED, Json(IdAnswer { id })))
}

/// Submit jobs to one queue, all or none.
///
/// Jobs may leave out `queue`, or repeat the path's. When one job is refused (a duplicate
/// id, an oversized payload), none is stored.
#[utoipa::path(
    post,
    path = "/v1/queues/{queue}/jobs/batch",
    tag = "jobs",
    params(("queue" = String, Path, description = "The queue of every job", pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)),
    request_body = BatchBody,
    responses(
        (status = 201, description = "Submitted, ids in order", body = IdsAnswer),
        (status = 400, description = "Malformed JSON or a bad job", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 409, description = "An id exists, or appears twice", body = ErrorJson),
        (status = 413, description = "A payload or the body is over the limit", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn submit_batch(
    State(state): State<AppState>,
    QueuePath(queue): QueuePath,
    Body(body): Body<BatchBody>,
) -> ApiResult<(StatusCode, Json<IdsAnswer>)> {
    let jobs = batch_jobs(body, Some(&queue))?;
    let ids = submit_jobs(&state, jobs).await?;
    Ok((StatusCode::CREATED, Json(IdsAnswer { ids })))
}

/// Submit jobs to any queues, all or none (each job's `queue`, default `default`).
#[utoipa::path(
    post,
    path = "/v1/submit",
    tag = "jobs",
    request_body = BatchBody,
    responses(
        (status = 201, description = "Submitted, ids in order", body = IdsAnswer),
        (status = 400, description = "Malformed JSON or a bad job", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 409, description = "An id exists, or appears twice", body = ErrorJson),
        (status = 413, description = "A payload or the body is over the limit", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn submit_any(
    State(state): State<AppState>,
    Body(body): Body<BatchBody>,
) -> ApiResult<(StatusCode, Json<IdsAnswer>)> {
    let jobs = batch_jobs(body, None)?;
    let ids = submit_jobs(&state, jobs).await?;
    Ok((StatusCode::CREATED, Json(IdsAnswer { ids })))
}

/// One job with its history.
///
/// Ids with characters outside `A-Z a-z 0-9 - _ . ~` go percent-encoded in the path.
#[utoipa::path(
    get,
    path = "/v1/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, percent-encoded", min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$")),
    responses(
        (status = 200, description = "The job and its history, oldest event first", body = JobJson),
        (status = 400, description = "A malformed id", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "No job has this id", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn status(
    State(state): State<AppState>,
    JobPath(id): JobPath,
) -> ApiResult<Json<JobJson>> {
    let status = state.queue.status(&id).await?;
    Ok(Json(JobJson::from(&status)))
}

/// The query of `GET /v1/jobs`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Only this queue.
    #[param(pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)]
    queue: Option<String>,
    /// Only this state: queued, running, done, failed or cancelled.
    #[param(value_type = Option<JobState>)]
    state: Option<String>,
    /// At most this many jobs, 1 to 10,000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    limit: Option<String>,
    /// `newest` (default) or `oldest` submitted first.
    #[param(pattern = "^(newest|oldest)$")]
    order: Option<String>,
}

impl ListParams {
    fn into_query(self) -> ApiResult<ListQuery> {
        let limit = match self.limit {
            None => ListQuery::default().limit,
            Some(text) => text.parse().map_err(|_| {
                ApiError::invalid("limit", format!("{text:?}; a number from 1 to 10000"))
            })?,
        };
        let oldest_first = match self.order.as_deref() {
            None | Some("newest") => false,
            Some("oldest") => true,
            Some(other) => {
                return Err(ApiError::invalid(
                    "order",
                    format!("{other:?}; expected newest or oldest"),
                ));
            }
        };
        Ok(ListQuery {
            queue: self.queue.map(QueueName::new).transpose()?,
            state: self.state.map(|s| s.parse::<JobState>()).transpose()?,
            limit,
            oldest_first,
        })
    }
}

/// Jobs, newest submitted first, without their history.
#[utoipa::path(
    get,
    path = "/v1/jobs",
    tag = "jobs",
    params(ListParams),
    responses(
        (status = 200, description = "The jobs", body = JobsAnswer),
        (status = 400, description = "A bad queue, state, limit or order", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<JobsAnswer>> {
    let jobs = state.queue.list(params.into_query()?).await?;
    Ok(Json(JobsAnswer {
        jobs: jobs.iter().map(JobJson::from).collect(),
    }))
}

/// The query of `GET /v1/stats`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsParams {
    /// Only this queue.
    #[param(pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)]
    queue: Option<String>,
}

/// Counts of jobs by queue and state, as `jobq stats` prints them.
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "jobs",
    params(StatsParams),
    responses(
        (status = 200, description = "Counts by queue and state", body = Stats),
        (status = 400, description = "A bad queue name", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn stats(
    State(state): State<AppState>,
    Params(params): Params<StatsParams>,
) -> ApiResult<Json<Stats>> {
    let queue = params.queue.map(QueueName::new).transpose()?;
    Ok(Json(state.queue.stats(queue.as_ref()).await?))
}
