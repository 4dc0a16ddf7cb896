//! Jobs: what a producer submits ([`NewJob`]), what a consumer is handed ([`LeasedJob`]),
//! what the store holds ([`Job`]) and its history ([`Event`]).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName};
use crate::limits::Limits;
use crate::time::Timestamp;

/// Where a job is in its life.
///
/// ```text
/// queued ──take──▶ running ──complete──▶ done
///   ▲ │              │
///   │ │              ├─fail / lease expired, attempts left (back-off)──▶ queued
///   │ │              └─fail / lease expired, none left──▶ failed
///   │ └─cancel──▶ cancelled
///   └──────resubmit── failed, cancelled
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobState {
    /// Waiting to be taken, now or at its `run_at`.
    Queued,
    /// Leased to a consumer.
    Running,
    /// Completed. Final.
    Done,
    /// Failed its last attempt; a manager may resubmit it.
    Failed,
    /// Cancelled before it ran; may be resubmitted.
    Cancelled,
}

impl JobState {
    /// Every state, in the order of the life of a job.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The state's name: `queued`, `running`, `done`, `failed`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Whether the job has stopped moving by itself (`done`, `failed`, `cancelled`); only
    /// these may be purged.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "state",
                    format!("{s:?}; expected queued, running, done, failed or cancelled"),
                )
            })
    }
}

/// When a new job becomes ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunAt {
    /// As soon as it is submitted.
    #[default]
    Now,
    /// This long after it is submitted, by the store's clock.
    After(Duration),
    /// At this time (periodic jobs run at their tick time).
    At(Timestamp),
}

impl RunAt {
    /// The time this resolves to when submitted at `now`.
    pub fn resolve(self, now: Timestamp) -> Timestamp {
        match self {
            RunAt::Now => now,
            RunAt::After(d) => now + d,
            RunAt::At(t) => t,
        }
    }
}

/// A job to submit, built with its methods.
///
/// ```
/// use std::time::Duration;
/// use jobq_core::{JobId, NewJob, QueueName};
///
/// let job = NewJob::new("resize photo 17")
///     .id(JobId::new("photo-17")?)
///     .queue(QueueName::new("images")?)
///     .priority(5)
///     .delay(Duration::from_secs(10))
///     .max_attempts(5);
/// # Ok::<(), jobq_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The id, or `None` for a generated one.
    pub id: Option<JobId>,
    /// The queue (default `default`).
    pub queue: QueueName,
    /// The payload: bytes jobq never looks inside.
    pub payload: Vec<u8>,
    /// Higher runs first (default 0).
    pub priority: i32,
    /// When it becomes ready (default now).
    pub run_at: RunAt,
    /// How many attempts it gets before it is `failed` (default 3, at least 1).
    pub max_attempts: u32,
}

impl NewJob {
    /// The default number of attempts.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

    /// A job carrying `payload`, with every default: generated id, queue `default`,
    /// priority 0, ready now, 3 attempts.
    pub fn new(payload: impl Into<Vec<u8>>) -> Self {
        Self {
            id: None,
            queue: QueueName::default(),
            payload: payload.into(),
            priority: 0,
            run_at: RunAt::Now,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Sets the id (making the submission idempotent).
    pub fn id(mut self, id: JobId) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the queue.
    pub fn queue(mut self, queue: QueueName) -> Self {
        self.queue = queue;
        self
    }

    /// Sets the priority: higher runs first.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Makes the job ready `delay` after it is submitted.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.run_at = RunAt::After(delay);
        self
    }

    /// Makes the job ready at `at`.
    pub fn run_at(mut self, at: Timestamp) -> Self {
        self.run_at = RunAt::At(at);
        self
    }

    /// Sets how many attempts the job gets.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Checks what the builder cannot: the payload size against `limits`, and at least one
    /// attempt. Backends call this before they store anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the payload size and the limit, or the attempts.
    pub fn validate(&self, limits: &Limits) -> Result<()> {
        if self.payload.len() > limits.max_payload_bytes {
            return Err(Error::invalid(
                "payload",
                format!(
                    "{} bytes, the limit is {} bytes",
                    self.payload.len(),
                    limits.max_payload_bytes
                ),
            ));
        }
        if self.max_attempts == 0 {
            return Err(Error::invalid("max_attempts", "must be at least 1"));
        }
        Ok(())
    }
}

/// The proof that a consumer holds a job: opaque, new for every attempt. `complete`, `fail`
/// and `extend` must present the job's current token.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaseToken(String);

impl LeaseToken {
    /// Wraps a token's text (as read back from the command line or the HTTP API).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `token` is empty or longer than 200 characters; no
    /// backend issues such tokens.
    pub fn new(token: impl Into<String>) -> Result<Self> {
        let token = token.into();
        if token.is_empty() || token.chars().count() > 200 {
            return Err(Error::invalid(
                "lease",
                "a lease token is 1 to 200 characters, as returned by take",
            ));
        }
        Ok(Self(token))
    }

    /// A new random token (128 bits, in hex).
    pub fn generate() -> Self {
        Self(format!("{:032x}", rand::random::<u128>()))
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job handed to a consumer by [`take`](crate::Queue::take), with its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasedJob {
    /// The job's id.
    pub id: JobId,
    /// Its queue.
    pub queue: QueueName,
    /// Its payload.
    pub payload: Vec<u8>,
    /// Its priority.
    pub priority: i32,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// How many attempts it gets.
    pub max_attempts: u32,
    /// The lease to present to `complete`, `fail` and `extend`.
    pub lease: LeaseToken,
    /// When the lease runs out unless extended.
    pub lease_until: Timestamp,
}

/// A job as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The id.
    pub id: JobId,
    /// The queue.
    pub queue: QueueName,
    /// The state.
    pub state: JobState,
    /// The payload.
    pub payload: Vec<u8>,
    /// The priority: higher runs first.
    pub priority: i32,
    /// When it is (or was) ready to run.
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
    /// Who holds it, while `running`.
    pub worker: Option<String>,
    /// When the current lease runs out, while `running`.
    pub lease_until: Option<Timestamp>,
}

/// A job with its whole history, as [`status`](crate::Queue::status) returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    /// The job.
    pub job: Job,
    /// Every transition, oldest first.
    pub history: Vec<Event>,
}

/// What happened to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// Submitted (to `queued`).
    Submitted,
    /// Taken by a consumer (to `running`).
    Taken,
    /// Completed (to `done`).
    Completed,
    /// An attempt failed (to `queued` for a retry, or `failed`).
    Failed,
    /// A lease ran out before the consumer finished (to `queued` or `failed`).
    LeaseExpired,
    /// Resubmitted by a manager (to `queued`).
    Resubmitted,
    /// Cancelled (to `cancelled`).
    Cancelled,
}

impl EventKind {
    /// The event's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Taken => "taken",
            EventKind::Completed => "completed",
            EventKind::Failed => "failed",
            EventKind::LeaseExpired => "lease_expired",
            EventKind::Resubmitted => "resubmitted",
            EventKind::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        [
            EventKind::Submitted,
            EventKind::Taken,
            EventKind::Completed,
            EventKind::Failed,
            EventKind::LeaseExpired,
            EventKind::Resubmitted,
            EventKind::Cancelled,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == s)
        .ok_or_else(|| Error::invalid("event", format!("unknown event kind {s:?}")))
    }
}

/// One transition in a job's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
    /// The state the job went to.
    pub state: JobState,
    /// The attempt it concerned (0 before the first take).
    pub attempt: u32,
    /// The worker involved, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// The error, for a failed attempt or an expired lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_payload_names_size_and_limit() {
        let limits = Limits {
            max_payload_bytes: 4,
        };
        assert!(NewJob::new("1234").validate(&limits).is_ok());
        let err = NewJob::new("12345").validate(&limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid payload: 5 bytes, the limit is 4 bytes"
        );
    }

    #[test]
    fn zero_attempts_is_refused() {
        let err = NewJob::new("x")
            .max_attempts(0)
            .validate(&Limits::default())
            .unwrap_err();
        assert!(err.to_string().contains("max_attempts"), "{err}");
    }

    #[test]
    fn states_parse_and_print() {
        for state in JobState::ALL {
            assert_eq!(state.as_str().parse::<JobState>().unwrap(), state);
        }
        let err = "finished".parse::<JobState>().unwrap_err().to_string();
        assert!(err.contains("\"finished\""), "{err}");
    }

    #[test]
    fn lease_tokens_are_fresh() {
        assert_ne!(LeaseToken::generate(), LeaseToken::generate());
        assert!(LeaseToken::new("").is_err());
    }
}
