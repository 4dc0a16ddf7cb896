//! [`PostgresQueue`]: the [`Queue`] implementation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobq_core::{
    Job, JobId, JobStatus, LeaseToken, LeasedJob, ListQuery, NewJob, PurgeQuery, Queue, QueueName,
    Result, Schedule, ScheduleName, Select, Settled, Settlement, Stats, TakeRequest, Timestamp,
};
use tokio::sync::oneshot;

use crate::db::Db;
use crate::options::PostgresOptions;
use crate::{migrate, ops, read, wakeup};

/// How many jobs one purge statement deletes, so that it holds its row locks only briefly.
const PURGE_CHUNK: usize = 2_000;

/// A job queue in a PostgreSQL schema. Cheap to clone; clones share one connection pool and
/// one listening connection.
///
/// ```no_run
/// use jobq_core::{NewJob, Queue, QueueName, TakeRequest};
/// use jobq_postgres::{PostgresOptions, PostgresQueue};
///
/// # async fn demo() -> jobq_core::Result<()> {
/// let opts = PostgresOptions::from_url("postgres://app@db.internal/orders")?;
/// let queue = PostgresQueue::connect(opts).await?;
/// queue.submit(NewJob::new("hello")).await?;
/// if let Some(job) = queue.take_one(TakeRequest::new(QueueName::default())).await? {
///     queue.complete(&job.id, &job.lease).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresQueue {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Db>,
    /// Dropped with the last handle, which stops the listener.
    _stop_listener: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for PostgresQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresQueue")
            .field("target", &self.inner.db.target)
            .finish_non_exhaustive()
    }
}

impl PostgresQueue {
    /// Connects to the store `opts` describes, creating its schema or bringing it up to
    /// date, and starts listening for notifications (unless turned off).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](jobq_core::Error::InvalidInput) for a bad schema name;
    /// [`Error::Backend`](jobq_core::Error::Backend) when PostgreSQL cannot be reached, the
    /// schema cannot be created, or it was made by a newer jobq.
    pub async fn connect(opts: PostgresOptions) -> Result<Self> {
        opts.check()?;
        let db = Arc::new(Db::new(Arc::new(opts))?);
        migrate::migrate(&db).await?;
        let stop = db.opts.listen.then(|| {
            let (stop, stopped) = oneshot::channel();
            wakeup::spawn_listener(Arc::clone(&db), stopped);
            stop
        });
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                _stop_listener: stop,
            }),
        })
    }

    /// The options this store was opened with.
    pub fn options(&self) -> &PostgresOptions {
        &self.inner.db.opts
    }

    /// Checks that notifications reach this handle: sends one through the pool and waits up
    /// to `timeout` for the listening connection to receive it (first waiting, within the
    /// same bound, for that connection to be up). `false` when it did not arrive (a
    /// connection pooler in transaction mode drops notifications; waiting takers then find
    /// new jobs by polling) or when listening is turned off.
    ///
    /// The store runs this check once at start-up and logs a warning when it fails.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`](jobq_core::Error::Backend) when the notification could not be
    /// sent.
    pub async fn check_notifications(&self, timeout: Duration) -> Result<bool> {
        if !self.inner.db.opts.listen {
            return Ok(false);
        }
        wakeup::probe(&self.inner.db, timeout).await
    }
}

impl Queue for PostgresQueue {
    async fn submit_batch(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
        for job in &jobs {
            job.validate(&self.inner.db.opts.limits)?;
        }
        ops::submit(&self.inner.db, jobs).await
    }

    async fn take(&self, req: TakeRequest) -> Result<Vec<LeasedJob>> {
        req.validate()?;
        let db = &self.inner.db;
        if req.wait.is_zero() {
            return ops::claim(db, &req).await;
        }
        let deadline = Instant::now() + req.wait;
        let waiter = db.wakeups.waiter(req.queue.as_str());
        loop {
            let mut armed = waiter.arm();
            let claimed = ops::claim(db, &req).await;
            let now = Instant::now();
            match &claimed {
                Ok(jobs) if jobs.is_empty() && now < deadline => {}
                _ => {
                    drop(armed);
                    // A full claim may have left ready jobs behind (one notification can
                    // stand for a batch), and a failed one may have swallowed a wake-up:
                    // pass the wake-up on to the next waiting taker.
                    if !claimed.as_ref().is_ok_and(|jobs| jobs.len() < req.max) {
                        db.wakeups.wake(req.queue.as_str());
                    }
                    return claimed;
                }
            }
            let recheck = (deadline - now).min(db.opts.recheck_interval);
            tokio::select! {
                () = armed.woken() => {}
                () = tokio::time::sleep(recheck) => {}
            }
        }
    }

    async fn settle(&self, settlements: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
        ops::settle(&self.inner.db, settlements).await
    }

    async fn extend(
        &self,
        id: &JobId,
        lease: &LeaseToken,
        lease_for: Duration,
    ) -> Result<Timestamp> {
        ops::extend(&self.inner.db, id, lease, lease_for).await
    }

    async fn resubmit(&self, which: Select) -> Result<u64> {
        ops::resubmit(&self.inner.db, &which).await
    }

    async fn cancel(&self, which: Select) -> Result<u64> {
        ops::cancel(&self.inner.db, &which).await
    }

    async fn status(&self, id: &JobId) -> Result<JobStatus> {
        read::status(&self.inner.db, id).await
    }

    async fn list(&self, query: ListQuery) -> Result<Vec<Job>> {
        query.validate()?;
        read::list(&self.inner.db, &query).await
    }

    async fn stats(&self, queue: Option<&QueueName>) -> Result<Stats> {
        read::stats(&self.inner.db, queue).await
    }

    async fn purge(&self, query: PurgeQuery) -> Result<u64> {
        query.validate()?;
        let mut total = 0;
        loop {
            let deleted = ops::purge_chunk(&self.inner.db, &query, PURGE_CHUNK).await?;
            total += deleted;
            if deleted < PURGE_CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    async fn set_schedule(&self, schedule: Schedule) -> Result<bool> {
        schedule.validate(&self.inner.db.opts.limits)?;
        ops::schedule::set(&self.inner.db, &schedule).await
    }

    async fn remove_schedule(&self, name: &ScheduleName) -> Result<bool> {
        ops::schedule::remove(&self.inner.db, name).await
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        ops::schedule::list(&self.inner.db).await
    }
}
