//! `sensors consume`: chunk jobs written to PostgreSQL by N consumers at once.
//!
//! The consumers are the slots of one [`jobq::worker::Worker`]: it takes as many chunks
//! as it has free slots in one call, waits on the queue when it is empty (no polling
//! loop of our own), keeps each chunk's lease alive while it is written, and completes
//! the job only after its rows are committed. Each slot writes through its own connection
//! of the pool. Any number of `sensors consume` processes can share one queue.
//!
//! Delivery is at least once: a consumer killed between the commit and the completion
//! leaves a chunk that runs again. Writes are idempotent (a chunk whose rows are there
//! already is merged with `ON CONFLICT DO NOTHING` on the primary key, see
//! [`Postgres::write_chunk`]), so the second delivery adds nothing, and every row is in the
//! table once.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jobq::worker::Worker;
use jobq::{LeasedJob, Queue, QueueName};

use crate::chunk::decode;
use crate::error::{Result, SensorsError};
use crate::pg::Postgres;
use crate::produce::DEFAULT_QUEUE;
use crate::progress::Meter;

/// How many consumers run at once unless told otherwise (the seed's default).
pub const DEFAULT_REPLICAS: usize = 16;

/// How consumers work.
#[derive(Debug, Clone)]
pub struct ConsumeOptions {
    /// The queue to take chunks from.
    pub queue: QueueName,
    /// How many chunks are written at once (each with its own connection).
    pub replicas: usize,
    /// How long a consumer's hold on a chunk lasts unless renewed: a killed consumer's
    /// chunks go to another after at most this long.
    pub lease: Duration,
    /// Stop once the queue has no chunk queued or being written.
    pub exit_when_empty: bool,
    /// The consumer's name in the jobs' history.
    pub name: String,
}

impl Default for ConsumeOptions {
    fn default() -> Self {
        Self {
            queue: QueueName::new(DEFAULT_QUEUE).unwrap_or_default(),
            replicas: DEFAULT_REPLICAS,
            lease: Duration::from_secs(30),
            exit_when_empty: false,
            name: jobq::worker::default_name(),
        }
    }
}

/// What [`consume`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Consumed {
    /// Chunks written and completed.
    pub chunks: u64,
    /// Rows in those chunks.
    pub rows: u64,
    /// Rows that were new to the table (the rest were there already).
    pub written: u64,
    /// Attempts that failed (to be retried, or failed for good).
    pub failed: u64,
    /// Attempts whose lease was lost, or that could not be settled.
    pub lost: u64,
    /// How long it ran.
    pub elapsed: Duration,
}

#[derive(Default)]
struct Counters {
    chunks: AtomicU64,
    rows: AtomicU64,
    written: AtomicU64,
}

/// Takes chunks from `queue` and writes them to `table` until `shutdown` resolves (or,
/// with `exit_when_empty`, the queue is empty), counting rows into `meter`.
///
/// # Errors
///
/// [`SensorsError::Queue`] for settings the worker refuses (a zero lease). A store or a
/// database that cannot be reached does not stop it: the worker waits and tries again,
/// and a chunk that could not be written is retried after a back-off.
pub async fn consume<Q: Queue + Clone + 'static>(
    queue: Q,
    table: Postgres,
    opts: ConsumeOptions,
    meter: Arc<Meter>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<Consumed> {
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let handler = {
        let counters = Arc::clone(&counters);
        move |job: LeasedJob| {
            let table = table.clone();
            let counters = Arc::clone(&counters);
            let meter = Arc::clone(&meter);
            async move {
                let rows = decode(job.id.as_str(), &job.payload)?;
                let new = table.write_chunk(&rows).await?;
                counters.chunks.fetch_add(1, Ordering::Relaxed);
                counters
                    .rows
                    .fetch_add(rows.len() as u64, Ordering::Relaxed);
                counters.written.fetch_add(new, Ordering::Relaxed);
                meter.add(rows.len() as u64);
                Ok::<_, SensorsError>(())
            }
        }
    };
    let summary = Worker::new(queue, opts.queue.clone())
        .concurrency(opts.replicas)
        .lease(opts.lease)
        .name(opts.name.clone())
        .exit_when_empty(opts.exit_when_empty)
        .on_report(|report| {
            if let jobq::worker::Ended::Retry { error, .. }
            | jobq::worker::Ended::Failed { error } = &report.ended
            {
                tracing::warn!(
                    "chunk {} attempt {} of {} failed: {error}",
                    report.id,
                    report.attempt,
                    report.max_attempts
                );
            }
        })
        .run(handler, shutdown)
        .await?;
    Ok(Consumed {
        chunks: counters.chunks.load(Ordering::Relaxed),
        rows: counters.rows.load(Ordering::Relaxed),
        written: counters.written.load(Ordering::Relaxed),
        failed: summary.retried + summary.failed,
        lost: summary.lost,
        elapsed: started.elapsed(),
    })
}
