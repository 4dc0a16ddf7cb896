//! The bodies of the HTTP API (SPEC section 5), shared by the server that reads them and
//! the client that writes them, so the two cannot disagree.
//!
//! Requests carry names and ids as plain strings and are checked when they are turned into
//! the model's types (`into_*` methods), so that a bad one is refused naming the argument
//! (`id`, `queue name`, `lease` …) rather than as "malformed JSON". Unknown keys are refused
//! too: a misspelt `max_attempt` must not be silently ignored.
//!
//! Durations are numbers of milliseconds (`lease_ms`, `wait_ms`, `delay_ms`,
//! `older_than_ms`); fractions are allowed and kept to the microsecond, so a client loses
//! nothing a local store would keep. Answers reuse the shapes of [`wire`](crate::wire).
//!
//! # Layout
//!
//! - this module: durations, submitting and taking;
//! - `settle`: complete, fail, extend and settling in batches;
//! - `manage`: resubmit, cancel, purge and the list of jobs.
//! - `schedule`: periodic jobs.

mod manage;
mod schedule;
mod settle;

pub use manage::{
    CancelledAnswer, JobsAnswer, PurgeBody, PurgedAnswer, ResubmittedAnswer, SelectBody,
};
pub use schedule::{
    ScheduleBody, ScheduleItem, ScheduleRemovedAnswer, ScheduleSetAnswer, SchedulesAnswer,
};
pub use settle::{
    CompleteBody, ExtendBody, ExtendedAnswer, FailBody, OutcomeName, SettleAnswer, SettleBody,
    SettleResult, SettledAnswer, SettlementBody,
};

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName};
use crate::job::{NewJob, RunAt};
use crate::request::TakeRequest;
use crate::time::Timestamp;
use crate::wire::LeasedJson;

/// The largest duration the API accepts, in milliseconds (about 31,700 years).
const MAX_MILLIS: f64 = 1e15;

/// Reads a duration in milliseconds (fractions allowed, kept to the microsecond).
///
/// # Errors
///
/// [`Error::InvalidInput`] for `field` when `ms` is negative, not finite or above 1e15.
pub fn millis(field: &'static str, ms: f64) -> Result<Duration> {
    if !ms.is_finite() || !(0.0..=MAX_MILLIS).contains(&ms) {
        return Err(Error::invalid(
            field,
            format!("{ms}; a duration is a number of milliseconds from 0 to 1e15"),
        ));
    }
    // In range and finite, so the cast neither truncates nor saturates.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Duration::from_micros((ms * 1000.0).round() as u64))
}

/// Writes a duration in milliseconds, keeping its microseconds.
#[allow(clippy::cast_precision_loss)]
pub fn to_millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// A job to submit: `POST /v1/queues/{queue}/jobs`, and each job of a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitBody {
    /// The job's id: 1 to 2000 characters, no control characters. Omit it for a generated,
    /// time-ordered one. An id that exists is refused (409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 2000,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
        )
    )]
    pub id: Option<String>,
    /// The queue. In `POST /v1/submit` it chooses the queue (default `default`); under
    /// `/v1/queues/{queue}` it may only repeat the path's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)
    )]
    pub queue: Option<String>,
    /// The payload as text. Give this or `payload_base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The payload as base64 (standard alphabet, padded), for bytes that are not text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
    /// Higher runs first (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Ready this many milliseconds after it is submitted (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub delay_ms: Option<f64>,
    /// Ready at this time (RFC 3339) instead; not with `delay_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_at: Option<Timestamp>,
    /// How many attempts it gets (default 3, at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_attempts: Option<u32>,
}

impl SubmitBody {
    /// The body that submits `job`. Text goes as `payload` unless it holds control
    /// characters (which JSON would inflate sixfold), everything else as `payload_base64`.
    pub fn from_job(job: &NewJob) -> Self {
        let (payload, payload_base64) = encode_payload(&job.payload);
        let (delay_ms, run_at) = match job.run_at {
            RunAt::Now => (None, None),
            RunAt::After(d) => (Some(to_millis(d)), None),
            RunAt::At(t) => (None, Some(t)),
        };
        Self {
            id: job.id.as_ref().map(|id| id.as_str().to_owned()),
            queue: Some(job.queue.as_str().to_owned()),
            payload,
            payload_base64,
            priority: (job.priority != 0).then_some(job.priority),
            delay_ms,
            run_at,
            max_attempts: Some(job.max_attempts),
        }
    }

    /// The job this body describes, in `queue` unless the body names one; with
    /// `path_queue`, the body may only repeat it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the argument: a bad id or queue name, no payload or
    /// both forms, bad base64, a bad delay, both `delay_ms` and `run_at`, a queue that
    /// differs from the path's.
    pub fn into_job(self, path_queue: Option<&QueueName>) -> Result<NewJob> {
        let queue = match (self.queue, path_queue) {
            (None, Some(path)) => path.clone(),
            (None, None) => QueueName::default(),
            (Some(name), path) => {
                let named = QueueName::new(name)?;
                if let Some(path) = path.filter(|p| **p != named) {
                    return Err(Error::invalid(
                        "queue name",
                        format!("the body names queue {named:?} but the path names {path:?}"),
                    ));
                }
                named
            }
        };
        let payload = decode_payload(self.payload, self.payload_base64, true)?;
        let mut job = NewJob::new(payload)
            .queue(queue)
            .priority(self.priority.unwrap_or(0))
            .max_attempts(self.max_attempts.unwrap_or(NewJob::DEFAULT_MAX_ATTEMPTS));
        if let Some(id) = self.id {
            job = job.id(JobId::new(id)?);
        }
        match (self.delay_ms, self.run_at) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "run_at",
                    "give delay_ms or run_at, not both",
                ));
            }
            (Some(ms), None) => job = job.delay(millis("delay_ms", ms)?),
            (None, Some(at)) => job = job.run_at(at),
            (None, None) => {}
        }
        Ok(job)
    }
}

/// A payload as the API writes it: text as `payload` unless it holds control characters
/// (which JSON would inflate sixfold), everything else as `payload_base64`.
pub(crate) fn encode_payload(bytes: &[u8]) -> (Option<String>, Option<String>) {
    let text = std::str::from_utf8(bytes).ok().filter(|t| {
        !t.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    });
    match text {
        Some(text) => (Some(text.to_owned()), None),
        None => (None, Some(BASE64.encode(bytes))),
    }
}

/// A payload as the API reads it: `payload` (text) or `payload_base64`, not both; neither
/// is an empty payload unless `required`.
///
/// # Errors
///
/// [`Error::InvalidInput`] for both forms, bad base64, or neither when `required`.
pub(crate) fn decode_payload(
    text: Option<String>,
    base64: Option<String>,
    required: bool,
) -> Result<Vec<u8>> {
    match (text, base64) {
        (Some(text), None) => Ok(text.into_bytes()),
        (None, Some(b64)) => BASE64.decode(b64.as_bytes()).map_err(|e| {
            Error::invalid(
                "payload_base64",
                format!("not base64 (standard, padded): {e}"),
            )
        }),
        (None, None) if !required => Ok(Vec::new()),
        (None, None) => Err(Error::invalid(
            "payload",
            "missing; give the payload as \"payload\" (text) or \"payload_base64\"",
        )),
        (Some(_), Some(_)) => Err(Error::invalid(
            "payload",
            "give \"payload\" or \"payload_base64\", not both",
        )),
    }
}

/// Many jobs, all or none: `POST /v1/queues/{queue}/jobs/batch` and `POST /v1/submit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchBody {
    /// The jobs, in order.
    pub jobs: Vec<SubmitBody>,
}

/// The answer to a submission: the new job's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdAnswer {
    /// The job's id.
    pub id: JobId,
}

/// The answer to a batch: the jobs' ids, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdsAnswer {
    /// The ids, in the order of the batch.
    pub ids: Vec<JobId>,
}

/// `POST /v1/queues/{queue}/take`: every key is optional (an empty body takes one job with
/// a 30 s lease, without waiting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TakeBody {
    /// Who takes, recorded in the jobs' history (1 to 200 printable characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// The most jobs to lease, 1 to 10,000 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub max: Option<u64>,
    /// How long each lease lasts, in milliseconds (default 30,000; at most 7 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub lease_ms: Option<f64>,
    /// How long to wait for a job when none is ready (a long poll), in milliseconds
    /// (default 0; at most a day). The answer comes as soon as a job is ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub wait_ms: Option<f64>,
}

impl TakeBody {
    /// The body that asks for `req` (without its queue, which is in the path).
    pub fn from_request(req: &TakeRequest) -> Self {
        Self {
            worker: req.worker.clone(),
            max: Some(req.max as u64),
            lease_ms: Some(to_millis(req.lease)),
            wait_ms: (!req.wait.is_zero()).then(|| to_millis(req.wait)),
        }
    }

    /// The request for `queue`, checked ([`TakeRequest::validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the argument out of its limits.
    pub fn into_request(self, queue: QueueName) -> Result<TakeRequest> {
        let mut req = TakeRequest::new(queue);
        if let Some(max) = self.max {
            req = req.max(usize::try_from(max).unwrap_or(usize::MAX));
        }
        if let Some(ms) = self.lease_ms {
            req = req.lease(millis("lease", ms)?);
        }
        if let Some(ms) = self.wait_ms {
            req = req.wait(millis("wait", ms)?);
        }
        if let Some(worker) = self.worker {
            req = req.worker(worker);
        }
        req.validate()?;
        Ok(req)
    }
}

/// The answer to a take: the leased jobs, none when none was ready in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TakeAnswer {
    /// The leased jobs, in the order they were taken.
    pub jobs: Vec<LeasedJson>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_microseconds() {
        for micros in [0, 1, 999, 90_000_001, 3_600_000_001, 86_400_000_000] {
            let d = Duration::from_micros(micros);
            let text = serde_json::to_string(&to_millis(d)).unwrap();
            let back: f64 = serde_json::from_str(&text).unwrap();
            assert_eq!(millis("x", back).unwrap(), d, "{text}");
        }
        for bad in [-1.0, f64::NAN, f64::INFINITY, 2e15] {
            assert!(millis("wait", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn submit_body_round_trips_a_job() {
        let job = NewJob::new(vec![0xff, 0, 7])
            .id(JobId::new("a/b").unwrap())
            .queue(QueueName::new("q1").unwrap())
            .priority(-4)
            .delay(Duration::from_micros(1_500))
            .max_attempts(2);
        let body = SubmitBody::from_job(&job);
        assert!(body.payload.is_none() && body.payload_base64.is_some());
        assert_eq!(body.into_job(None).unwrap(), job);
        let text = SubmitBody::from_job(&NewJob::new("héllo\n"));
        assert_eq!(text.payload.as_deref(), Some("héllo\n"));
    }

    #[test]
    fn submit_body_names_what_is_wrong() {
        let q = QueueName::new("path").unwrap();
        let cases = [
            (SubmitBody::default(), "payload"),
            (
                SubmitBody {
                    payload: Some("x".into()),
                    payload_base64: Some("eA==".into()),
                    ..SubmitBody::default()
                },
                "payload",
            ),
            (
                SubmitBody {
                    payload_base64: Some("***".into()),
                    ..SubmitBody::default()
                },
                "payload_base64",
            ),
            (
                SubmitBody {
                    payload: Some("x".into()),
                    id: Some(String::new()),
                    ..SubmitBody::default()
                },
                "id",
            ),
            (
                SubmitBody {
                    payload: Some("x".into()),
                    queue: Some("other".into()),
                    ..SubmitBody::default()
                },
                "queue name",
            ),
            (
                SubmitBody {
                    payload: Some("x".into()),
                    delay_ms: Some(-5.0),
                    ..SubmitBody::default()
                },
                "delay_ms",
            ),
        ];
        for (body, field) in cases {
            match body.clone().into_job(Some(&q)) {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{body:?}"),
                other => panic!("{body:?}: {other:?}"),
            }
        }
        let unknown = serde_json::from_str::<SubmitBody>(r#"{"payload":"x","max_attempt":2}"#);
        assert!(unknown.unwrap_err().to_string().contains("max_attempt"));
    }
}
