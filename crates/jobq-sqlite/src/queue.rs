//! [`SqliteQueue`]: the [`Queue`] implementation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobq_core::{
    Error, Job, JobId, JobStatus, LeaseToken, LeasedJob, ListQuery, NewJob, PurgeQuery, Queue,
    QueueName, Result, Schedule, ScheduleName, Select, Settled, Settlement, Stats, TakeRequest,
    Timestamp,
};

use crate::options::SqliteOptions;
use crate::read::{self, Readers};
use crate::wakeup::Wakeups;
use crate::writer::Writer;
use crate::{conn, migrate, ops};

/// How many jobs one purge transaction deletes, so that other writers get the lock between.
const PURGE_CHUNK: usize = 2_000;

/// A job queue in a SQLite file. Cheap to clone; clones share one writer thread.
///
/// ```no_run
/// use jobq_core::{NewJob, Queue, TakeRequest, QueueName};
/// use jobq_sqlite::{SqliteOptions, SqliteQueue};
///
/// # async fn demo() -> jobq_core::Result<()> {
/// let queue = SqliteQueue::open(SqliteOptions::new("jobq.db")).await?;
/// queue.submit(NewJob::new("hello")).await?;
/// if let Some(job) = queue.take_one(TakeRequest::new(QueueName::default())).await? {
///     queue.complete(&job.id, &job.lease).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteQueue {
    inner: Arc<Inner>,
}

struct Inner {
    opts: Arc<SqliteOptions>,
    writer: Writer,
    readers: Arc<Readers>,
    wakeups: Arc<Wakeups>,
}

impl std::fmt::Debug for SqliteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteQueue")
            .field("path", &self.inner.opts.path)
            .finish_non_exhaustive()
    }
}

impl SqliteQueue {
    /// Opens (creating if needed) the store `opts` describes, bringing its schema up to date.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the file cannot be opened or is not a jobq store this version
    /// understands; [`Error::Busy`] when other processes held it past the busy timeout.
    pub async fn open(opts: SqliteOptions) -> Result<Self> {
        let opts = Arc::new(opts);
        let setup = Arc::clone(&opts);
        let conn = tokio::task::spawn_blocking(move || {
            let deadline = Instant::now() + setup.busy_timeout;
            let conn = conn::open(&setup, deadline)?;
            migrate::migrate(&conn, &setup, deadline)?;
            Ok::<_, Error>(conn)
        })
        .await
        .map_err(|e| Error::backend("opening the SQLite store", e))??;
        let wakeups = Wakeups::new();
        wakeups.start_watcher(Arc::clone(&opts));
        let writer = Writer::start(conn, Arc::clone(&opts), Arc::clone(&wakeups.notify));
        Ok(Self {
            inner: Arc::new(Inner {
                readers: Arc::new(Readers::new(Arc::clone(&opts))),
                opts,
                writer,
                wakeups,
            }),
        })
    }

    /// The options this store was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.inner.opts
    }
}

impl Queue for SqliteQueue {
    async fn submit_batch(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
        for job in &jobs {
            job.validate(&self.inner.opts.limits)?;
        }
        self.inner
            .writer
            .run(move |ctx| ops::submit(ctx, jobs))
            .await
    }

    async fn submit_each(&self, jobs: Vec<NewJob>) -> Result<Vec<Result<JobId>>> {
        let limits = self.inner.opts.limits;
        let checked: Vec<Result<NewJob>> = jobs
            .into_iter()
            .map(|job| job.validate(&limits).map(|()| job))
            .collect();
        self.inner
            .writer
            .run(move |ctx| ops::submit_each(ctx, checked))
            .await
    }

    async fn take(&self, req: TakeRequest) -> Result<Vec<LeasedJob>> {
        req.validate()?;
        let deadline = Instant::now() + req.wait;
        let _waiting = (!req.wait.is_zero()).then(|| self.inner.wakeups.waiting());
        let req = Arc::new(req);
        let mut woken = false;
        loop {
            let notified = self.inner.wakeups.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // A waiting taker that was woken looks first, on a read connection, whether there
            // is anything to claim: most wake-ups are other callers' commits, and a claim
            // takes the file's write lock, which every other process then waits for.
            let worth_claiming = !woken || {
                let (queue, now) = (req.queue.clone(), self.inner.opts.clock.now());
                self.inner
                    .readers
                    .read("looking for ready jobs", move |conn| {
                        read::claimable(conn, &queue, now)
                    })
                    .await?
            };
            let jobs = if worth_claiming {
                let claim = Arc::clone(&req);
                self.inner
                    .writer
                    .run(move |ctx| ops::claim(ctx, &claim))
                    .await?
            } else {
                Vec::new()
            };
            let now = Instant::now();
            if !jobs.is_empty() || now >= deadline {
                return Ok(jobs);
            }
            let recheck = (deadline - now).min(self.inner.opts.recheck_interval);
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(recheck) => {}
            }
            woken = true;
        }
    }

    async fn settle(&self, settlements: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
        self.inner
            .writer
            .run(move |ctx| ops::settle(ctx, settlements))
            .await
    }

    async fn extend(
        &self,
        id: &JobId,
        lease: &LeaseToken,
        lease_for: Duration,
    ) -> Result<Timestamp> {
        let (id, lease) = (id.clone(), lease.clone());
        self.inner
            .writer
            .run(move |ctx| ops::extend(ctx, &id, &lease, lease_for))
            .await
    }

    async fn resubmit(&self, which: Select) -> Result<u64> {
        self.inner
            .writer
            .run(move |ctx| ops::resubmit(ctx, &which))
            .await
    }

    async fn cancel(&self, which: Select) -> Result<u64> {
        self.inner
            .writer
            .run(move |ctx| ops::cancel(ctx, &which))
            .await
    }

    async fn status(&self, id: &JobId) -> Result<JobStatus> {
        let id = id.clone();
        self.inner
            .readers
            .read("reading a job", move |conn| read::status(conn, &id))
            .await
    }

    async fn list(&self, query: ListQuery) -> Result<Vec<Job>> {
        query.validate()?;
        self.inner
            .readers
            .read("listing jobs", move |conn| read::list(conn, &query))
            .await
    }

    async fn stats(&self, queue: Option<&QueueName>) -> Result<Stats> {
        let queue = queue.cloned();
        self.inner
            .readers
            .read("counting jobs", move |conn| {
                read::stats(conn, queue.as_ref())
            })
            .await
    }

    async fn purge(&self, query: PurgeQuery) -> Result<u64> {
        query.validate()?;
        let query = Arc::new(query);
        let mut total = 0;
        loop {
            let chunk = Arc::clone(&query);
            let deleted = self
                .inner
                .writer
                .run(move |ctx| ops::purge_chunk(ctx, &chunk, PURGE_CHUNK))
                .await?;
            total += deleted;
            if deleted < PURGE_CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    async fn set_schedule(&self, schedule: Schedule) -> Result<bool> {
        schedule.validate(&self.inner.opts.limits)?;
        self.inner
            .writer
            .run(move |ctx| ops::schedule::set(ctx, &schedule))
            .await
    }

    async fn remove_schedule(&self, name: &ScheduleName) -> Result<bool> {
        let name = name.clone();
        self.inner
            .writer
            .run(move |ctx| ops::schedule::remove(ctx, &name))
            .await
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        self.inner
            .readers
            .read("reading schedules", read::schedules)
            .await
    }
}
