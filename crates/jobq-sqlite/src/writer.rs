//! The writer: one thread per store handle that owns the write connection and commits many
//! operations in one transaction (group commit).
//!
//! Callers send operations (closures over the connection) on a channel. The thread takes
//! the first, then everything else already waiting, opens one `BEGIN IMMEDIATE` transaction
//! (taking the file's write lock up front, so no statement inside can meet a lock), runs
//! each operation, commits once, and only then answers every caller. So:
//!
//! - concurrent callers share one commit, and one fsync;
//! - an answer is never sent before its change is durable (G1).
//!
//! Operations check before they write: one that refuses (a duplicate id, a stale lease)
//! has changed nothing, and the others of the batch go on. No savepoint per operation is
//! needed, which spares SQLite copying every page an operation touches into a sub-journal.
//! Should an operation fail after it wrote (the disk is full, a bug), the whole transaction
//! is rolled back and every operation of the batch is answered with the error: nothing of
//! the batch happened.
//!
//! Every transaction first returns expired leases to their queues ([`ops::sweep`]), so a job
//! whose consumer died runs again (G3) as soon as anyone writes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use jobq_core::{Error, Result, Timestamp};
use rusqlite::Connection;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::conn::{Pause, is_busy, lock_of};
use crate::ops;
use crate::options::SqliteOptions;

/// The most operations committed in one transaction.
const MAX_BATCH: usize = 512;

/// How long the writer waits for the callers of its last commit to send their next
/// operations, when that commit had several (PostgreSQL's `commit_delay`, made adaptive).
const GATHER: std::time::Duration = std::time::Duration::from_micros(100);

/// Moves the operations waiting on `rx` into `batch`, up to [`MAX_BATCH`].
fn drain(rx: &mut mpsc::UnboundedReceiver<Box<dyn Pending>>, batch: &mut Vec<Box<dyn Pending>>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(op) => batch.push(op),
            Err(_) => break,
        }
    }
}

/// What an operation sees: the connection inside the open transaction, the time of the
/// transaction, and the store's options.
pub(crate) struct Ctx<'a> {
    /// The write connection, inside the transaction.
    pub(crate) conn: &'a Connection,
    /// "Now" for every operation of this transaction.
    pub(crate) now: Timestamp,
    /// The store's options (back-off, limits).
    pub(crate) opts: &'a SqliteOptions,
    /// Set by an operation that made a job ready, so waiting takers are woken after commit.
    pub(crate) wake: bool,
}

/// A handle on the writer thread; cloned into every store handle.
#[derive(Clone)]
pub(crate) struct Writer {
    ops: mpsc::UnboundedSender<Box<dyn Pending>>,
    opts: Arc<SqliteOptions>,
}

impl Writer {
    /// Starts the writer thread on `conn`. It stops when every handle is dropped.
    pub(crate) fn start(conn: Connection, opts: Arc<SqliteOptions>, wake: Arc<Notify>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let thread_opts = Arc::clone(&opts);
        let name = format!("jobq-writer {}", opts.path.display());
        let spawned = thread::Builder::new().name(name).spawn(move || {
            WriterThread {
                conn,
                opts: thread_opts,
                wake,
            }
            .run(rx);
        });
        if let Err(err) = spawned {
            // Without a thread every call fails with "the writer stopped"; say why once.
            tracing::error!("cannot start the jobq writer thread: {err}");
        }
        Self { ops: tx, opts }
    }

    /// Runs `f` in the next transaction and answers once it is committed.
    ///
    /// # Errors
    ///
    /// What `f` returns (its changes are then rolled back); [`Error::Busy`] when other
    /// processes held the store past the busy timeout; [`Error::Backend`] when the commit
    /// failed.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let op = Op {
            f,
            reply,
            enqueued: Instant::now(),
        };
        let stopped = || {
            Error::backend(
                format!("writing to {}", self.opts.path.display()),
                "the writer thread stopped (see the log for why)",
            )
        };
        self.ops.send(Box::new(op)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// An operation waiting for a transaction.
trait Pending: Send {
    fn run(self: Box<Self>, ctx: &mut Ctx<'_>) -> Box<dyn Finished>;
    fn fail(self: Box<Self>, err: Error);
    fn enqueued(&self) -> Instant;
}

/// An operation that ran, waiting for the commit to answer.
trait Finished: Send {
    fn succeeded(&self) -> bool;
    fn answer(self: Box<Self>, commit: Option<&str>, path: &str);
}

struct Op<T, F> {
    f: F,
    reply: oneshot::Sender<Result<T>>,
    enqueued: Instant,
}

impl<T, F> Pending for Op<T, F>
where
    T: Send + 'static,
    F: FnOnce(&mut Ctx<'_>) -> Result<T> + Send + 'static,
{
    fn run(self: Box<Self>, ctx: &mut Ctx<'_>) -> Box<dyn Finished> {
        let Op { f, reply, .. } = *self;
        Box::new(Ran {
            result: f(ctx),
            reply,
        })
    }

    fn fail(self: Box<Self>, err: Error) {
        let _ = self.reply.send(Err(err));
    }

    fn enqueued(&self) -> Instant {
        self.enqueued
    }
}

struct Ran<T> {
    result: Result<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send> Finished for Ran<T> {
    fn succeeded(&self) -> bool {
        self.result.is_ok()
    }

    fn answer(self: Box<Self>, commit: Option<&str>, path: &str) {
        let result = match (self.result, commit) {
            (Ok(_), Some(err)) => Err(Error::backend(
                format!("committing to {path}"),
                err.to_owned(),
            )),
            (result, _) => result,
        };
        // The caller may have gone away; its change is committed all the same.
        let _ = self.reply.send(result);
    }
}

struct WriterThread {
    conn: Connection,
    opts: Arc<SqliteOptions>,
    wake: Arc<Notify>,
}

impl WriterThread {
    fn run(self, mut rx: mpsc::UnboundedReceiver<Box<dyn Pending>>) {
        let mut last = 1;
        while let Some(first) = rx.blocking_recv() {
            let mut batch = vec![first];
            drain(&mut rx, &mut batch);
            if last > 1 && batch.len() < last {
                // Several callers were answered together by the last commit; most are
                // about to send their next operation. A moment's wait lets them share this
                // commit rather than queue behind it.
                thread::sleep(GATHER);
                drain(&mut rx, &mut batch);
            }
            last = batch.len();
            let outcome = catch_unwind(AssertUnwindSafe(|| self.commit_batch(batch)));
            if outcome.is_err() {
                // A bug in an operation. Its callers see "the writer stopped" for this batch
                // (their answers were dropped); the transaction is undone and work goes on.
                tracing::error!("a jobq write operation panicked; its transaction was rolled back");
                let _ = self.conn.execute_batch("ROLLBACK");
            }
        }
    }

    fn commit_batch(&self, mut batch: Vec<Box<dyn Pending>>) {
        let path = self.opts.path.display().to_string();
        if !self.begin(&mut batch) {
            return;
        }
        let mut ctx = Ctx {
            conn: &self.conn,
            now: self.opts.clock.now(),
            opts: &self.opts,
            wake: false,
        };
        if let Err(err) = ops::sweep(&mut ctx) {
            let _ = self.conn.execute_batch("ROLLBACK");
            let message = err.to_string();
            for op in batch {
                op.fail(Error::backend(
                    format!("returning expired leases in {path}"),
                    message.clone(),
                ));
            }
            return;
        }
        let mut finished: Vec<Box<dyn Finished>> = Vec::with_capacity(batch.len());
        let mut ops = batch.into_iter();
        while let Some(op) = ops.next() {
            let before = self.conn.total_changes();
            let ran = op.run(&mut ctx);
            let wrote_then_failed = !ran.succeeded() && self.conn.total_changes() != before;
            finished.push(ran);
            if wrote_then_failed || self.conn.is_autocommit() {
                // Part of an operation's change could be committed with the others': undo
                // the whole transaction (SQLite may have done so already: disk full, I/O
                // error), and answer every operation of the batch that nothing happened.
                let _ = self.conn.execute_batch("ROLLBACK");
                let why = "the transaction was rolled back because an operation failed \
                           part-way (the disk may be full or failing); nothing was changed";
                for op in finished {
                    op.answer(Some(why), &path);
                }
                for op in ops {
                    op.fail(Error::backend(format!("writing to {path}"), why));
                }
                return;
            }
        }
        let wake = ctx.wake;
        let commit = self.commit().err();
        for op in finished {
            op.answer(commit.as_deref(), &path);
        }
        if commit.is_none() && wake {
            self.wake.notify_waiters();
        }
    }

    /// Takes the write lock, waiting out other processes. Callers whose deadline passes are
    /// answered [`Error::Busy`]; returns false when none is left.
    fn begin(&self, batch: &mut Vec<Box<dyn Pending>>) -> bool {
        let mut pause = Pause::new();
        loop {
            match self.exec("BEGIN IMMEDIATE") {
                Ok(()) => return true,
                Err(err) if is_busy(&err) => {
                    let now = Instant::now();
                    let timeout = self.opts.busy_timeout;
                    let (expired, waiting): (Vec<_>, Vec<_>) = batch
                        .drain(..)
                        .partition(|op| now.duration_since(op.enqueued()) >= timeout);
                    for op in expired {
                        let waited = now.duration_since(op.enqueued());
                        op.fail(Error::Busy {
                            waited,
                            what: lock_of(&self.opts.path),
                        });
                    }
                    *batch = waiting;
                    let Some(first) = batch.iter().map(|op| op.enqueued()).min() else {
                        return false;
                    };
                    pause.sleep(first + timeout);
                }
                Err(err) => {
                    let message = err.to_string();
                    for op in batch.drain(..) {
                        op.fail(Error::backend(
                            format!("starting a transaction on {}", self.opts.path.display()),
                            message.clone(),
                        ));
                    }
                    return false;
                }
            }
        }
    }

    /// Commits; on failure rolls back and returns the error's text.
    fn commit(&self) -> Result<(), String> {
        let mut pause = Pause::new();
        let deadline = Instant::now() + self.opts.busy_timeout;
        loop {
            match self.exec("COMMIT") {
                Ok(()) => return Ok(()),
                Err(err) if is_busy(&err) && Instant::now() < deadline => pause.sleep(deadline),
                Err(err) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(err.to_string());
                }
            }
        }
    }

    fn exec(&self, sql: &str) -> rusqlite::Result<()> {
        self.conn.prepare_cached(sql)?.execute([]).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc as std_mpsc;
    use std::time::Duration;

    use jobq_core::{JobId, NewJob};

    use super::*;
    use crate::{conn, migrate};

    /// A writer on a new store in `dir`.
    fn writer(dir: &std::path::Path) -> Writer {
        let opts = Arc::new(SqliteOptions::new(dir.join("q.db")));
        let deadline = Instant::now() + Duration::from_secs(5);
        let conn = conn::open(&opts, deadline).unwrap();
        migrate::migrate(&conn, &opts, deadline).unwrap();
        Writer::start(conn, opts, Arc::new(Notify::new()))
    }

    #[tokio::test]
    async fn an_operation_failing_after_it_wrote_undoes_its_whole_batch() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(dir.path());
        // Hold the writer thread, so that the next two operations share one transaction.
        let (release, held) = std_mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let blocker = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(move |_| {
                    let _ = started.send(());
                    held.recv()
                        .map_err(|e| Error::backend("test", e.to_string()))
                })
                .await
            }
        });
        running.await.unwrap();
        let half_done = w.run(|ctx| {
            ops::submit(ctx, vec![NewJob::new("written")])?;
            Err::<(), _>(Error::invalid("test", "failed after writing"))
        });
        let innocent = w.run(|ctx| {
            ops::submit(
                ctx,
                vec![NewJob::new("x").id(JobId::new("innocent").unwrap())],
            )
        });
        let release_after_both_queued = async {
            tokio::task::yield_now().await;
            release.send(()).unwrap();
        };
        let (half_done, innocent, ()) =
            tokio::join!(half_done, innocent, release_after_both_queued);
        blocker.await.unwrap().unwrap();
        assert!(
            half_done
                .unwrap_err()
                .to_string()
                .contains("failed after writing")
        );
        let err = innocent.unwrap_err().to_string();
        assert!(err.contains("rolled back"), "{err}");
        let count: i64 = w
            .run(|ctx| {
                ctx.conn
                    .query_row("SELECT count(*) FROM jobq_jobs", [], |r| r.get(0))
                    .map_err(|e| Error::backend("count", e.to_string()))
            })
            .await
            .unwrap();
        assert_eq!(count, 0, "nothing of the batch was committed");
    }
}
