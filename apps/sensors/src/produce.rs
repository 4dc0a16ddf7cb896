//! `sensors produce`: a CSV file, read as a stream, becomes chunk jobs.
//!
//! One thread reads and checks rows and fills chunks; the caller's task submits them while
//! the next ones are read. At most a few chunks wait between the two, so memory does not
//! grow with the file. A bad row is reported with its line number and why, and left out;
//! the rows around it go on into chunks.
//!
//! Chunks are submitted many to a call (one commit). Ids come from the rows
//! ([`chunk_id`](crate::chunk::chunk_id)), so a chunk submitted by an earlier run is
//! refused as a duplicate; since a batch is all or nothing, a batch refused for a duplicate
//! is submitted again one chunk at a time, and the duplicates are counted as done before.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jobq::{Error as QueueError, JobId, NewJob, Queue, QueueName};
use tokio::sync::mpsc;

use crate::chunk::{Chunk, ChunkBuilder, DEFAULT_CHUNK_ROWS};
use crate::error::{Result, SensorsError};
use crate::progress::Meter;
use crate::row::{Columns, parse_record};

/// The queue chunk jobs go to unless told otherwise.
pub const DEFAULT_QUEUE: &str = "sensors";

/// How many attempts a chunk gets. A chunk fails only when PostgreSQL cannot take it, and
/// every lease lost by a killed consumer counts as an attempt, so they are many; with the
/// queue's back-off, ten attempts span about ten minutes.
pub const CHUNK_ATTEMPTS: u32 = 10;

/// The most jobs submitted in one call.
const BATCH_JOBS: usize = 500;

/// The most payload bytes submitted in one call.
const BATCH_BYTES: usize = 8 << 20;

/// What to produce, and where to.
#[derive(Debug, Clone)]
pub struct ProduceOptions {
    /// The CSV file.
    pub file: PathBuf,
    /// The queue to submit to.
    pub queue: QueueName,
    /// Rows per chunk (a chunk also ends before its payload passes 1 MB).
    pub chunk_rows: usize,
    /// Attempts each chunk job gets.
    pub max_attempts: u32,
}

impl ProduceOptions {
    /// `file` to the default queue, in chunks of the default size.
    ///
    /// # Errors
    ///
    /// Never in practice; the default queue name is valid.
    pub fn new(file: impl Into<PathBuf>) -> Result<Self> {
        Ok(Self {
            file: file.into(),
            queue: QueueName::new(DEFAULT_QUEUE)?,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            max_attempts: CHUNK_ATTEMPTS,
        })
    }
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// Its line in the file, from 1.
    pub line: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// What [`produce`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Produced {
    /// Data rows read (the header is not one).
    pub rows: u64,
    /// Rows left out as bad.
    pub bad_rows: u64,
    /// Chunks made of the good rows.
    pub chunks: u64,
    /// Chunks submitted now.
    pub submitted: u64,
    /// Chunks the queue had already (from an earlier run).
    pub already: u64,
    /// How long it took.
    pub elapsed: Duration,
}

impl Produced {
    /// Rows that went into chunks.
    pub fn good_rows(&self) -> u64 {
        self.rows - self.bad_rows
    }
}

/// What the reading thread hands over.
enum Read {
    Chunk(Chunk),
    Bad(BadRow),
}

/// Reads `opts.file` and submits its good rows as chunk jobs to `queue`, calling `on_bad`
/// for each bad row as it is found and counting submitted rows into `meter`.
///
/// # Errors
///
/// [`SensorsError::Io`] when the file cannot be read; [`SensorsError::Queue`] when the
/// queue fails (chunks submitted before stay submitted, and a new run submits the rest).
pub async fn produce<Q: Queue>(
    queue: &Q,
    opts: &ProduceOptions,
    meter: &Meter,
    mut on_bad: impl FnMut(&BadRow),
) -> Result<Produced> {
    let started = Instant::now();
    let file = std::fs::File::open(&opts.file)
        .map_err(|e| SensorsError::io(format!("opening {}", opts.file.display()), e))?;
    let (tx, mut rx) = mpsc::channel(8);
    let chunk_rows = opts.chunk_rows;
    let path = opts.file.clone();
    let reader = tokio::task::spawn_blocking(move || read_chunks(file, &path, chunk_rows, &tx));

    let mut done = Produced::default();
    let mut batch: Vec<Chunk> = Vec::new();
    let mut open = true;
    while open {
        // Wait for one, then take whatever else is ready, up to a batch.
        match rx.recv().await {
            Some(read) => gather(read, &mut batch, &mut done, &mut on_bad),
            None => open = false,
        }
        while open && batch.len() < BATCH_JOBS && bytes(&batch) < BATCH_BYTES {
            match rx.try_recv() {
                Ok(read) => gather(read, &mut batch, &mut done, &mut on_bad),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => open = false,
            }
        }
        if !batch.is_empty() {
            submit(queue, opts, std::mem::take(&mut batch), &mut done, meter).await?;
        }
    }
    let (rows, bad) = reader
        .await
        .map_err(|e| SensorsError::io("reading the CSV", std::io::Error::other(e)))??;
    done.rows = rows;
    done.bad_rows = bad;
    done.elapsed = started.elapsed();
    Ok(done)
}

fn gather(
    read: Read,
    batch: &mut Vec<Chunk>,
    done: &mut Produced,
    on_bad: &mut impl FnMut(&BadRow),
) {
    match read {
        Read::Chunk(chunk) => {
            done.chunks += 1;
            batch.push(chunk);
        }
        Read::Bad(bad) => on_bad(&bad),
    }
}

fn bytes(batch: &[Chunk]) -> usize {
    batch.iter().map(|c| c.payload.len()).sum()
}

/// Submits `batch` in one call; chunks submitted before are counted, not submitted again.
async fn submit<Q: Queue>(
    queue: &Q,
    opts: &ProduceOptions,
    batch: Vec<Chunk>,
    done: &mut Produced,
    meter: &Meter,
) -> Result<()> {
    let jobs = batch
        .iter()
        .map(|chunk| {
            Ok(NewJob::new(chunk.payload.clone())
                .id(JobId::new(chunk.id())?)
                .queue(opts.queue.clone())
                .max_attempts(opts.max_attempts))
        })
        .collect::<Result<Vec<_>>>()?;
    for (chunk, result) in batch.iter().zip(queue.submit_each(jobs).await?) {
        match result {
            Ok(_) => done.submitted += 1,
            Err(QueueError::Duplicate { .. }) => done.already += 1,
            Err(err) => return Err(err.into()),
        }
        meter.add(chunk.rows as u64);
    }
    Ok(())
}

/// The reading thread: rows to chunks and bad rows, sent as they come. Returns the rows
/// read and the bad ones among them. Stops early when the receiver is gone.
fn read_chunks(
    file: std::fs::File,
    path: &std::path::Path,
    chunk_rows: usize,
    tx: &mpsc::Sender<Read>,
) -> Result<(u64, u64)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    let mut columns = Columns::default();
    let mut builder = ChunkBuilder::new(chunk_rows);
    let (mut rows, mut bad) = (0u64, 0u64);
    let mut first = true;
    let send = |read: Read| tx.blocking_send(read).is_ok();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            SensorsError::io(
                format!("reading {}", path.display()),
                std::io::Error::other(e),
            )
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if std::mem::take(&mut first)
            && let Some(named) = Columns::from_header(record.iter())
        {
            columns = named;
            continue;
        }
        rows += 1;
        match parse_record(&record, columns) {
            Ok(row) => {
                if let Some(chunk) = builder.push(&row, line)
                    && !send(Read::Chunk(chunk))
                {
                    return Ok((rows, bad));
                }
            }
            Err(reason) => {
                bad += 1;
                if !send(Read::Bad(BadRow { line, reason })) {
                    return Ok((rows, bad));
                }
            }
        }
    }
    if let Some(chunk) = builder.take() {
        send(Read::Chunk(chunk));
    }
    Ok((rows, bad))
}
