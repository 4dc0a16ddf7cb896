//! The write operations. Each is one transaction — most of them one statement — so a call
//! that fails, or whose connection breaks, never leaves a job half-moved. Each reads "now"
//! once, from the store's clock, and passes it to its SQL.

mod lease;
mod manage;
pub(crate) mod schedule;
mod submit;
mod take;

pub(crate) use lease::{extend, settle};
pub(crate) use manage::{cancel, purge_chunk, resubmit};
pub(crate) use submit::submit;
pub(crate) use take::claim;
