//! The command line's grammar (clap). Ids, queue names and durations are checked here, so a
//! malformed argument is a usage error (exit 2) naming the flag, before anything is opened.

mod bench;
mod demo;
mod schedule;

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use jobq::{JobId, JobState, LeaseToken, QueueName};

pub(crate) use bench::{BenchArgs, BenchProcessArgs};
pub(crate) use demo::{DemoArgs, Role};
pub(crate) use schedule::{ScheduleAction, ScheduleAddArgs, ScheduleArgs};

/// jobq: a persistent job queue for many producers and many consumers.
#[derive(Debug, Parser)]
#[command(name = "jobq", version, about, long_about = None, max_term_width = 100)]
pub(crate) struct Cli {
    /// Where the queue lives: sqlite:PATH (or a bare path), postgres://USER@HOST/DB, or a jobq
    /// server at http://[TOKEN@]HOST:PORT (the token also from JOBQ_TOKEN).
    #[arg(long, global = true, env = "JOBQ_URL", default_value = jobq::DEFAULT_URL)]
    pub(crate) url: String,

    /// Machine output: one JSON object per line.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: Command,

    /// Whether the URL was given (by --url or JOBQ_URL) rather than the default.
    #[arg(skip)]
    pub(crate) url_given: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Submit a job: the payload is the argument, else standard input.
    Submit(SubmitArgs),
    /// Lease the next ready job, waiting up to --wait for one (exit 3 when none came).
    Take(TakeArgs),
    /// Mark a leased job done.
    Complete(LeaseArgs),
    /// Record a failed attempt of a leased job (retried after a back-off while attempts are left).
    Fail(FailArgs),
    /// Extend a lease (a heartbeat while working).
    Extend(ExtendArgs),
    /// Run a command for each job, up to N at once.
    Work(WorkArgs),
    /// Put failed or cancelled jobs back in their queue, attempts reset.
    Resubmit(ResubmitArgs),
    /// Cancel queued jobs.
    Cancel(CancelArgs),
    /// Show one job with its history (exit 3 when unknown).
    Status(StatusArgs),
    /// Count jobs by queue and state.
    Stats(StatsArgs),
    /// List jobs, newest first.
    List(ListArgs),
    /// Delete finished jobs (and their history).
    Purge(PurgeArgs),
    /// Add, list and remove periodic jobs (every `jobq work` submits their ticks).
    Schedule(ScheduleArgs),
    /// Serve the queue over HTTP: the API, the dashboard at / and metrics at /metrics.
    Serve(ServeArgs),
    /// Run the basic system: producers, consumers, a manager and ops sharing one queue.
    Demo(DemoArgs),
    /// Measure throughput and latency, beside the raw limit of the storage (on a scratch
    /// SQLite file unless --url or JOBQ_URL is given).
    Bench(BenchArgs),
    /// One process of the benchmark's multi-process cycle.
    #[command(name = "bench-process", hide = true)]
    BenchProcess(BenchProcessArgs),
}

/// `jobq submit`.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The payload (else read from standard input).
    #[arg(conflicts_with = "lines")]
    pub(crate) payload: Option<String>,
    /// The job's id (default: a new time-ordered id). Submitting an existing id is refused.
    #[arg(long, value_parser = parse_id, conflicts_with = "lines")]
    pub(crate) id: Option<JobId>,
    /// The queue.
    #[arg(short, long, value_parser = parse_queue, default_value = "default")]
    pub(crate) queue: QueueName,
    /// Higher runs first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub(crate) priority: i32,
    /// Make the job ready this long from now (250ms, 30s, 5m, 1h).
    #[arg(long, value_parser = parse_duration)]
    pub(crate) delay: Option<Duration>,
    /// How many attempts the job gets.
    #[arg(long, default_value_t = jobq::NewJob::DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_attempts: u32,
    /// Every line of standard input becomes one job, submitted in batches.
    #[arg(long)]
    pub(crate) lines: bool,
    /// With --lines: how many jobs per batch (one transaction each).
    #[arg(long, default_value_t = 1000, requires = "lines", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) batch: u32,
}

/// `jobq take`.
#[derive(Debug, Args)]
pub(crate) struct TakeArgs {
    /// The queue.
    #[arg(short, long, value_parser = parse_queue, default_value = "default")]
    pub(crate) queue: QueueName,
    /// How long the lease lasts unless extended.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) lease: Duration,
    /// How long to wait for a job when none is ready.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub(crate) wait: Duration,
    /// The worker's name, recorded in the job's history (default HOSTNAME:PID).
    #[arg(long)]
    pub(crate) worker: Option<String>,
}

/// A job and its lease, for `complete`.
#[derive(Debug, Args)]
pub(crate) struct LeaseArgs {
    /// The job's id.
    #[arg(value_parser = parse_id)]
    pub(crate) id: JobId,
    /// The lease token that take printed.
    #[arg(long, value_parser = parse_lease)]
    pub(crate) lease: LeaseToken,
}

/// `jobq fail`.
#[derive(Debug, Args)]
pub(crate) struct FailArgs {
    #[command(flatten)]
    pub(crate) job: LeaseArgs,
    /// What went wrong, kept as the job's last_error.
    #[arg(long, default_value = "failed")]
    pub(crate) error: String,
}

/// `jobq extend`.
#[derive(Debug, Args)]
pub(crate) struct ExtendArgs {
    #[command(flatten)]
    pub(crate) job: LeaseArgs,
    /// The lease then ends this long from now.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) by: Duration,
}

/// `jobq work`.
#[derive(Debug, Args)]
pub(crate) struct WorkArgs {
    /// The queue.
    #[arg(short, long, value_parser = parse_queue, default_value = "default")]
    pub(crate) queue: QueueName,
    /// How many jobs run at once.
    #[arg(short = 'c', long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) concurrency: u32,
    /// How long each lease lasts; it is extended while the command runs.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) lease: Duration,
    /// Exit once the queue has no queued or running job left.
    #[arg(long)]
    pub(crate) exit_when_empty: bool,
    /// The worker's name, recorded in the jobs' history (default HOSTNAME:PID).
    #[arg(long)]
    pub(crate) worker: Option<String>,
    /// Do not submit the ticks of periodic jobs (by default every worker does; each tick is
    /// submitted once however many run).
    #[arg(long)]
    pub(crate) no_scheduler: bool,
    /// The command to run for each job, after `--`: payload on stdin, JOBQ_JOB_ID,
    /// JOBQ_QUEUE and JOBQ_ATTEMPT in the environment.
    #[arg(last = true, required = true, num_args = 1..)]
    pub(crate) command: Vec<String>,
}

/// `jobq resubmit`.
#[derive(Debug, Args)]
pub(crate) struct ResubmitArgs {
    /// The jobs to resubmit.
    #[arg(value_parser = parse_id, required_unless_present = "failed", conflicts_with = "failed")]
    pub(crate) ids: Vec<JobId>,
    /// Resubmit every failed job (of --queue, or of all queues).
    #[arg(long)]
    pub(crate) failed: bool,
    /// With --failed: only this queue.
    #[arg(short, long, value_parser = parse_queue, requires = "failed")]
    pub(crate) queue: Option<QueueName>,
}

/// `jobq cancel`.
#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// The jobs to cancel.
    #[arg(value_parser = parse_id, required = true)]
    pub(crate) ids: Vec<JobId>,
}

/// `jobq status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The job's id.
    #[arg(value_parser = parse_id)]
    pub(crate) id: JobId,
}

/// `jobq stats`.
#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// Only this queue.
    #[arg(short, long, value_parser = parse_queue)]
    pub(crate) queue: Option<QueueName>,
}

/// `jobq list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this queue.
    #[arg(short, long, value_parser = parse_queue)]
    pub(crate) queue: Option<QueueName>,
    /// Only this state: queued, running, done, failed or cancelled.
    #[arg(long, value_parser = parse_state)]
    pub(crate) state: Option<JobState>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) limit: u32,
}

/// `jobq purge`.
#[derive(Debug, Args)]
pub(crate) struct PurgeArgs {
    /// Which finished jobs: done, failed or cancelled.
    #[arg(long, value_parser = parse_state)]
    pub(crate) state: JobState,
    /// Only jobs finished at least this long ago.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub(crate) older_than: Duration,
    /// Only this queue.
    #[arg(short, long, value_parser = parse_queue)]
    pub(crate) queue: Option<QueueName>,
}

/// `jobq serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on (HOST:PORT; port 0 picks a free one). An address other
    /// than loopback needs a token.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub(crate) listen: String,
    /// Every /v1 call must send `Authorization: Bearer TOKEN`.
    #[arg(long, env = "JOBQ_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// Do not submit the ticks of periodic jobs (by default the server does, as every
    /// `jobq work` does; each tick is submitted once however many run).
    #[arg(long)]
    pub(crate) no_scheduler: bool,
    /// Every minute, purge `done` jobs that finished at least this long ago (7d, 12h…), so
    /// that the store does not grow without bound. Default: keep them.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) retain_done: Option<Duration>,
}

fn parse_id(s: &str) -> Result<JobId, String> {
    JobId::new(s).map_err(|e| e.to_string())
}

fn parse_queue(s: &str) -> Result<QueueName, String> {
    QueueName::new(s).map_err(|e| e.to_string())
}

fn parse_lease(s: &str) -> Result<LeaseToken, String> {
    LeaseToken::new(s).map_err(|e| e.to_string())
}

fn parse_state(s: &str) -> Result<JobState, String> {
    s.parse().map_err(|e: jobq::Error| e.to_string())
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("{e}; write a duration like 250ms, 30s, 5m or 1h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
