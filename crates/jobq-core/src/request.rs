//! The arguments and answers of the [`Queue`](crate::Queue) operations.
//!
//! Arguments that have limits check them in their `validate` method, which every backend
//! calls first, so the rules are written once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName};
use crate::job::{JobState, LeaseToken};
use crate::limits::{MAX_ERROR_BYTES, MAX_TAKE, MAX_WORKER_CHARS};
use crate::time::Timestamp;

/// The longest lease a consumer may ask for.
pub const MAX_LEASE: Duration = Duration::from_secs(7 * 24 * 3600);

/// The longest a `take` may wait for a job.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// What [`take`](crate::Queue::take) asks for.
///
/// ```
/// use std::time::Duration;
/// use jobq_core::{QueueName, TakeRequest};
///
/// let req = TakeRequest::new(QueueName::new("images")?)
///     .max(10)
///     .lease(Duration::from_secs(60))
///     .wait(Duration::from_secs(5))
///     .worker("resizer-1");
/// # Ok::<(), jobq_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeRequest {
    /// The queue to take from.
    pub queue: QueueName,
    /// The most jobs to lease (default 1).
    pub max: usize,
    /// How long each lease lasts unless extended (default 30 s).
    pub lease: Duration,
    /// How long to wait for a job when none is ready (default 0: answer at once).
    pub wait: Duration,
    /// Who takes, recorded in the job's history.
    pub worker: Option<String>,
}

impl TakeRequest {
    /// The default lease time.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

    /// Take one job from `queue` with a 30 s lease, without waiting.
    pub fn new(queue: QueueName) -> Self {
        Self {
            queue,
            max: 1,
            lease: Self::DEFAULT_LEASE,
            wait: Duration::ZERO,
            worker: None,
        }
    }

    /// Sets the most jobs to lease.
    pub fn max(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// Sets the lease time.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how long to wait for a job.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Names the worker.
    pub fn worker(mut self, worker: impl Into<String>) -> Self {
        self.worker = Some(worker.into());
        self
    }

    /// Checks the limits: 1 to 10,000 jobs, a lease above zero and at most 7 days, a wait of
    /// at most a day, a worker name of at most 200 printable characters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the argument and its limit.
    pub fn validate(&self) -> Result<()> {
        if self.max == 0 || self.max > MAX_TAKE {
            return Err(Error::invalid(
                "max",
                format!("{}; take leases 1 to {MAX_TAKE} jobs", self.max),
            ));
        }
        validate_lease(self.lease)?;
        if self.wait > MAX_WAIT {
            return Err(Error::invalid(
                "wait",
                format!("{:?}; the longest wait is 24h", self.wait),
            ));
        }
        if let Some(worker) = &self.worker {
            validate_worker(worker)?;
        }
        Ok(())
    }
}

/// Checks a lease time: above zero, at most 7 days.
///
/// # Errors
///
/// [`Error::InvalidInput`] for `lease` naming the limit.
pub fn validate_lease(lease: Duration) -> Result<()> {
    if lease.is_zero() || lease > MAX_LEASE {
        return Err(Error::invalid(
            "lease",
            format!("{lease:?}; a lease lasts more than 0s and at most 7 days"),
        ));
    }
    Ok(())
}

fn validate_worker(worker: &str) -> Result<()> {
    let chars = worker.chars().count();
    if chars == 0 || chars > MAX_WORKER_CHARS || worker.chars().any(char::is_control) {
        return Err(Error::invalid(
            "worker",
            format!("a worker name is 1 to {MAX_WORKER_CHARS} printable characters"),
        ));
    }
    Ok(())
}

/// How an attempt ended, as a consumer reports it to [`settle`](crate::Queue::settle).
/// Not `#[non_exhaustive]`: every backend must handle every outcome, so a new one is a
/// deliberate, breaking change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job is done.
    Complete,
    /// The attempt failed with this error: the job is retried after a back-off while it has
    /// attempts left, else it is `failed`.
    Fail {
        /// What went wrong; kept as the job's `last_error` (its last 8 KiB).
        error: String,
    },
}

impl Outcome {
    /// A failed attempt with `error`.
    pub fn fail(error: impl Into<String>) -> Self {
        Outcome::Fail {
            error: error.into(),
        }
    }
}

/// One leased job's outcome, for [`settle`](crate::Queue::settle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The job.
    pub id: JobId,
    /// Its current lease.
    pub lease: LeaseToken,
    /// How the attempt ended.
    pub outcome: Outcome,
}

impl Settlement {
    /// The job `id`, leased with `lease`, is done.
    pub fn complete(id: JobId, lease: LeaseToken) -> Self {
        Self {
            id,
            lease,
            outcome: Outcome::Complete,
        }
    }

    /// The attempt of job `id`, leased with `lease`, failed with `error`.
    pub fn fail(id: JobId, lease: LeaseToken, error: impl Into<String>) -> Self {
        Self {
            id,
            lease,
            outcome: Outcome::fail(error),
        }
    }
}

/// Where a settled job went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    /// Its new state: `done`, `queued` (to be retried) or `failed`.
    pub state: JobState,
    /// When it runs again, when it went back to `queued`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
}

/// Which jobs [`resubmit`](crate::Queue::resubmit) or [`cancel`](crate::Queue::cancel) act
/// on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    /// Exactly these jobs. Every one must exist and be in a state the operation applies to,
    /// or nothing changes.
    Ids(Vec<JobId>),
    /// Every job in `state`, of one queue or of all.
    State {
        /// The state the jobs are in.
        state: JobState,
        /// Only this queue, or all queues.
        queue: Option<QueueName>,
    },
}

impl Select {
    /// One job.
    pub fn id(id: JobId) -> Self {
        Select::Ids(vec![id])
    }

    /// Checks that a [`Select::State`] names a state in `allowed`, for operation `action`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the state and the states `action` applies to.
    pub fn validate(&self, action: &str, allowed: &[JobState]) -> Result<()> {
        if let Select::State { state, .. } = self
            && !allowed.contains(state)
        {
            let names: Vec<_> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(Error::invalid(
                "state",
                format!(
                    "{action} applies to {} jobs, not {state}",
                    names.join(" or ")
                ),
            ));
        }
        Ok(())
    }
}

/// The jobs a [`Select::Ids`] names, each once in the order named, as the keys `found`
/// gives for them (what a backend read of those ids: id → its key and state). Backends call
/// this between reading and writing, so that the rules are written once.
///
/// # Errors
///
/// [`Error::NotFound`] or [`Error::InvalidState`] for the first id that is unknown or not in
/// a state of `from`, for operation `action` (which applies to `allowed` jobs).
pub fn pick_ids<K: Copy>(
    ids: &[JobId],
    found: &HashMap<String, (K, JobState)>,
    from: &[JobState],
    action: &'static str,
    allowed: &'static str,
) -> Result<Vec<K>> {
    let mut seen = HashSet::new();
    let mut keys = Vec::with_capacity(ids.len());
    for id in ids.iter().filter(|id| seen.insert(*id)) {
        let &(key, state) = found
            .get(id.as_str())
            .ok_or_else(|| Error::NotFound { id: id.clone() })?;
        if !from.contains(&state) {
            return Err(Error::InvalidState {
                id: id.clone(),
                state,
                action,
                allowed,
            });
        }
        keys.push(key);
    }
    Ok(keys)
}

/// What [`list`](crate::Queue::list) returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Only this queue.
    pub queue: Option<QueueName>,
    /// Only this state.
    pub state: Option<JobState>,
    /// At most this many jobs (default 100, at most 10,000).
    pub limit: usize,
    /// Oldest submitted first instead of newest first.
    pub oldest_first: bool,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            queue: None,
            state: None,
            limit: 100,
            oldest_first: false,
        }
    }
}

impl ListQuery {
    /// Checks the limit: 1 to 10,000.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for `limit`.
    pub fn validate(&self) -> Result<()> {
        if self.limit == 0 || self.limit > 10_000 {
            return Err(Error::invalid(
                "limit",
                format!("{}; list returns 1 to 10000 jobs", self.limit),
            ));
        }
        Ok(())
    }
}

/// What [`purge`](crate::Queue::purge) deletes: finished jobs in `state` whose last change is
/// at least `older_than` ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeQuery {
    /// `done`, `failed` or `cancelled`.
    pub state: JobState,
    /// Only jobs whose state last changed at least this long ago (zero: all).
    pub older_than: Duration,
    /// Only this queue, or all.
    pub queue: Option<QueueName>,
}

impl PurgeQuery {
    /// Checks that the state is a finished one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for `state`.
    pub fn validate(&self) -> Result<()> {
        if !self.state.is_finished() {
            return Err(Error::invalid(
                "state",
                format!(
                    "{}; only finished jobs (done, failed, cancelled) can be purged",
                    self.state
                ),
            ));
        }
        Ok(())
    }
}

/// Counts of jobs by state in one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    /// Waiting, now or later.
    pub queued: u64,
    /// Leased.
    pub running: u64,
    /// Done.
    pub done: u64,
    /// Failed.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
}

impl QueueCounts {
    /// The count for `state`.
    pub fn get(&self, state: JobState) -> u64 {
        match state {
            JobState::Queued => self.queued,
            JobState::Running => self.running,
            JobState::Done => self.done,
            JobState::Failed => self.failed,
            JobState::Cancelled => self.cancelled,
        }
    }

    /// The count for `state`, to change.
    pub fn get_mut(&mut self, state: JobState) -> &mut u64 {
        match state {
            JobState::Queued => &mut self.queued,
            JobState::Running => &mut self.running,
            JobState::Done => &mut self.done,
            JobState::Failed => &mut self.failed,
            JobState::Cancelled => &mut self.cancelled,
        }
    }

    /// All jobs of the queue.
    pub fn total(&self) -> u64 {
        JobState::ALL.into_iter().map(|s| self.get(s)).sum()
    }
}

/// Counts of jobs by queue and state, as [`stats`](crate::Queue::stats) returns them.
/// In JSON: `{"queues":{"NAME":{"queued":N,"running":N,"done":N,"failed":N,"cancelled":N}}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Each queue that holds jobs, by name.
    pub queues: BTreeMap<QueueName, QueueCounts>,
}

/// Cuts error text to its last 8 KiB (at a character boundary), where a failing program
/// usually says what went wrong.
pub fn truncate_error(error: &str) -> &str {
    if error.len() <= MAX_ERROR_BYTES {
        return error;
    }
    let mut start = error.len() - MAX_ERROR_BYTES;
    while !error.is_char_boundary(start) {
        start += 1;
    }
    &error[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_limits_name_the_argument() {
        let q = QueueName::default();
        assert!(TakeRequest::new(q.clone()).validate().is_ok());
        let zero = TakeRequest::new(q.clone()).max(0).validate().unwrap_err();
        assert!(zero.to_string().starts_with("invalid max"), "{zero}");
        let lease = TakeRequest::new(q.clone())
            .lease(Duration::ZERO)
            .validate()
            .unwrap_err();
        assert!(lease.to_string().starts_with("invalid lease"), "{lease}");
        let worker = TakeRequest::new(q).worker("a\tb").validate().unwrap_err();
        assert!(worker.to_string().starts_with("invalid worker"), "{worker}");
    }

    #[test]
    fn purge_only_finished_states() {
        let q = PurgeQuery {
            state: JobState::Queued,
            older_than: Duration::ZERO,
            queue: None,
        };
        let err = q.validate().unwrap_err().to_string();
        assert!(err.contains("only finished jobs"), "{err}");
    }

    #[test]
    fn select_state_must_fit_the_action() {
        let s = Select::State {
            state: JobState::Done,
            queue: None,
        };
        let err = s
            .validate("resubmit", &[JobState::Failed, JobState::Cancelled])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid state: resubmit applies to failed or cancelled jobs, not done"
        );
    }

    #[test]
    fn long_errors_keep_their_end() {
        let text = format!("{}THE END", "é".repeat(10_000));
        let cut = truncate_error(&text);
        assert!(cut.len() <= MAX_ERROR_BYTES);
        assert!(cut.ends_with("THE END"));
    }
}
