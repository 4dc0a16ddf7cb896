//! The manager: every so often, puts the queue's failed jobs back to `queued`.

use std::time::Duration;

use jobq::{AnyQueue, JobState, ListQuery, Queue, QueueName, Select};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::pace::Speed;
use crate::say::Say;

/// The manager's settings.
#[derive(Debug, Clone)]
pub struct Manager {
    /// Its name in the output.
    pub name: String,
    /// The queue it looks after.
    pub queue: QueueName,
    /// How often it looks (default 10 s).
    pub every: Duration,
    /// The demo's speed.
    pub speed: Speed,
}

impl Manager {
    /// A manager of `queue` looking every 10 s.
    pub fn new(queue: QueueName) -> Self {
        Self {
            name: "manager".into(),
            queue,
            every: Duration::from_secs(10),
            speed: Speed::REAL,
        }
    }

    /// Resubmits failed jobs every interval until `stop` is cancelled. Returns how many it
    /// resubmitted.
    pub async fn run(&self, queue: &AnyQueue, say: Say, stop: CancellationToken) -> u64 {
        let mut total = 0;
        loop {
            tokio::select! {
                () = stop.cancelled() => return total,
                () = tokio::time::sleep(self.speed.scale(self.every)) => {}
            }
            match self.round(queue).await {
                Ok(ids) if ids.is_empty() => {}
                Ok(ids) => {
                    total += ids.len() as u64;
                    let names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
                    say.line(
                        &self.name,
                        "resubmitted",
                        json!({ "ids": names }),
                        format!(
                            "resubmitted {} failed jobs: {}",
                            ids.len(),
                            names.join(", ")
                        ),
                    );
                }
                // Another manager may have resubmitted some of them first: look again.
                Err(err) => say.line(
                    &self.name,
                    "waiting",
                    json!({ "error": err.to_string() }),
                    format!("cannot resubmit now ({err}); trying again"),
                ),
            }
        }
    }

    /// One round: the failed jobs (up to a thousand), resubmitted together.
    async fn round(&self, queue: &AnyQueue) -> jobq::Result<Vec<jobq::JobId>> {
        let failed = queue
            .list(ListQuery {
                queue: Some(self.queue.clone()),
                state: Some(JobState::Failed),
                limit: 1000,
                oldest_first: true,
            })
            .await?;
        let ids: Vec<_> = failed.into_iter().map(|job| job.id).collect();
        if !ids.is_empty() {
            queue.resubmit(Select::Ids(ids.clone())).await?;
        }
        Ok(ids)
    }
}
