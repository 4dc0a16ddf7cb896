//! [`Scheduler`]: submits the jobs of periodic schedules at their ticks.
//!
//! Each tick's job has the id `NAME@TICK-TIME` and runs at the tick, so any number of
//! schedulers (every `jobq work` process runs one) can share a store: for each tick exactly
//! one submission succeeds and the others are refused as duplicates. A tick is submitted a
//! little ahead of time ([`Scheduler::lookahead`]), so that its job is waiting in the queue
//! when the tick comes and a consumer takes it right on time; a tick missed while no
//! scheduler ran is submitted once, when it is recent ([`Scheduler::catch_up`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jobq_core::{Clock, Error, JobId, Queue, Schedule, SystemClock, Timestamp};

/// Called with each job a scheduler submitted.
type OnSubmit = Arc<dyn Fn(&Schedule, &JobId) + Send + Sync>;

/// What one pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// The jobs this pass submitted (ticks another scheduler submitted first are not here).
    pub submitted: Vec<JobId>,
    /// When the next pass is due.
    pub next: Timestamp,
}

/// Submits the jobs of every schedule in a store at their ticks.
pub struct Scheduler<Q> {
    queue: Q,
    clock: Arc<dyn Clock>,
    lookahead: Duration,
    catch_up: Duration,
    refresh: Duration,
    on_submit: Option<OnSubmit>,
}

impl<Q> std::fmt::Debug for Scheduler<Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("lookahead", &self.lookahead)
            .field("catch_up", &self.catch_up)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

impl<Q: Queue> Scheduler<Q> {
    /// A scheduler on `queue`, reading the system clock, submitting each tick 5 s ahead,
    /// catching up ticks missed in the last minute, and reading the schedules again at least
    /// every 5 s.
    pub fn new(queue: Q) -> Self {
        Self {
            queue,
            clock: Arc::new(SystemClock),
            lookahead: Duration::from_secs(5),
            catch_up: Duration::from_secs(60),
            refresh: Duration::from_secs(5),
            on_submit: None,
        }
    }

    /// Sets the clock ticks are judged by (the store's, so that tests can move it).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sets how long before its tick a job is submitted (default 5 s).
    pub fn lookahead(mut self, lookahead: Duration) -> Self {
        self.lookahead = lookahead;
        self
    }

    /// Sets how old a missed tick may be and still be submitted (default 1 min).
    pub fn catch_up(mut self, catch_up: Duration) -> Self {
        self.catch_up = catch_up;
        self
    }

    /// Sets the longest time between two readings of the schedules (default 5 s), which is
    /// how soon a new schedule is noticed.
    pub fn refresh(mut self, refresh: Duration) -> Self {
        self.refresh = refresh;
        self
    }

    /// Calls `f` with each job this scheduler submits.
    pub fn on_submit(mut self, f: impl Fn(&Schedule, &JobId) + Send + Sync + 'static) -> Self {
        self.on_submit = Some(Arc::new(f));
        self
    }

    /// Reads the schedules and submits every tick due now (see [`Schedule::due`]).
    ///
    /// # Errors
    ///
    /// When the store cannot be read or written; ticks refused as duplicates are not
    /// errors.
    pub async fn pass(&self) -> Result<Pass, Error> {
        let now = self.clock.now();
        let schedules = self.queue.schedules().await?;
        let mut submitted = Vec::new();
        let mut next = now + self.refresh;
        for schedule in &schedules {
            for tick in schedule.due(now, self.lookahead, self.catch_up) {
                match self.queue.submit(schedule.job(tick)).await {
                    Ok(id) => {
                        if let Some(f) = &self.on_submit {
                            f(schedule, &id);
                        }
                        submitted.push(id);
                    }
                    Err(Error::Duplicate { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            if let Some(tick) = schedule.every.next_after(now + self.lookahead) {
                next = next.min(tick - self.lookahead);
            }
        }
        Ok(Pass { submitted, next })
    }

    /// Runs passes until `shutdown` resolves, sleeping until the next tick is due in
    /// between. A store that cannot be reached is logged once and tried again, less and
    /// less often (up to the refresh interval).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let mut failing = Duration::ZERO;
        loop {
            let pause = match self.pass().await {
                Ok(pass) => {
                    if !failing.is_zero() {
                        tracing::info!("submitting periodic jobs again");
                        failing = Duration::ZERO;
                    }
                    pass.next
                        .duration_since(self.clock.now())
                        .clamp(Duration::from_millis(20), self.refresh)
                }
                Err(err) => {
                    // Once per outage, then quietly: 1 s, doubling to the refresh interval.
                    if failing.is_zero() {
                        tracing::warn!("submitting periodic jobs: {err}; trying again");
                    }
                    failing = (failing * 2).clamp(Duration::from_secs(1), self.refresh);
                    failing
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}
