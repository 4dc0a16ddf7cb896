//! The producer: submits a string job every few seconds, or one job per line of a file at a
//! pace (seed 001 streams a CSV one row every 1 to 3 seconds).

use std::path::PathBuf;
use std::time::Duration;

use jobq::{AnyQueue, Error, JobId, NewJob, Queue, QueueName};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

use crate::pace::{Between, Speed};
use crate::say::Say;

/// Where a producer's jobs come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `record N from NAME`, one every interval, until stopped.
    Counter,
    /// One job per line of the file, in order, with the id `FILE:LINE` (so producing the
    /// same file twice submits each line once); the producer stops at the end of the file.
    Lines(PathBuf),
}

/// A producer's settings.
#[derive(Debug, Clone)]
pub struct Producer {
    /// Its name in the output and in the payloads.
    pub name: String,
    /// The queue it submits to.
    pub queue: QueueName,
    /// Where its jobs come from.
    pub source: Source,
    /// The pause between two jobs (default 5 s).
    pub every: Between,
    /// Attempts each job gets: 1 by default, so that a failed job waits for the manager.
    pub max_attempts: u32,
    /// The demo's speed.
    pub speed: Speed,
}

impl Producer {
    /// A producer named `name` submitting `record N from NAME` to `queue` every 5 s.
    pub fn new(name: impl Into<String>, queue: QueueName) -> Self {
        Self {
            name: name.into(),
            queue,
            source: Source::Counter,
            every: Between::fixed(Duration::from_secs(5)),
            max_attempts: 1,
            speed: Speed::REAL,
        }
    }

    /// Submits jobs until `stop` is cancelled (or the file ends). Returns how many it
    /// submitted.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or the queue refuses a job for a reason other than
    /// an id submitted before. A store that cannot be reached is waited out.
    pub async fn run(
        &self,
        queue: &AnyQueue,
        say: Say,
        stop: CancellationToken,
    ) -> jobq::Result<u64> {
        let mut submitted = 0;
        match &self.source {
            Source::Counter => {
                let mut n = 0u64;
                while !stop.is_cancelled() {
                    n += 1;
                    let payload = format!("record {n} from {}", self.name);
                    submitted += self.submit(queue, say, None, payload, &stop).await?;
                    self.pause(&stop).await;
                }
            }
            Source::Lines(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|e| {
                    Error::invalid("file", format!("cannot read {}: {e}", path.display()))
                })?;
                let label = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let mut lines = BufReader::new(file).lines();
                let mut number = 0u64;
                while !stop.is_cancelled() {
                    let line = lines.next_line().await.map_err(|e| {
                        Error::invalid("file", format!("reading {}: {e}", path.display()))
                    })?;
                    let Some(line) = line else { break };
                    number += 1;
                    let id = JobId::new(format!("{label}:{number}"))?;
                    submitted += self.submit(queue, say, Some(id), line, &stop).await?;
                    self.pause(&stop).await;
                }
                say.line(
                    &self.name,
                    "finished",
                    json!({ "file": path, "lines": number }),
                    format!("reached the end of {} after {number} lines", path.display()),
                );
            }
        }
        Ok(submitted)
    }

    /// Submits one job, retrying while the store cannot be reached. Returns 1 when it was
    /// submitted, 0 when its id had been submitted before.
    async fn submit(
        &self,
        queue: &AnyQueue,
        say: Say,
        id: Option<JobId>,
        payload: String,
        stop: &CancellationToken,
    ) -> jobq::Result<u64> {
        loop {
            let mut job = NewJob::new(payload.clone())
                .queue(self.queue.clone())
                .max_attempts(self.max_attempts);
            if let Some(id) = &id {
                job = job.id(id.clone());
            }
            match queue.submit(job).await {
                Ok(id) => {
                    say.line(
                        &self.name,
                        "submitted",
                        json!({ "id": id, "payload": payload }),
                        format!("submitted job {id} {payload:?}"),
                    );
                    return Ok(1);
                }
                Err(Error::Duplicate { id }) => {
                    say.line(
                        &self.name,
                        "skipped",
                        json!({ "id": id }),
                        format!("job {id} was submitted before; skipped"),
                    );
                    return Ok(0);
                }
                Err(err @ (Error::Busy { .. } | Error::Backend { .. })) => {
                    say.line(
                        &self.name,
                        "waiting",
                        json!({ "error": err.to_string() }),
                        format!("cannot submit yet ({err}); trying again"),
                    );
                    tokio::select! {
                        () = stop.cancelled() => return Ok(0),
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn pause(&self, stop: &CancellationToken) {
        tokio::select! {
            () = stop.cancelled() => {}
            () = tokio::time::sleep(self.every.pick(self.speed)) => {}
        }
    }
}
