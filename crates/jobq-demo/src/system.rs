//! The whole basic system in one process: N producers, M consumers, a manager and ops.

use jobq::{AnyQueue, QueueName};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::consumer::Consumer;
use crate::manager::Manager;
use crate::ops::Ops;
use crate::pace::{Between, Speed};
use crate::producer::Producer;
use crate::say::Say;

/// The system's settings.
#[derive(Debug, Clone)]
pub struct System {
    /// The queue they all share.
    pub queue: QueueName,
    /// How many producers.
    pub producers: usize,
    /// How many consumers.
    pub consumers: usize,
    /// The fraction of jobs that fail.
    pub fail_rate: f64,
    /// How long a job takes.
    pub work: Between,
    /// The demo's speed.
    pub speed: Speed,
}

/// What a run of the system did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Jobs submitted by the producers.
    pub submitted: u64,
    /// Jobs completed by the consumers.
    pub done: u64,
    /// Attempts that failed.
    pub failed: u64,
    /// Jobs the manager resubmitted.
    pub resubmitted: u64,
}

/// Runs the system on `queue` until `stop` is cancelled, then lets the consumers finish the
/// jobs in hand and prints a last report.
///
/// # Errors
///
/// When a role's settings break a limit of the queue.
pub async fn run(
    settings: &System,
    queue: &AnyQueue,
    say: Say,
    stop: CancellationToken,
) -> jobq::Result<Totals> {
    let speed = settings.speed;
    let mut producers = Vec::new();
    for i in 1..=settings.producers {
        let mut p = Producer::new(format!("producer-{i}"), settings.queue.clone());
        p.speed = speed;
        let (queue, stop) = (queue.clone(), stop.clone());
        producers.push(tokio::spawn(async move { p.run(&queue, say, stop).await }));
    }
    let mut consumers = Vec::new();
    for i in 1..=settings.consumers {
        let mut c = Consumer::new(format!("consumer-{i}"), settings.queue.clone());
        (c.speed, c.work, c.fail_rate) = (speed, settings.work, settings.fail_rate);
        let (queue, stop) = (queue.clone(), stop.clone());
        consumers.push(tokio::spawn(async move { c.run(queue, say, stop).await }));
    }
    let manager = {
        let mut m = Manager::new(settings.queue.clone());
        m.speed = speed;
        let (queue, stop) = (queue.clone(), stop.clone());
        tokio::spawn(async move { m.run(&queue, say, stop).await })
    };
    let ops = {
        let mut o = Ops::new(settings.queue.clone());
        o.speed = speed;
        let (queue, stop) = (queue.clone(), stop.clone());
        tokio::spawn(async move { o.run(&queue, say, stop).await })
    };
    let mut totals = Totals::default();
    for p in producers {
        totals.submitted += joined(p.await)??;
    }
    for c in consumers {
        let summary = joined(c.await)??;
        totals.done += summary.done;
        totals.failed += summary.failed + summary.retried;
    }
    totals.resubmitted = joined(manager.await)?;
    joined(ops.await)?;
    say.line(
        "demo",
        "stopped",
        json!({
            "submitted": totals.submitted,
            "done": totals.done,
            "failed": totals.failed,
            "resubmitted": totals.resubmitted,
        }),
        format!(
            "stopped: {} jobs submitted, {} done, {} failed attempts, {} resubmitted",
            totals.submitted, totals.done, totals.failed, totals.resubmitted
        ),
    );
    Ok(totals)
}

/// A role's task result, with a panic turned into an error.
fn joined<T>(result: Result<T, tokio::task::JoinError>) -> jobq::Result<T> {
    result.map_err(|e| jobq::Error::backend("running a demo role", e.to_string()))
}
