//! Waking takers that wait for a job.
//!
//! Every change that makes a job ready now (a submission, a retry without back-off, a
//! resubmission, an expired lease put back) returns the queues concerned; once it has
//! committed, [`announce`] wakes this handle's takers at once and sends
//! `pg_notify('jobq:SCHEMA', QUEUE)` in a statement of its own (`notify.sql` says why not in
//! the change's transaction). Each store handle keeps one connection of its own that LISTENs
//! on that channel and wakes the takers waiting on that queue.
//!
//! A notification wakes one waiting taker per handle, not all of them: a herd of takers
//! racing for one job costs a claim statement each. A taker whose claim came back full
//! passes the wake-up on to the next one, since one notification can stand for a whole
//! batch (PostgreSQL folds identical notifications of one transaction into one).
//!
//! Notifications are a fast path, never the only one: a waiting taker also looks again at
//! every recheck interval, so delayed jobs that come due, expired leases and lost
//! notifications are all picked up. Notifications are lost while the listening connection
//! is down (it reconnects with back-off and then wakes everyone), and always behind a
//! connection pooler in transaction mode. At start-up the listener notifies itself through
//! the pool, and logs a warning when that notification does not arrive.

use std::collections::HashMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use deadpool_postgres::GenericClient;
use tokio::sync::futures::Notified;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::db::Db;
use crate::error;
use crate::sql::quote;

/// How long the start-up self-check waits for its own notification.
const SELF_CHECK: Duration = Duration::from_secs(5);

/// The first pause before reconnecting the listener; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between reconnection attempts.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// What a probe's payload starts with; queue names cannot contain a space.
const PROBE: &str = "jobq probe ";

/// Waiting takers by queue, and the probes waiting for their notification.
pub(crate) struct Wakeups {
    queues: Mutex<HashMap<String, Arc<Waiters>>>,
    probes: Mutex<HashMap<String, oneshot::Sender<()>>>,
    /// Whether the listener is connected and listening.
    listening: watch::Sender<bool>,
}

impl Wakeups {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            queues: Mutex::new(HashMap::new()),
            probes: Mutex::new(HashMap::new()),
            listening: watch::Sender::new(false),
        })
    }

    /// Registers a taker waiting on `queue` until the guard is dropped.
    pub(crate) fn waiter(self: &Arc<Self>, queue: &str) -> Waiter {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let waiters = queues.entry(queue.to_owned()).or_default().clone();
        Waiter {
            waiters,
            queue: queue.to_owned(),
            wakeups: Arc::clone(self),
        }
    }

    /// Wakes one armed taker waiting on `queue`, if there is one.
    pub(crate) fn wake(&self, queue: &str) {
        let queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(waiters) = queues.get(queue)
            && waiters.armed.load(Ordering::SeqCst) > 0
        {
            waiters.notify.notify_one();
        }
    }

    /// Wakes every waiting taker (after notifications may have been missed).
    pub(crate) fn wake_all(&self) {
        let queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        for waiters in queues.values() {
            waiters.notify.notify_waiters();
        }
    }

    /// Handles one notification's payload.
    fn dispatch(&self, payload: &str) {
        if payload.starts_with(PROBE) {
            let mut probes = self.probes.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(arrived) = probes.remove(payload) {
                let _ = arrived.send(());
            }
        } else {
            self.wake(payload);
        }
    }
}

/// The takers waiting on one queue.
#[derive(Default)]
struct Waiters {
    /// Notified when a job of the queue may be ready.
    notify: Notify,
    /// How many takers are armed for the next wake-up; without any, a wake-up is dropped
    /// rather than stored for a taker that has not looked yet.
    armed: AtomicUsize,
}

/// A registered waiting taker.
pub(crate) struct Waiter {
    waiters: Arc<Waiters>,
    queue: String,
    wakeups: Arc<Wakeups>,
}

impl Waiter {
    /// Arms the taker for the next wake-up of its queue. Arm before looking for jobs, so
    /// that a wake-up sent while looking is not lost.
    pub(crate) fn arm(&self) -> Armed<'_> {
        self.waiters.armed.fetch_add(1, Ordering::SeqCst);
        let mut notified = Box::pin(self.waiters.notify.notified());
        notified.as_mut().enable();
        Armed {
            notified,
            armed: &self.waiters.armed,
        }
    }
}

/// An armed taker: [`Armed::woken`] completes on the next wake-up of its queue.
pub(crate) struct Armed<'a> {
    notified: Pin<Box<Notified<'a>>>,
    armed: &'a AtomicUsize,
}

impl Armed<'_> {
    /// Waits for the wake-up.
    pub(crate) async fn woken(&mut self) {
        self.notified.as_mut().await;
    }
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        self.armed.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut queues = self
            .wakeups
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The map's reference and this one: nobody else waits on the queue.
        if Arc::strong_count(&self.waiters) <= 2 {
            queues.remove(&self.queue);
        }
    }
}

/// Starts the listener of `db`'s channel. It runs until `stop` is dropped.
pub(crate) fn spawn_listener(db: Arc<Db>, stop: oneshot::Receiver<()>) {
    tokio::spawn(listen(db, stop));
}

async fn listen(db: Arc<Db>, mut stop: oneshot::Receiver<()>) {
    let mut pause = FIRST_PAUSE;
    let mut checked = false;
    let mut warned = false;
    loop {
        let session = tokio::select! {
            _ = &mut stop => return,
            session = connect(&db) => session,
        };
        match session {
            Ok((client, mut payloads)) => {
                if warned {
                    tracing::info!("jobq: listening for notifications again ({})", db.target);
                }
                warned = false;
                pause = FIRST_PAUSE;
                db.wakeups.listening.send_replace(true);
                // Jobs may have become ready while nobody listened.
                db.wakeups.wake_all();
                if !checked {
                    checked = true;
                    tokio::spawn(self_check(Arc::clone(&db)));
                }
                loop {
                    tokio::select! {
                        _ = &mut stop => return,
                        payload = payloads.recv() => match payload {
                            Some(payload) => db.wakeups.dispatch(&payload),
                            None => break,
                        },
                    }
                }
                drop(client);
                db.wakeups.listening.send_replace(false);
                db.wakeups.wake_all();
                tracing::warn!(
                    "jobq: lost the connection listening for notifications ({}); \
                     reconnecting, waiting takers poll meanwhile",
                    db.target
                );
            }
            Err(err) if !warned => {
                warned = true;
                tracing::warn!(
                    "jobq: cannot listen for notifications ({err}); retrying, waiting \
                     takers poll every {:?} meanwhile",
                    db.opts.recheck_interval
                );
            }
            Err(err) => tracing::debug!("jobq: still cannot listen for notifications: {err}"),
        }
        tokio::select! {
            _ = &mut stop => return,
            () = tokio::time::sleep(pause.mul_f64(0.5 + rand::random::<f64>() / 2.0)) => {}
        }
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// Opens the listening connection and LISTENs. Returns the client (the connection lives as
/// long as it does) and the payloads of the notifications; the channel closes when the
/// connection ends.
async fn connect(
    db: &Db,
) -> Result<(tokio_postgres::Client, mpsc::UnboundedReceiver<String>), String> {
    let (client, mut connection) = db
        .opts
        .driver_config()
        .connect(NoTls)
        .await
        .map_err(|e| error::describe(&e))?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {}", quote(&db.channel)))
        .await
        .map_err(|e| error::describe(&e))?;
    Ok((client, rx))
}

/// Sends a notification through the pool and reports whether the listener received it.
async fn self_check(db: Arc<Db>) {
    match probe(&db, SELF_CHECK).await {
        Ok(true) => tracing::debug!("jobq: notifications arrive ({})", db.target),
        Ok(false) => tracing::warn!(
            "jobq: a notification sent through the pool did not reach the listening connection \
             within {SELF_CHECK:?} ({}). A connection pooler in transaction mode drops them. \
             Waiting takers will find new jobs by polling every {:?}; set listen=off to stop \
             listening.",
            db.target,
            db.opts.recheck_interval
        ),
        Err(err) => tracing::warn!("jobq: could not check notifications: {err}"),
    }
}

/// Sends a notification through the pool and waits up to `timeout` for the listener to
/// receive it (first waiting, within the same bound, for the listener to be listening).
///
/// # Errors
///
/// What sending the notification returns.
pub(crate) async fn probe(db: &Db, timeout: Duration) -> jobq_core::Result<bool> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut listening = db.wakeups.listening.subscribe();
    let up = matches!(
        tokio::time::timeout_at(deadline, listening.wait_for(|up| *up)).await,
        Ok(Ok(_))
    );
    if !up {
        return Ok(false);
    }
    let token = format!("{PROBE}{:032x}", rand::random::<u128>());
    let (arrived, arrival) = oneshot::channel();
    db.wakeups
        .probes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(token.clone(), arrived);
    let sent = send_probe(db, &token).await;
    let received = match sent {
        Ok(()) => tokio::time::timeout_at(deadline, arrival).await.is_ok(),
        Err(_) => false,
    };
    db.wakeups
        .probes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&token);
    sent.map(|()| received)
}

async fn send_probe(db: &Db, token: &str) -> jobq_core::Result<()> {
    let conn = db.conn("sending a notification").await?;
    notify(db, &conn, &[token]).await
}

/// Tells the takers of `queues` that a job got ready there: this handle's at once, every
/// other handle's through a notification. Call it once the change has committed, on the
/// connection that made it. A notification that cannot be sent is logged, not returned:
/// the change stands, and waiting takers find it at their next recheck.
pub(crate) async fn announce(db: &Db, conn: &impl GenericClient, queues: &[String]) {
    if queues.is_empty() {
        return;
    }
    for queue in queues {
        db.wakeups.wake(queue);
    }
    if let Err(err) = notify(db, conn, queues).await {
        tracing::warn!("jobq: {err}; waiting takers elsewhere find the jobs at their recheck");
    }
}

/// Sends each of `payloads` on the channel (see `notify.sql`).
async fn notify(
    db: &Db,
    conn: &impl GenericClient,
    payloads: &[impl AsRef<str> + Sync],
) -> jobq_core::Result<()> {
    let what = "sending a notification";
    let payloads: Vec<&str> = payloads.iter().map(AsRef::as_ref).collect();
    let stmt = conn
        .prepare_cached(&db.sql.notify)
        .await
        .map_err(db.read_err(what))?;
    conn.execute(&stmt, &[&db.channel, &payloads])
        .await
        .map_err(db.read_err(what))?;
    Ok(())
}
