//! The minute tick: a jobq periodic job whose handler computes every provider's balance in
//! one query and sets the Redis keys `{id}_{provider_name}` in one `MULTI`/`EXEC`.
//!
//! The schedule `ledger-balances` ticks at every multiple of its interval since the Unix
//! epoch: with the default minute, at each `hh:mm:00` UTC. Every instance runs a jobq
//! scheduler, which submits each tick as the job `ledger-balances@TICK` a few seconds
//! ahead with `run_at` at the tick (the id makes it once, however many submit it); the
//! active instance's worker takes it when it comes due and logs how late the keys were
//! set.

use std::time::Duration;

use jobq::{AnyQueue, Every, JobState, PurgeQuery, Queue, QueueName, Schedule, ScheduleName};
use jobq::{LeasedJob, Timestamp};
use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::error::{LedgerError, Result};
use crate::store::{Balance, Store};

/// The schedule's name, and so the prefix of its jobs' ids.
pub const SCHEDULE: &str = "ledger-balances";

/// The jobq queue the tick jobs go to.
pub const QUEUE: &str = "ledger-balances";

/// The interval of the production tick.
pub const MINUTE: Duration = Duration::from_secs(60);

/// Attempts of a tick's job: a failure (Redis restarting) is retried after about a second.
const ATTEMPTS: u32 = 3;

/// Finished tick jobs older than this are purged (longer than the scheduler's catch-up
/// window, so that a purged tick is never submitted again).
const KEEP_DONE: Duration = Duration::from_secs(3600);

/// The schedule of the tick, every `interval`.
///
/// # Errors
///
/// [`LedgerError::InvalidInput`] for an interval jobq does not take (under 1 s, not whole
/// milliseconds).
pub fn schedule(interval: Duration) -> Result<Schedule> {
    let every = Every::interval(interval).map_err(|e| {
        LedgerError::invalid(format!(
            "--tick {}: {e}",
            humantime::format_duration(interval)
        ))
    })?;
    Ok(Schedule::new(name()?, every)
        .queue(queue_name()?)
        .payload("update the balances in Redis")
        .max_attempts(ATTEMPTS))
}

fn name() -> Result<ScheduleName> {
    Ok(ScheduleName::new(SCHEDULE)?)
}

/// The queue of the tick jobs.
///
/// # Errors
///
/// Never, in practice: the name is a valid queue name.
pub fn queue_name() -> Result<QueueName> {
    Ok(QueueName::new(QUEUE)?)
}

/// Sets the tick's schedule in the store, unless it is there already as it should be
/// (setting it again would restart its count of ticks for nothing).
///
/// # Errors
///
/// When the store cannot be read or written.
pub async fn ensure_schedule(queue: &AnyQueue, interval: Duration) -> Result<bool> {
    let wanted = schedule(interval)?;
    let existing = queue.schedules().await?;
    let same = existing.iter().any(|s| {
        s.name == wanted.name
            && s.every == wanted.every
            && s.queue == wanted.queue
            && s.payload == wanted.payload
            && s.max_attempts == wanted.max_attempts
    });
    if same {
        return Ok(false);
    }
    queue.set_schedule(wanted).await?;
    Ok(true)
}

/// The tick a job of the schedule is for, read from its id `ledger-balances@TICK`.
pub fn tick_of(job_id: &str) -> Option<Timestamp> {
    let (name, tick) = job_id.rsplit_once('@')?;
    (name == SCHEDULE).then(|| tick.parse().ok()).flatten()
}

/// How long after `tick` the keys were set (negative: before it), in microseconds.
pub fn lateness_micros(tick: Timestamp, set_at: Timestamp) -> i64 {
    set_at.as_unix_micros() - tick.as_unix_micros()
}

/// Whether the job for `tick` is superseded at `now`: the next tick (`interval` later) is
/// due already.
pub fn superseded(tick: Timestamp, interval: Duration, now: Timestamp) -> bool {
    tick + interval <= now
}

/// What one update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The balances set.
    pub balances: Vec<Balance>,
    /// When the `EXEC` that set them returned.
    pub set_at: Timestamp,
}

/// Computes the balances and sets them in Redis.
pub struct Balances {
    store: Store,
    settings: Settings,
    redis: redis::Client,
    interval: Duration,
    conn: Mutex<Option<MultiplexedConnection>>,
}

impl std::fmt::Debug for Balances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Balances")
            .field("store", &self.store)
            .field("redis_prefix", &self.settings.redis_prefix)
            .finish_non_exhaustive()
    }
}

impl Balances {
    /// Balances of `store`'s providers, set in the Redis of `settings` at ticks `interval`
    /// apart. No connection is opened yet.
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidInput`] for a Redis URL the client cannot read.
    pub fn new(settings: &Settings, store: Store, interval: Duration) -> Result<Self> {
        let redis = redis::Client::open(settings.redis_url.as_str())
            .map_err(|e| LedgerError::invalid(format!("--redis URL: {e}")))?;
        Ok(Self {
            store,
            settings: settings.clone(),
            redis,
            interval,
            conn: Mutex::new(None),
        })
    }

    /// Computes every balance in one query and sets all the keys in one `MULTI`/`EXEC`,
    /// so that a reader never sees some providers updated and others not.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Postgres`] or [`LedgerError::Redis`]; then no key was set.
    pub async fn update(&self) -> Result<Update> {
        let balances = self.store.balances().await?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for b in &balances {
            pipe.set(
                self.settings.balance_key(b.id, &b.provider_name),
                &b.balance,
            )
            .ignore();
        }
        self.exec(&pipe).await?;
        Ok(Update {
            balances,
            set_at: Timestamp::now(),
        })
    }

    /// Runs `pipe` on the kept connection; when that fails (Redis restarted), once more on
    /// a new one.
    async fn exec(&self, pipe: &redis::Pipeline) -> Result<()> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_mut() {
            match pipe.query_async::<()>(conn).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_unrecoverable_error() || e.is_io_error() || e.is_timeout() => {
                    tracing::debug!("Redis connection lost ({e}); opening a new one");
                    *slot = None;
                }
                Err(e) => return Err(LedgerError::redis("setting the balances", e)),
            }
        }
        let target = crate::amqp::redact(&self.settings.redis_url);
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)));
        let mut conn = self
            .redis
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| LedgerError::redis(format!("connecting to {target}"), e))?;
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| LedgerError::redis("setting the balances", e))?;
        *slot = Some(conn);
        Ok(())
    }

    /// The tick job's handler: updates the balances and logs how late after the tick the
    /// keys were set. Also purges tick jobs finished over an hour ago.
    ///
    /// # Errors
    ///
    /// The text of what failed; the job is then retried after a back-off.
    pub async fn run_job(&self, job: &LeasedJob, queue: &AnyQueue) -> Result<(), String> {
        let tick = tick_of(job.id.as_str());
        if let Some(tick) = tick
            && superseded(tick, self.interval, Timestamp::now())
        {
            // No instance was active at that tick (or it died running it): a later tick
            // is due already and sets the same, current, balances.
            tracing::info!("tick {tick}: skipped, a later tick is due already");
            return Ok(());
        }
        let update = self.update().await.map_err(|e| e.to_string())?;
        let shown = show(&self.settings, &update.balances);
        match tick {
            Some(tick) => {
                let late = lateness_micros(tick, update.set_at);
                let seconds = late as f64 / 1e6;
                if late.abs() <= 1_000_000 {
                    tracing::info!("tick {tick}: set {shown}, {seconds:.3} s after the tick");
                } else {
                    tracing::warn!(
                        "tick {tick}: set {shown}, {seconds:.3} s after the tick: outside \
                         the 1 s tolerance (attempt {} of {})",
                        job.attempt,
                        job.max_attempts
                    );
                }
            }
            None => tracing::info!("job {}: set {shown}", job.id),
        }
        let purge = PurgeQuery {
            state: JobState::Done,
            older_than: KEEP_DONE,
            queue: Some(job.queue.clone()),
        };
        if let Err(err) = queue.purge(purge).await {
            tracing::debug!("purging finished tick jobs: {err}");
        }
        Ok(())
    }
}

/// `1_Visa=1900, 2_Mastercard=1800`, the first few of them.
fn show(settings: &Settings, balances: &[Balance]) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = balances
        .iter()
        .take(SHOWN)
        .map(|b| {
            format!(
                "{}={}",
                settings.balance_key(b.id, &b.provider_name),
                b.balance
            )
        })
        .collect();
    if balances.len() > SHOWN {
        parts.push(format!("and {} more", balances.len() - SHOWN));
    }
    if parts.is_empty() {
        "no balances (initial_data is empty)".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_read_from_job_ids() {
        let tick: Timestamp = "2026-11-22T14:06:00Z".parse().unwrap();
        let s = schedule(MINUTE).unwrap();
        let id = s.job_id(tick);
        assert_eq!(id.as_str(), "ledger-balances@2026-11-22T14:06:00Z");
        assert_eq!(tick_of(id.as_str()), Some(tick));
        assert_eq!(tick_of("other@2026-11-22T14:06:00Z"), None);
        assert_eq!(tick_of("ledger-balances@soon"), None);
        assert_eq!(tick_of("no-tick"), None);
    }

    #[test]
    fn the_minute_ticks_at_every_hh_mm_00() {
        // An injected time: the schedule's next tick after any instant is the next
        // minute boundary, and the job for it runs at it.
        let s = schedule(MINUTE).unwrap();
        let now: Timestamp = "2026-11-22T14:05:59.250Z".parse().unwrap();
        let next = s.every.next_after(now).unwrap();
        assert_eq!(next.to_string(), "2026-11-22T14:06:00Z");
        assert_eq!(s.job(next).run_at, jobq::RunAt::At(next));
        let set_at: Timestamp = "2026-11-22T14:06:00.137Z".parse().unwrap();
        assert_eq!(lateness_micros(next, set_at), 137_000);
    }

    #[test]
    fn a_tick_is_superseded_once_the_next_is_due() {
        let tick: Timestamp = "2026-11-22T14:06:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert!(!superseded(tick, MINUTE, at("2026-11-22T14:06:00.5Z")));
        assert!(!superseded(tick, MINUTE, at("2026-11-22T14:06:59.9Z")));
        assert!(superseded(tick, MINUTE, at("2026-11-22T14:07:00Z")));
    }

    #[test]
    fn a_bad_tick_is_refused_by_name() {
        let err = schedule(Duration::from_millis(500))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--tick 500ms"), "{err}");
    }
}
