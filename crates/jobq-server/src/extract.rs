//! Extractors that refuse bad requests as the API's JSON errors, naming what was wrong:
//! [`Body`] for JSON bodies, [`JobPath`] and [`QueuePath`] for the names in a path,
//! [`Params`] for query strings.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use jobq_core::{JobId, QueueName};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest body the server reads, in bytes, as a request extension (for the message
/// that refuses a larger one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub(crate) usize);

/// A JSON body of type `T`, whatever the `Content-Type`. An empty body reads as `{}`, so
/// routes whose keys are all optional can be called without one.
#[derive(Debug)]
pub(crate) struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let limit = req.extensions().get::<BodyLimit>().map_or(0, |l| l.0);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection {
                BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                    ApiError::invalid(
                        "body",
                        format!(
                            "larger than the {limit} bytes this server reads; send big \
                             payloads one job at a time"
                        ),
                    )
                    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
                }
                other => {
                    ApiError::invalid("body", format!("cannot read it: {}", other.body_text()))
                }
            })?;
        let text: &[u8] = if bytes.trim_ascii().is_empty() {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(text)
            .map(Body)
            .map_err(|e| ApiError::invalid("body", format!("not the JSON this route takes: {e}")))
    }
}

/// The job id of a path (`/v1/jobs/{id}`…), percent-decoded and checked.
#[derive(Debug)]
pub(crate) struct JobPath(pub(crate) JobId);

impl<S: Send + Sync> FromRequestParts<S> for JobPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid("id", format!("in the path: {}", e.body_text())))?;
        Ok(JobPath(JobId::new(id)?))
    }
}

/// The queue name of a path (`/v1/queues/{queue}/…`), checked.
#[derive(Debug)]
pub(crate) struct QueuePath(pub(crate) QueueName);

impl<S: Send + Sync> FromRequestParts<S> for QueuePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                ApiError::invalid("queue name", format!("in the path: {}", e.body_text()))
            })?;
        Ok(QueuePath(QueueName::new(name)?))
    }
}

/// A query string of type `T`.
#[derive(Debug)]
pub(crate) struct Params<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| Params(t))
            .map_err(|e| ApiError::invalid("query", e.body_text()))
    }
}
