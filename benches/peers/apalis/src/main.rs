//! The apalis runner of the peers benchmark: one measurement of the full cycle through
//! apalis 1.0 with its SQLite storage (`apalis-sqlite`), driven by an apalis worker.
//!
//! Set up as apalis-sqlite's README shows for an event-driven worker: a pool whose
//! connections have an SQLite update hook that wakes the worker when a job is inserted
//! (what `SqliteStorage::connect_with_callback` builds, here with explicit connect options),
//! `SqliteStorage::setup`, and a poll strategy of the hook's events with a 500 ms interval
//! as a fallback.
//!
//! - `single`: `producers` tasks push one job per call (`TaskSink::push`, one transaction
//!   each); a worker with `.concurrency(concurrency)` and a fetch batch of `concurrency` runs
//!   a no-op handler for each.
//! - `batched`: one task pushes batches of `batch` (`TaskSink::push_bulk`, one transaction
//!   each); the same worker with `.concurrency(concurrency)` and a fetch batch of
//!   `concurrency`.
//!
//! apalis records a job as done after its handler returns: the worker sends an event and
//! writes the buffered events in one transaction when it next polls its storage. The clock
//! stops when every job reads `Done` in the table (polled every millisecond after the last
//! handler returned).
//!
//! Durability: `SqliteStorage::setup` sets `journal_mode = WAL` (kept by the file) and
//! `synchronous = OFF` on the connection it runs on. So that apalis is measured with the
//! asked-for setting, setup runs on a pool of its own that is then closed, and the measured
//! pool's connections are opened in WAL with `synchronous = FULL` (`--sync full`) or
//! `NORMAL` (`--sync normal`), read back and checked before the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use apalis::prelude::*;
use apalis_sqlite::{Config, SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};
use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use jobq_peers_protocol::{Outcome, PAYLOAD, Run, Shape, Synchronous, synchronous_name};
use sqlx::sqlite::{SqliteJournalMode, SqliteOperation, SqliteSynchronous};
use tokio::sync::Notify;

/// What the handler shares: how many ran, and a bell for the last one.
#[derive(Debug)]
struct Ran {
    count: AtomicUsize,
    jobs: usize,
    all: Notify,
}

async fn noop(_payload: String, ran: Data<Arc<Ran>>) -> Result<(), BoxDynError> {
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

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

async fn measure(run: Run) -> Result<Outcome, String> {
    let (level, wanted) = match run.sync {
        Synchronous::Full => (SqliteSynchronous::Full, 2),
        Synchronous::Normal => (SqliteSynchronous::Normal, 1),
    };
    let options = SqliteConnectOptions::new()
        .filename(run.dir.join("apalis.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(level);
    {
        let setup = SqlitePool::connect_with(options.clone())
            .await
            .map_err(text)?;
        SqliteStorage::setup(&setup).await.map_err(text)?;
        setup.close().await;
    }
    let (pool, listener) = hooked_pool(options).await?;
    let (sqlite, journal_mode, synchronous) = settings(&pool).await?;
    if synchronous != wanted || journal_mode != "wal" {
        return Err(format!(
            "expected WAL and synchronous={}, found {journal_mode} and {}",
            synchronous_name(wanted),
            synchronous_name(synchronous)
        ));
    }

    let config = Config::default().queue("bench").batch_size(run.concurrency);
    let strategy = Strategy::new()
        .stream(listener.ready_chunks(config.batch_size))
        .interval(Duration::from_millis(500));
    let storage = SqliteStorage::<String>::new(&pool).with_config(config);
    let ran = Arc::new(Ran {
        count: AtomicUsize::new(0),
        jobs: run.jobs,
        all: Notify::new(),
    });
    let stop = Arc::new(Notify::new());
    let worker = WorkerBuilder::new("peers-bench")
        .backend(storage.clone().poll_with_strategy(strategy))
        .data(Arc::clone(&ran))
        .concurrency(run.concurrency)
        .build(noop);
    let worker = tokio::spawn({
        let stop = Arc::clone(&stop);
        worker.run_with_ctx(move |ctx| {
            let stop = Arc::clone(&stop);
            async move {
                stop.notified().await;
                ctx.stop()
            }
        })
    });

    let started = Instant::now();
    let producers = match run.shape {
        Shape::Single => run
            .shares()
            .into_iter()
            .map(|share| {
                let mut storage = storage.clone();
                tokio::spawn(async move {
                    for _ in 0..share {
                        storage.push(PAYLOAD.to_owned()).await.map_err(text)?;
                    }
                    Ok::<_, String>(())
                })
            })
            .collect::<Vec<_>>(),
        Shape::Batched => {
            let (mut storage, batches) = (storage.clone(), run.batches());
            vec![tokio::spawn(async move {
                for size in batches {
                    storage
                        .push_bulk(vec![PAYLOAD.to_owned(); size])
                        .await
                        .map_err(text)?;
                }
                Ok::<_, String>(())
            })]
        }
    };
    for producer in producers {
        producer.await.map_err(text)??;
    }
    let all = ran.all.notified();
    if ran.count.load(Ordering::SeqCst) < run.jobs {
        all.await;
    }
    let expected = i64::try_from(run.jobs).map_err(text)?;
    while done(&pool).await? < expected {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();

    stop.notify_one();
    worker.await.map_err(text)?.map_err(text)?;
    let ran_count = ran.count.load(Ordering::SeqCst);
    if ran_count != run.jobs {
        return Err(format!(
            "{} jobs, but the handler ran {ran_count} times",
            run.jobs
        ));
    }
    let done = usize::try_from(done(&pool).await?).map_err(text)?;
    pool.close().await;
    let driven = match run.shape {
        Shape::Single => format!(
            "{} tasks push one job per call (TaskSink::push); apalis worker, concurrency {c}, \
             fetch batch {c}, woken by the SQLite update hook, no-op handler",
            run.shares().len(),
            c = run.concurrency
        ),
        Shape::Batched => format!(
            "one task pushes batches of {} (TaskSink::push_bulk); apalis worker, concurrency \
             {c}, fetch batch {c}, woken by the SQLite update hook, no-op handler",
            run.batch,
            c = run.concurrency
        ),
    };
    Ok(Outcome {
        jobs: done,
        elapsed,
        sqlite,
        journal_mode,
        synchronous: synchronous_name(synchronous),
        driven,
    })
}

/// A pool whose connections signal each insert into apalis's `Jobs` table on the returned
/// stream, as `SqliteStorage::connect_with_callback` does (same pool defaults), with
/// `options` for its connections.
async fn hooked_pool(
    options: SqliteConnectOptions,
) -> Result<(SqlitePool, UnboundedReceiver<()>), String> {
    let (tx, rx) = futures::channel::mpsc::unbounded();
    let pool = SqlitePoolOptions::new()
        .after_connect(move |conn, _| {
            let tx = tx.clone();
            Box::pin(async move {
                let mut handle = conn.lock_handle().await?;
                handle.set_update_hook(move |event| {
                    if event.operation == SqliteOperation::Insert && event.table == "Jobs" {
                        let _ = tx.unbounded_send(());
                    }
                });
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(text)?;
    Ok((pool, rx))
}

/// Jobs that read `Done`.
async fn done(pool: &SqlitePool) -> Result<i64, String> {
    sqlx::query_scalar("SELECT count(*) FROM Jobs WHERE status = 'Done'")
        .fetch_one(pool)
        .await
        .map_err(text)
}

/// The SQLite version, the journal mode and the `synchronous` level of the measured pool.
async fn settings(pool: &SqlitePool) -> Result<(String, String, i64), String> {
    let mut conn = pool.acquire().await.map_err(text)?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut *conn)
        .await
        .map_err(text)?;
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .map_err(text)?;
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .map_err(text)?;
    Ok((version, journal, synchronous))
}
