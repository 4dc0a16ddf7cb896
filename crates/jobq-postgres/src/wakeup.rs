//! Waking takers that wait for a job.
//!
//! Every statement that makes a job ready now (a submission, a retry without back-off, a
//! resubmission, an expired lease put back) also sends `pg_notify('jobq:SCHEMA', QUEUE)`,
//! delivered when it commits. Each store handle keeps one connection of its own that
//! LISTENs on that channel and wakes the takers waiting on that queue. Changes made
//! through the handle itself wake its takers at once, without the round trip.
//!
//! Notifications are a fast path, never the only one: a waiting taker also looks again at
//! every recheck interval, so delayed jobs that come due, expired leases and lost
//! notifications are all picked up. Notifications are lost while the listening connection
//! is down (it reconnects with back-off and then wakes everyone), and always behind a
//! connection pooler in transaction mode. At start-up the listener notifies itself through
//! the pool, and logs a warning when that notification does not arrive.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

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
    queues: Mutex<HashMap<String, Arc<Notify>>>,
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
        let notify = queues.entry(queue.to_owned()).or_default().clone();
        Waiter {
            notify,
            queue: queue.to_owned(),
            wakeups: Arc::clone(self),
        }
    }

    /// Wakes the takers waiting on `queue`.
    pub(crate) fn wake(&self, queue: &str) {
        let queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(notify) = queues.get(queue) {
            notify.notify_waiters();
        }
    }

    /// Wakes every waiting taker (after notifications may have been missed).
    pub(crate) fn wake_all(&self) {
        let queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        for notify in queues.values() {
            notify.notify_waiters();
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

/// A registered waiting taker.
pub(crate) struct Waiter {
    /// Notified when a job of the queue may be ready.
    pub(crate) notify: Arc<Notify>,
    queue: String,
    wakeups: Arc<Wakeups>,
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut queues = self
            .wakeups
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The map's reference and this one: nobody else waits on the queue.
        if Arc::strong_count(&self.notify) <= 2 {
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
    let what = "sending a notification";
    let conn = db.conn(what).await?;
    let stmt = conn
        .prepare_cached(&db.sql.notify)
        .await
        .map_err(db.read_err(what))?;
    conn.execute(&stmt, &[&db.channel, &token])
        .await
        .map_err(db.read_err(what))?;
    Ok(())
}
