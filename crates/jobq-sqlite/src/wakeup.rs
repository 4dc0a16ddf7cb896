//! Waking takers that wait for a job.
//!
//! Jobs submitted through this handle wake waiting takers at once (the writer notifies after
//! its commit). Jobs submitted by other processes are noticed by a watcher thread that, while
//! anyone waits, reads SQLite's `PRAGMA data_version` every poll interval: a cheap read that
//! changes whenever another connection commits. Without waiters the watcher sleeps.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::conn;
use crate::options::SqliteOptions;

/// Shared by the writer, the watcher and waiting takers.
pub(crate) struct Wakeups {
    /// Notified when jobs may have become ready.
    pub(crate) notify: Arc<Notify>,
    waiters: AtomicUsize,
    watcher: std::sync::OnceLock<thread::Thread>,
}

impl Wakeups {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            notify: Arc::new(Notify::new()),
            waiters: AtomicUsize::new(0),
            watcher: std::sync::OnceLock::new(),
        })
    }

    /// Starts the watcher thread for `opts`' file. It stops once the store handle is gone.
    pub(crate) fn start_watcher(self: &Arc<Self>, opts: Arc<SqliteOptions>) {
        let weak = Arc::downgrade(self);
        let spawned = thread::Builder::new()
            .name("jobq-watcher".into())
            .spawn(move || watch(&weak, &opts));
        match spawned {
            Ok(handle) => {
                let _ = self.watcher.set(handle.thread().clone());
            }
            Err(err) => tracing::warn!(
                "cannot start the jobq watcher thread ({err}); waiting takers will notice \
                 other processes' jobs only at each recheck"
            ),
        }
    }

    /// Counts a waiting taker until the guard is dropped.
    pub(crate) fn waiting(self: &Arc<Self>) -> Waiting {
        if self.waiters.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(watcher) = self.watcher.get()
        {
            watcher.unpark();
        }
        Waiting(Arc::clone(self))
    }
}

/// A registered waiting taker.
pub(crate) struct Waiting(Arc<Wakeups>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

fn watch(wakeups: &Weak<Wakeups>, opts: &SqliteOptions) {
    let mut conn = None;
    let mut last: Option<i64> = None;
    loop {
        let Some(w) = wakeups.upgrade() else { return };
        if w.waiters.load(Ordering::SeqCst) == 0 {
            drop(w);
            thread::park_timeout(Duration::from_millis(500));
            continue;
        }
        if conn.is_none() {
            conn = conn::open(opts, Instant::now() + Duration::from_secs(1)).ok();
        }
        if let Some(c) = &conn {
            match c.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0)) {
                Ok(version) => {
                    if last.is_some_and(|l| l != version) {
                        w.notify.notify_waiters();
                    }
                    last = Some(version);
                }
                Err(_) => conn = None,
            }
        }
        drop(w);
        thread::sleep(opts.poll_interval);
    }
}
