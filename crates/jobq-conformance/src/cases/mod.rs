//! The cases, one module per topic. Each is a `pub async fn case<B: Backend>(backend: &B)`
//! listed once in [`for_each_case!`](crate::for_each_case).
//!
//! - [`submit`]: what goes in reads back exactly; ids, duplicates and bad input (G1, G5).
//! - [`take`]: leasing, waiting, order, queues and delays.
//! - [`lease`]: tokens, completion, stale and expired leases, extension (G2, G3).
//! - [`retry`]: failed attempts, back-off, batched settlement.
//! - [`manage`]: resubmit and cancel.
//! - [`inspect`]: history, stats, list and purge.
//! - [`schedule`]: periodic jobs' schedules.
//! - [`shared`]: many handles and tasks on one store, and durability (G1, G2, G4).

pub mod inspect;
pub mod lease;
pub mod manage;
pub mod retry;
pub mod schedule;
pub mod shared;
pub mod submit;
pub mod take;
