//! Submit throughput, and the full cycle (submit, take, complete) in one process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jobq::{
    AnyQueue, JobState, NewJob, PurgeQuery, Queue, QueueName, Select, Settlement, TakeRequest,
};

use crate::{Settings, fresh_queue, rate};

/// The payload of every benchmark job: small, like an id or a short command.
pub(crate) const PAYLOAD: &[u8] = b"resize photo 1234567";

/// How long a consumer waits for the next job before it looks again.
const WAIT: Duration = Duration::from_millis(100);

pub(crate) fn job(queue: &QueueName) -> NewJob {
    NewJob::new(PAYLOAD).queue(queue.clone())
}

/// Removes every job of `name`, so that a store given by the user is left as it was.
pub(crate) async fn clean(queue: &AnyQueue, name: &QueueName) -> jobq::Result<()> {
    queue
        .cancel(Select::State {
            state: JobState::Queued,
            queue: Some(name.clone()),
        })
        .await?;
    for state in [JobState::Done, JobState::Cancelled, JobState::Failed] {
        queue
            .purge(PurgeQuery {
                state,
                older_than: Duration::ZERO,
                queue: Some(name.clone()),
            })
            .await?;
    }
    Ok(())
}

/// One caller submits `single_jobs` jobs, one per call.
pub(crate) async fn submit_single(queue: &AnyQueue, s: &Settings) -> jobq::Result<f64> {
    let name = fresh_queue("submit1");
    let started = Instant::now();
    for _ in 0..s.single_jobs {
        queue.submit(job(&name)).await?;
    }
    let per_s = rate(s.single_jobs, started.elapsed());
    clean(queue, &name).await?;
    Ok(per_s)
}

/// One caller submits `jobs` jobs in batches of `batch`.
pub(crate) async fn submit_batched(queue: &AnyQueue, s: &Settings) -> jobq::Result<f64> {
    let name = fresh_queue("submitb");
    let started = Instant::now();
    for chunk in batches(s.jobs, s.batch) {
        queue.submit_batch(vec![job(&name); chunk]).await?;
    }
    let per_s = rate(s.jobs, started.elapsed());
    clean(queue, &name).await?;
    Ok(per_s)
}

/// One producer submits `jobs` jobs in batches while one consumer takes batches and
/// completes each batch in one call; timed until the last job is done.
pub(crate) async fn cycle_batched(queue: &AnyQueue, s: &Settings) -> jobq::Result<f64> {
    let name = fresh_queue("cycleb");
    let started = Instant::now();
    let producer = {
        let (queue, name, s) = (queue.clone(), name.clone(), s.clone());
        tokio::spawn(async move {
            for chunk in batches(s.jobs, s.batch) {
                queue.submit_batch(vec![job(&name); chunk]).await?;
            }
            Ok::<_, jobq::Error>(())
        })
    };
    let req = TakeRequest::new(name.clone()).max(s.batch).wait(WAIT);
    let mut done = 0;
    while done < s.jobs {
        let jobs = queue.take(req.clone()).await?;
        let settlements = jobs
            .into_iter()
            .map(|j| Settlement::complete(j.id, j.lease))
            .collect::<Vec<_>>();
        for result in queue.settle(settlements).await? {
            result?;
            done += 1;
        }
    }
    let per_s = rate(s.jobs, started.elapsed());
    joined(producer.await)?;
    clean(queue, &name).await?;
    Ok(per_s)
}

/// `callers` tasks, half submitting one job per call and half taking and completing one job
/// per call, `concurrent_jobs` jobs in all; timed until the last job is done.
pub(crate) async fn cycle_single(
    queue: &AnyQueue,
    s: &Settings,
    callers: usize,
) -> jobq::Result<f64> {
    let name = fresh_queue("cycle1");
    let started = Instant::now();
    let finished = run_cycle_single(queue, &name, s.concurrent_jobs, callers).await?;
    let per_s = rate(s.concurrent_jobs, finished.duration_since(started));
    clean(queue, &name).await?;
    Ok(per_s)
}

/// The one-job-per-call cycle of `total` jobs on `name` with `callers` tasks (at least one
/// producer and one consumer). Consumers stop once this process's producers are done and the
/// queue has nothing queued or running, so that several processes can share the queue
/// (each submitting its share, any of them taking any job). Returns when the last job this
/// process completed was completed. Each process of the multi-process cycle runs this too.
///
/// # Errors
///
/// The first error of any call.
pub(crate) async fn run_cycle_single(
    queue: &AnyQueue,
    name: &QueueName,
    total: usize,
    callers: usize,
) -> jobq::Result<Instant> {
    let producers = (callers / 2).max(1);
    let consumers = callers.saturating_sub(producers).max(1);
    let submitting = Arc::new(AtomicUsize::new(producers));
    let mut submitters = Vec::new();
    for share in batches(total, total.div_ceil(producers)) {
        let (queue, name, submitting) = (queue.clone(), name.clone(), Arc::clone(&submitting));
        submitters.push(tokio::spawn(async move {
            let submitted = async {
                for _ in 0..share {
                    queue.submit(job(&name)).await?;
                }
                Ok::<_, jobq::Error>(())
            }
            .await;
            submitting.fetch_sub(1, Ordering::SeqCst);
            submitted
        }));
    }
    // Producers that got no share count as done at once.
    submitting.fetch_sub(producers - submitters.len(), Ordering::SeqCst);
    let mut takers = Vec::new();
    for _ in 0..consumers {
        let (queue, name, submitting) = (queue.clone(), name.clone(), Arc::clone(&submitting));
        takers.push(tokio::spawn(async move {
            let req = TakeRequest::new(name.clone()).wait(WAIT);
            let mut last = Instant::now();
            loop {
                if let Some(job) = queue.take_one(req.clone()).await? {
                    queue.complete(&job.id, &job.lease).await?;
                    last = Instant::now();
                } else if submitting.load(Ordering::SeqCst) == 0 && empty(&queue, &name).await? {
                    return Ok::<_, jobq::Error>(last);
                }
            }
        }));
    }
    for task in submitters {
        joined(task.await)?;
    }
    let mut finished = None;
    for task in takers {
        let last = task
            .await
            .map_err(|e| jobq::Error::backend("a benchmark task", e.to_string()))??;
        finished = finished.max(Some(last));
    }
    Ok(finished.unwrap_or_else(Instant::now))
}

/// Whether `name` has no job queued or running.
async fn empty(queue: &AnyQueue, name: &QueueName) -> jobq::Result<bool> {
    let stats = queue.stats(Some(name)).await?;
    Ok(stats
        .queues
        .get(name)
        .is_none_or(|c| c.queued + c.running == 0))
}

/// Sizes of the batches that make `total`: `size` each, the last one smaller.
pub(crate) fn batches(total: usize, size: usize) -> impl Iterator<Item = usize> {
    let size = size.max(1);
    (0..total.div_ceil(size)).map(move |i| size.min(total - i * size))
}

/// A task's result, with a panic as an error.
pub(crate) fn joined(result: Result<jobq::Result<()>, tokio::task::JoinError>) -> jobq::Result<()> {
    result.map_err(|e| jobq::Error::backend("a benchmark task", e.to_string()))?
}
