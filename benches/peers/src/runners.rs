//! The three runners: where each is, building it, and running one measurement.
//!
//! Each runner is a program of its own (see `jobq-peers-protocol` for why), built here with
//! Cargo in release mode from its own package and lock file, so that one `cargo run` of the
//! benchmark builds everything it needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jobq_peers_protocol::Run;
use serde_json::Value;

/// A queue under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Queue {
    /// jobq, from this repository.
    Jobq,
    /// effectum, from crates.io.
    Effectum,
    /// apalis with apalis-sqlite, from crates.io.
    Apalis,
}

impl Queue {
    /// Every queue, jobq first.
    pub const ALL: [Queue; 3] = [Queue::Jobq, Queue::Effectum, Queue::Apalis];

    /// The queue's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Jobq => "jobq",
            Queue::Effectum => "effectum",
            Queue::Apalis => "apalis",
        }
    }

    /// The queue named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// The directory of the runner's package.
    pub fn package_dir(self) -> PathBuf {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        match self {
            Queue::Jobq => here.to_path_buf(),
            Queue::Effectum => here.join("effectum"),
            Queue::Apalis => here.join("apalis"),
        }
    }

    /// The runner program's name.
    fn bin(self) -> &'static str {
        match self {
            Queue::Jobq => "peer-jobq",
            Queue::Effectum => "peer-effectum",
            Queue::Apalis => "peer-apalis",
        }
    }
}

/// A built runner.
#[derive(Debug, Clone)]
pub struct Runner {
    /// Which queue it measures.
    pub queue: Queue,
    /// The program.
    pub exe: PathBuf,
}

/// Builds `queue`'s runner in release mode, Cargo's progress going to standard error.
///
/// # Errors
///
/// When Cargo fails or names no program.
pub fn build(queue: Queue) -> Result<Runner, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = queue.package_dir().join("Cargo.toml");
    let output = Command::new(cargo)
        .args(["build", "--release", "--locked", "--bin", queue.bin()])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("starting cargo to build the {} runner: {e}", queue.as_str()))?;
    if !output.status.success() {
        return Err(format!(
            "building the {} runner ({}) failed",
            queue.as_str(),
            manifest.display()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let exe = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == queue.bin())
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo named no {} program", queue.bin()))?;
    Ok(Runner { queue, exe })
}

/// One measurement's answer, as the runner printed it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Jobs per second.
    pub per_s: f64,
    /// The rest of what the runner said (SQLite version, journal mode, synchronous, how
    /// the cycle was driven).
    pub json: Value,
}

impl Runner {
    /// Runs one measurement.
    ///
    /// # Errors
    ///
    /// When the runner fails, with what it wrote on standard error.
    pub fn measure(&self, run: &Run) -> Result<Answer, String> {
        let output = Command::new(&self.exe)
            .args(run.to_args())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("starting {}: {e}", self.exe.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "the {} runner failed ({}): {}",
                self.queue.as_str(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let json: Value = stdout
            .lines()
            .last()
            .and_then(|line| serde_json::from_str(line).ok())
            .ok_or_else(|| format!("the {} runner answered {stdout:?}", self.queue.as_str()))?;
        let per_s = json["per_s"]
            .as_f64()
            .ok_or_else(|| format!("the {} runner gave no per_s", self.queue.as_str()))?;
        Ok(Answer { per_s, json })
    }
}
