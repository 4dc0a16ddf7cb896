//! `sensors bench`: rows per second end to end, ours against the seed's way and against
//! PostgreSQL's own `COPY`, measured in one run on one generated file.
//!
//! - **ours**: `produce` and `consume` running together, as in use: chunk jobs on a new
//!   SQLite queue, the consumers woken by the queue, each chunk one binary `COPY`.
//! - **the seed's way**: one row per job and one `INSERT` per row, with as many consumers,
//!   each a worker taking one job at a time. Rows are submitted in batches (the seed
//!   publishes without waiting for a broker confirmation, and one durable commit per row
//!   would measure the queue's fsync instead of the design). It runs on the first rows of
//!   the file only: it is slow, and its rate does not depend on how many rows there are.
//! - **COPY**: `COPY records FROM STDIN (FORMAT csv)` of the same file into the same table
//!   with the same indexes: the ceiling. Twice: in one session and one transaction, and
//!   split at line ends in as many parts as there are consumers, copied at once in as many
//!   sessions. On a machine shared with other work, one session gets a small share of the
//!   CPU while 16 get a large one; the split COPY is the ceiling that is fair to compare
//!   with.
//!
//! Each figure is the time from the first row read to the last row committed, measured
//! [`BenchSettings::runs`] times in turn; the median is reported. Every measure gets a new
//! schema and queue, checks that the table holds every row, and drops the schema.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::SinkExt;
use jobq::worker::Worker;
use jobq::{AnyQueue, LeasedJob, Queue, QueueName};
use tokio::io::AsyncReadExt;

use crate::chunk::decode;
use crate::consume::{ConsumeOptions, consume};
use crate::error::{Result, SensorsError};
use crate::generate::{GenerateOptions, generate};
use crate::pg::Postgres;
use crate::produce::{ProduceOptions, produce};
use crate::progress::{Meter, rate, thousands};

/// The sizes of a benchmark run.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    /// Sensors in the generated file.
    pub sensors: u64,
    /// Readings per sensor.
    pub records: u64,
    /// Rows the seed's way runs on (rounded up to whole readings of every sensor).
    pub seed_way_rows: u64,
    /// Measures of each figure.
    pub runs: usize,
    /// Rows per chunk, ours.
    pub chunk_rows: usize,
    /// Consumers, ours and the seed's way.
    pub replicas: usize,
    /// The PostgreSQL database; scratch schemas are made in it and dropped.
    pub postgres: String,
}

/// What a benchmark run measured, in rows per second, one entry per run.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchFigures {
    /// The settings.
    pub rows: u64,
    /// Rows the seed's way ran on.
    pub seed_way_rows: u64,
    /// Rows per chunk, ours.
    pub chunk_rows: usize,
    /// Consumers.
    pub replicas: usize,
    /// Ours.
    pub ours: Vec<f64>,
    /// The seed's way.
    pub seed_way: Vec<f64>,
    /// PostgreSQL's COPY, in one session.
    pub copy: Vec<f64>,
    /// PostgreSQL's COPY, the file split in as many sessions as there are consumers.
    pub copy_parallel: Vec<f64>,
}

/// The median of `v` (0 for none).
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

impl BenchFigures {
    /// The figures as one JSON object: medians and every run.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "rows": self.rows,
            "seed_way_rows": self.seed_way_rows,
            "chunk_rows": self.chunk_rows,
            "replicas": self.replicas,
            "rows_per_second": {
                "ours": median(&self.ours),
                "seed_way": median(&self.seed_way),
                "copy": median(&self.copy),
                "copy_parallel": median(&self.copy_parallel),
            },
            "runs": {
                "ours": self.ours,
                "seed_way": self.seed_way,
                "copy": self.copy,
                "copy_parallel": self.copy_parallel,
            },
        })
    }
}

impl std::fmt::Display for BenchFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let runs = |v: &[f64]| {
            v.iter()
                .map(|r| thousands(*r as u64))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (ours, seed) = (median(&self.ours), median(&self.seed_way));
        let copy = median(&self.copy).max(median(&self.copy_parallel));
        writeln!(
            f,
            "rows per second end to end, median of {} runs ({} rows; the seed's way on the first {})",
            self.ours.len(),
            thousands(self.rows),
            thousands(self.seed_way_rows)
        )?;
        let lines = [
            (
                format!(
                    "ours: chunks of {}, {} consumers",
                    thousands(self.chunk_rows as u64),
                    self.replicas
                ),
                ours,
                &self.ours,
            ),
            (
                format!("the seed's way: a row per job, {} consumers", self.replicas),
                seed,
                &self.seed_way,
            ),
            (
                "PostgreSQL COPY of the file, 1 session".to_owned(),
                median(&self.copy),
                &self.copy,
            ),
            (
                format!("PostgreSQL COPY, the file split in {}", self.replicas),
                median(&self.copy_parallel),
                &self.copy_parallel,
            ),
        ];
        for (what, median, all) in lines {
            writeln!(
                f,
                "  {what:<48} {:>12}   (runs: {})",
                thousands(median as u64),
                runs(all)
            )?;
        }
        if ours > 0.0 && seed > 0.0 && copy > 0.0 {
            write!(
                f,
                "ours is {:.1}× the seed's way, and the faster COPY is {:.2}× ours",
                ours / seed,
                copy / ours
            )?;
        }
        Ok(())
    }
}

/// Generates the files and measures every figure `settings.runs` times, telling `log`
/// what it is doing.
///
/// # Errors
///
/// Whatever a measure meets; [`SensorsError::InvalidInput`] when a table does not hold
/// exactly the rows of its file at the end.
pub async fn run(settings: &BenchSettings, log: impl Fn(&str)) -> Result<BenchFigures> {
    let dir = tempfile::tempdir().map_err(|e| SensorsError::io("making a scratch directory", e))?;
    let file = dir.path().join("bench.csv");
    let gen_opts = GenerateOptions::new(settings.sensors, settings.records, 2021);
    let rows = gen_opts.rows()?;
    log(&format!("generating {} rows", thousands(rows)));
    generate(&gen_opts, &file, &Meter::new())?;
    // The same seed with fewer records writes the first rows of the same file.
    let seed_records = settings
        .seed_way_rows
        .div_ceil(settings.sensors)
        .clamp(1, settings.records);
    let seed_file = dir.path().join("seed-way.csv");
    let seed_opts = GenerateOptions {
        records: seed_records,
        ..gen_opts.clone()
    };
    let seed_rows = seed_opts.rows()?;
    generate(&seed_opts, &seed_file, &Meter::new())?;

    let mut figures = BenchFigures {
        rows,
        seed_way_rows: seed_rows,
        chunk_rows: settings.chunk_rows,
        replicas: settings.replicas,
        ours: Vec::new(),
        seed_way: Vec::new(),
        copy: Vec::new(),
        copy_parallel: Vec::new(),
    };
    let tag = std::process::id();
    for run in 1..=settings.runs {
        let schema = format!("sensors_bench_{tag}_{run}");
        let r = copy_file(settings, &format!("{schema}_copy"), &file, rows, 1).await?;
        log(&format!("run {run}: COPY {} rows/s", thousands(r as u64)));
        figures.copy.push(r);
        let sessions = settings.replicas;
        let r = copy_file(settings, &format!("{schema}_copyn"), &file, rows, sessions).await?;
        log(&format!(
            "run {run}: COPY in {sessions} sessions {} rows/s",
            thousands(r as u64)
        ));
        figures.copy_parallel.push(r);
        let queue = dir.path().join(format!("ours-{run}.db"));
        let r = ours(settings, &format!("{schema}_ours"), &queue, &file, rows).await?;
        log(&format!("run {run}: ours {} rows/s", thousands(r as u64)));
        figures.ours.push(r);
        let queue = dir.path().join(format!("seed-{run}.db"));
        let r = seed_way(
            settings,
            &format!("{schema}_seed"),
            &queue,
            &seed_file,
            seed_rows,
        )
        .await?;
        log(&format!(
            "run {run}: the seed's way {} rows/s",
            thousands(r as u64)
        ));
        figures.seed_way.push(r);
    }
    Ok(figures)
}

/// A fresh table in `schema`, after a checkpoint so that no measure pays for the last
/// one's writes.
async fn fresh_table(
    settings: &BenchSettings,
    schema: &str,
    connections: usize,
) -> Result<Postgres> {
    let table = Postgres::connect(&settings.postgres, schema, connections).await?;
    table.drop_schema().await?;
    let table = Postgres::connect(&settings.postgres, schema, connections).await?;
    if let Ok(client) = table.connection().await {
        // Needs superuser or pg_checkpoint; without it the measure is only noisier.
        let _ = client.batch_execute("CHECKPOINT").await;
    }
    Ok(table)
}

/// Checks that the table holds `rows` rows, then drops its schema.
async fn check_and_drop(table: &Postgres, rows: u64, what: &str) -> Result<()> {
    let count = table.count().await?;
    table.drop_schema().await?;
    if count != rows {
        return Err(SensorsError::InvalidInput(format!(
            "{what}: the table holds {count} rows, the file {rows}"
        )));
    }
    Ok(())
}

/// `COPY` of `file` into a fresh table, split in `sessions` parts (at line ends) copied at
/// once, each in its own session and transaction.
async fn copy_file(
    settings: &BenchSettings,
    schema: &str,
    file: &Path,
    rows: u64,
    sessions: usize,
) -> Result<f64> {
    let table = fresh_table(settings, schema, sessions).await?;
    let parts = split_at_lines(file, sessions)?;
    let started = Instant::now();
    let mut copies = tokio::task::JoinSet::new();
    for (n, (from, to)) in parts.into_iter().enumerate() {
        let (table, file) = (table.clone(), file.to_owned());
        copies.spawn(async move { copy_part(&table, &file, from, to, n == 0).await });
    }
    while let Some(done) = copies.join_next().await {
        done.map_err(|e| SensorsError::io("COPY", std::io::Error::other(e)))??;
    }
    let elapsed = started.elapsed();
    check_and_drop(&table, rows, "COPY").await?;
    Ok(rate(rows, elapsed))
}

/// Byte ranges of `file` that split it in `parts` at line ends.
fn split_at_lines(file: &Path, parts: usize) -> Result<Vec<(u64, u64)>> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e| SensorsError::io(format!("reading {}", file.display()), e);
    let mut f = std::fs::File::open(file).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let mut ends = Vec::new();
    for k in 1..parts.max(1) as u64 {
        let mut at = len * k / parts as u64;
        f.seek(SeekFrom::Start(at)).map_err(io)?;
        let mut buf = [0u8; 4096];
        let n = f.read(&mut buf).map_err(io)?;
        match buf[..n].iter().position(|b| *b == b'\n') {
            Some(i) => at += i as u64 + 1,
            None => continue,
        }
        if ends.last().is_none_or(|last| at > *last) && at < len {
            ends.push(at);
        }
    }
    ends.push(len);
    let mut from = 0;
    Ok(ends
        .into_iter()
        .map(|to| {
            let part = (from, to);
            from = to;
            part
        })
        .collect())
}

/// `COPY … FROM STDIN (FORMAT csv)` of bytes `from..to` of `file`, in one transaction.
async fn copy_part(table: &Postgres, file: &Path, from: u64, to: u64, header: bool) -> Result<()> {
    use tokio::io::AsyncSeekExt;
    let client = table.connection().await?;
    let pg = |e: tokio_postgres::Error| SensorsError::postgres("COPY", crate::pg::describe(&e));
    let io = |e| SensorsError::io(format!("reading {}", file.display()), e);
    let sink = client
        .copy_in::<_, bytes::Bytes>(&format!(
            "COPY \"{}\".records (record_time, sensor_id, value) FROM STDIN (FORMAT csv, HEADER {header})",
            table.schema()
        ))
        .await
        .map_err(pg)?;
    futures::pin_mut!(sink);
    let mut f = tokio::fs::File::open(file).await.map_err(io)?;
    f.seek(std::io::SeekFrom::Start(from)).await.map_err(io)?;
    let mut f = f.take(to - from);
    loop {
        let mut buf = bytes::BytesMut::with_capacity(1 << 20);
        if f.read_buf(&mut buf).await.map_err(io)? == 0 {
            break;
        }
        sink.send(buf.freeze()).await.map_err(pg)?;
    }
    sink.as_mut().finish().await.map_err(pg)?;
    Ok(())
}

/// Resolves once `done` has and the queue has nothing queued or running, and sets
/// `ended` to that moment: the last chunk's commit and completion. (The workers stop a
/// little later, after the take they are in, which is not part of the ingest.)
async fn drained(
    queue: AnyQueue,
    name: QueueName,
    done: tokio::sync::oneshot::Receiver<()>,
    ended: Arc<std::sync::Mutex<Option<Instant>>>,
) {
    let _ = done.await;
    loop {
        if let Ok(stats) = queue.stats(Some(&name)).await
            && stats
                .queues
                .get(&name)
                .is_none_or(|c| c.queued + c.running == 0)
        {
            *ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The time from `started` to the moment [`drained`] saw the queue empty.
fn until_drained(started: Instant, ended: &std::sync::Mutex<Option<Instant>>) -> Duration {
    let ended = *ended.lock().unwrap_or_else(|e| e.into_inner());
    ended.unwrap_or_else(Instant::now).duration_since(started)
}

async fn ours(
    settings: &BenchSettings,
    schema: &str,
    queue: &Path,
    file: &Path,
    rows: u64,
) -> Result<f64> {
    let table = fresh_table(settings, schema, settings.replicas).await?;
    let queue = jobq::connect(&format!("sqlite:{}", queue.display())).await?;
    let produce_opts = ProduceOptions {
        chunk_rows: settings.chunk_rows,
        ..ProduceOptions::new(file)?
    };
    let consume_opts = ConsumeOptions {
        queue: produce_opts.queue.clone(),
        replicas: settings.replicas,
        ..ConsumeOptions::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let ended = Arc::new(std::sync::Mutex::new(None));
    let started = Instant::now();
    let consumers = tokio::spawn(consume(
        queue.clone(),
        table.clone(),
        consume_opts.clone(),
        Arc::new(Meter::new()),
        drained(
            queue.clone(),
            consume_opts.queue.clone(),
            rx,
            Arc::clone(&ended),
        ),
    ));
    let produced = produce(&queue, &produce_opts, &Meter::new(), |_| {}).await;
    let produce_time = started.elapsed();
    let _ = tx.send(());
    let consumed = consumers
        .await
        .map_err(|e| SensorsError::io("consumers", std::io::Error::other(e)))??;
    let elapsed = until_drained(started, &ended);
    produced?;
    tracing::debug!("ours: produced in {produce_time:?}, drained at {elapsed:?}: {consumed:?}");
    check_and_drop(&table, rows, "ours").await?;
    Ok(rate(rows, elapsed))
}

async fn seed_way(
    settings: &BenchSettings,
    schema: &str,
    queue: &Path,
    file: &Path,
    rows: u64,
) -> Result<f64> {
    let table = fresh_table(settings, schema, settings.replicas).await?;
    let queue = jobq::connect(&format!("sqlite:{}", queue.display())).await?;
    let produce_opts = ProduceOptions {
        chunk_rows: 1,
        ..ProduceOptions::new(file)?
    };
    let name = produce_opts.queue.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let ended = Arc::new(std::sync::Mutex::new(None));
    let stop = futures::future::FutureExt::shared(drained(
        queue.clone(),
        name.clone(),
        rx,
        Arc::clone(&ended),
    ));
    let started = Instant::now();
    let mut consumers = tokio::task::JoinSet::new();
    for n in 0..settings.replicas {
        let table = table.clone();
        let worker = Worker::new(queue.clone(), name.clone()).name(format!("seed-consumer-{n}"));
        let handler = move |job: LeasedJob| {
            let table = table.clone();
            async move {
                let row = decode(job.id.as_str(), &job.payload)?;
                table
                    .write_row(&row.times[0], &row.sensors[0], row.values[0])
                    .await?;
                Ok::<_, SensorsError>(())
            }
        };
        consumers.spawn(worker.run(handler, stop.clone()));
    }
    let produced = produce(&queue, &produce_opts, &Meter::new(), |_| {}).await;
    let _ = tx.send(());
    while let Some(done) = consumers.join_next().await {
        done.map_err(|e| SensorsError::io("consumers", std::io::Error::other(e)))??;
    }
    let elapsed = until_drained(started, &ended);
    produced?;
    check_and_drop(&table, rows, "the seed's way").await?;
    Ok(rate(rows, elapsed))
}
