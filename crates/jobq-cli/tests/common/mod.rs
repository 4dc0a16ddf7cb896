//! Driving the built `jobq` binary against a store in a temporary directory.

#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jobq_conformance::services::{Service, reachable};
use serde_json::Value;

/// A temporary store and the commands to use it: an SQLite file in a temporary directory,
/// or a schema of its own in the test PostgreSQL database (dropped afterwards).
pub struct Jobq {
    pub dir: tempfile::TempDir,
    pub url: String,
    /// The PostgreSQL schema to drop when done.
    schema: Option<(String, String)>,
}

impl Drop for Jobq {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.schema.take() {
            drop_schema(&url, &schema);
        }
    }
}

/// Drops `schema` in the database at `url`, best effort.
fn drop_schema(url: &str, schema: &str) {
    let run = async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Err(err) = runtime.block_on(run) {
        eprintln!("could not drop the test schema {schema}: {err}");
    }
}

/// What one run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output as one JSON object.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not one JSON object ({e}): {:?}", self.stdout))
    }

    /// Standard output as one JSON object per line.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect()
    }

    /// Asserts the exit status, showing the output when it differs.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit status; stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Jobq {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("q.db").display());
        Self {
            dir,
            url,
            schema: None,
        }
    }

    /// A store in a new schema of the test PostgreSQL database, or `None` (after a loud
    /// skip line) when PostgreSQL cannot be reached; under `CI=true` that fails instead.
    pub fn postgres() -> Option<Self> {
        let base = reachable(Service::Postgres)?;
        let schema = format!("jobq_cli_{:016x}", rand_u64());
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(Self {
            dir: tempfile::tempdir().unwrap(),
            url: format!("{base}{sep}schema={schema}"),
            schema: Some((base, schema)),
        })
    }

    pub fn bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_jobq"))
    }

    /// A `jobq` command on this store, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        command_at(&self.url, self.dir.path(), args)
    }

    /// Runs `jobq ARGS` with empty standard input.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, b"")
    }

    /// Runs `jobq ARGS` with `stdin` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        run_command(self.command(args), stdin)
    }

    /// Submits `payload` and returns the id.
    pub fn submit(&self, payload: &str, extra: &[&str]) -> String {
        let mut args = vec!["--json", "submit", payload];
        args.extend_from_slice(extra);
        self.run(&args).expect(0).json()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Takes one job (JSON), from queue `default`.
    pub fn take(&self, extra: &[&str]) -> Value {
        let mut args = vec!["--json", "take"];
        args.extend_from_slice(extra);
        self.run(&args).expect(0).json()
    }

    /// `jobq --json stats` as JSON.
    pub fn stats(&self) -> Value {
        self.run(&["--json", "stats"]).expect(0).json()
    }

    /// `jobq --json status ID` as JSON.
    pub fn status(&self, id: &str) -> Value {
        self.run(&["--json", "status", id]).expect(0).json()
    }
}

/// A `jobq` command on the store at `url`, run in `dir`, not yet started.
pub fn command_at(url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(Jobq::bin());
    cmd.args(args)
        .env("JOBQ_URL", url)
        .env("NO_COLOR", "1")
        .current_dir(dir);
    cmd
}

/// Runs `cmd` with `stdin` on its standard input and collects what it printed.
pub fn run_command(mut cmd: Command, stdin: &[u8]) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Polls `check` until it is true, failing the test after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A random number, for names that must not collide between tests.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
