//! The JSON shapes of jobq, shared by the command line (`--json`) and the HTTP API, so both
//! speak exactly the same language.
//!
//! Payloads are bytes; in JSON a payload that is valid UTF-8 is written as the string
//! `"payload"`, any other as `"payload_base64"` ([`Payload`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName, ScheduleName};
use crate::job::{Event, Job, JobState, JobStatus, LeaseToken, LeasedJob};
use crate::schedule::Schedule;
use crate::time::Timestamp;

/// A payload in JSON: text when it is valid UTF-8, else base64. Flattened into the object
/// that carries it, so it appears as a `payload` or a `payload_base64` key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A schedule in JSON (`jobq schedule list`, the HTTP API): `every` is written as
/// `every 1m` or `cron 0 3 * * *`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleJson {
    /// Its name.
    pub name: ScheduleName,
    /// When it ticks.
    pub every: String,
    /// The queue its jobs go to.
    pub queue: QueueName,
    /// Each job's payload.
    #[serde(flatten)]
    pub payload: Payload,
    /// Each job's priority.
    #[serde(default)]
    pub priority: i32,
    /// Each job's attempts.
    pub max_attempts: u32,
    /// When it was set, as the store says (absent when setting one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
}

impl From<&Schedule> for ScheduleJson {
    fn from(s: &Schedule) -> Self {
        Self {
            name: s.name.clone(),
            every: s.every.to_string(),
            queue: s.queue.clone(),
            payload: Payload::encode(&s.payload),
            priority: s.priority,
            max_attempts: s.max_attempts,
            since: s.since,
        }
    }
}

impl TryFrom<ScheduleJson> for Schedule {
    type Error = Error;

    fn try_from(json: ScheduleJson) -> Result<Self> {
        Ok(Schedule {
            name: json.name,
            every: json.every.parse()?,
            queue: json.queue,
            payload: json.payload.decode()?,
            priority: json.priority,
            max_attempts: json.max_attempts,
            since: json.since,
        })
    }
}

/// An error in JSON: `{"error":{"code":"not_found","message":"job \"x\" not found"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorJson {
    /// The error.
    pub error: ErrorBody,
}

/// The body of an [`ErrorJson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code ([`ErrorCode::as_str`](crate::ErrorCode::as_str)).
    pub code: String,
    /// The message a person reads.
    pub message: String,
}

impl From<&Error> for ErrorJson {
    fn from(error: &Error) -> Self {
        Self {
            error: ErrorBody {
                code: error.code().as_str().to_owned(),
                message: error.to_string(),
            },
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
}
