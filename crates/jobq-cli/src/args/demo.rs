//! `jobq demo`: the basic system of seed 000, whole or one role at a time.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use jobq::QueueName;
use jobq_demo::{Between, Speed};

use super::{parse_duration, parse_queue};

/// `jobq demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Run one role alone (several processes then share the queue through --url).
    #[command(subcommand)]
    pub(crate) role: Option<Role>,
    /// The queue the roles share.
    #[arg(short, long, global = true, value_parser = parse_queue, default_value = "demo")]
    pub(crate) queue: QueueName,
    /// Divide every interval by this factor (10 makes 5 s into 0.5 s).
    #[arg(long, global = true, default_value = "1")]
    pub(crate) speed: Speed,
    /// Stop after this long (default: at Ctrl-C).
    #[arg(long, global = true, value_parser = parse_duration)]
    pub(crate) duration: Option<Duration>,
    /// How many producers (the whole system only).
    #[arg(long, default_value_t = 2)]
    pub(crate) producers: usize,
    /// How many consumers (the whole system only).
    #[arg(long, default_value_t = 3)]
    pub(crate) consumers: usize,
    /// The fraction of jobs that fail, 0 to 1 (the whole system only).
    #[arg(long, default_value_t = 0.2, value_parser = parse_fraction)]
    pub(crate) fail_rate: f64,
    /// How long a job takes: a duration or a range (the whole system only).
    #[arg(long, default_value = "7s..15s")]
    pub(crate) work: Between,
}

/// One role of the system.
#[derive(Debug, Subcommand)]
pub(crate) enum Role {
    /// Submit a string job every few seconds, or one job per line of a file.
    Producer(ProducerArgs),
    /// Take one job at a time and work on it for a random while.
    Consumer(ConsumerArgs),
    /// Resubmit failed jobs every so often.
    Manager(EveryArgs),
    /// Report counts by state, the oldest waiting job and throughput every so often.
    Ops(EveryArgs),
}

/// `jobq demo producer`.
#[derive(Debug, Args)]
pub(crate) struct ProducerArgs {
    /// Its name in the output (default producer-PID).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// The pause between two jobs: a duration or a range (default 5s; 1s..3s with --from).
    #[arg(long)]
    pub(crate) every: Option<Between>,
    /// Submit one job per line of this file, with the id FILE:LINE, then stop.
    #[arg(long)]
    pub(crate) from: Option<PathBuf>,
    /// Attempts each job gets (1: a failed job waits for the manager).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_attempts: u32,
}

/// `jobq demo consumer`.
#[derive(Debug, Args)]
pub(crate) struct ConsumerArgs {
    /// Its name in the output and the jobs' history (default consumer-PID).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// How long a job takes: a duration or a range.
    #[arg(long, default_value = "7s..15s")]
    pub(crate) work: Between,
    /// The fraction of jobs that fail, 0 to 1.
    #[arg(long, default_value_t = 0.2, value_parser = parse_fraction)]
    pub(crate) fail_rate: f64,
    /// Append each processed record to this file, one line each.
    #[arg(long)]
    pub(crate) append: Option<PathBuf>,
    /// The lease time (extended while a job is worked on).
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) lease: Duration,
}

/// `jobq demo manager` and `jobq demo ops`.
#[derive(Debug, Args)]
pub(crate) struct EveryArgs {
    /// How often it acts.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub(crate) every: Duration,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("{s:?} is not a fraction from 0 to 1, such as 0.2")),
    }
}
