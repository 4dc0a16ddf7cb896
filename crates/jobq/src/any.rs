//! [`AnyQueue`]: whichever backend a URL named, behind the one [`Queue`] trait.

use std::time::Duration;

use jobq_core::{
    Job, JobId, JobStatus, LeaseToken, LeasedJob, ListQuery, NewJob, PurgeQuery, Queue, QueueName,
    Result, Schedule, ScheduleName, Select, Settled, Settlement, Stats, TakeRequest, Timestamp,
};
use jobq_http::HttpQueue;
use jobq_postgres::PostgresQueue;
use jobq_sqlite::SqliteQueue;

/// A queue on any backend, chosen at run time by [`connect`](crate::connect).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyQueue {
    /// The embedded SQLite file.
    Sqlite(SqliteQueue),
    /// A PostgreSQL schema.
    Postgres(PostgresQueue),
    /// A jobq server, over HTTP.
    Http(HttpQueue),
}

/// Forwards a call to whichever backend this is.
macro_rules! each {
    ($self:ident, $q:ident => $call:expr) => {
        match $self {
            AnyQueue::Sqlite($q) => $call,
            AnyQueue::Postgres($q) => $call,
            AnyQueue::Http($q) => $call,
        }
    };
}

impl Queue for AnyQueue {
    async fn submit_batch(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
        each!(self, q => q.submit_batch(jobs).await)
    }

    async fn submit_each(&self, jobs: Vec<NewJob>) -> Result<Vec<Result<JobId>>> {
        each!(self, q => q.submit_each(jobs).await)
    }

    async fn take(&self, req: TakeRequest) -> Result<Vec<LeasedJob>> {
        each!(self, q => q.take(req).await)
    }

    async fn settle(&self, settlements: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
        each!(self, q => q.settle(settlements).await)
    }

    async fn extend(
        &self,
        id: &JobId,
        lease: &LeaseToken,
        lease_for: Duration,
    ) -> Result<Timestamp> {
        each!(self, q => q.extend(id, lease, lease_for).await)
    }

    async fn resubmit(&self, which: Select) -> Result<u64> {
        each!(self, q => q.resubmit(which).await)
    }

    async fn cancel(&self, which: Select) -> Result<u64> {
        each!(self, q => q.cancel(which).await)
    }

    async fn status(&self, id: &JobId) -> Result<JobStatus> {
        each!(self, q => q.status(id).await)
    }

    async fn list(&self, query: ListQuery) -> Result<Vec<Job>> {
        each!(self, q => q.list(query).await)
    }

    async fn stats(&self, queue: Option<&QueueName>) -> Result<Stats> {
        each!(self, q => q.stats(queue).await)
    }

    async fn purge(&self, query: PurgeQuery) -> Result<u64> {
        each!(self, q => q.purge(query).await)
    }

    async fn set_schedule(&self, schedule: Schedule) -> Result<bool> {
        each!(self, q => q.set_schedule(schedule).await)
    }

    async fn remove_schedule(&self, name: &ScheduleName) -> Result<bool> {
        each!(self, q => q.remove_schedule(name).await)
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        each!(self, q => q.schedules().await)
    }
}
