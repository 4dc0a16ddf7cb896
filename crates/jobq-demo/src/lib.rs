//! The basic system of seed 000, built on jobq: producers submit jobs, consumers take and
//! work on them, a manager resubmits the ones that failed, and an ops app reports how the
//! queue is doing. Each role runs alone (`jobq demo producer`, … as separate processes, so
//! that a process manager such as pm2 can run them) or all together (`jobq demo`).
//!
//! Every role prints a line for what it does, with the time and its name, so that a person
//! can follow the system; with JSON output each line is one object.
//!
//! # Layout
//!
//! - [`pace`]: [`Speed`] (every interval divided by a factor, for tests) and
//!   [`Between`] (a random duration in a range, such as `7s..15s`).
//! - [`say`]: [`Say`], the line each role prints.
//! - [`producer`], [`consumer`], [`manager`], [`ops`]: the four roles.
//! - [`system`]: [`system::run`], every role at once in one process.

pub mod consumer;
pub mod manager;
pub mod ops;
pub mod pace;
pub mod producer;
pub mod say;
pub mod system;

pub use pace::{Between, Speed};
pub use say::Say;
