//! `ledger run`: the scheduler everywhere; the consumer and the tick's worker only on the
//! active instance.
//!
//! ```text
//! start ─► tables there? ─► jobq store, tick schedule ─► scheduler (always)
//!            │
//!            └─► standby: try the lock every second ─► active: consumer + worker
//!                   ▲                                        │
//!                   └──────────── lock lost ◄────────────────┘
//! ```
//!
//! A graceful stop (SIGINT, SIGTERM) stops consuming (unacknowledged messages go back to
//! the queue), lets a running tick finish, and only then gives the lock up, so that the
//! standby never consumes while this instance still does.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jobq::worker::{Scheduler, Worker};
use jobq::{AnyQueue, ErrorCode, LeasedJob};
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::balances::{self, Balances};
use crate::config::Settings;
use crate::consumer::{ConsumerOptions, consume};
use crate::error::{LedgerError, Result};
use crate::leader;
use crate::store::Store;

/// How `ledger run` behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The interval of the balance tick (default a minute: at every `hh:mm:00`).
    pub tick: Duration,
    /// How the consumer works.
    pub consumer: ConsumerOptions,
    /// The lease of a tick's job: when the active instance dies while running one, the
    /// next active instance runs it again after this long (default 10 s).
    pub lease: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            tick: balances::MINUTE,
            consumer: ConsumerOptions::default(),
            lease: Duration::from_secs(10),
        }
    }
}

/// Runs the ledger until `shutdown` is cancelled.
///
/// Waits (with back-off) for PostgreSQL and the jobq store when they cannot be reached at
/// start.
///
/// # Errors
///
/// [`LedgerError::InvalidInput`] for a bad setting or missing tables (run `ledger setup`).
pub async fn run(
    settings: Settings,
    options: RunOptions,
    shutdown: CancellationToken,
) -> Result<()> {
    let store = Store::new(&settings.postgres_url, &settings.schema)?;
    let balances = Arc::new(Balances::new(&settings, store.clone(), options.tick)?);
    let target = store.target().to_owned();
    if patiently(&format!("PostgreSQL at {target}"), &shutdown, || {
        store.check()
    })
    .await?
    .is_none()
    {
        return Ok(());
    }
    let jobq_url = settings.jobq_url.clone();
    let Some(queue) = patiently("the jobq store", &shutdown, || async {
        Ok(jobq::connect(&jobq_url).await?)
    })
    .await?
    else {
        return Ok(());
    };
    let tick = options.tick;
    let Some(changed) = patiently("the tick's schedule", &shutdown, || {
        balances::ensure_schedule(&queue, tick)
    })
    .await?
    else {
        return Ok(());
    };
    tracing::info!(
        "balances of schema {:?} in {target} go to Redis every {} (schedule {}{})",
        settings.schema,
        humantime::format_duration(tick),
        balances::SCHEDULE,
        if changed { ", set now" } else { "" }
    );
    let scheduler = tokio::spawn(
        Scheduler::new(queue.clone())
            .on_submit(|_, id| tracing::debug!("submitted tick job {id}"))
            .run(shutdown.clone().cancelled_owned()),
    );
    loop {
        let Some(mut lock) = leader::acquire(store.config(), &settings.schema, &shutdown).await
        else {
            break;
        };
        tracing::info!("active: this instance holds the ledger lock; consuming and ticking");
        let active = shutdown.child_token();
        let consumer = tokio::spawn(consume(
            settings.clone(),
            store.clone(),
            options.consumer.clone(),
            active.clone(),
        ));
        let worker = tokio::spawn(work(
            queue.clone(),
            Arc::clone(&balances),
            options.lease,
            options.consumer.name.clone(),
            active.clone(),
        ));
        let lost = tokio::select! {
            () = shutdown.cancelled() => None,
            why = lock.lost() => Some(why),
        };
        active.cancel();
        if let Some(why) = &lost {
            tracing::warn!("no longer active: {why}; stopping the consumer and the ticks");
        }
        let _ = consumer.await;
        let _ = worker.await;
        lock.release().await;
        if lost.is_none() {
            tracing::info!("stopped; the lock is free for a standby");
            break;
        }
    }
    let _ = scheduler.await;
    Ok(())
}

/// Runs the tick's worker until `stop` is cancelled.
async fn work(
    queue: AnyQueue,
    balances: Arc<Balances>,
    lease: Duration,
    name: String,
    stop: CancellationToken,
) {
    let queue_name = match balances::queue_name() {
        Ok(name) => name,
        Err(err) => return tracing::error!("{err}"),
    };
    let store = queue.clone();
    let handler = move |job: LeasedJob| {
        let balances = Arc::clone(&balances);
        let store = store.clone();
        async move { balances.run_job(&job, &store).await }
    };
    let worker = Worker::new(queue, queue_name)
        .lease(lease)
        .name(name)
        .on_report(|report| tracing::debug!("tick job {}: {:?}", report.id, report.ended));
    if let Err(err) = worker.run(handler, stop.cancelled_owned()).await {
        tracing::error!("the tick's worker stopped: {err}");
    }
}

/// Calls `f` until it succeeds, pausing with back-off while what it needs cannot be
/// reached. `Ok(None)` when `shutdown` came first.
///
/// # Errors
///
/// What `f` returns when trying again cannot help: bad input, missing tables.
async fn patiently<T, F, Fut>(
    what: &str,
    shutdown: &CancellationToken,
    mut f: F,
) -> Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut backoff = Backoff::new();
    let mut warned = false;
    loop {
        match f().await {
            Ok(value) => {
                if warned {
                    tracing::info!("{what} answers again");
                }
                return Ok(Some(value));
            }
            Err(err) if is_permanent(&err) => return Err(err),
            Err(err) => {
                let pause = backoff.next_pause();
                if warned {
                    tracing::debug!("still waiting for {what}: {err}");
                } else {
                    warned = true;
                    tracing::warn!("waiting for {what}: {err}; trying again");
                }
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(None),
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// Whether trying again cannot help.
fn is_permanent(err: &LedgerError) -> bool {
    match err {
        LedgerError::InvalidInput(_) => true,
        LedgerError::Queue(e) => e.code() == ErrorCode::InvalidInput,
        _ => false,
    }
}
