//! The effectum runner of the peers benchmark: one measurement of the full cycle through
//! effectum's SQLite queue, driven by effectum's own worker.
//!
//! - `single`: `producers` tasks submit one job per call (`Queue::add_job`); an
//!   `effectum::Worker` with `max_concurrency` = `concurrency` runs a no-op job function
//!   for each, and effectum completes the job when the function returns.
//! - `batched`: one task submits batches of `batch` (`Queue::add_jobs`); the same worker,
//!   with `max_concurrency` = `concurrency`, runs them (effectum has no batch completion;
//!   its writer thread puts up to 50 queued operations in one transaction).
//!
//! The clock stops when effectum counts no active job after the last job function has
//! returned (polled every millisecond), since it completes a job after its function
//! returns.
//!
//! Durability: effectum opens its writer connection with `PRAGMA journal = wal`, a pragma
//! SQLite does not know and ignores, and `PRAGMA synchronous = normal`; neither can be
//! changed from outside. With `--sync full` the file is left as effectum makes it, in
//! SQLite's default rollback-journal mode (`delete`), where `normal` still syncs the
//! journal and the database file at every commit: effectum as shipped, and its durable
//! setting. With `--sync normal` the file is created in WAL mode first (a journal mode the
//! file keeps), so that effectum runs as its code intends: WAL with `synchronous = normal`,
//! no fsync per commit. The journal mode is read back from the file after the run.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use effectum::{Job, JobRunner, JobState, Queue, RunningJob, Worker};
use jobq_peers_protocol::{Outcome, PAYLOAD, Run, Shape, Synchronous, synchronous_name};
use tokio::sync::Notify;

const KIND: &str = "bench";

/// What the job function shares: how many ran, and a bell for the last one.
#[derive(Debug)]
struct Ran {
    count: AtomicUsize,
    jobs: usize,
    all: Notify,
}

async fn noop(_job: RunningJob, ran: Arc<Ran>) -> Result<(), Infallible> {
    if ran.count.fetch_add(1, Ordering::SeqCst) + 1 == ran.jobs {
        ran.all.notify_one();
    }
    Ok(())
}

fn main() {
    jobq_peers_protocol::main(|run| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(measure(run))
    });
}

fn job() -> Job {
    Job::builder(KIND)
        .payload(PAYLOAD.as_bytes().to_vec())
        .build()
}

async fn measure(run: Run) -> Result<Outcome, String> {
    let path = run.dir.join("effectum.db");
    if run.sync == Synchronous::Normal {
        let conn = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if mode != "wal" {
            return Err(format!("could not put {} in WAL mode", path.display()));
        }
    }
    let queue = Arc::new(Queue::new(&path).await.map_err(|e| e.to_string())?);
    let ran = Arc::new(Ran {
        count: AtomicUsize::new(0),
        jobs: run.jobs,
        all: Notify::new(),
    });
    let concurrency = u16::try_from(run.concurrency).map_err(|_| "concurrency over 65535")?;
    let worker = Worker::builder(&queue, Arc::clone(&ran))
        .max_concurrency(concurrency)
        .jobs([JobRunner::builder(KIND, noop).build()])
        .build()
        .await
        .map_err(|e| e.to_string())?;

    let started = Instant::now();
    let producers = match run.shape {
        Shape::Single => run
            .shares()
            .into_iter()
            .map(|share| {
                let queue = Arc::clone(&queue);
                tokio::spawn(async move {
                    for _ in 0..share {
                        queue.add_job(job()).await?;
                    }
                    Ok::<_, effectum::Error>(())
                })
            })
            .collect::<Vec<_>>(),
        Shape::Batched => {
            let (queue, batches) = (Arc::clone(&queue), run.batches());
            vec![tokio::spawn(async move {
                for size in batches {
                    queue.add_jobs((0..size).map(|_| job()).collect()).await?;
                }
                Ok::<_, effectum::Error>(())
            })]
        }
    };
    for producer in producers {
        producer
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    // Wait for the last job function, then for effectum to have completed every job.
    let all = ran.all.notified();
    if ran.count.load(Ordering::SeqCst) < run.jobs {
        all.await;
    }
    loop {
        let active = queue.num_active_jobs().await.map_err(|e| e.to_string())?;
        if active.pending + active.running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();

    worker
        .unregister(Some(Duration::from_secs(10)))
        .await
        .map_err(|e| e.to_string())?;
    queue
        .close(Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    let ran_count = ran.count.load(Ordering::SeqCst);
    if ran_count != run.jobs {
        return Err(format!(
            "{} jobs, but the job function ran {ran_count} times",
            run.jobs
        ));
    }
    let (sqlite, journal_mode, succeeded) = file_settings(&path)?;
    let driven = match run.shape {
        Shape::Single => format!(
            "{} tasks submit one job per call (add_job); effectum::Worker, max_concurrency {}, \
             no-op job function",
            run.shares().len(),
            run.concurrency
        ),
        Shape::Batched => format!(
            "one task submits batches of {} (add_jobs); effectum::Worker, max_concurrency {}, \
             no-op job function",
            run.batch, run.concurrency
        ),
    };
    Ok(Outcome {
        jobs: succeeded,
        elapsed,
        sqlite,
        journal_mode,
        // What effectum sets on its writer connection (src/local_queue.rs).
        synchronous: synchronous_name(1),
        driven,
    })
}

/// The SQLite version, the file's journal mode, and how many jobs succeeded.
fn file_settings(path: &Path) -> Result<(String, String, usize), String> {
    let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    let version: String = conn
        .query_row("SELECT sqlite_version()", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let succeeded: i64 = conn
        .query_row(
            "SELECT count(*) FROM jobs WHERE status = ?1",
            [JobState::Succeeded.as_str()],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    Ok((version, journal, usize::try_from(succeeded).unwrap_or(0)))
}
