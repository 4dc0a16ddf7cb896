//! `jobq schedule`: periodic jobs.

use std::time::Duration;

use clap::{Args, Subcommand};
use jobq::{QueueName, ScheduleName};

use super::{parse_duration, parse_queue};

/// `jobq schedule`.
#[derive(Debug, Args)]
pub(crate) struct ScheduleArgs {
    #[command(subcommand)]
    pub(crate) action: ScheduleAction,
}

/// What to do with schedules.
#[derive(Debug, Subcommand)]
pub(crate) enum ScheduleAction {
    /// Add a periodic job, or replace the one of that name: a job NAME@TICK-TIME at each tick.
    Add(ScheduleAddArgs),
    /// List the periodic jobs with their next tick.
    List,
    /// Remove a periodic job (exit 3 when there is none of that name).
    Remove(ScheduleRemoveArgs),
}

/// `jobq schedule add`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["every", "cron"])))]
pub(crate) struct ScheduleAddArgs {
    /// The schedule's name (A-Z a-z 0-9 . _ -).
    #[arg(value_parser = parse_schedule_name)]
    pub(crate) name: ScheduleName,
    /// The payload of each job (default empty).
    pub(crate) payload: Option<String>,
    /// Tick at every multiple of this interval since the epoch (1m ticks at each hh:mm:00 UTC).
    #[arg(long, value_parser = parse_duration)]
    pub(crate) every: Option<Duration>,
    /// Tick when this cron expression matches, in UTC (5 fields, or 6 with seconds first).
    #[arg(long)]
    pub(crate) cron: Option<String>,
    /// The queue the jobs go to.
    #[arg(short, long, value_parser = parse_queue, default_value = "default")]
    pub(crate) queue: QueueName,
    /// Higher runs first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub(crate) priority: i32,
    /// How many attempts each job gets.
    #[arg(long, default_value_t = jobq::NewJob::DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_attempts: u32,
}

/// `jobq schedule remove`.
#[derive(Debug, Args)]
pub(crate) struct ScheduleRemoveArgs {
    /// The schedule's name.
    #[arg(value_parser = parse_schedule_name)]
    pub(crate) name: ScheduleName,
}

fn parse_schedule_name(s: &str) -> Result<ScheduleName, String> {
    ScheduleName::new(s).map_err(|e| e.to_string())
}
