//! The consumer: takes one job at a time, works on it for a random while, prints the record
//! with the time; a configurable fraction of jobs fail, so that the manager has work.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jobq::worker::{Ended, Report, Summary, Worker};
use jobq::{AnyQueue, LeasedJob, QueueName, Timestamp};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use crate::pace::{Between, Speed};
use crate::say::Say;

/// A consumer's settings.
#[derive(Debug, Clone)]
pub struct Consumer {
    /// Its name in the output and in the jobs' history.
    pub name: String,
    /// The queue it takes from.
    pub queue: QueueName,
    /// How long a job takes (default 7 to 15 s).
    pub work: Between,
    /// The fraction of jobs that fail, from 0 to 1.
    pub fail_rate: f64,
    /// A file to append each processed record to, one line each.
    pub append: Option<PathBuf>,
    /// The lease time (extended while a job is worked on; default 30 s).
    pub lease: Duration,
    /// The demo's speed.
    pub speed: Speed,
}

impl Consumer {
    /// A consumer named `name` on `queue`: 7 to 15 s a job, one job in five failing.
    pub fn new(name: impl Into<String>, queue: QueueName) -> Self {
        Self {
            name: name.into(),
            queue,
            work: Between::new(Duration::from_secs(7), Duration::from_secs(15)),
            fail_rate: 0.2,
            append: None,
            lease: Duration::from_secs(30),
            speed: Speed::REAL,
        }
    }

    /// Works until `stop` is cancelled, then finishes the job in hand. Returns what it did.
    ///
    /// # Errors
    ///
    /// When its settings break a limit of the queue (a lease that is too long, say).
    pub async fn run(
        &self,
        queue: AnyQueue,
        say: Say,
        stop: CancellationToken,
    ) -> jobq::Result<Summary> {
        let name = self.name.clone();
        let lease = self.speed.scale(self.lease).max(Duration::from_millis(500));
        let settings = Arc::new(self.clone());
        let handler = move |job: LeasedJob| {
            let settings = Arc::clone(&settings);
            async move { settings.process(job, say).await }
        };
        Worker::new(queue, self.queue.clone())
            .name(name.clone())
            .lease(lease)
            .on_report(move |report| tell(say, &name, report))
            .run(handler, async move { stop.cancelled().await })
            .await
    }

    /// The work on one job.
    async fn process(&self, job: LeasedJob, say: Say) -> Result<(), String> {
        let record = String::from_utf8_lossy(&job.payload).into_owned();
        let work = self.work.pick(self.speed);
        say.line(
            &self.name,
            "took",
            json!({ "id": job.id, "payload": record, "attempt": job.attempt }),
            format!(
                "took job {} {record:?} (attempt {}), working {:.1?}",
                job.id, job.attempt, work
            ),
        );
        tokio::time::sleep(work).await;
        if rand::random::<f64>() < self.fail_rate {
            return Err(format!(
                "simulated failure ({:.0}% of jobs fail)",
                self.fail_rate * 100.0
            ));
        }
        if let Some(path) = &self.append {
            let line = format!("{} {} {record}\n", Timestamp::now(), job.id);
            append(path, &line)
                .await
                .map_err(|e| format!("cannot append to {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

async fn append(path: &PathBuf, line: &str) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await?;
    file.write_all(line.as_bytes()).await?;
    file.sync_data().await
}

/// Prints how an attempt ended.
fn tell(say: Say, name: &str, r: &Report) {
    let fields = json!({ "id": r.id, "attempt": r.attempt, "outcome": r.ended.as_str() });
    let text = match &r.ended {
        Ended::Done => format!("done with job {} ({:.1?})", r.id, r.elapsed),
        Ended::Failed { error } => {
            format!("job {} failed: {error}; it waits for the manager", r.id)
        }
        Ended::Retry { at, error } => {
            format!("job {} failed: {error}; it runs again at {at}", r.id)
        }
        Ended::LeaseLost { reason } => format!("lost job {}: {reason}", r.id),
        Ended::Unsettled { error } => format!("could not settle job {}: {error}", r.id),
        _ => format!("job {}: {}", r.id, r.ended.as_str()),
    };
    say.line(name, r.ended.as_str(), fields, text);
}
