//! Managing: resubmit and cancel (one job, or a selection), purge.

use axum::Json;
use axum::extract::State;
use jobq_core::api::{CancelledAnswer, PurgeBody, PurgedAnswer, ResubmittedAnswer, SelectBody};
use jobq_core::wire::ErrorJson;
use jobq_core::{Queue, Select};

use super::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, JobPath};

/// Put a failed or cancelled job back to `queued`, ready now, attempts reset.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/resubmit",
    tag = "manage",
    params(("id" = String, Path, description = "The job's id, percent-encoded", min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$")),
    responses(
        (status = 200, description = "Resubmitted", body = ResubmittedAnswer),
        (status = 400, description = "A malformed id", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "No job has this id", body = ErrorJson),
        (status = 409, description = "The job is not failed or cancelled (invalid_state)", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn resubmit_one(
    State(state): State<AppState>,
    JobPath(id): JobPath,
) -> ApiResult<Json<ResubmittedAnswer>> {
    let resubmitted = state.queue.resubmit(Select::id(id)).await?;
    Ok(Json(ResubmittedAnswer { resubmitted }))
}

/// Cancel a queued job.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/cancel",
    tag = "manage",
    params(("id" = String, Path, description = "The job's id, percent-encoded", min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$")),
    responses(
        (status = 200, description = "Cancelled", body = CancelledAnswer),
        (status = 400, description = "A malformed id", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "No job has this id", body = ErrorJson),
        (status = 409, description = "The job is not queued (invalid_state)", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn cancel_one(
    State(state): State<AppState>,
    JobPath(id): JobPath,
) -> ApiResult<Json<CancelledAnswer>> {
    let cancelled = state.queue.cancel(Select::id(id)).await?;
    Ok(Json(CancelledAnswer { cancelled }))
}

/// Resubmit jobs by id (all or none), or every job in a state (`failed` or `cancelled`),
/// of one queue or all.
#[utoipa::path(
    post,
    path = "/v1/resubmit",
    tag = "manage",
    request_body = SelectBody,
    responses(
        (status = 200, description = "How many were resubmitted", body = ResubmittedAnswer),
        (status = 400, description = "Malformed JSON, a bad id, state or queue", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "An id is unknown; nothing changed", body = ErrorJson),
        (status = 409, description = "A job is not failed or cancelled; nothing changed", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn resubmit(
    State(state): State<AppState>,
    Body(body): Body<SelectBody>,
) -> ApiResult<Json<ResubmittedAnswer>> {
    let resubmitted = state.queue.resubmit(body.into_select()?).await?;
    Ok(Json(ResubmittedAnswer { resubmitted }))
}

/// Cancel jobs by id (all or none), or every `queued` job, of one queue or all.
#[utoipa::path(
    post,
    path = "/v1/cancel",
    tag = "manage",
    request_body = SelectBody,
    responses(
        (status = 200, description = "How many were cancelled", body = CancelledAnswer),
        (status = 400, description = "Malformed JSON, a bad id, state or queue", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 404, description = "An id is unknown; nothing changed", body = ErrorJson),
        (status = 409, description = "A job is not queued; nothing changed", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Body(body): Body<SelectBody>,
) -> ApiResult<Json<CancelledAnswer>> {
    let cancelled = state.queue.cancel(body.into_select()?).await?;
    Ok(Json(CancelledAnswer { cancelled }))
}

/// Delete finished jobs (and their history) in a state, finished at least
/// `older_than_ms` ago, of one queue or all.
#[utoipa::path(
    post,
    path = "/v1/purge",
    tag = "manage",
    request_body = PurgeBody,
    responses(
        (status = 200, description = "How many were deleted", body = PurgedAnswer),
        (status = 400, description = "Malformed JSON, a state that is not finished, a bad queue", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn purge(
    State(state): State<AppState>,
    Body(body): Body<PurgeBody>,
) -> ApiResult<Json<PurgedAnswer>> {
    let purged = state.queue.purge(body.into_query()?).await?;
    Ok(Json(PurgedAnswer { purged }))
}
