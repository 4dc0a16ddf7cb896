//! jobq's benchmark: how fast a store submits, cycles (submit, take, complete) and hands a
//! new job to a waiting consumer, each figure beside the raw limit of the storage under it
//! (the same row writes in the same transaction sizes, without jobq), measured in one run.
//!
//! Every figure is measured [`Settings::repeats`] times and the median is reported, because
//! a 2-core machine shared with other work is noisy; the raw limit is measured in the same
//! run, so the fraction of it is the figure to compare across machines.
//!
//! # Layout
//!
//! - [`Settings`]: sizes of the run; [`run`] measures everything and returns [`Figures`].
//! - `cycle`: submit throughput and the full cycle, batched and one job per call, in one
//!   process.
//! - `latency`: pickup latency, and the claim cost with a backlog.
//! - [`process`]: the full cycle across several OS processes on one store.
//! - `raw`, `raw_pg`: the raw SQLite and PostgreSQL limits.
//! - [`figures`]: [`Figures`], and the [`Measured`] median of repeated runs.

mod cycle;
pub mod figures;
mod latency;
pub mod process;
mod raw;
mod raw_pg;

use std::path::PathBuf;
use std::time::Duration;

use indicatif::ProgressBar;
use jobq::QueueName;

pub use figures::{Figures, Measured};

/// The sizes of a benchmark run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Jobs per throughput measurement.
    pub jobs: usize,
    /// Jobs submitted one per call (each call is one commit).
    pub single_jobs: usize,
    /// Jobs per batch in the batched measurements.
    pub batch: usize,
    /// Concurrent callers in the one-job-per-call cycle (half submit, half take and
    /// complete).
    pub callers: usize,
    /// Jobs per one-job-per-call cycle measurement (in one process, and across processes).
    pub concurrent_jobs: usize,
    /// OS processes in the multi-process cycle (each with `callers` callers).
    pub processes: usize,
    /// Samples of pickup latency.
    pub pickups: usize,
    /// Queued jobs in the backlog the claim cost is measured against.
    pub backlog: usize,
    /// How often each figure is measured (the median is reported).
    pub repeats: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            jobs: 20_000,
            single_jobs: 500,
            batch: 500,
            callers: 8,
            concurrent_jobs: 5_000,
            processes: 4,
            pickups: 200,
            backlog: 1_000_000,
            repeats: 3,
        }
    }
}

/// Where the benchmark runs.
#[derive(Debug, Clone)]
pub struct Target {
    /// The store's URL.
    pub url: String,
    /// The SQLite file, when the store is one: the raw limit is measured in a file beside it.
    pub sqlite_dir: Option<PathBuf>,
    /// The `jobq` executable, for the multi-process cycle.
    pub exe: PathBuf,
    /// Whether the store is a scratch store made for this run (so what is left in it needs
    /// no cleaning).
    pub scratch: bool,
}

/// A fresh queue name for one measurement, so measurements never see each other's jobs.
pub(crate) fn fresh_queue(what: &str) -> QueueName {
    let suffix = jobq::JobId::generate().into_string();
    QueueName::new(format!("bench-{what}-{}", &suffix[suffix.len() - 12..])).unwrap_or_default()
}

/// Measures everything `settings` asks for on `target`, showing progress on `progress`.
///
/// # Errors
///
/// When the store cannot be opened or refuses an operation, or a child process fails.
pub async fn run(
    target: &Target,
    settings: &Settings,
    progress: &ProgressBar,
) -> jobq::Result<Figures> {
    let queue = jobq::connect(&target.url).await?;
    let steps = 8 * settings.repeats.max(1) as u64;
    progress.set_length(steps);
    let mut figures = Figures::new(&target.url, settings);
    let step = |what: &str| {
        progress.set_message(what.to_owned());
    };
    let repeat = settings.repeats.max(1);
    macro_rules! measure {
        ($what:expr, $field:ident, $fut:expr) => {{
            step($what);
            let mut runs = Vec::with_capacity(repeat);
            for _ in 0..repeat {
                runs.push($fut.await?);
                progress.inc(1);
            }
            figures.$field = Measured::of(runs);
        }};
    }
    measure!(
        "submit, one job per call",
        submit_single_per_s,
        cycle::submit_single(&queue, settings)
    );
    measure!(
        "submit, batched",
        submit_batched_per_s,
        cycle::submit_batched(&queue, settings)
    );
    measure!(
        "full cycle, batched",
        cycle_batched_per_s,
        cycle::cycle_batched(&queue, settings)
    );
    measure!(
        "full cycle, one job per call",
        cycle_single_concurrent_per_s,
        cycle::cycle_single(&queue, settings, settings.callers)
    );
    measure!(
        "full cycle, processes",
        cycle_processes_per_s,
        process::cycle(target, settings)
    );
    step("pickup latency");
    let mut pickups = Vec::new();
    for _ in 0..repeat {
        pickups.push(latency::pickup(&queue, settings).await?);
        progress.inc(1);
    }
    figures.set_pickups(pickups);
    step("claim cost: filling the backlog");
    let backlog = fresh_queue("backlog");
    latency::fill_backlog(&queue, &backlog, settings, progress).await?;
    step("claim cost");
    let mut claims = Vec::new();
    for _ in 0..repeat {
        claims.push(latency::claim_cost(&queue, &backlog).await?);
        progress.inc(1);
    }
    figures.set_claims(claims);
    if !target.scratch {
        cycle::clean(&queue, &backlog).await?;
    }
    if let Some(dir) = &target.sqlite_dir {
        step("raw SQLite limit");
        let mut raws = Vec::new();
        for _ in 0..repeat {
            raws.push(raw::sqlite(dir, settings)?);
            progress.inc(1);
        }
        figures.set_raw(raws);
    } else if target.url.starts_with("postgres://") || target.url.starts_with("postgresql://") {
        step("raw PostgreSQL limit");
        let mut raws = Vec::new();
        for _ in 0..repeat {
            raws.push(raw_pg::postgres(&target.url, settings).await?);
            progress.inc(1);
        }
        figures.set_raw(raws);
    } else {
        progress.inc(repeat as u64);
    }
    Ok(figures)
}

/// Jobs per second for `n` jobs in `elapsed`.
pub(crate) fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}
