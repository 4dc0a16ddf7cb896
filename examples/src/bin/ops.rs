//! An ops app: counts by queue and state, the oldest job still waiting, and the failed jobs
//! with their last error.
//!
//! `JOBQ_URL=sqlite:jobq.db cargo run -p jobq-examples --bin ops`

use jobq::{JobState, ListQuery, Queue};

#[tokio::main]
async fn main() -> jobq::Result<()> {
    let url = std::env::var("JOBQ_URL").unwrap_or_else(|_| jobq::DEFAULT_URL.into());
    let queue = jobq::connect(&url).await?;
    for (name, counts) in queue.stats(None).await?.queues {
        println!(
            "{name}: {} queued, {} running, {} done, {} failed, {} cancelled",
            counts.queued, counts.running, counts.done, counts.failed, counts.cancelled
        );
    }
    let oldest = ListQuery {
        state: Some(JobState::Queued),
        limit: 1,
        oldest_first: true,
        ..ListQuery::default()
    };
    if let Some(job) = queue.list(oldest).await?.first() {
        println!(
            "oldest waiting: {} in {}, since {}",
            job.id, job.queue, job.created_at
        );
    }
    let failed = ListQuery {
        state: Some(JobState::Failed),
        ..ListQuery::default()
    };
    for job in queue.list(failed).await? {
        let error = job.last_error.as_deref().unwrap_or("");
        println!(
            "failed: {} after {} attempts: {error}",
            job.id, job.attempts
        );
    }
    Ok(())
}
