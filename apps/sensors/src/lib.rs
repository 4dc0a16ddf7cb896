//! sensors: the CSV to PostgreSQL ingest of seed 003, built on jobq.
//!
//! A generator writes sensor readings as CSV (`record_time,sensor_id,value`); a producer
//! reads the file as a stream and submits its rows to a jobq queue **in chunks**, one job
//! per few thousand rows, with ids made from the rows so that producing again submits
//! nothing twice; N consumers (default 16) take the chunks, woken by the queue, and write
//! each to PostgreSQL's `records` table in one idempotent statement, completing the job
//! only after the commit. Delivery is at least once and writes are idempotent, so every
//! row lands exactly once, whichever processes are killed on the way.
//!
//! # Layout
//!
//! - [`row`]: a row, the CSV format and the rules a row must follow.
//! - [`generate`](mod@generate): `sensors generate`, deterministic for a seed, streamed.
//! - [`chunk`]: chunk payloads, their ids, and reading them back.
//! - [`produce`](mod@produce): `sensors produce`, the file to chunk jobs.
//! - [`pg`]: [`Postgres`], the `records` table and its idempotent writes (SQL in `sql/`).
//! - [`consume`](mod@consume): `sensors consume`, chunk jobs to the table.
//! - [`bench`](mod@bench): `sensors bench`, ours against the seed's way and against `COPY`.
//! - [`progress`]: the row counter behind the progress line, and number formatting.
//! - [`error`]: [`SensorsError`], the app's one error type.

pub mod bench;
pub mod chunk;
pub mod consume;
pub mod error;
pub mod generate;
pub mod pg;
pub mod produce;
pub mod progress;
pub mod row;

pub use consume::{ConsumeOptions, Consumed, consume};
pub use error::{Result, SensorsError};
pub use generate::{GenerateOptions, generate};
pub use pg::Postgres;
pub use produce::{BadRow, ProduceOptions, Produced, produce};
pub use progress::Meter;
