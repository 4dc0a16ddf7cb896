//! [`ApiError`]: every refusal as `{"error":{"code","message",…}}` with the fitting status.
//!
//! | code | status |
//! |---|---|
//! | `invalid_input` | 400, or 413 for a payload over the limit or a body too large |
//! | `unauthorized` | 401 |
//! | `not_found`, `no_route` | 404 |
//! | `method_not_allowed` | 405 |
//! | `duplicate`, `lease_lost`, `invalid_state` | 409 |
//! | `busy` | 503, with `Retry-After` |
//! | `backend` | 500 |

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jobq_core::wire::{ErrorBody, ErrorJson};
use jobq_core::{Error, ErrorCode};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Boxed: errors are rare, and a small `Result` keeps every handler's happy path small.
    body: Box<ErrorBody>,
}

impl ApiError {
    /// An answer with `status`, `code` and `message` that is not one of the queue's errors.
    pub fn status(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::new(code, message)),
        }
    }

    /// 400 for invalid input in `field`.
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::invalid(field, message).into()
    }

    /// The same error answered with `status`.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The status this error is answered with.
    pub fn status_code(&self) -> StatusCode {
        self.status
    }
}

/// The status of each queue error.
fn status_of(error: &Error) -> StatusCode {
    match error.code() {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Duplicate | ErrorCode::LeaseLost | ErrorCode::InvalidState => {
            StatusCode::CONFLICT
        }
        // The only payload the queue refuses is one over the size limit.
        ErrorCode::InvalidInput
            if matches!(error, Error::InvalidInput { field: "payload", message }
                if message.contains("limit")) =>
        {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        if error.code() == ErrorCode::Backend {
            tracing::error!("store error: {error}");
        }
        Self {
            status: status_of(&error),
            body: Box::new(ErrorBody::from(&error)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let busy = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (self.status, Json(ErrorJson { error: *self.body })).into_response();
        if busy {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The answer of a handler: JSON, or an [`ApiError`].
pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use jobq_core::{JobId, JobState};

    #[test]
    fn statuses_follow_the_spec() {
        let id = JobId::new("a").unwrap();
        let cases = [
            (Error::NotFound { id: id.clone() }, 404),
            (Error::Duplicate { id: id.clone() }, 409),
            (Error::lease_lost(&id, "expired"), 409),
            (
                Error::InvalidState {
                    id,
                    state: JobState::Done,
                    action: "cancel",
                    allowed: "queued",
                },
                409,
            ),
            (Error::invalid("queue name", "bad"), 400),
            (
                Error::invalid("payload", "5 bytes, the limit is 4 bytes"),
                413,
            ),
            (Error::backend("reading", "disk gone"), 500),
        ];
        for (error, status) in cases {
            assert_eq!(ApiError::from(error).status_code().as_u16(), status);
        }
    }
}
