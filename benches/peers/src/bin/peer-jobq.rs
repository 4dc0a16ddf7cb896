//! The jobq runner of the peers benchmark: one measurement of the full cycle through the
//! `jobq` library on an SQLite file: WAL with its durable default, `synchronous=FULL`
//! (`--sync full`), or `sqlite:PATH?synchronous=normal` (`--sync normal`).
//!
//! - `single`: `producers` tasks submit one job per call; [`jobq::worker::Worker`] with
//!   `concurrency` no-op handlers takes and completes them (it takes up to its free slots
//!   per call and completes each job in a call of its own).
//! - `batched`: one task submits batches of `batch`; one consumer takes up to `batch` jobs
//!   per call and completes them in one call (jobq's batch API, as `jobq bench` measures
//!   its `cycle_batched_per_s`).
//!
//! Timed from the first submit to the last completion, which is known exactly: the worker
//! reports each attempt once it is settled.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobq::worker::{Ended, Worker};
use jobq::{AnyQueue, LeasedJob, NewJob, Queue, QueueName, Settlement, TakeRequest};
use jobq_peers_protocol::{Outcome, PAYLOAD, Run, Shape, Synchronous, synchronous_name};
use tokio::sync::Notify;

fn main() {
    jobq_peers_protocol::main(|run| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(measure(run))
    });
}

async fn measure(run: Run) -> Result<Outcome, String> {
    let path = run.dir.join("jobq.db");
    let sync = match run.sync {
        Synchronous::Full => "",
        Synchronous::Normal => "?synchronous=normal",
    };
    let queue = jobq::connect(&format!("sqlite:{}{sync}", path.display()))
        .await
        .map_err(|e| e.to_string())?;
    let name = QueueName::new("bench").map_err(|e| e.to_string())?;
    let (elapsed, driven) = match run.shape {
        Shape::Single => single(&queue, &name, &run).await?,
        Shape::Batched => batched(&queue, &name, &run).await?,
    };
    let stats = queue.stats(Some(&name)).await.map_err(|e| e.to_string())?;
    let done = stats.queues.get(&name).map_or(0, |c| c.done);
    drop(queue);
    let (sqlite, journal_mode) = file_settings(&path)?;
    Ok(Outcome {
        jobs: usize::try_from(done).unwrap_or(0),
        elapsed,
        sqlite,
        journal_mode,
        // As asked for in the URL (FULL is jobq's default).
        synchronous: synchronous_name(match run.sync {
            Synchronous::Full => 2,
            Synchronous::Normal => 1,
        }),
        driven,
    })
}

fn job(name: &QueueName) -> NewJob {
    NewJob::new(PAYLOAD).queue(name.clone())
}

async fn single(
    queue: &AnyQueue,
    name: &QueueName,
    run: &Run,
) -> Result<(Duration, String), String> {
    let completed = Arc::new(AtomicUsize::new(0));
    // Set when the last job is settled: in the report callback itself, since the worker
    // looks at its shutdown future only between takes.
    let last = Arc::new(Mutex::new(None::<Instant>));
    let all_done = Arc::new(Notify::new());
    let failures = Arc::new(AtomicUsize::new(0));
    let worker = Worker::new(queue.clone(), name.clone())
        .concurrency(run.concurrency)
        .name("peers-bench")
        .on_report({
            let (completed, all_done, failures, last, jobs) = (
                Arc::clone(&completed),
                Arc::clone(&all_done),
                Arc::clone(&failures),
                Arc::clone(&last),
                run.jobs,
            );
            move |report| {
                if !matches!(report.ended, Ended::Done) {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
                if completed.fetch_add(1, Ordering::SeqCst) + 1 == jobs {
                    *last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                    all_done.notify_one();
                }
            }
        });
    let started = Instant::now();
    let mut producers = Vec::new();
    for share in run.shares() {
        let (queue, name) = (queue.clone(), name.clone());
        producers.push(tokio::spawn(async move {
            for _ in 0..share {
                queue.submit(job(&name)).await?;
            }
            Ok::<_, jobq::Error>(())
        }));
    }
    let stop = {
        let all_done = Arc::clone(&all_done);
        async move { all_done.notified().await }
    };
    worker
        .run(|_job: LeasedJob| async { Ok::<_, String>(()) }, stop)
        .await
        .map_err(|e| e.to_string())?;
    for producer in producers {
        producer
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    let failed = failures.load(Ordering::SeqCst);
    if failed > 0 {
        return Err(format!("{failed} attempts did not end done"));
    }
    let finished = last
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .ok_or("the worker stopped early")?;
    let driven = format!(
        "{} tasks submit one job per call; jobq::worker::Worker, concurrency {}, no-op handler",
        run.shares().len(),
        run.concurrency
    );
    Ok((finished - started, driven))
}

async fn batched(
    queue: &AnyQueue,
    name: &QueueName,
    run: &Run,
) -> Result<(Duration, String), String> {
    let started = Instant::now();
    let producer = {
        let (queue, name, batches) = (queue.clone(), name.clone(), run.batches());
        tokio::spawn(async move {
            for size in batches {
                queue.submit_batch(vec![job(&name); size]).await?;
            }
            Ok::<_, jobq::Error>(())
        })
    };
    let req = TakeRequest::new(name.clone())
        .max(run.batch)
        .wait(Duration::from_millis(100));
    let mut done = 0;
    while done < run.jobs {
        let jobs = queue.take(req.clone()).await.map_err(|e| e.to_string())?;
        let settlements = jobs
            .into_iter()
            .map(|j| Settlement::complete(j.id, j.lease))
            .collect::<Vec<_>>();
        for result in queue.settle(settlements).await.map_err(|e| e.to_string())? {
            result.map_err(|e| e.to_string())?;
            done += 1;
        }
    }
    let elapsed = started.elapsed();
    producer
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let driven = format!(
        "one task submits batches of {b}; one consumer takes up to {b} per call and completes \
         them in one call",
        b = run.batch
    );
    Ok((elapsed, driven))
}

/// The SQLite version and the file's journal mode, read after the run.
fn file_settings(path: &std::path::Path) -> Result<(String, String), String> {
    let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    let version: String = conn
        .query_row("SELECT sqlite_version()", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    Ok((version, journal))
}
