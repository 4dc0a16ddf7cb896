//! The jobq worker runtime: takes jobs from a queue and runs a handler for each, up to N at
//! once, keeping their leases alive while they run and recording how each attempt ended.
//!
//! ```no_run
//! use jobq_core::{LeasedJob, QueueName};
//! use jobq_sqlite::{SqliteOptions, SqliteQueue};
//! use jobq_worker::{Worker, shutdown_signal};
//!
//! # async fn demo() -> jobq_core::Result<()> {
//! let queue = SqliteQueue::open(SqliteOptions::new("jobq.db")).await?;
//! let summary = Worker::new(queue, QueueName::new("images")?)
//!     .concurrency(8)
//!     .run(
//!         |job: LeasedJob| async move {
//!             let text = String::from_utf8(job.payload).map_err(|_| "payload is not text")?;
//!             println!("resizing {text}");
//!             Ok::<_, &str>(())
//!         },
//!         shutdown_signal(),
//!     )
//!     .await?;
//! println!("{} done", summary.done);
//! # Ok(()) }
//! ```
//!
//! # What the runtime does for a handler
//!
//! - **Takes** as many jobs as it has free slots, in one `take`, waiting on the queue (a long
//!   poll) rather than spinning when it is empty.
//! - **Heartbeats**: extends each lease every third of the lease time while its handler runs,
//!   so a slow handler keeps its job and a dead worker loses it (G3). When a lease is lost
//!   anyway (the worker was paused past it, say), the handler is stopped: the job belongs to
//!   another attempt now.
//! - **Settles**: `Ok` completes the job; an error or a panic fails the attempt with the
//!   error's text, and the queue retries it after a back-off while attempts are left.
//!   Settling is retried while the store is unreachable, until the lease would end.
//! - **Stops gracefully**: when the shutdown future resolves it stops taking and lets running
//!   handlers finish; [`Worker::exit_when_empty`] also stops it once the queue has nothing
//!   queued or running.
//!
//! # Layout
//!
//! - [`handler`]: the [`Handler`] trait, implemented for async closures.
//! - [`command`]: [`CommandHandler`], which runs a program per job (`jobq work -- CMD`).
//! - [`worker`]: [`Worker`], its settings and its run loop.
//! - [`report`]: [`Report`] of each attempt and the [`Summary`] of a run.
//! - [`scheduler`]: [`Scheduler`], which submits the jobs of periodic schedules at their
//!   ticks (each tick once, however many schedulers run).
//! - [`signal`]: [`shutdown_signal`], SIGINT or SIGTERM.

pub mod command;
pub mod handler;
pub mod report;
pub mod scheduler;
pub mod signal;
pub mod worker;

pub use command::CommandHandler;
pub use handler::Handler;
pub use report::{Ended, Report, Summary};
pub use scheduler::Scheduler;
pub use signal::shutdown_signal;
pub use worker::{Worker, default_name};
