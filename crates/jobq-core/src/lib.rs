//! The core of jobq: the job model, input validation, the [`Queue`] trait and the one
//! [`Error`] type every backend returns. This crate does no I/O; the backends (`jobq-sqlite`,
//! and others behind the same trait) do.
//!
//! # Layout
//!
//! - [`id`]: [`JobId`] and [`QueueName`], the two validated names of the model.
//! - [`time`]: [`Timestamp`] and the [`Clock`] a backend reads "now" from; [`ManualClock`]
//!   lets tests move time instead of sleeping.
//! - [`job`]: what goes in ([`NewJob`]), what comes out ([`Job`], [`LeasedJob`],
//!   [`JobStatus`] with its [`Event`] history) and the [`JobState`] machine.
//! - [`request`]: the arguments of the queue operations ([`TakeRequest`], [`Settlement`],
//!   [`Select`], [`ListQuery`], [`PurgeQuery`]) and their answers.
//! - [`queue`]: the [`Queue`] trait. Thirteen required methods; the conveniences are provided.
//! - [`retry`]: the exponential back-off with jitter applied to failed attempts.
//! - [`schedule`]: periodic jobs: [`Schedule`] and the ticks of its [`Every`].
//! - [`limits`]: the size limits of ids, queue names and payloads.
//! - [`error`]: [`Error`], with a stable [`ErrorCode`] for machines.
//! - [`wire`]: the JSON shapes shared by the command line and the HTTP API.
//! - [`api`]: the request and answer bodies of the HTTP API, shared by the server and the
//!   HTTP client. With the `openapi` feature, every JSON shape also describes itself as an
//!   OpenAPI schema (utoipa), so the server's `/openapi.json` is made from these types.
//!
//! # Why the trait looks like this
//!
//! Every backend keeps the same state machine (see [`JobState`]), so the trait speaks in
//! whole operations, never in rows or statements: a backend is free to batch, to group commit
//! and to wake waiting consumers however its storage allows. Operations that act on many jobs
//! ([`Queue::submit_batch`], [`Queue::take`], [`Queue::settle`]) are the required ones, and the
//! one-job forms are default methods built on them, so a backend writes the batched path once
//! and it is the fast path.

pub mod api;
pub mod error;
pub mod id;
pub mod job;
pub mod limits;
pub mod queue;
pub mod request;
pub mod retry;
pub mod schedule;
#[cfg(feature = "openapi")]
mod schema;
pub mod time;
pub mod wire;

pub use error::{Error, ErrorCode, Result};
pub use id::{JobId, QueueName, ScheduleName};
pub use job::{Event, EventKind, Job, JobState, JobStatus, LeaseToken, LeasedJob, NewJob, RunAt};
pub use limits::Limits;
pub use queue::Queue;
pub use request::{
    ListQuery, Outcome, PurgeQuery, QueueCounts, Select, Settled, Settlement, Stats, TakeRequest,
};
pub use retry::Backoff;
pub use schedule::{Every, Schedule};
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
