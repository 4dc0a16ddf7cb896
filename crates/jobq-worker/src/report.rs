//! What a worker tells about its work: a [`Report`] per attempt and a [`Summary`] per run.

use std::time::Duration;

use jobq_core::{JobId, QueueName, Timestamp};

/// How one attempt ended, as the worker saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ended {
    /// The handler succeeded and the job is `done`.
    Done,
    /// The handler failed; the job runs again at `at`.
    Retry {
        /// When the next attempt may start.
        at: Timestamp,
        /// The handler's error.
        error: String,
    },
    /// The handler failed on the job's last attempt; the job is `failed`.
    Failed {
        /// The handler's error.
        error: String,
    },
    /// The lease was lost before the attempt could be settled (the worker was stalled past
    /// it): the job went back to the queue as a new attempt, and the handler was stopped.
    LeaseLost {
        /// Why, as the queue said.
        reason: String,
    },
    /// The store could not be reached to settle the attempt before its lease ran out; the
    /// job runs again when the lease expires.
    Unsettled {
        /// The last error met.
        error: String,
    },
}

impl Ended {
    /// A short name: `done`, `retry`, `failed`, `lease_lost`, `unsettled`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Ended::Done => "done",
            Ended::Retry { .. } => "retry",
            Ended::Failed { .. } => "failed",
            Ended::LeaseLost { .. } => "lease_lost",
            Ended::Unsettled { .. } => "unsettled",
        }
    }
}

/// One attempt a worker ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The job.
    pub id: JobId,
    /// Its queue.
    pub queue: QueueName,
    /// Which attempt it was, from 1.
    pub attempt: u32,
    /// How many attempts the job gets.
    pub max_attempts: u32,
    /// How it ended.
    pub ended: Ended,
    /// How long the handler ran.
    pub elapsed: Duration,
}

/// Counts of the attempts a worker ran, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Completed.
    pub done: u64,
    /// Failed, to be retried.
    pub retried: u64,
    /// Failed for good.
    pub failed: u64,
    /// Lost their lease, or could not be settled.
    pub lost: u64,
}

impl Summary {
    /// Counts `ended`.
    pub fn add(&mut self, ended: &Ended) {
        match ended {
            Ended::Done => self.done += 1,
            Ended::Retry { .. } => self.retried += 1,
            Ended::Failed { .. } => self.failed += 1,
            Ended::LeaseLost { .. } | Ended::Unsettled { .. } => self.lost += 1,
        }
    }

    /// Every attempt counted.
    pub fn total(&self) -> u64 {
        self.done + self.retried + self.failed + self.lost
    }
}
