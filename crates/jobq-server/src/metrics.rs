//! What the server counts: totals for `/metrics` (Prometheus text format) and the recent
//! throughput the dashboard draws.
//!
//! Counters count what went through this server since it started; jobs by queue and state
//! are read from the store at each scrape, so they include what other processes did to it.
//! Written by hand rather than with a metrics crate: a few atomics and one histogram are
//! all there is, and the text format is simple.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jobq_core::{JobState, QueueName, Stats};
use serde::Serialize;

/// The upper bounds of the take latency histogram, in seconds.
const TAKE_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0, 120.0,
];

/// The width of one throughput bucket.
pub(crate) const BUCKET_SECS: u64 = 10;

/// How many throughput buckets are kept: one hour.
const BUCKETS_KEPT: usize = 360;

/// Counts of one throughput bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Throughput {
    /// Jobs submitted.
    pub submitted: u64,
    /// Jobs completed.
    pub completed: u64,
    /// Attempts that failed (retried or not).
    pub failed: u64,
}

/// The counters of one server.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    submitted: Mutex<BTreeMap<QueueName, u64>>,
    completed: AtomicU64,
    failed_attempts: AtomicU64,
    failed_jobs: AtomicU64,
    taken: AtomicU64,
    waiting: AtomicU64,
    take_buckets: [AtomicU64; TAKE_BUCKETS.len()],
    take_count: AtomicU64,
    take_micros: AtomicU64,
    recent: Mutex<VecDeque<(u64, Throughput)>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

impl Metrics {
    /// Adds `f` to the throughput bucket of now.
    fn bump(&self, f: impl FnOnce(&mut Throughput)) {
        let start = now_secs() / BUCKET_SECS * BUCKET_SECS;
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        match recent.back_mut() {
            Some((at, counts)) if *at == start => f(counts),
            _ => {
                let mut counts = Throughput::default();
                f(&mut counts);
                recent.push_back((start, counts));
                while recent.len() > BUCKETS_KEPT {
                    recent.pop_front();
                }
            }
        }
    }

    /// Counts `n` jobs submitted to `queue`.
    pub(crate) fn submitted(&self, queue: &QueueName, n: u64) {
        let mut submitted = self.submitted.lock().unwrap_or_else(|e| e.into_inner());
        *submitted.entry(queue.clone()).or_default() += n;
        drop(submitted);
        self.bump(|t| t.submitted += n);
    }

    /// Counts a settled attempt that left its job in `state`.
    pub(crate) fn settled(&self, complete: bool, state: JobState) {
        if complete {
            self.completed.fetch_add(1, Ordering::Relaxed);
            self.bump(|t| t.completed += 1);
        } else {
            self.failed_attempts.fetch_add(1, Ordering::Relaxed);
            if state == JobState::Failed {
                self.failed_jobs.fetch_add(1, Ordering::Relaxed);
            }
            self.bump(|t| t.failed += 1);
        }
    }

    /// Counts a take in progress until the guard is dropped.
    pub(crate) fn waiting(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(self)
    }

    /// Records a take that lasted `took` (its wait included) and leased `jobs` jobs.
    pub(crate) fn took(&self, took: Duration, jobs: usize) {
        self.taken.fetch_add(jobs as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (bound, bucket) in TAKE_BUCKETS.iter().zip(&self.take_buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.take_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.take_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The throughput of the last `buckets` buckets, oldest first, each with its start
    /// (Unix seconds); buckets with nothing in them are included as zeros.
    pub(crate) fn recent(&self, buckets: usize) -> Vec<(u64, Throughput)> {
        let last = now_secs() / BUCKET_SECS * BUCKET_SECS;
        let first = last.saturating_sub(BUCKET_SECS * (buckets as u64).saturating_sub(1));
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        (0..buckets as u64)
            .map(|i| first + i * BUCKET_SECS)
            .map(|at| {
                let counts = recent
                    .iter()
                    .find(|(start, _)| *start == at)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                (at, counts)
            })
            .collect()
    }

    /// The Prometheus text exposition of these counters and of `stats`, the store's
    /// counts by queue and state.
    pub(crate) fn render(&self, stats: &Stats) -> String {
        let mut out = String::new();
        let family = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(
            &mut out,
            "jobq_jobs",
            "gauge",
            "Jobs in the store, by queue and state.",
        );
        for (queue, counts) in &stats.queues {
            for state in JobState::ALL {
                let n = counts.get(state);
                let _ = writeln!(out, "jobq_jobs{{queue=\"{queue}\",state=\"{state}\"}} {n}");
            }
        }
        family(
            &mut out,
            "jobq_jobs_submitted_total",
            "counter",
            "Jobs submitted through this server, by queue.",
        );
        let submitted = self.submitted.lock().unwrap_or_else(|e| e.into_inner());
        for (queue, n) in submitted.iter() {
            let _ = writeln!(out, "jobq_jobs_submitted_total{{queue=\"{queue}\"}} {n}");
        }
        drop(submitted);
        let counters = [
            (
                "jobq_jobs_completed_total",
                "Jobs completed through this server.",
                &self.completed,
            ),
            (
                "jobq_jobs_failed_total",
                "Jobs that failed their last attempt through this server.",
                &self.failed_jobs,
            ),
            (
                "jobq_attempts_failed_total",
                "Attempts failed through this server, retried or not.",
                &self.failed_attempts,
            ),
            (
                "jobq_jobs_taken_total",
                "Jobs leased through this server.",
                &self.taken,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP jobq_takes_waiting Take requests in progress (long polls waiting for a job).\n\
             # TYPE jobq_takes_waiting gauge\njobq_takes_waiting {}",
            self.waiting.load(Ordering::Relaxed)
        );
        let name = "jobq_take_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} How long take requests lasted, their long-poll wait included.\n\
             # TYPE {name} histogram"
        );
        for (bound, bucket) in TAKE_BUCKETS.iter().zip(&self.take_buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.take_count.load(Ordering::Relaxed);
        #[allow(clippy::cast_precision_loss)]
        let sum = self.take_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {count}\n{name}_sum {sum}\n{name}_count {count}"
        );
        out
    }
}

/// A take in progress, counted in `jobq_takes_waiting`.
pub(crate) struct Waiting<'a>(&'a Metrics);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobq_core::QueueCounts;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        let q = QueueName::new("mail").unwrap();
        m.submitted(&q, 3);
        m.settled(true, JobState::Done);
        m.settled(false, JobState::Failed);
        m.took(Duration::from_millis(3), 1);
        let mut stats = Stats::default();
        stats.queues.insert(
            q,
            QueueCounts {
                queued: 1,
                done: 1,
                failed: 1,
                ..QueueCounts::default()
            },
        );
        let text = m.render(&stats);
        for line in [
            "jobq_jobs{queue=\"mail\",state=\"queued\"} 1",
            "jobq_jobs{queue=\"mail\",state=\"running\"} 0",
            "jobq_jobs_submitted_total{queue=\"mail\"} 3",
            "jobq_jobs_completed_total 1",
            "jobq_jobs_failed_total 1",
            "jobq_attempts_failed_total 1",
            "jobq_take_duration_seconds_bucket{le=\"0.001\"} 0",
            "jobq_take_duration_seconds_bucket{le=\"0.005\"} 1",
            "jobq_take_duration_seconds_bucket{le=\"+Inf\"} 1",
            "jobq_take_duration_seconds_count 1",
            "# TYPE jobq_take_duration_seconds histogram",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing in:\n{text}"
            );
        }
        let recent = m.recent(3);
        assert_eq!(recent.len(), 3);
        assert_eq!(
            recent[2].1,
            Throughput {
                submitted: 3,
                completed: 1,
                failed: 1
            }
        );
    }
}
