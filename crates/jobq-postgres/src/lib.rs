//! The PostgreSQL backend of jobq: one queue shared by producers and consumers on many
//! machines, with exactly the model and guarantees of the embedded SQLite backend (both run
//! the same conformance suite).
//!
//! ```no_run
//! use jobq_core::{NewJob, Queue};
//! use jobq_postgres::{PostgresOptions, PostgresQueue};
//!
//! # async fn demo() -> jobq_core::Result<()> {
//! let opts = PostgresOptions::from_url("postgres://app@db.internal/orders?schema=jobs")?;
//! let queue = PostgresQueue::connect(opts).await?;
//! let id = queue.submit(NewJob::new("resize photo 17")).await?;
//! # Ok(()) }
//! ```
//!
//! # How it keeps the guarantees
//!
//! - **Durable (G1)**: a call returns after PostgreSQL committed its transaction (with the
//!   server's default `synchronous_commit = on`, that is after the WAL reached the disk).
//! - **One transaction per call**: every operation is one statement, or one transaction of a
//!   few, so a call that fails — a refused input, a lost connection, a server restart —
//!   never leaves a job half-moved. A connection lost while a write ran leaves its outcome
//!   unknown (all of it or none), and the error says so.
//! - **Claims**: `FOR UPDATE SKIP LOCKED` at read committed, in a materialized CTE whose
//!   `LIMIT` sits above its row locks, so concurrent takers never wait for each other, never
//!   get the same job, and lock no more rows than they lease. The claim walks a partial index
//!   in claim order, so its cost does not grow with the backlog or the finished jobs kept.
//!   A batched take, a batched submission and a batched settlement are one statement each
//!   (arrays through `unnest`).
//! - **Done once (G2)**: a settlement checks the lease under the job's row lock; the first
//!   settlement of a lease wins, every later one is refused.
//! - **Nothing lost (G3)**: the claim statement also probes for expired leases; when there
//!   are any, the take first returns them to their queues (or fails them when no attempts
//!   are left), each with a `lease_expired` event.
//! - **Exact ids**: ids are unique through a hash index behind an exclusion constraint, which
//!   compares whole ids of any length (a B-tree entry cannot hold an 8000-byte id, and a
//!   unique index on a hash of the id would refuse a distinct id whose hash collides).
//! - **Wake-ups**: LISTEN/NOTIFY on one dedicated connection per handle, checked at
//!   start-up, reconnected with back-off, and backed by polling at the recheck interval,
//!   so lost notifications only delay a waiting taker. Notifications are sent after the
//!   change commits, not in its transaction, so that commits are not serialised; each
//!   wakes one waiting taker per handle, who passes it on when it took a full batch.
//! - **Time**: every "now" comes from the [`Clock`](jobq_core::Clock) in the options and is
//!   passed to the SQL; no statement reads the database's clock.
//!
//! # Layout
//!
//! - [`options`]: [`PostgresOptions`], from code or from a `postgres://` URL.
//! - `queue`: [`PostgresQueue`], the [`Queue`](jobq_core::Queue) implementation.
//! - `ops`: the writes (submit, take, settle and extend, manage); `read`: the reads.
//! - `wakeup`: waking waiting takers: the registry, the listener and its self-check.
//! - `migrate`: the embedded, numbered migrations, applied once under an advisory lock.
//! - `db`, `sql`, `rows`, `error`: the pool and statements, row decoding, error mapping.
//! - `sql/`: every statement, beside the code that runs it; `sql/migrations/` the schema.
//!
//! # Known limits
//!
//! - **No TLS**: connections are plain TCP or Unix sockets (`sslmode=require` fails to
//!   connect). Reach a remote server through a private network, an SSH tunnel or a local
//!   TLS proxy.
//! - **PostgreSQL 13 or later** (`gen_random_uuid`, materialized CTEs).
//! - **Clocks must agree**: times come from each caller's clock, so machines sharing a store
//!   need synchronised clocks; a clock that is S seconds off shortens or lengthens the
//!   leases it judges by S.
//! - **Times** are stored as `timestamptz`: a `run_at` outside 4713 BC to 262142 AD is
//!   refused (SQLite accepts any 64-bit time).
//! - **Notifications behind a pooler**: a connection pooler in transaction mode drops
//!   notifications; waiting takers then find new jobs only at each recheck (250 ms by
//!   default), and the start-up check logs a warning. Set `listen=off` there. Migrations
//!   and the listener need a session (not transaction-mode) connection to work.
//! - **Expired leases return when someone takes**: as with SQLite, no background task
//!   sweeps; until some consumer takes from the store, `status` shows such a job
//!   `running`.
//! - **Finished jobs stay in the jobs table** until purged; they do not slow claims
//!   (partial indexes) but do grow the table, `stats` (a scan) and vacuum's work. Purge
//!   regularly.
//! - **A dropped `take`**: a `take` whose future is dropped after its statement reached the
//!   server leaves its jobs leased until their lease expires; they then run again.
//! - **Each handle** holds up to `pool_size` connections plus one for notifications; many
//!   processes may need PostgreSQL's `max_connections` raised, or a smaller pool.

mod db;
mod error;
mod migrate;
mod ops;
pub mod options;
mod queue;
mod read;
mod rows;
mod sql;
mod wakeup;

pub use options::{DEFAULT_SCHEMA, PostgresOptions};
pub use queue::PostgresQueue;
