//! [`Worker`]: the run loop that takes jobs and runs a [`Handler`] for each.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jobq_core::{
    Error, ErrorCode, JobState, LeasedJob, Queue, QueueName, Result, Settled, Settlement,
    TakeRequest,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use crate::handler::Handler;
use crate::report::{Ended, Report, Summary};

/// Called with the report of every attempt, as it ends.
type OnReport = Arc<dyn Fn(&Report) + Send + Sync>;

/// The longest pause between tries when the store cannot be reached.
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// Takes jobs from one queue and runs a handler for each, up to `concurrency` at once.
///
/// Built with its methods, then started with [`run`](Worker::run):
///
/// ```no_run
/// # use std::time::Duration;
/// # use jobq_core::{LeasedJob, QueueName};
/// # use jobq_worker::Worker;
/// # async fn demo(queue: jobq_sqlite::SqliteQueue) -> jobq_core::Result<()> {
/// let summary = Worker::new(queue, QueueName::default())
///     .concurrency(4)
///     .lease(Duration::from_secs(60))
///     .exit_when_empty(true)
///     .on_report(|report| println!("{} {}", report.id, report.ended.as_str()))
///     .run(|job: LeasedJob| async move { Ok::<_, String>(()) }, std::future::pending())
///     .await?;
/// # Ok(()) }
/// ```
pub struct Worker<Q> {
    queue: Q,
    queue_name: QueueName,
    concurrency: usize,
    lease: Duration,
    poll: Duration,
    name: String,
    exit_when_empty: bool,
    on_report: Option<OnReport>,
}

impl<Q> std::fmt::Debug for Worker<Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("queue", &self.queue_name)
            .field("concurrency", &self.concurrency)
            .field("lease", &self.lease)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<Q: Queue + Clone + 'static> Worker<Q> {
    /// A worker on `queue_name` of `queue`: one job at a time, 30 s leases, named
    /// `HOSTNAME:PID`, running until its shutdown future resolves.
    pub fn new(queue: Q, queue_name: QueueName) -> Self {
        Self {
            queue,
            queue_name,
            concurrency: 1,
            lease: TakeRequest::DEFAULT_LEASE,
            poll: Duration::from_secs(1),
            name: default_name(),
            exit_when_empty: false,
            on_report: None,
        }
    }

    /// Sets how many jobs run at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets the lease time; leases are extended every third of it while a handler runs.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how long one `take` waits for a job before the worker looks at its shutdown
    /// future and `exit_when_empty` again (default 1 s).
    pub fn poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Names the worker in the jobs' history (default `HOSTNAME:PID`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Stops once the queue has no job `queued` (now or later) or `running` (here or in
    /// any other worker, whose job may yet come back).
    pub fn exit_when_empty(mut self, yes: bool) -> Self {
        self.exit_when_empty = yes;
        self
    }

    /// Calls `f` with the report of every attempt as it ends (to print or count them).
    pub fn on_report(mut self, f: impl Fn(&Report) + Send + Sync + 'static) -> Self {
        self.on_report = Some(Arc::new(f));
        self
    }

    /// Runs `handler` for each job until `shutdown` resolves (or, with
    /// [`exit_when_empty`](Worker::exit_when_empty), the queue is empty), then waits for the
    /// running handlers to finish and returns what happened.
    ///
    /// A store that cannot be reached does not stop the worker: it logs, pauses and tries
    /// again.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the settings break a limit (a lease of zero or over 7
    /// days, a bad worker name).
    pub async fn run<H: Handler>(
        self,
        handler: H,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<Summary> {
        let template = TakeRequest::new(self.queue_name.clone())
            .lease(self.lease)
            .wait(self.poll)
            .worker(self.name.clone());
        template.validate()?;
        let run = Arc::new(Run {
            queue: self.queue,
            lease: self.lease,
            on_report: self.on_report,
            summary: Mutex::new(Summary::default()),
        });
        let handler = Arc::new(handler);
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = JoinSet::new();
        let mut pause = RetryPause::new();
        // With exit_when_empty, an idle worker first looks without waiting, so that it
        // stops as soon as the queue is empty rather than after a whole poll.
        let mut looked = false;
        tokio::pin!(shutdown);
        loop {
            while tasks.try_join_next().is_some() {}
            let first = tokio::select! {
                biased;
                () = &mut shutdown => break,
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let mut permits = vec![first];
            while let Ok(permit) = Arc::clone(&slots).try_acquire_owned() {
                permits.push(permit);
            }
            // A take is never abandoned half-way (its jobs would stay leased until the lease
            // ran out): it waits at most `poll`, and shutdown is looked at between takes.
            let mut req = template.clone().max(permits.len());
            let busy = !idle(&mut tasks);
            let probe = self.exit_when_empty && (busy || !looked);
            if probe {
                req = req.wait(Duration::ZERO);
            }
            match run.queue.take(req).await {
                Ok(jobs) => {
                    pause.reset();
                    let took = !jobs.is_empty();
                    looked = probe && !took && !busy;
                    for (job, permit) in jobs.into_iter().zip(permits) {
                        tasks.spawn(Arc::clone(&run).attempt(Arc::clone(&handler), job, permit));
                    }
                    if !took && busy && self.exit_when_empty {
                        // Nothing ready and jobs of ours still running: the queue may be
                        // empty once they end, so wait for one of them (or a poll) first.
                        tokio::select! {
                            _ = tasks.join_next() => {}
                            () = tokio::time::sleep(self.poll) => {}
                        }
                        continue;
                    }
                    if !took && self.exit_when_empty && idle(&mut tasks) {
                        match run.queue.stats(Some(&self.queue_name)).await {
                            Ok(stats) => {
                                let counts = stats.queues.get(&self.queue_name);
                                if counts.is_none_or(|c| c.queued + c.running == 0) {
                                    break;
                                }
                            }
                            Err(err) => tracing::warn!("counting jobs left: {err}"),
                        }
                    }
                }
                Err(err) if err.code() == ErrorCode::InvalidInput => return Err(err),
                Err(err) => {
                    drop(permits);
                    tracing::warn!("taking jobs from {}: {err}; trying again", self.queue_name);
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = pause.sleep() => {}
                    }
                }
            }
        }
        while tasks.join_next().await.is_some() {}
        let summary = *run.summary.lock().unwrap_or_else(|e| e.into_inner());
        Ok(summary)
    }
}

/// Reaps finished tasks; true when none is running.
fn idle(tasks: &mut JoinSet<()>) -> bool {
    while tasks.try_join_next().is_some() {}
    tasks.is_empty()
}

/// What every attempt of one run shares.
struct Run<Q> {
    queue: Q,
    lease: Duration,
    on_report: Option<OnReport>,
    summary: Mutex<Summary>,
}

impl<Q: Queue + Clone + 'static> Run<Q> {
    /// Runs one attempt: the handler with heartbeats, then its settlement and report. The
    /// permit frees the slot when the attempt is over.
    async fn attempt<H: Handler>(
        self: Arc<Self>,
        handler: Arc<H>,
        job: LeasedJob,
        _slot: OwnedSemaphorePermit,
    ) {
        let started = Instant::now();
        let mut lease_end = started + self.lease;
        let mut work = tokio::spawn({
            let job = job.clone();
            async move { handler.handle(job).await }
        });
        let every = (self.lease / 3).max(Duration::from_millis(10));
        let mut beat = tokio::time::interval_at(started + every, every);
        beat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let outcome = loop {
            tokio::select! {
                joined = &mut work => break joined.unwrap_or_else(|e| Err(panic_text(e))),
                _ = beat.tick() => {
                    let asked = Instant::now();
                    match self.queue.extend(&job.id, &job.lease, self.lease).await {
                        Ok(_) => lease_end = asked + self.lease,
                        Err(err) if is_transient(&err) => {
                            tracing::warn!("extending the lease of {}: {err}", job.id);
                        }
                        Err(err) => {
                            work.abort();
                            let ended = Ended::LeaseLost { reason: err.to_string() };
                            self.report(&job, ended, started.elapsed());
                            return;
                        }
                    }
                }
            }
        };
        let elapsed = started.elapsed();
        let ended = self.settle(&job, outcome, lease_end).await;
        self.report(&job, ended, elapsed);
    }

    /// Settles the attempt, trying again while the store cannot be reached and the lease
    /// lasts.
    async fn settle(
        &self,
        job: &LeasedJob,
        outcome: std::result::Result<(), String>,
        lease_end: Instant,
    ) -> Ended {
        let settlement = match &outcome {
            Ok(()) => Settlement::complete(job.id.clone(), job.lease.clone()),
            Err(error) => Settlement::fail(job.id.clone(), job.lease.clone(), error.as_str()),
        };
        let mut pause = RetryPause::new();
        loop {
            match self.queue.settle_one(settlement.clone()).await {
                Ok(settled) => return ended_as(settled, outcome),
                Err(err) if is_transient(&err) && Instant::now() < lease_end => {
                    tracing::warn!("settling job {}: {err}; trying again", job.id);
                    tokio::time::sleep_until((Instant::now() + pause.next()).min(lease_end)).await;
                }
                Err(err) if err.code() == ErrorCode::LeaseLost => {
                    return Ended::LeaseLost {
                        reason: err.to_string(),
                    };
                }
                Err(err) => {
                    return Ended::Unsettled {
                        error: err.to_string(),
                    };
                }
            }
        }
    }

    fn report(&self, job: &LeasedJob, ended: Ended, elapsed: std::time::Duration) {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(&ended);
        let report = Report {
            id: job.id.clone(),
            queue: job.queue.clone(),
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            ended,
            elapsed,
        };
        match &report.ended {
            Ended::LeaseLost { reason } => tracing::warn!("job {}: {reason}", report.id),
            Ended::Unsettled { error } => {
                tracing::warn!("job {} could not be settled: {error}", report.id);
            }
            _ => {}
        }
        if let Some(on_report) = &self.on_report {
            on_report(&report);
        }
    }
}

/// What a settled attempt became.
fn ended_as(settled: Settled, outcome: std::result::Result<(), String>) -> Ended {
    let error = outcome.err().unwrap_or_default();
    match (settled.state, settled.retry_at) {
        (JobState::Done, _) => Ended::Done,
        (JobState::Queued, Some(at)) => Ended::Retry { at, error },
        _ => Ended::Failed { error },
    }
}

/// Whether an error may go away by itself (the store restarting, another process holding
/// the lock), so that the call is worth trying again.
fn is_transient(err: &Error) -> bool {
    matches!(err.code(), ErrorCode::Busy | ErrorCode::Backend)
}

/// The text of a handler's panic, as the attempt's error.
fn panic_text(err: tokio::task::JoinError) -> String {
    if !err.is_panic() {
        return "the handler was cancelled".to_owned();
    }
    let payload: Box<dyn Any + Send> = err.into_panic();
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a value that is not text".to_owned());
    format!("the handler panicked: {text}")
}

/// The name a worker has unless given one: `HOSTNAME:PID`, which says where to look.
pub fn default_name() -> String {
    format!(
        "{}:{}",
        gethostname::gethostname().to_string_lossy(),
        std::process::id()
    )
}

/// Pauses between tries against a store that cannot be reached: 50 ms doubling to 5 s.
struct RetryPause {
    next: Duration,
}

impl RetryPause {
    fn new() -> Self {
        Self {
            next: Duration::from_millis(50),
        }
    }

    fn reset(&mut self) {
        *self = Self::new();
    }

    fn next(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(MAX_RETRY_PAUSE);
        now
    }

    async fn sleep(&mut self) {
        tokio::time::sleep(self.next()).await;
    }
}
