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

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName};
use crate::job::{JobState, LeaseToken, NewJob, RunAt};
use crate::request::{Outcome, PurgeQuery, Select, Settled, Settlement, TakeRequest};
use crate::time::Timestamp;
use crate::wire::{ErrorBody, JobJson, LeasedJson};

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
        let text = std::str::from_utf8(&job.payload).ok().filter(|t| {
            !t.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        });
        let (delay_ms, run_at) = match job.run_at {
            RunAt::Now => (None, None),
            RunAt::After(d) => (Some(to_millis(d)), None),
            RunAt::At(t) => (None, Some(t)),
        };
        Self {
            id: job.id.as_ref().map(|id| id.as_str().to_owned()),
            queue: Some(job.queue.as_str().to_owned()),
            payload: text.map(str::to_owned),
            payload_base64: text.is_none().then(|| BASE64.encode(&job.payload)),
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
        let payload = match (self.payload, self.payload_base64) {
            (Some(text), None) => text.into_bytes(),
            (None, Some(b64)) => BASE64.decode(b64.as_bytes()).map_err(|e| {
                Error::invalid(
                    "payload_base64",
                    format!("not base64 (standard, padded): {e}"),
                )
            })?,
            (None, None) => {
                return Err(Error::invalid(
                    "payload",
                    "missing; give the payload as \"payload\" (text) or \"payload_base64\"",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "payload",
                    "give \"payload\" or \"payload_base64\", not both",
                ));
            }
        };
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

/// `POST /v1/jobs/{id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteBody {
    /// The lease token the take handed out.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
}

/// `POST /v1/jobs/{id}/fail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailBody {
    /// The lease token the take handed out.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
    /// What went wrong, kept as the job's `last_error` (its last 8 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /v1/jobs/{id}/extend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtendBody {
    /// The lease token the take handed out.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
    /// The lease then ends this many milliseconds from now (default 30,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub lease_ms: Option<f64>,
}

/// Where a settled job went: the answer to complete and fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettledAnswer {
    /// The job.
    pub id: JobId,
    /// Its new state: `done`, `queued` (to be retried) or `failed`.
    pub state: JobState,
    /// When it runs again, when it went back to `queued`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
}

/// The answer to extend: when the lease now ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtendedAnswer {
    /// The job.
    pub id: JobId,
    /// When the lease ends unless extended again.
    pub lease_until: Timestamp,
}

/// How an attempt ended, in a [`SettlementBody`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OutcomeName {
    /// The job is done.
    Complete,
    /// The attempt failed.
    Fail,
}

/// One settlement of `POST /v1/settle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettlementBody {
    /// The job.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 2000,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
        )
    )]
    pub id: String,
    /// Its current lease token.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
    /// `complete` or `fail`.
    pub outcome: OutcomeName,
    /// With `fail`: what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&Settlement> for SettlementBody {
    fn from(s: &Settlement) -> Self {
        let (outcome, error) = match &s.outcome {
            Outcome::Complete => (OutcomeName::Complete, None),
            Outcome::Fail { error } => (OutcomeName::Fail, Some(error.clone())),
        };
        Self {
            id: s.id.as_str().to_owned(),
            lease: s.lease.as_str().to_owned(),
            outcome,
            error,
        }
    }
}

impl SettlementBody {
    /// The settlement.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a bad id or lease token, or an `error` with `complete`.
    pub fn into_settlement(self) -> Result<Settlement> {
        let id = JobId::new(self.id)?;
        let lease = LeaseToken::new(self.lease)?;
        match (self.outcome, self.error) {
            (OutcomeName::Complete, None) => Ok(Settlement::complete(id, lease)),
            (OutcomeName::Complete, Some(_)) => Err(Error::invalid(
                "error",
                "only a failed attempt has an error; drop it or use outcome \"fail\"",
            )),
            (OutcomeName::Fail, error) => Ok(Settlement::fail(
                id,
                lease,
                error.unwrap_or_else(|| "failed".to_owned()),
            )),
        }
    }
}

/// `POST /v1/settle`: how many leased attempts ended, each settled by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleBody {
    /// The settlements, 1 to 10,000.
    pub settlements: Vec<SettlementBody>,
}

/// One result of `POST /v1/settle`: where the job went, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleResult {
    /// Where the job went, when it was settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// When it runs again, when it went back to `queued`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
    /// Why it was refused (`not_found`, `lease_lost`), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl From<&Result<Settled>> for SettleResult {
    fn from(result: &Result<Settled>) -> Self {
        match result {
            Ok(settled) => Self {
                state: Some(settled.state),
                retry_at: settled.retry_at,
                error: None,
            },
            Err(e) => Self {
                state: None,
                retry_at: None,
                error: Some(ErrorBody::from(e)),
            },
        }
    }
}

impl SettleResult {
    /// The result as the [`Queue`](crate::Queue) trait gives it; `context` names the server.
    pub fn into_result(self, context: &str) -> Result<Settled> {
        match (self.error, self.state) {
            (Some(error), _) => Err(error.into_error(context)),
            (None, Some(state)) => Ok(Settled {
                state,
                retry_at: self.retry_at,
            }),
            (None, None) => Err(Error::backend(
                context.to_owned(),
                "a settle result with neither a state nor an error",
            )),
        }
    }
}

/// The answer to `POST /v1/settle`: one result per settlement, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleAnswer {
    /// The results, in the order of the settlements.
    pub results: Vec<SettleResult>,
}

/// Which jobs `POST /v1/resubmit` or `POST /v1/cancel` act on: `ids`, or every job in
/// `state` (of `queue`, or of all queues).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectBody {
    /// Exactly these jobs: all must exist and be in a state the operation applies to, or
    /// nothing changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Every job in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// With `state`: only this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

impl From<&Select> for SelectBody {
    fn from(select: &Select) -> Self {
        match select {
            Select::Ids(ids) => Self {
                ids: Some(ids.iter().map(|id| id.as_str().to_owned()).collect()),
                ..Self::default()
            },
            Select::State { state, queue } => Self {
                ids: None,
                state: Some(*state),
                queue: queue.as_ref().map(|q| q.as_str().to_owned()),
            },
        }
    }
}

impl SelectBody {
    /// The selection.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for both or neither of `ids` and `state`, `queue` without
    /// `state`, a bad id or queue name.
    pub fn into_select(self) -> Result<Select> {
        match (self.ids, self.state) {
            (Some(ids), None) if self.queue.is_none() => Ok(Select::Ids(
                ids.into_iter().map(JobId::new).collect::<Result<_>>()?,
            )),
            (None, Some(state)) => Ok(Select::State {
                state,
                queue: self.queue.map(QueueName::new).transpose()?,
            }),
            (Some(_), None) => Err(Error::invalid(
                "select",
                "\"queue\" goes with \"state\", not with \"ids\"",
            )),
            _ => Err(Error::invalid(
                "select",
                "give \"ids\" (a list of job ids) or \"state\" (with an optional \"queue\"), not both",
            )),
        }
    }
}

/// The answer to resubmit: how many jobs went back to `queued`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResubmittedAnswer {
    /// How many.
    pub resubmitted: u64,
}

/// The answer to cancel: how many jobs were cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelledAnswer {
    /// How many.
    pub cancelled: u64,
}

/// `POST /v1/purge`: delete finished jobs in `state` (of `queue`, or all queues) whose
/// state last changed at least `older_than_ms` ago.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurgeBody {
    /// `done`, `failed` or `cancelled`.
    pub state: JobState,
    /// Only jobs finished at least this many milliseconds ago (default 0: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub older_than_ms: Option<f64>,
    /// Only this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

impl From<&PurgeQuery> for PurgeBody {
    fn from(q: &PurgeQuery) -> Self {
        Self {
            state: q.state,
            older_than_ms: Some(to_millis(q.older_than)),
            queue: q.queue.as_ref().map(|q| q.as_str().to_owned()),
        }
    }
}

impl PurgeBody {
    /// The query, checked ([`PurgeQuery::validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a state that is not finished, a bad duration or queue.
    pub fn into_query(self) -> Result<PurgeQuery> {
        let query = PurgeQuery {
            state: self.state,
            older_than: millis("older_than_ms", self.older_than_ms.unwrap_or(0.0))?,
            queue: self.queue.map(QueueName::new).transpose()?,
        };
        query.validate()?;
        Ok(query)
    }
}

/// The answer to purge: how many jobs were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurgedAnswer {
    /// How many.
    pub purged: u64,
}

/// The answer to `GET /v1/jobs`: jobs, without their history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobsAnswer {
    /// The jobs, newest submitted first unless `order=oldest`.
    pub jobs: Vec<JobJson>,
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

    #[test]
    fn select_body_needs_ids_or_state() {
        assert!(SelectBody::default().into_select().is_err());
        let both = SelectBody {
            ids: Some(vec!["a".into()]),
            state: Some(JobState::Failed),
            queue: None,
        };
        assert!(both.into_select().is_err());
        let select = Select::State {
            state: JobState::Failed,
            queue: Some(QueueName::new("q").unwrap()),
        };
        assert_eq!(SelectBody::from(&select).into_select().unwrap(), select);
    }
}
