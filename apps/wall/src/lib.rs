//! wall: the construction crews of seed 004, built on jobq.
//!
//! A wall is a list of profiles, each a list of section heights from 0 to 30 feet. Every
//! section under 30 feet gets one foot a day; a foot takes 195 cubic yards of ice, and a
//! cubic yard costs 1,900 Gold Dragons. The app builds the wall with crews and answers, over
//! REST, how much ice a profile used on a day and what the wall cost through a day.
//!
//! The work is shared through jobq: **each section is a job**, **each crew is a consumer**
//! (a [`jobq::worker::Worker`], in the server's process or in its own), and **every foot
//! built is a row of a durable work log** keyed by configuration, profile, section and
//! day. A crew killed mid-section loses its lease; another crew takes the section and
//! resumes after its last recorded day, and a foot is never counted twice. So the answers
//! are the same whatever the number of crews, and whichever of them die.
//!
//! # Layout
//!
//! - [`config`]: [`WallConfig`], the configuration and its parser.
//! - [`rules`]: the rules computed directly from a configuration, which the recorded work
//!   must add up to.
//! - [`format`](mod@format): numbers with thousands separators (`1,111,500`).
//! - [`worklog`]: [`WorkLog`], the durable record of every foot (SQLite).
//! - [`crew`]: section jobs, and the crews that build them.
//! - [`site`]: [`Site`], the queue and the log together: configurations become jobs,
//!   questions are answered from the log.
//! - [`api`]: the REST routes (axum).
//! - [`server`]: [`Server`], `wall serve` as a library call.
//! - [`build`]: `wall run`, a whole build and its overview table.
//! - [`error`]: [`WallError`], the app's one error type.

pub mod api;
pub mod build;
pub mod config;
pub mod crew;
pub mod error;
pub mod format;
pub mod rules;
pub mod server;
pub mod site;
pub mod worklog;

pub use config::WallConfig;
pub use error::{Result, WallError};
pub use format::thousands;
pub use server::{ServeOptions, Server};
pub use site::Site;
pub use worklog::WorkLog;
