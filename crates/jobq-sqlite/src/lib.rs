//! The embedded SQLite backend of jobq: a job queue in one file, shared safely by any number
//! of processes on one machine.
//!
//! ```no_run
//! use jobq_core::{NewJob, Queue};
//! use jobq_sqlite::{SqliteOptions, SqliteQueue};
//!
//! # async fn demo() -> jobq_core::Result<()> {
//! let queue = SqliteQueue::open(SqliteOptions::from_url("sqlite:jobq.db")?).await?;
//! let id = queue.submit(NewJob::new("resize photo 17")).await?;
//! # Ok(()) }
//! ```
//!
//! # How it keeps the guarantees
//!
//! - **Durable (G1)**: WAL with `synchronous=FULL` by default; a call returns only after its
//!   transaction committed.
//! - **Shared safely (G4)**: each handle has one writer thread that takes the write lock up
//!   front (`BEGIN IMMEDIATE`), so no statement meets a lock half-way; when another process
//!   holds it, jobq waits with short randomised pauses up to the busy timeout (default 30 s)
//!   and then fails with [`Error::Busy`](jobq_core::Error::Busy) naming the file. SQLite's own
//!   "database is locked" never reaches a caller.
//! - **Group commit**: the writer commits every operation waiting for it in one transaction,
//!   so concurrent callers share one fsync. Operations check before they write, so one that
//!   is refused changes nothing; one that fails after writing undoes the whole transaction.
//! - **Few statements**: a batch is claimed by one `UPDATE … RETURNING` and settled by one
//!   lookup and one update; the history is written by triggers in the same statements.
//! - **Fast claims**: the claim walks a partial index ordered as the claim is, so its cost
//!   does not grow with the backlog or with the finished jobs kept.
//! - **Nothing lost (G3)**: every write transaction first returns expired leases to their
//!   queue (or fails them when no attempts are left).
//!
//! # Layout
//!
//! - [`options`]: [`SqliteOptions`], from code or from a `sqlite:` URL.
//! - `queue`: [`SqliteQueue`], the [`Queue`](jobq_core::Queue) implementation.
//! - `writer`: the writer thread and its group commit.
//! - `ops`: the write operations (submit, take, settle and extend, manage, the lease sweep).
//! - `read`: the pool of read connections and the read queries.
//! - `wakeup`: waking takers that wait, including for other processes' jobs.
//! - `conn`, `migrate`: opening connections, waiting out locks, the embedded schema.
//! - `sql/`: every statement, beside the code that runs it.
//!
//! # Known limits
//!
//! - One machine: SQLite's locking does not work over network file systems. Use PostgreSQL
//!   for producers and consumers on many machines.
//! - A `take` whose future is dropped after its claim reached the writer leaves its jobs
//!   leased until their lease expires; they then run again (nothing is lost).

mod conn;
mod migrate;
mod ops;
pub mod options;
mod queue;
mod read;
mod row;
mod wakeup;
mod writer;

pub use options::{SqliteOptions, Synchronous};
pub use queue::SqliteQueue;
