//! Pickup latency, and the claim cost with a backlog.

use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use jobq::{AnyQueue, Queue, QueueName, Settlement, TakeRequest};
use tokio::sync::mpsc;

use crate::cycle::{batches, clean, job, joined};
use crate::figures::{Claim, Pickup};
use crate::{Settings, fresh_queue};

/// Jobs claimed per measurement of the claim cost, in takes of [`CLAIM_BATCH`].
const CLAIMED: usize = 2_000;

/// Jobs per take when measuring the claim cost.
const CLAIM_BATCH: usize = 100;

/// Jobs per submit when filling the backlog.
const FILL_BATCH: usize = 5_000;

/// A consumer waits on an empty queue; one job at a time is submitted. The latency of each
/// is the time from the return of its submit (the job is committed) to the return of the
/// consumer's take with it (zero when the take returned first).
pub(crate) async fn pickup(queue: &AnyQueue, s: &Settings) -> jobq::Result<Pickup> {
    let name = fresh_queue("pickup");
    let (taken, mut arrivals) = mpsc::unbounded_channel();
    let consumer = {
        let (queue, name, n) = (queue.clone(), name.clone(), s.pickups);
        tokio::spawn(async move {
            let req = TakeRequest::new(name).wait(Duration::from_secs(10));
            let mut got = 0;
            while got < n {
                if let Some(job) = queue.take_one(req.clone()).await? {
                    let _ = taken.send(Instant::now());
                    queue.complete(&job.id, &job.lease).await?;
                    got += 1;
                }
            }
            Ok::<_, jobq::Error>(())
        })
    };
    let mut samples = Vec::with_capacity(s.pickups);
    for _ in 0..s.pickups {
        queue.submit(job(&name)).await?;
        let submitted = Instant::now();
        let Some(arrived) = arrivals.recv().await else {
            break;
        };
        samples.push(arrived.saturating_duration_since(submitted));
    }
    joined(consumer.await)?;
    clean(queue, &name).await?;
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().map_or(f64::NAN, ms)
    };
    Ok(Pickup {
        p50: at(0.50),
        p99: at(0.99),
        max: samples.last().copied().map_or(f64::NAN, ms),
    })
}

/// Fills `name` with `s.backlog` queued jobs, and the jobs every repeat of the claim
/// measurement takes from it, so that the backlog never falls below its size.
pub(crate) async fn fill_backlog(
    queue: &AnyQueue,
    name: &QueueName,
    s: &Settings,
    progress: &ProgressBar,
) -> jobq::Result<()> {
    let message = progress.message();
    let total = s.backlog + CLAIMED * s.repeats.max(1);
    let mut filled = 0;
    for chunk in batches(total, FILL_BATCH) {
        queue.submit_batch(vec![job(name); chunk]).await?;
        filled += chunk;
        progress.set_message(format!("filling the backlog: {filled} of {total} jobs"));
    }
    progress.set_message(message);
    Ok(())
}

/// Time per job to claim [`CLAIMED`] jobs in takes of [`CLAIM_BATCH`]: from a queue that
/// holds only them, and from `backlog`, a queue that holds a large backlog.
pub(crate) async fn claim_cost(queue: &AnyQueue, backlog: &QueueName) -> jobq::Result<Claim> {
    let empty = fresh_queue("claim");
    queue.submit_batch(vec![job(&empty); CLAIMED]).await?;
    let empty_us = claim(queue, &empty).await?;
    clean(queue, &empty).await?;
    let backlog_us = claim(queue, backlog).await?;
    Ok(Claim {
        empty_us,
        backlog_us,
    })
}

/// Microseconds per job to take [`CLAIMED`] jobs of `name` (then completed, untimed, so that
/// nothing is left leased).
async fn claim(queue: &AnyQueue, name: &QueueName) -> jobq::Result<f64> {
    let req = TakeRequest::new(name.clone()).max(CLAIM_BATCH);
    let started = Instant::now();
    let mut claimed = Vec::with_capacity(CLAIMED);
    while claimed.len() < CLAIMED {
        let jobs = queue.take(req.clone()).await?;
        if jobs.is_empty() {
            return Err(jobq::Error::backend(
                "measuring the claim cost",
                format!("queue {name} ran out of jobs after {}", claimed.len()),
            ));
        }
        claimed.extend(jobs);
    }
    let per_job = started.elapsed().as_secs_f64() * 1e6 / claimed.len() as f64;
    for chunk in claimed.chunks(CLAIM_BATCH * 10) {
        let settlements = chunk
            .iter()
            .map(|j| Settlement::complete(j.id.clone(), j.lease.clone()))
            .collect();
        for result in queue.settle(settlements).await? {
            result?;
        }
    }
    Ok(per_job)
}
