//! jobq: a persistent job queue for many producers and many consumers, in processes on one
//! machine or many.
//!
//! This crate is the library's front door: [`connect`] opens the store a URL names — an
//! SQLite file (`sqlite:PATH`, [`SqliteQueue`]) or a PostgreSQL database (`postgres://…`,
//! [`PostgresQueue`]) — and returns an [`AnyQueue`], which implements the [`Queue`] trait
//! whatever the backend. The model, the trait and the error type come from `jobq-core` and
//! are re-exported here.
//!
//! ```no_run
//! use jobq::{NewJob, Queue, QueueName, TakeRequest};
//!
//! # async fn demo() -> jobq::Result<()> {
//! let queue = jobq::connect("sqlite:jobq.db").await?;
//!
//! // A producer.
//! let id = queue.submit(NewJob::new("resize photo 17")).await?;
//!
//! // A consumer.
//! if let Some(job) = queue.take_one(TakeRequest::new(QueueName::default())).await? {
//!     // ... do the work ...
//!     queue.complete(&job.id, &job.lease).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `url`: [`connect`] and the URL forms it understands.
//! - `any`: [`AnyQueue`], the run-time choice of backend as an enum (async trait methods
//!   cannot go through `dyn`, and an enum costs no allocation per call).
//! - [`worker`]: the worker runtime (`jobq-worker`), which runs a handler for each job.

mod any;
mod url;

pub use any::AnyQueue;
pub use jobq_core::{
    Backoff, Clock, Error, ErrorCode, Event, EventKind, Every, Job, JobId, JobState, JobStatus,
    LeaseToken, LeasedJob, Limits, ListQuery, ManualClock, NewJob, Outcome, PurgeQuery, Queue,
    QueueCounts, QueueName, Result, RunAt, Schedule, ScheduleName, Select, Settled, Settlement,
    Stats, SystemClock, TakeRequest, Timestamp, api, wire,
};
pub use jobq_http::{HttpOptions, HttpQueue};
pub use jobq_postgres::{PostgresOptions, PostgresQueue};
pub use jobq_sqlite::{SqliteOptions, SqliteQueue};
pub use jobq_worker as worker;
pub use url::{DEFAULT_URL, connect};
