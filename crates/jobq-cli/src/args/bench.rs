//! `jobq bench`: throughput and latency, beside the raw limit of the storage.

use clap::Args;
use jobq::QueueName;

use super::parse_queue;

/// `jobq bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Jobs per throughput figure.
    #[arg(long, default_value_t = 20_000)]
    pub(crate) jobs: usize,
    /// Jobs submitted one per call, for the single-submit figure.
    #[arg(long, default_value_t = 500)]
    pub(crate) single_jobs: usize,
    /// Jobs per batch in the batched figures.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub(crate) batch: u64,
    /// Concurrent callers in the one-job-per-call cycle (half submit, half take).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(2..=1_000))]
    pub(crate) callers: u64,
    /// Jobs per one-job-per-call cycle.
    #[arg(long, default_value_t = 5_000)]
    pub(crate) concurrent_jobs: usize,
    /// OS processes in the multi-process cycle.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub(crate) processes: u64,
    /// Samples of pickup latency.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) pickups: u64,
    /// Queued jobs in the backlog the claim cost is measured against.
    #[arg(long, default_value_t = 1_000_000)]
    pub(crate) backlog: usize,
    /// How often each figure is measured; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub(crate) repeats: u64,
}

/// `jobq bench-process`: one process of the multi-process cycle (run by `jobq bench`).
#[derive(Debug, Args)]
pub(crate) struct BenchProcessArgs {
    /// The queue all processes share.
    #[arg(value_parser = parse_queue)]
    pub(crate) queue: QueueName,
    /// Jobs this process submits and completes.
    pub(crate) jobs: usize,
    /// Its callers.
    pub(crate) callers: usize,
}
