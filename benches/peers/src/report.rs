//! [`Figures`]: every measurement of a run, their medians, jobq's ratio to each peer, and
//! how they are shown: a table for people and one JSON object for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jobq_peers_protocol::{Shape, Synchronous};
use serde_json::{Value, json};

use crate::Settings;
use crate::runners::Queue;

/// One figure: a queue, a shape, a size and a synchronous level, measured several times.
#[derive(Debug, Clone)]
pub struct Cell {
    /// How hard commits went to disk.
    pub sync: Synchronous,
    /// How jobs were submitted and completed.
    pub shape: Shape,
    /// The queue.
    pub queue: Queue,
    /// Jobs per measurement.
    pub jobs: usize,
    /// Jobs per second, one per run.
    pub runs: Vec<f64>,
    /// The 1-minute load average when each run started.
    pub loads: Vec<f64>,
    /// What the runner said about its settings, from its last run.
    pub said: Value,
}

impl Cell {
    /// The median of the runs (the mean of the middle two for an even count).
    pub fn median(&self) -> f64 {
        median(&self.runs)
    }
}

/// The median of `xs`; NaN when empty.
pub fn median(xs: &[f64]) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if !n.is_multiple_of(2) => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Everything a run measured.
#[derive(Debug)]
pub struct Figures {
    /// The sizes and choices of the run.
    pub settings: Settings,
    /// Every figure, in the order measured.
    pub cells: Vec<Cell>,
    /// The machine's cores.
    pub cores: usize,
    /// The file system of the databases.
    pub filesystem: Option<String>,
    /// The crates each runner was built with.
    pub versions: BTreeMap<&'static str, BTreeMap<String, String>>,
}

/// jobq's median divided by a peer's, at the same size, shape and level.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// How hard commits went to disk.
    pub sync: Synchronous,
    /// The shape.
    pub shape: Shape,
    /// The peer.
    pub peer: Queue,
    /// Jobs per measurement, for both.
    pub jobs: usize,
    /// jobq's jobs/s over the peer's.
    pub jobq_over_peer: f64,
}

impl Figures {
    /// The figure for `queue` at `jobs`, `shape` and `sync`, if measured.
    fn cell(&self, sync: Synchronous, shape: Shape, queue: Queue, jobs: usize) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.sync == sync && c.shape == shape && c.queue == queue && c.jobs == jobs)
    }

    /// jobq's ratio to every peer measured beside it.
    pub fn ratios(&self) -> Vec<Ratio> {
        self.cells
            .iter()
            .filter(|c| c.queue != Queue::Jobq)
            .filter_map(|peer| {
                let jobq = self.cell(peer.sync, peer.shape, Queue::Jobq, peer.jobs)?;
                Some(Ratio {
                    sync: peer.sync,
                    shape: peer.shape,
                    peer: peer.queue,
                    jobs: peer.jobs,
                    jobq_over_peer: jobq.median() / peer.median(),
                })
            })
            .collect()
    }

    /// The load averages at the start of every run.
    fn loads(&self) -> Vec<f64> {
        self.cells.iter().flat_map(|c| c.loads.clone()).collect()
    }

    /// One JSON object.
    pub fn to_json(&self) -> Value {
        let s = &self.settings;
        let loads = self.loads();
        let min = loads.iter().copied().fold(f64::INFINITY, f64::min);
        let max = loads.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let results: Vec<Value> = self
            .cells
            .iter()
            .map(|c| {
                json!({
                    "sync": c.sync.as_str(), "shape": c.shape.as_str(), "queue": c.queue.as_str(),
                    "jobs": c.jobs, "median_per_s": number(c.median()), "runs_per_s": c.runs,
                    "load_1m": c.loads, "sqlite": c.said["sqlite"],
                    "journal_mode": c.said["journal_mode"], "synchronous": c.said["synchronous"],
                    "driven": c.said["driven"],
                })
            })
            .collect();
        let ratios: Vec<Value> = self
            .ratios()
            .iter()
            .map(|r| {
                json!({
                    "sync": r.sync.as_str(), "shape": r.shape.as_str(), "peer": r.peer.as_str(),
                    "jobs": r.jobs, "jobq_over_peer": number(r.jobq_over_peer),
                })
            })
            .collect();
        json!({
            "settings": {
                "jobs": s.jobs, "peer_jobs": s.peer_jobs, "repeats": s.repeats,
                "producers": s.producers, "concurrency": s.concurrency, "batch": s.batch,
                "dir": s.dir.display().to_string(),
            },
            "machine": {
                "cores": self.cores, "filesystem": self.filesystem,
                "load_1m_min": number(min), "load_1m_median": number(median(&loads)),
                "load_1m_max": number(max),
            },
            "versions": self.versions,
            "results": results,
            "ratios": ratios,
        })
    }

    /// The table for people.
    pub fn to_table(&self) -> String {
        let s = &self.settings;
        let mut out = String::new();
        let loads = self.loads();
        let _ = writeln!(
            out,
            "Full cycle (submit, take, complete) on SQLite, jobs/s, median of {} runs.",
            s.repeats
        );
        let _ = writeln!(
            out,
            "Machine: {} cores, 1-minute load {:.1} to {:.1} (median {:.1}) at the start of the \
             runs; databases in {} ({}).",
            self.cores,
            loads.iter().copied().fold(f64::INFINITY, f64::min),
            loads.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            median(&loads),
            s.dir.display(),
            self.filesystem.as_deref().unwrap_or("file system unknown"),
        );
        if matches!(self.filesystem.as_deref(), Some("tmpfs" | "ramfs")) {
            let _ = writeln!(
                out,
                "Warning: the databases are in memory, where fsync costs nothing: pass --dir \
                 with a directory on a disk."
            );
        }
        for sync in &s.syncs {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}",
                match sync {
                    Synchronous::Full =>
                        "Durable: synchronous=FULL (effectum: what it ships, see below)",
                    Synchronous::Normal =>
                        "Not durable on power loss: WAL with synchronous=NORMAL, no fsync per commit",
                }
            );
            for shape in &s.shapes {
                let _ = writeln!(out, "  {}", shape_label(*shape, s));
                let _ = writeln!(
                    out,
                    "    {:<9} {:>7} {:>9}  {:<26} jobq ÷ it",
                    "queue", "jobs", "jobs/s", "runs"
                );
                for c in self
                    .cells
                    .iter()
                    .filter(|c| c.sync == *sync && c.shape == *shape)
                {
                    let runs = c
                        .runs
                        .iter()
                        .map(|r| show(*r))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let ratio = self
                        .ratios()
                        .into_iter()
                        .find(|r| {
                            r.sync == c.sync
                                && r.shape == c.shape
                                && r.peer == c.queue
                                && r.jobs == c.jobs
                        })
                        .map_or_else(String::new, |r| format!("{:.1}×", r.jobq_over_peer));
                    let _ = writeln!(
                        out,
                        "    {:<9} {:>7} {:>9}  {:<26} {}",
                        c.queue.as_str(),
                        show(c.jobs as f64),
                        show(c.median()),
                        runs,
                        ratio
                    );
                }
            }
            let _ = writeln!(out, "  Settings as each runner read them back:");
            for queue in &s.queues {
                if let Some(c) = self
                    .cells
                    .iter()
                    .find(|c| c.sync == *sync && c.queue == *queue)
                {
                    let _ = writeln!(
                        out,
                        "    {:<9} SQLite {}, journal_mode={}, synchronous={}",
                        queue.as_str(),
                        c.said["sqlite"].as_str().unwrap_or("?"),
                        c.said["journal_mode"].as_str().unwrap_or("?"),
                        c.said["synchronous"].as_str().unwrap_or("?"),
                    );
                }
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Versions:");
        for (queue, crates) in &self.versions {
            if !s.queues.iter().any(|q| q.as_str() == *queue) {
                continue;
            }
            let list = crates
                .iter()
                .map(|(name, v)| format!("{name} {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "  {queue:<9} {list}");
        }
        out
    }
}

/// How a shape was driven, for the table.
fn shape_label(shape: Shape, s: &Settings) -> String {
    match shape {
        Shape::Single => format!(
            "One job per call: {} producers submit, the worker runtime completes with {} \
             concurrent no-op handlers",
            s.producers, s.concurrency
        ),
        Shape::Batched => format!(
            "Batched: one producer submits batches of {b}; jobq takes and completes up to {b} \
             per call, the peers' workers run {b} handlers at once",
            b = s.batch
        ),
    }
}

/// A number in JSON: `null` when not measured.
fn number(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// A figure for people: whole numbers with thousands separated, two decimals below 10.
fn show(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    if x < 10.0 {
        return format!("{x:.2}");
    }
    let digits = (x.round() as u64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_numbers() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(show(123_456.7), "123,457");
        assert_eq!(show(1.234), "1.23");
    }
}
