//! The ops app: counts by state, the oldest job still waiting, and recent throughput.

use std::time::{Duration, Instant};

use jobq::{AnyQueue, JobState, ListQuery, Queue, QueueCounts, QueueName, Timestamp};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::pace::Speed;
use crate::say::Say;

/// The ops app's settings.
#[derive(Debug, Clone)]
pub struct Ops {
    /// Its name in the output.
    pub name: String,
    /// The queue it watches.
    pub queue: QueueName,
    /// How often it reports (default 10 s).
    pub every: Duration,
    /// The demo's speed.
    pub speed: Speed,
}

impl Ops {
    /// Reports on `queue` every 10 s.
    pub fn new(queue: QueueName) -> Self {
        Self {
            name: "ops".into(),
            queue,
            every: Duration::from_secs(10),
            speed: Speed::REAL,
        }
    }

    /// Reports every interval until `stop` is cancelled, and once more then.
    pub async fn run(&self, queue: &AnyQueue, say: Say, stop: CancellationToken) {
        let mut last: Option<(Instant, u64)> = None;
        loop {
            let stopped = tokio::select! {
                () = stop.cancelled() => true,
                () = tokio::time::sleep(self.speed.scale(self.every)) => false,
            };
            if let Err(err) = self.report(queue, say, &mut last).await {
                say.line(
                    &self.name,
                    "waiting",
                    json!({ "error": err.to_string() }),
                    format!("cannot read the queue now ({err})"),
                );
            }
            if stopped {
                return;
            }
        }
    }

    /// One report. `last` is the previous report's time and done count, for throughput.
    pub async fn report(
        &self,
        queue: &AnyQueue,
        say: Say,
        last: &mut Option<(Instant, u64)>,
    ) -> jobq::Result<()> {
        let stats = queue.stats(Some(&self.queue)).await?;
        let counts = stats.queues.get(&self.queue).copied().unwrap_or_default();
        let oldest = queue
            .list(ListQuery {
                queue: Some(self.queue.clone()),
                state: Some(JobState::Queued),
                limit: 1,
                oldest_first: true,
            })
            .await?
            .into_iter()
            .next();
        let now = Instant::now();
        // Jobs per minute of demo time, since the previous report.
        let per_minute = last.map(|(at, done)| {
            let minutes = self.speed.scale(Duration::from_secs(60)).as_secs_f64();
            let elapsed = now.duration_since(at).as_secs_f64().max(1e-9);
            counts.done.saturating_sub(done) as f64 / elapsed * minutes
        });
        *last = Some((now, counts.done));
        let waiting = oldest.map(|job| (job.id, Timestamp::now().duration_since(job.created_at)));
        let mut text = summary(&counts);
        if let Some((id, age)) = &waiting {
            text.push_str(&format!("; oldest waiting: {id} for {age:.1?}"));
        }
        if let Some(rate) = per_minute {
            text.push_str(&format!("; {rate:.1} jobs/min"));
        }
        say.line(
            &self.name,
            "status",
            json!({
                "counts": counts,
                "oldest_waiting": waiting.as_ref().map(|(id, _)| id),
                "oldest_waiting_ms": waiting.as_ref().map(|(_, age)| age.as_millis() as u64),
                "done_per_minute": per_minute,
            }),
            text,
        );
        Ok(())
    }
}

fn summary(c: &QueueCounts) -> String {
    format!(
        "{} queued, {} running, {} done, {} failed, {} cancelled",
        c.queued, c.running, c.done, c.failed, c.cancelled
    )
}
