//! The JSON shapes of jobq, shared by the command line (`--json`) and the HTTP API, so both
//! speak exactly the same language.
//!
//! Payloads are bytes; in JSON a payload that is valid UTF-8 is written as the string
//! `"payload"`, any other as `"payload_base64"` ([`Payload`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName};
use crate::job::{Event, Job, JobState, JobStatus, LeaseToken, LeasedJob};
use crate::time::Timestamp;

/// A payload in JSON: text when it is valid UTF-8, else base64. Flattened into the object
/// that carries it, so it appears as a `payload` or a `payload_base64` key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Payload {
    /// UTF-8 text.
    #[serde(rename = "payload")]
    Text(String),
    /// Any bytes, base64 (standard alphabet, padded).
    #[serde(rename = "payload_base64")]
    Base64(String),
}

impl Payload {
    /// The JSON form of `bytes`.
    pub fn encode(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => Payload::Text(text.to_owned()),
            Err(_) => Payload::Base64(BASE64.encode(bytes)),
        }
    }

    /// The bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for `payload_base64` that is not base64.
    pub fn decode(self) -> Result<Vec<u8>> {
        match self {
            Payload::Text(text) => Ok(text.into_bytes()),
            Payload::Base64(b64) => BASE64
                .decode(b64.as_bytes())
                .map_err(|e| Error::invalid("payload_base64", format!("not base64: {e}"))),
        }
    }
}

/// A job in JSON (`jobq status`, `jobq list`, `GET /v1/jobs/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobJson {
    /// The id.
    pub id: JobId,
    /// The queue.
    pub queue: QueueName,
    /// The state.
    pub state: JobState,
    /// The payload.
    #[serde(flatten)]
    pub payload: Payload,
    /// The priority.
    pub priority: i32,
    /// When it is (or was) ready.
    pub run_at: Timestamp,
    /// Attempts so far.
    pub attempts: u32,
    /// Attempts it gets.
    pub max_attempts: u32,
    /// When it was submitted.
    pub created_at: Timestamp,
    /// When its state last changed.
    pub updated_at: Timestamp,
    /// The error of its last failed attempt.
    pub last_error: Option<String>,
    /// Who holds it, while running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// When its lease ends, while running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<Timestamp>,
    /// Its history, oldest first, when asked for one job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Event>>,
}

impl From<&Job> for JobJson {
    fn from(job: &Job) -> Self {
        Self {
            id: job.id.clone(),
            queue: job.queue.clone(),
            state: job.state,
            payload: Payload::encode(&job.payload),
            priority: job.priority,
            run_at: job.run_at,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            created_at: job.created_at,
            updated_at: job.updated_at,
            last_error: job.last_error.clone(),
            worker: job.worker.clone(),
            lease_until: job.lease_until,
            history: None,
        }
    }
}

impl From<&JobStatus> for JobJson {
    fn from(status: &JobStatus) -> Self {
        Self {
            history: Some(status.history.clone()),
            ..JobJson::from(&status.job)
        }
    }
}

impl TryFrom<JobJson> for Job {
    type Error = Error;

    fn try_from(json: JobJson) -> Result<Self> {
        Ok(Job {
            id: json.id,
            queue: json.queue,
            state: json.state,
            payload: json.payload.decode()?,
            priority: json.priority,
            run_at: json.run_at,
            attempts: json.attempts,
            max_attempts: json.max_attempts,
            created_at: json.created_at,
            updated_at: json.updated_at,
            last_error: json.last_error,
            worker: json.worker,
            lease_until: json.lease_until,
        })
    }
}

impl TryFrom<JobJson> for JobStatus {
    type Error = Error;

    fn try_from(mut json: JobJson) -> Result<Self> {
        let history = json.history.take().unwrap_or_default();
        Ok(JobStatus {
            job: Job::try_from(json)?,
            history,
        })
    }
}

/// A leased job in JSON (`jobq take`, `POST /v1/queues/{queue}/take`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeasedJson {
    /// The id.
    pub id: JobId,
    /// The queue.
    pub queue: QueueName,
    /// The payload.
    #[serde(flatten)]
    pub payload: Payload,
    /// The priority.
    pub priority: i32,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// Attempts it gets.
    pub max_attempts: u32,
    /// The lease token.
    pub lease: LeaseToken,
    /// When the lease ends unless extended.
    pub lease_until: Timestamp,
}

impl From<&LeasedJob> for LeasedJson {
    fn from(job: &LeasedJob) -> Self {
        Self {
            id: job.id.clone(),
            queue: job.queue.clone(),
            payload: Payload::encode(&job.payload),
            priority: job.priority,
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            lease: job.lease.clone(),
            lease_until: job.lease_until,
        }
    }
}

impl TryFrom<LeasedJson> for LeasedJob {
    type Error = Error;

    fn try_from(json: LeasedJson) -> Result<Self> {
        Ok(LeasedJob {
            id: json.id,
            queue: json.queue,
            payload: json.payload.decode()?,
            priority: json.priority,
            attempt: json.attempt,
            max_attempts: json.max_attempts,
            lease: json.lease,
            lease_until: json.lease_until,
        })
    }
}

/// An error in JSON: `{"error":{"code":"not_found","message":"job \"x\" not found"}}`.
/// An error in JSON: `{"error":{"code":"not_found","message":"job \"x\" not found","id":"x"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorJson {
    /// The error.
    pub error: ErrorBody,
}

/// The body of an [`ErrorJson`]: a stable `code`, the `message` a person reads, and the
/// details a program needs to tell errors apart (which argument, which job, which state),
/// present where they apply. [`ErrorBody::into_error`] turns it back into the [`Error`] it
/// was made from, so a client of the HTTP API sees the same errors as a local store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The stable code ([`ErrorCode::as_str`](crate::ErrorCode::as_str)): `not_found`,
    /// `duplicate`, `lease_lost`, `invalid_state`, `invalid_input`, `busy`, `backend`, or
    /// `unauthorized` from a server that wants a token.
    pub code: String,
    /// The message a person reads.
    pub message: String,
    /// `invalid_input`: the argument at fault (`id`, `queue name`, `payload`, `lease` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `invalid_input`, `lease_lost`, `busy`: why, or what was waited for, without the
    /// words that name the argument or the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `not_found`, `duplicate`, `lease_lost`, `invalid_state`: the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `invalid_state`: the job's current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// `invalid_state`: what was asked (`resubmit`, `cancel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `invalid_state`: the states the operation applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
    /// `busy`: how long the store waited, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited_ms: Option<u64>,
}

/// Every argument name jobq's own errors use, so that an error read back from JSON names
/// the same `&'static str` as the one that was sent.
const FIELDS: &[&str] = &[
    "id",
    "ids",
    "queue name",
    "payload",
    "payload_base64",
    "priority",
    "delay_ms",
    "run_at",
    "max_attempts",
    "max",
    "lease",
    "lease_ms",
    "wait",
    "wait_ms",
    "worker",
    "limit",
    "order",
    "state",
    "older_than_ms",
    "select",
    "settlements",
    "outcome",
    "error",
    "jobs",
    "body",
    "query",
    "path",
    "token",
    "time",
    "event",
    "url",
    "file",
    "schedule name",
    "schedule",
    "every",
    "cron",
];

/// Operations and their allowed states, as [`Error::InvalidState`] names them.
const ACTIONS: &[&str] = &["resubmit", "cancel"];
const ALLOWED: &[&str] = &["failed or cancelled", "queued"];

fn known(list: &'static [&'static str], name: &str) -> Option<&'static str> {
    list.iter().copied().find(|known| *known == name)
}

impl ErrorBody {
    /// A body with `code` and `message` and no details.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            field: None,
            reason: None,
            id: None,
            state: None,
            action: None,
            allowed: None,
            waited_ms: None,
        }
    }

    /// The [`Error`] this body describes: the same variant with the same details when the
    /// code is one of [`ErrorCode`](crate::ErrorCode)'s, else an [`Error::Backend`] carrying
    /// the message. `context` says where the error came from (a server's address), for
    /// the backend errors.
    pub fn into_error(self, context: &str) -> Error {
        let id = self.id.as_deref().and_then(|id| JobId::new(id).ok());
        let fallback = |body: ErrorBody| {
            Error::backend(
                context.to_owned(),
                format!("{} ({})", body.message, body.code),
            )
        };
        match (self.code.as_str(), id) {
            ("not_found", Some(id)) => Error::NotFound { id },
            ("duplicate", Some(id)) => Error::Duplicate { id },
            ("lease_lost", Some(id)) => Error::LeaseLost {
                id,
                reason: self.reason.unwrap_or(self.message),
            },
            ("invalid_state", Some(id)) if self.state.is_some() => Error::InvalidState {
                id,
                state: self.state.unwrap_or(JobState::Queued),
                action: self
                    .action
                    .as_deref()
                    .and_then(|a| known(ACTIONS, a))
                    .unwrap_or("the operation"),
                allowed: self
                    .allowed
                    .as_deref()
                    .and_then(|a| known(ALLOWED, a))
                    .unwrap_or("other"),
            },
            ("invalid_input", _) => {
                let reason = self.reason.unwrap_or(self.message);
                match self.field.as_deref() {
                    Some(field) => match known(FIELDS, field) {
                        Some(field) => Error::invalid(field, reason),
                        None => Error::invalid("input", format!("{field}: {reason}")),
                    },
                    None => Error::invalid("input", reason),
                }
            }
            ("busy", _) => Error::Busy {
                waited: std::time::Duration::from_millis(self.waited_ms.unwrap_or(0)),
                what: self.reason.unwrap_or(self.message),
            },
            _ => fallback(self),
        }
    }
}

impl From<&Error> for ErrorBody {
    fn from(error: &Error) -> Self {
        let mut body = ErrorBody::new(error.code().as_str(), error.to_string());
        match error {
            Error::NotFound { id } | Error::Duplicate { id } => body.id = Some(id.to_string()),
            Error::LeaseLost { id, reason } => {
                body.id = Some(id.to_string());
                body.reason = Some(reason.clone());
            }
            Error::InvalidState {
                id,
                state,
                action,
                allowed,
            } => {
                body.id = Some(id.to_string());
                body.state = Some(*state);
                body.action = Some((*action).to_owned());
                body.allowed = Some((*allowed).to_owned());
            }
            Error::InvalidInput { field, message } => {
                body.field = Some((*field).to_owned());
                body.reason = Some(message.clone());
            }
            Error::Busy { waited, what } => {
                body.waited_ms = Some(u64::try_from(waited.as_millis()).unwrap_or(u64::MAX));
                body.reason = Some(what.clone());
            }
            Error::Backend { .. } => {}
        }
        body
    }
}

impl From<&Error> for ErrorJson {
    fn from(error: &Error) -> Self {
        Self {
            error: ErrorBody::from(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(payload: &[u8]) -> Job {
        Job {
            id: JobId::new("j1").unwrap(),
            queue: QueueName::default(),
            state: JobState::Queued,
            payload: payload.to_vec(),
            priority: 2,
            run_at: Timestamp::from_unix_micros(1_000_000),
            attempts: 0,
            max_attempts: 3,
            created_at: Timestamp::from_unix_micros(1_000_000),
            updated_at: Timestamp::from_unix_micros(1_000_000),
            last_error: None,
            worker: None,
            lease_until: None,
        }
    }

    #[test]
    fn text_payload_is_a_string() {
        let json = serde_json::to_value(JobJson::from(&job(b"hello"))).unwrap();
        assert_eq!(json["payload"], "hello");
        assert!(json.get("payload_base64").is_none());
        assert_eq!(json["run_at"], "1970-01-01T00:00:01Z");
        assert_eq!(json["last_error"], serde_json::Value::Null);
    }

    #[test]
    fn binary_payload_is_base64_and_round_trips() {
        let original = job(&[0xff, 0x00, 0x80]);
        let text = serde_json::to_string(&JobJson::from(&original)).unwrap();
        assert!(text.contains(r#""payload_base64":"/wCA""#), "{text}");
        let back: JobJson = serde_json::from_str(&text).unwrap();
        assert_eq!(Job::try_from(back).unwrap(), original);
    }

    #[test]
    fn bad_base64_is_invalid_input() {
        let err = Payload::Base64("***".into()).decode().unwrap_err();
        assert!(
            err.to_string().starts_with("invalid payload_base64"),
            "{err}"
        );
    }

    #[test]
    fn errors_round_trip_through_json() {
        let id = JobId::new("j/1 ü").unwrap();
        let errors = [
            Error::NotFound { id: id.clone() },
            Error::Duplicate { id: id.clone() },
            Error::lease_lost(&id, "the lease expired"),
            Error::InvalidState {
                id: id.clone(),
                state: JobState::Done,
                action: "resubmit",
                allowed: "failed or cancelled",
            },
            Error::invalid("queue name", "must not be empty"),
            Error::Busy {
                waited: std::time::Duration::from_secs(30),
                what: "the write lock of x.db".into(),
            },
        ];
        for error in errors {
            let text = serde_json::to_string(&ErrorJson::from(&error)).unwrap();
            let back: ErrorJson = serde_json::from_str(&text).unwrap();
            let again = back.error.into_error("test");
            assert_eq!(again.code(), error.code(), "{text}");
            assert_eq!(again.to_string(), error.to_string(), "{text}");
        }
        let odd = ErrorBody {
            field: Some("colour".into()),
            reason: Some("not a colour".into()),
            ..ErrorBody::new("invalid_input", "invalid colour: not a colour")
        };
        assert_eq!(
            odd.into_error("test").to_string(),
            "invalid input: colour: not a colour"
        );
        let unknown = ErrorBody::new("unauthorized", "no token").into_error("http://h");
        assert_eq!(unknown.code(), crate::ErrorCode::Backend);
        assert!(unknown.to_string().contains("no token"), "{unknown}");
    }
}
