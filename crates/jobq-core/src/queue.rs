//! The [`Queue`] trait: one API over every backend.

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName, ScheduleName};
use crate::job::{Job, JobStatus, LeaseToken, LeasedJob, NewJob};
use crate::request::{ListQuery, PurgeQuery, Select, Settled, Settlement, Stats, TakeRequest};
use crate::schedule::Schedule;
use crate::time::Timestamp;

/// A persistent job queue.
///
/// Every backend (the embedded SQLite file, PostgreSQL, a jobq server over HTTP) implements
/// these thirteen methods with the same behaviour, checked by one conformance suite
/// (`jobq-conformance`). The one-job conveniences ([`submit`](Queue::submit),
/// [`take_one`](Queue::take_one), [`complete`](Queue::complete), [`fail`](Queue::fail)) are
/// provided on top of the batched methods.
///
/// Handles are cheap to clone and safe to share between tasks.
///
/// # Guarantees
///
/// - A successful return means the change is durable (it survives a crash of any process).
/// - An error means nothing changed; see [`Error`] for the one exception.
/// - A job reaches `done` at most once; a lease that expired cannot complete it.
pub trait Queue: Send + Sync {
    /// Submits jobs, all or none, and returns their ids in order.
    ///
    /// # Errors
    ///
    /// [`Error::Duplicate`] when an id exists already (or twice in `jobs`);
    /// [`Error::InvalidInput`] for an oversized payload or zero attempts. Either way no job of
    /// the batch is stored.
    fn submit_batch(&self, jobs: Vec<NewJob>) -> impl Future<Output = Result<Vec<JobId>>> + Send;

    /// Leases up to `req.max` ready jobs of `req.queue`: highest priority first, then earliest
    /// `run_at`, then submission order. Waits up to `req.wait` for a first job when none is
    /// ready; returns an empty list when none came.
    ///
    /// A job whose lease expired is returned to its queue (or failed, when it has no
    /// attempts left) before it can be taken again, as a new attempt with a new lease.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the request breaks a limit (see
    /// [`TakeRequest::validate`]).
    fn take(&self, req: TakeRequest) -> impl Future<Output = Result<Vec<LeasedJob>>> + Send;

    /// Records how leased attempts ended. Each settlement succeeds or fails by itself: the
    /// answer has one result per settlement, in order.
    ///
    /// # Errors
    ///
    /// The outer error when the store could not be reached (nothing changed). Per
    /// settlement: [`Error::NotFound`] for an unknown job, [`Error::LeaseLost`] when the
    /// lease is not the job's current one or has expired.
    fn settle(
        &self,
        settlements: Vec<Settlement>,
    ) -> impl Future<Output = Result<Vec<Result<Settled>>>> + Send;

    /// Renews a lease so that it lasts `lease` from now, and returns when it now ends.
    /// Consumers call this as a heartbeat while they work.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::LeaseLost`], or [`Error::InvalidInput`] for a zero or
    /// too long `lease`.
    fn extend(
        &self,
        id: &JobId,
        lease: &LeaseToken,
        lease_for: Duration,
    ) -> impl Future<Output = Result<Timestamp>> + Send;

    /// Puts `failed` or `cancelled` jobs back to `queued`, ready now, with their attempts
    /// reset. Returns how many were resubmitted.
    ///
    /// # Errors
    ///
    /// With [`Select::Ids`]: [`Error::NotFound`] or [`Error::InvalidState`] for the first id
    /// that is unknown or not failed or cancelled, and nothing changes.
    fn resubmit(&self, which: Select) -> impl Future<Output = Result<u64>> + Send;

    /// Cancels `queued` jobs. Returns how many were cancelled.
    ///
    /// # Errors
    ///
    /// With [`Select::Ids`]: [`Error::NotFound`] or [`Error::InvalidState`] for the first id
    /// that is unknown or not queued, and nothing changes.
    fn cancel(&self, which: Select) -> impl Future<Output = Result<u64>> + Send;

    /// One job with its history.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    fn status(&self, id: &JobId) -> impl Future<Output = Result<JobStatus>> + Send;

    /// Jobs, newest submitted first unless `query.oldest_first`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a limit outside 1 to 10,000.
    fn list(&self, query: ListQuery) -> impl Future<Output = Result<Vec<Job>>> + Send;

    /// Counts of jobs by queue and state, for one queue or all.
    ///
    /// # Errors
    ///
    /// Only when the store cannot be read.
    fn stats(&self, queue: Option<&QueueName>) -> impl Future<Output = Result<Stats>> + Send;

    /// Deletes finished jobs (and their history) as `query` says. Returns how many.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a state that is not finished.
    fn purge(&self, query: PurgeQuery) -> impl Future<Output = Result<u64>> + Send;

    /// Adds a periodic job, or replaces the one of the same name (its ticks then count from
    /// now). Returns whether it replaced one. The scheduler (`jobq-worker`) submits its jobs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an oversized payload or zero attempts
    /// ([`Schedule::validate`]).
    fn set_schedule(&self, schedule: Schedule) -> impl Future<Output = Result<bool>> + Send;

    /// Removes a periodic job (the jobs it submitted stay). Returns whether there was one.
    ///
    /// # Errors
    ///
    /// Only when the store cannot be written.
    fn remove_schedule(&self, name: &ScheduleName) -> impl Future<Output = Result<bool>> + Send;

    /// Every periodic job, by name, each with the time it was set as its `since`.
    ///
    /// # Errors
    ///
    /// Only when the store cannot be read.
    fn schedules(&self) -> impl Future<Output = Result<Vec<Schedule>>> + Send;

    /// Submits one job and returns its id.
    ///
    /// # Errors
    ///
    /// As [`submit_batch`](Queue::submit_batch).
    fn submit(&self, job: NewJob) -> impl Future<Output = Result<JobId>> + Send {
        async move {
            let ids = self.submit_batch(vec![job]).await?;
            ids.into_iter()
                .next()
                .ok_or_else(|| Error::backend("submit", "the backend returned no id"))
        }
    }

    /// Submits jobs each by itself: one result per job, in order. A job refused (an id that
    /// exists, or repeats an earlier one of `jobs`; an oversized payload) is not stored and
    /// the others are. This is what an idempotent producer re-running over its input wants:
    /// what was submitted before is skipped, the rest goes in.
    ///
    /// The provided method submits the jobs one at a time; backends override it with one
    /// round trip.
    ///
    /// # Errors
    ///
    /// The outer error when the store cannot be reached or written: then the jobs before the
    /// failing one may be stored and the rest are not (submitting again is safe when they
    /// have ids).
    fn submit_each(
        &self,
        jobs: Vec<NewJob>,
    ) -> impl Future<Output = Result<Vec<Result<JobId>>>> + Send {
        async move {
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                match self.submit(job).await {
                    Err(err @ (Error::Backend { .. } | Error::Busy { .. })) => return Err(err),
                    result => results.push(result),
                }
            }
            Ok(results)
        }
    }

    /// Leases one job, waiting up to `req.wait`; `None` when none came. `req.max` is
    /// ignored.
    ///
    /// # Errors
    ///
    /// As [`take`](Queue::take).
    fn take_one(&self, req: TakeRequest) -> impl Future<Output = Result<Option<LeasedJob>>> + Send {
        async move { Ok(self.take(req.max(1)).await?.into_iter().next()) }
    }

    /// Marks a leased job done.
    ///
    /// # Errors
    ///
    /// As one settlement of [`settle`](Queue::settle).
    fn complete(&self, id: &JobId, lease: &LeaseToken) -> impl Future<Output = Result<()>> + Send {
        let settlement = Settlement::complete(id.clone(), lease.clone());
        async move { self.settle_one(settlement).await.map(drop) }
    }

    /// Records a failed attempt of a leased job: it is retried after a back-off while it has
    /// attempts left, else it is `failed`. Returns where it went.
    ///
    /// # Errors
    ///
    /// As one settlement of [`settle`](Queue::settle).
    fn fail(
        &self,
        id: &JobId,
        lease: &LeaseToken,
        error: &str,
    ) -> impl Future<Output = Result<Settled>> + Send {
        let settlement = Settlement::fail(id.clone(), lease.clone(), error);
        async move { self.settle_one(settlement).await }
    }

    /// Settles one attempt.
    ///
    /// # Errors
    ///
    /// As one settlement of [`settle`](Queue::settle).
    fn settle_one(&self, settlement: Settlement) -> impl Future<Output = Result<Settled>> + Send {
        async move {
            self.settle(vec![settlement])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Error::backend("settle", "the backend returned no result"))?
        }
    }
}
