//! wall: the construction crews of seed 004, built on jobq.
//!
//! A wall is a list of profiles, each a list of section heights from 0 to 30 feet. Every
//! section under 30 feet gets one foot a day; a foot takes 195 cubic yards of ice, and a
//! cubic yard costs 1,900 Gold Dragons. The app builds the wall with crews and answers, over
//! REST, how much ice a profile used on a day and what the wall cost through a day.
//!
//! # Layout
//!
//! - [`config`]: [`WallConfig`], the configuration and its parser.
//! - [`rules`]: the rules computed directly from a configuration, which the recorded work
//!   must add up to.
//! - [`format`]: numbers with thousands separators (`1,111,500`).
//! - [`error`]: [`WallError`], the app's one error type.

pub mod config;
pub mod error;
pub mod format;
pub mod rules;

pub use config::WallConfig;
pub use error::{Result, WallError};
pub use format::thousands;
