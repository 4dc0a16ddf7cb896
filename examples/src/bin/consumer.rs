//! A consumer: resizes photos, four at a time, until the queue is empty (or Ctrl-C). A photo
//! whose name says `corrupt` fails; the queue retries it after a back-off, then marks it
//! `failed` for a manager to look at.
//!
//! `JOBQ_URL=sqlite:jobq.db cargo run -p jobq-examples --bin consumer`

use jobq::worker::{Worker, shutdown_signal};
use jobq::{LeasedJob, QueueName, Timestamp};

#[tokio::main]
async fn main() -> jobq::Result<()> {
    let url = std::env::var("JOBQ_URL").unwrap_or_else(|_| jobq::DEFAULT_URL.into());
    let queue = jobq::connect(&url).await?;
    let summary = Worker::new(queue, QueueName::new("images")?)
        .concurrency(4)
        .exit_when_empty(true)
        .run(resize, shutdown_signal())
        .await?;
    println!(
        "{} resized, {} to retry, {} failed",
        summary.done, summary.retried, summary.failed
    );
    Ok(())
}

/// The work itself: `Ok` completes the job, an error fails this attempt.
async fn resize(job: LeasedJob) -> Result<(), String> {
    let photo = String::from_utf8_lossy(&job.payload);
    if photo.contains("corrupt") {
        return Err(format!("{photo}: not a JPEG file"));
    }
    println!(
        "{} resized {photo} (attempt {})",
        Timestamp::now(),
        job.attempt
    );
    Ok(())
}
