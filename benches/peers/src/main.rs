//! jobq's peers benchmark: the full cycle of a job queue (submit N jobs, take them,
//! complete them) through jobq, effectum and apalis on SQLite, in one run, on one disk,
//! each figure the median of repeated runs, with jobq's ratio to each peer.
//!
//! ```sh
//! cargo run --release --manifest-path benches/peers/Cargo.toml            # a table
//! cargo run --release --manifest-path benches/peers/Cargo.toml -- --json  # one JSON object
//! ```
//!
//! # Layout
//!
//! - this file: the command line, and the order of the measurements: each round measures
//!   every queue once, so that a change in the machine's load falls on all of them alike.
//! - `runners`: building the three runner programs and running one measurement.
//! - `report`: medians, ratios, the table and the JSON.
//! - `system`: load average, file system and locked versions.
//!
//! The runners themselves are `src/bin/peer-jobq.rs`, `effectum/` and `apalis/`; what they
//! share is `protocol/`.

mod report;
mod runners;
mod system;

use std::path::PathBuf;
use std::process::ExitCode;

use jobq_peers_protocol::{Run, Shape, Synchronous};

use crate::report::{Cell, Figures};
use crate::runners::Queue;

const USAGE: &str = "\
usage: jobq-peers-bench [OPTIONS]

The full cycle (submit, take, complete) through jobq, effectum and apalis on SQLite.

options:
  --json               print one JSON object (the table goes to standard error)
  --jobs N             jobs per jobq measurement (default 20000)
  --peer-jobs N        jobs per effectum and apalis measurement; jobq is measured at this
                       size too, for the ratios (default 2000)
  --repeats N          runs per figure; the median is reported (default 3)
  --producers N        concurrent producers in the one-job-per-call shape (default 4)
  --concurrency N      concurrent handlers in the one-job-per-call shape (default 8)
  --batch N            jobs per batch in the batched shape (default 500)
  --sync LEVEL         full (durable, the default), normal (no fsync per commit), or both
  --queues LIST        comma-separated: jobq,effectum,apalis (default all)
  --shapes LIST        comma-separated: single,batched (default both)
  --dir PATH           where the databases go, one fresh directory per run (default: the
                       system's temporary directory)
";

/// The sizes and choices of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Print JSON rather than the table.
    pub json: bool,
    /// Jobs per jobq measurement.
    pub jobs: usize,
    /// Jobs per peer measurement (and per jobq measurement for the ratios).
    pub peer_jobs: usize,
    /// Runs per figure.
    pub repeats: usize,
    /// Producers in the one-job-per-call shape.
    pub producers: usize,
    /// Handlers in the one-job-per-call shape.
    pub concurrency: usize,
    /// Jobs per batch, and handlers of the peers' workers, in the batched shape.
    pub batch: usize,
    /// Levels to measure at.
    pub syncs: Vec<Synchronous>,
    /// Queues to measure.
    pub queues: Vec<Queue>,
    /// Shapes to measure.
    pub shapes: Vec<Shape>,
    /// Where the databases go.
    pub dir: PathBuf,
}

impl Settings {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut s = Settings {
            json: false,
            jobs: 20_000,
            peer_jobs: 2_000,
            repeats: 3,
            producers: 4,
            concurrency: 8,
            batch: 500,
            syncs: vec![Synchronous::Full],
            queues: Queue::ALL.to_vec(),
            shapes: vec![Shape::Single, Shape::Batched],
            dir: std::env::temp_dir(),
        };
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            if flag == "--json" {
                s.json = true;
                continue;
            }
            if flag == "-h" || flag == "--help" {
                return Err(String::new());
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{flag} takes a positive number, not {value:?}"))
            };
            match flag.as_str() {
                "--jobs" => s.jobs = number()?,
                "--peer-jobs" => s.peer_jobs = number()?,
                "--repeats" => s.repeats = number()?,
                "--producers" => s.producers = number()?,
                "--concurrency" => s.concurrency = number()?,
                "--batch" => s.batch = number()?,
                "--sync" => {
                    s.syncs = match value.as_str() {
                        "both" => vec![Synchronous::Full, Synchronous::Normal],
                        v => vec![Synchronous::parse(v).ok_or_else(|| {
                            format!("--sync takes full, normal or both, not {v:?}")
                        })?],
                    }
                }
                "--queues" => s.queues = list(&value, Queue::parse)?,
                "--shapes" => s.shapes = list(&value, Shape::parse)?,
                "--dir" => s.dir = PathBuf::from(value),
                _ => return Err(format!("unknown argument {flag:?}")),
            }
        }
        s.queues.sort();
        s.queues.dedup();
        Ok(s)
    }

    /// The measurements of one round, in order: for each level and shape, jobq at its
    /// size, then at the peers' size when a peer is measured, then each peer.
    fn round(&self) -> Vec<(Synchronous, Shape, Queue, usize)> {
        let peers: Vec<Queue> = self
            .queues
            .iter()
            .copied()
            .filter(|q| *q != Queue::Jobq)
            .collect();
        let mut out = Vec::new();
        for &sync in &self.syncs {
            for &shape in &self.shapes {
                if self.queues.contains(&Queue::Jobq) {
                    out.push((sync, shape, Queue::Jobq, self.jobs));
                    if !peers.is_empty() && self.peer_jobs != self.jobs {
                        out.push((sync, shape, Queue::Jobq, self.peer_jobs));
                    }
                }
                for &peer in &peers {
                    out.push((sync, shape, peer, self.peer_jobs));
                }
            }
        }
        out
    }
}

/// The items of a comma-separated list.
fn list<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|item| parse(item.trim()).ok_or_else(|| format!("unknown item {item:?} in {value:?}")))
        .collect()
}

fn main() -> ExitCode {
    let settings = match Settings::parse(std::env::args().skip(1)) {
        Ok(s) => s,
        Err(err) => {
            if !err.is_empty() {
                eprintln!("error: {err}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(settings: Settings) -> Result<(), String> {
    let mut runners = Vec::new();
    for &queue in &settings.queues {
        eprintln!("building the {} runner…", queue.as_str());
        runners.push(runners::build(queue)?);
    }
    let round = settings.round();
    let mut cells: Vec<Cell> = round
        .iter()
        .map(|&(sync, shape, queue, jobs)| Cell {
            sync,
            shape,
            queue,
            jobs,
            runs: Vec::new(),
            loads: Vec::new(),
            said: serde_json::Value::Null,
        })
        .collect();
    let total = round.len() * settings.repeats;
    let mut step = 0;
    for _ in 0..settings.repeats {
        for (cell, &(sync, shape, queue, jobs)) in cells.iter_mut().zip(&round) {
            step += 1;
            let runner = runners
                .iter()
                .find(|r| r.queue == queue)
                .ok_or("a queue without a runner")?;
            let dir = tempfile::Builder::new()
                .prefix("jobq-peers-")
                .tempdir_in(&settings.dir)
                .map_err(|e| format!("a directory in {}: {e}", settings.dir.display()))?;
            let concurrency = match shape {
                Shape::Single => settings.concurrency,
                Shape::Batched => settings.batch,
            };
            let run = Run {
                shape,
                jobs,
                producers: settings.producers,
                concurrency,
                batch: settings.batch,
                sync,
                dir: dir.path().to_path_buf(),
            };
            let load = system::load_1m().unwrap_or(f64::NAN);
            let answer = runner.measure(&run)?;
            eprintln!(
                "[{step}/{total}] {:<8} {:<7} {:<6} {:>6} jobs: {:>8.0} jobs/s (load {load:.1})",
                queue.as_str(),
                shape.as_str(),
                sync.as_str(),
                jobs,
                answer.per_s
            );
            cell.runs.push(answer.per_s);
            cell.loads.push(load);
            cell.said = answer.json;
        }
    }
    let figures = Figures {
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        filesystem: system::filesystem(&settings.dir),
        versions: system::versions(),
        settings,
        cells,
    };
    if figures.settings.json {
        eprint!("\n{}", figures.to_table());
        println!("{}", figures.to_json());
    } else {
        print!("{}", figures.to_table());
    }
    Ok(())
}
