//! Periodic jobs: list, set and remove schedules.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use jobq_core::api::{
    ScheduleBody, ScheduleItem, ScheduleRemovedAnswer, ScheduleSetAnswer, SchedulesAnswer,
};
use jobq_core::wire::ErrorJson;
use jobq_core::{Queue, ScheduleName};

use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;

/// The schedule name of a path (`/v1/schedules/{name}`), checked.
#[derive(Debug)]
pub(crate) struct SchedulePath(pub(crate) ScheduleName);

impl<S: Send + Sync> FromRequestParts<S> for SchedulePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                ApiError::invalid("schedule name", format!("in the path: {}", e.body_text()))
            })?;
        Ok(SchedulePath(ScheduleName::new(name)?))
    }
}

/// Every periodic job, by name.
#[utoipa::path(
    get,
    path = "/v1/schedules",
    tag = "schedules",
    responses(
        (status = 200, description = "The schedules", body = SchedulesAnswer),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn list(State(state): State<AppState>) -> ApiResult<Json<SchedulesAnswer>> {
    let schedules = state.queue.schedules().await?;
    Ok(Json(SchedulesAnswer {
        schedules: schedules.iter().map(ScheduleItem::from).collect(),
    }))
}

/// Add a periodic job, or replace the one of this name: at each tick, a job with the id
/// `NAME@TICK-TIME`, ready at the tick.
#[utoipa::path(
    put,
    path = "/v1/schedules/{name}",
    tag = "schedules",
    params(("name" = String, Path, description = "The schedule's name", min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9._-]+$")),
    request_body = ScheduleBody,
    responses(
        (status = 200, description = "Set", body = ScheduleSetAnswer),
        (status = 400, description = "A bad name, `every`, queue name or payload", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
        (status = 413, description = "The payload is over the limit", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn set(
    State(state): State<AppState>,
    SchedulePath(name): SchedulePath,
    Body(body): Body<ScheduleBody>,
) -> ApiResult<Json<ScheduleSetAnswer>> {
    let schedule = body.into_schedule(name.clone())?;
    let replaced = state.queue.set_schedule(schedule).await?;
    Ok(Json(ScheduleSetAnswer { name, replaced }))
}

/// Remove a periodic job (the jobs it submitted stay).
#[utoipa::path(
    delete,
    path = "/v1/schedules/{name}",
    tag = "schedules",
    params(("name" = String, Path, description = "The schedule's name", min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9._-]+$")),
    responses(
        (status = 200, description = "Whether there was one", body = ScheduleRemovedAnswer),
        (status = 400, description = "A bad name", body = ErrorJson),
        (status = 401, description = "No token or a wrong one", body = ErrorJson),
    ),
    security(("token" = []))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    SchedulePath(name): SchedulePath,
) -> ApiResult<Json<ScheduleRemovedAnswer>> {
    let removed = state.queue.remove_schedule(&name).await?;
    Ok(Json(ScheduleRemovedAnswer { name, removed }))
}
