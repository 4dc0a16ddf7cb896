//! The protocol between the peers benchmark and its runners.
//!
//! Each queue under test (jobq, effectum, apalis) runs in a program of its own, because the
//! three link three different versions of SQLite (`libsqlite3-sys` 0.39, 0.28 and 0.37), and
//! Cargo lets only one version of a native library into one build. The benchmark starts a
//! runner for each measurement with the arguments [`Run::parse`] reads, and the runner prints
//! one line, an [`Outcome`] as JSON, on its standard output.
//!
//! This crate has no dependencies, so that all three runners can share it whatever else
//! they lock.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// The payload of every job: small, like an id or a short command (the same as
/// `jobq bench`).
pub const PAYLOAD: &str = "resize photo 1234567";

/// How the jobs are submitted and completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Producers submit one job per call, concurrently; the queue's worker runtime completes
    /// them with concurrent no-op handlers.
    Single,
    /// One producer submits batches; the queue's fastest consumer completes them.
    Batched,
}

impl Shape {
    /// The shape's name on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Single => "single",
            Shape::Batched => "batched",
        }
    }

    /// The shape named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "single" => Some(Shape::Single),
            "batched" => Some(Shape::Batched),
            _ => None,
        }
    }
}

/// How hard a queue's commits go to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Durable: a completed call survives a crash of the machine (`synchronous=FULL` in WAL
    /// mode, or the nearest setting the queue allows).
    Full,
    /// A completed call survives a crash of the process, not of the machine
    /// (`synchronous=NORMAL` in WAL mode): no fsync per commit.
    Normal,
}

impl Synchronous {
    /// The setting's name on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Synchronous::Full => "full",
            Synchronous::Normal => "normal",
        }
    }

    /// The setting named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(Synchronous::Full),
            "normal" => Some(Synchronous::Normal),
            _ => None,
        }
    }
}

/// One measurement a runner is asked to make.
#[derive(Debug, Clone)]
pub struct Run {
    /// How jobs are submitted and completed.
    pub shape: Shape,
    /// Jobs to submit, take and complete.
    pub jobs: usize,
    /// Concurrent producers submitting one job per call (shape `single`).
    pub producers: usize,
    /// Concurrent handlers of the worker runtime.
    pub concurrency: usize,
    /// Jobs per submitted batch (shape `batched`), and per take where the queue takes in
    /// batches.
    pub batch: usize,
    /// How hard commits go to disk.
    pub sync: Synchronous,
    /// An empty directory for the database file.
    pub dir: PathBuf,
}

impl Run {
    /// The arguments that ask a runner for this measurement.
    pub fn to_args(&self) -> Vec<String> {
        vec![
            "--shape".into(),
            self.shape.as_str().into(),
            "--jobs".into(),
            self.jobs.to_string(),
            "--producers".into(),
            self.producers.to_string(),
            "--concurrency".into(),
            self.concurrency.to_string(),
            "--batch".into(),
            self.batch.to_string(),
            "--sync".into(),
            self.sync.as_str().into(),
            "--dir".into(),
            self.dir.display().to_string(),
        ]
    }

    /// Reads the arguments [`to_args`](Run::to_args) wrote.
    ///
    /// # Errors
    ///
    /// What is missing or wrong, for people.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut shape = None;
        let (mut jobs, mut producers, mut concurrency, mut batch) = (None, None, None, None);
        let mut dir = None;
        let mut sync = Synchronous::Full;
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{flag} takes a positive number, not {value:?}"))
            };
            match flag.as_str() {
                "--shape" => {
                    shape = Some(
                        Shape::parse(&value).ok_or_else(|| format!("unknown shape {value:?}"))?,
                    );
                }
                "--jobs" => jobs = Some(number()?),
                "--producers" => producers = Some(number()?),
                "--concurrency" => concurrency = Some(number()?),
                "--batch" => batch = Some(number()?),
                "--sync" => {
                    sync = Synchronous::parse(&value)
                        .ok_or_else(|| format!("--sync takes full or normal, not {value:?}"))?;
                }
                "--dir" => dir = Some(PathBuf::from(value)),
                _ => return Err(format!("unknown argument {flag:?}")),
            }
        }
        Ok(Self {
            shape: shape.ok_or("--shape is missing")?,
            jobs: jobs.ok_or("--jobs is missing")?,
            producers: producers.ok_or("--producers is missing")?,
            concurrency: concurrency.ok_or("--concurrency is missing")?,
            batch: batch.ok_or("--batch is missing")?,
            sync,
            dir: dir.ok_or("--dir is missing")?,
        })
    }

    /// Each producer's share of the jobs (shape `single`): `producers` shares as equal as
    /// can be, adding up to `jobs`.
    pub fn shares(&self) -> Vec<usize> {
        let n = self.producers.min(self.jobs).max(1);
        (0..n)
            .map(|i| self.jobs / n + usize::from(i < self.jobs % n))
            .collect()
    }

    /// The sizes of the submitted batches (shape `batched`): `batch` each, the last one
    /// smaller.
    pub fn batches(&self) -> Vec<usize> {
        let size = self.batch.max(1);
        (0..self.jobs.div_ceil(size))
            .map(|i| size.min(self.jobs - i * size))
            .collect()
    }
}

/// What a runner measured, and the settings it ran with.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Jobs submitted, taken and completed.
    pub jobs: usize,
    /// From the first submit to the last completion.
    pub elapsed: Duration,
    /// The SQLite library the queue ran on (`sqlite_version()`).
    pub sqlite: String,
    /// The journal mode of the database file after the run.
    pub journal_mode: String,
    /// The `synchronous` setting of the connection that commits, as the queue sets it.
    pub synchronous: String,
    /// How the cycle was driven, for people.
    pub driven: String,
}

impl Outcome {
    /// Jobs per second.
    pub fn per_s(&self) -> f64 {
        self.jobs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// One line of JSON.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        let _ = write!(
            out,
            "\"jobs\":{},\"seconds\":{},\"per_s\":{}",
            self.jobs,
            self.elapsed.as_secs_f64(),
            self.per_s()
        );
        for (key, value) in [
            ("sqlite", &self.sqlite),
            ("journal_mode", &self.journal_mode),
            ("synchronous", &self.synchronous),
            ("driven", &self.driven),
        ] {
            let _ = write!(out, ",\"{key}\":{}", quoted(value));
        }
        out.push('}');
        out
    }
}

/// `s` as a JSON string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The name of SQLite's `synchronous` level `n` (`PRAGMA synchronous` answers a number).
pub fn synchronous_name(n: i64) -> String {
    match n {
        0 => "OFF".into(),
        1 => "NORMAL".into(),
        2 => "FULL".into(),
        3 => "EXTRA".into(),
        n => format!("unknown ({n})"),
    }
}

/// Runs a runner's `main`: reads the [`Run`] from the command line, measures it with
/// `measure`, and prints the [`Outcome`]; an error goes to standard error with exit status 1.
pub fn main(measure: impl FnOnce(Run) -> Result<Outcome, String>) {
    let run = match Run::parse(std::env::args().skip(1)) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("usage error: {err}");
            std::process::exit(2);
        }
    };
    let jobs = run.jobs;
    match measure(run) {
        Ok(outcome) if outcome.jobs == jobs => println!("{}", outcome.to_json()),
        Ok(outcome) => {
            eprintln!("error: {} jobs asked for, {} completed", jobs, outcome.jobs);
            std::process::exit(1);
        }
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(jobs: usize, producers: usize, batch: usize) -> Run {
        Run {
            shape: Shape::Single,
            jobs,
            producers,
            concurrency: 8,
            batch,
            sync: Synchronous::Normal,
            dir: PathBuf::from("/tmp/x"),
        }
    }

    #[test]
    fn arguments_read_back() {
        let r = run(10, 3, 4);
        let back = Run::parse(r.to_args()).unwrap();
        assert_eq!(back.to_args(), r.to_args());
    }

    #[test]
    fn shares_and_batches_add_up() {
        assert_eq!(run(10, 3, 4).shares(), vec![4, 3, 3]);
        assert_eq!(run(2, 4, 4).shares(), vec![1, 1]);
        assert_eq!(run(10, 3, 4).batches(), vec![4, 4, 2]);
    }

    #[test]
    fn json_is_escaped() {
        let o = Outcome {
            jobs: 1,
            elapsed: Duration::from_secs(2),
            driven: "a \"b\"\n".into(),
            ..Outcome::default()
        };
        assert!(o.to_json().contains(r#""driven":"a \"b\"\u000a""#));
        assert!(o.to_json().contains(r#""per_s":0.5"#));
    }
}
