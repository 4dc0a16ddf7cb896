//! The full cycle across several OS processes on one store: each process runs the
//! one-job-per-call cycle with its own callers, all on one queue.
//!
//! The parent starts every process, waits until each has opened the store, then tells them
//! all to go at once and times until the last one is done. A child is `jobq` itself, run
//! with the hidden `bench-process` command, which calls [`child`].

use std::process::Stdio;
use std::time::Instant;

use jobq::{Error, QueueName};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::cycle::{clean, run_cycle_single};
use crate::{Settings, Target, fresh_queue, rate};

/// The hidden command that runs a child.
pub const CHILD_COMMAND: &str = "bench-process";

/// Runs `processes` children of `concurrent_jobs` jobs in all; jobs per second.
pub(crate) async fn cycle(target: &Target, s: &Settings) -> jobq::Result<f64> {
    let name = fresh_queue("procs");
    let per_child = s.concurrent_jobs.div_ceil(s.processes.max(1));
    let callers = s.callers.max(2);
    let failed = |what: String| Error::backend("the multi-process cycle", what);
    let mut children = Vec::new();
    for _ in 0..s.processes.max(1) {
        let mut child = Command::new(&target.exe)
            .args([
                "--url",
                &target.url,
                CHILD_COMMAND,
                name.as_str(),
                &per_child.to_string(),
                &callers.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| failed(format!("cannot start {}: {e}", target.exe.display())))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        match lines.next_line().await {
            Ok(Some(line)) if line == "ready" => {}
            other => {
                let out = child.wait_with_output().await;
                let stderr = out.map(|o| String::from_utf8_lossy(&o.stderr).into_owned());
                return Err(failed(format!(
                    "a child did not start ({other:?}): {stderr:?}"
                )));
            }
        }
        children.push((child, lines));
    }
    let started = Instant::now();
    for (child, _) in &mut children {
        let stdin = child.stdin.as_mut().expect("piped");
        stdin
            .write_all(b"go\n")
            .await
            .map_err(|e| failed(format!("cannot start a child: {e}")))?;
    }
    let mut finished = started;
    for (child, mut lines) in children {
        let line = lines.next_line().await.ok().flatten().unwrap_or_default();
        finished = finished.max(Instant::now());
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| failed(format!("waiting for a child: {e}")))?;
        if line != "done" || !out.status.success() {
            return Err(failed(format!(
                "a child failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    let per_s = rate(
        per_child * s.processes.max(1),
        finished.duration_since(started),
    );
    let queue = jobq::connect(&target.url).await?;
    clean(&queue, &name).await?;
    Ok(per_s)
}

/// A child of the multi-process cycle: opens the store at `url`, says `ready`, waits for
/// `go` on standard input, runs the cycle of `jobs` jobs on `queue` with `callers` tasks and
/// says `done`.
///
/// # Errors
///
/// When the store refuses a call (then the parent reports it and the run fails).
pub async fn child(url: &str, queue: &QueueName, jobs: usize, callers: usize) -> jobq::Result<()> {
    let store = jobq::connect(url).await?;
    let io = |e: std::io::Error| Error::backend("talking to the parent", e);
    let mut stdout = tokio::io::stdout();
    stdout.write_all(b"ready\n").await.map_err(io)?;
    stdout.flush().await.map_err(io)?;
    let mut go = String::new();
    BufReader::new(tokio::io::stdin())
        .read_line(&mut go)
        .await
        .map_err(io)?;
    run_cycle_single(&store, queue, jobs, callers).await?;
    stdout.write_all(b"done\n").await.map_err(io)?;
    stdout.flush().await.map_err(io)
}
