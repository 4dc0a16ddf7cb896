//! `sensors`: generate sensor CSV, turn it into chunk jobs, write them to PostgreSQL.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};
use jobq::QueueName;
use sensors::chunk::DEFAULT_CHUNK_ROWS;
use sensors::consume::DEFAULT_REPLICAS;
use sensors::generate::{parse_start, parse_timezone};
use sensors::pg::{DEFAULT_POSTGRES_URL, DEFAULT_SCHEMA};
use sensors::produce::{CHUNK_ATTEMPTS, DEFAULT_QUEUE};
use sensors::progress::{Display, rate, size, thousands};
use sensors::{
    ConsumeOptions, GenerateOptions, Meter, Postgres, ProduceOptions, SensorsError, bench,
};

/// The default queue store: `sensors-queue.db` in the working directory.
const DEFAULT_URL: &str = "sqlite:sensors-queue.db";

/// Bad rows listed one by one before the rest are only counted.
const BAD_ROWS_LISTED: u64 = 1000;

/// sensors: sensor readings from CSV to PostgreSQL through a jobq queue, in chunks.
#[derive(Debug, Parser)]
#[command(name = "sensors", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write sensor readings as CSV: the same file for the same --seed.
    Generate(GenerateArgs),
    /// Read a CSV file and submit its rows as chunk jobs (again: nothing twice).
    Produce(ProduceArgs),
    /// Write chunk jobs to PostgreSQL with N consumers.
    Consume(ConsumeArgs),
    /// Measure rows per second end to end: ours, the seed's way, and COPY.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// How many sensors.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    sensors: u64,
    /// How many readings per sensor.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    records: u64,
    /// The first readings' time: 2021-01-01, 2021-01-01T00:00:00 (in --timezone), or a time
    /// with its own offset.
    #[arg(long, default_value = "2021-01-01T00:00:00")]
    start: String,
    /// The time between one sensor's readings (1s, 250ms, 5m …).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// The UTC offset times are written with: ±HH:MM or Z.
    #[arg(long, default_value = "+08:00", allow_hyphen_values = true)]
    timezone: String,
    /// The random seed (default: a random one, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// The CSV file to write.
    #[arg(long)]
    out: PathBuf,
}

/// Where the queue is.
#[derive(Debug, Args)]
struct QueueArgs {
    /// The job queue: sqlite:PATH (or a bare path), or any URL jobq::connect opens.
    #[arg(long, env = "JOBQ_URL", default_value = DEFAULT_URL)]
    url: String,
    /// The queue name chunk jobs go to.
    #[arg(long, default_value = DEFAULT_QUEUE)]
    queue: String,
}

/// Where the table is.
#[derive(Debug, Args)]
struct TableArgs {
    /// The PostgreSQL database.
    #[arg(long, env = "SENSORS_POSTGRES_URL", default_value = DEFAULT_POSTGRES_URL)]
    postgres: String,
    /// The schema of the records table (created if missing).
    #[arg(long, default_value = DEFAULT_SCHEMA)]
    schema: String,
}

#[derive(Debug, Args)]
struct ProduceArgs {
    /// The CSV file.
    file: PathBuf,
    /// Rows per chunk job (a chunk also ends before 1 MB).
    #[arg(long, default_value_t = DEFAULT_CHUNK_ROWS,
          value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize))]
    chunk: usize,
    #[command(flatten)]
    queue: QueueArgs,
}

#[derive(Debug, Args)]
struct ConsumeArgs {
    /// How many chunks are written at once.
    #[arg(long, default_value_t = DEFAULT_REPLICAS,
          value_parser = clap::value_parser!(u16).range(1..).map(usize::from))]
    replicas: usize,
    /// Stop once no chunk is queued or being written.
    #[arg(long)]
    exit_when_empty: bool,
    /// How long a hold on a chunk lasts unless renewed (a killed consumer's chunks go to
    /// another after at most this long).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    lease: Duration,
    /// This consumer's name in the jobs' history (default HOST:PID).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    queue: QueueArgs,
    #[command(flatten)]
    table: TableArgs,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Sensors in the generated file.
    #[arg(long, default_value_t = 1000)]
    sensors: u64,
    /// Readings per sensor (rows = sensors × records).
    #[arg(long, default_value_t = 1000)]
    records: u64,
    /// Rows the seed's way is measured on (the first of the file): it is slow, and its rate
    /// does not depend on the size.
    #[arg(long, default_value_t = 100_000)]
    seed_way_rows: u64,
    /// How many times each figure is measured (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Rows per chunk job.
    #[arg(long, default_value_t = DEFAULT_CHUNK_ROWS)]
    chunk: usize,
    /// Consumers, ours and the seed's way.
    #[arg(long, default_value_t = DEFAULT_REPLICAS)]
    replicas: usize,
    /// The PostgreSQL database (scratch schemas are made and dropped).
    #[arg(long, env = "SENSORS_POSTGRES_URL", default_value = DEFAULT_POSTGRES_URL)]
    postgres: String,
    /// Print the figures as one JSON object.
    #[arg(long)]
    json: bool,
}

fn queue_name(name: &str) -> Result<QueueName, SensorsError> {
    Ok(QueueName::new(name)?)
}

async fn generate(args: GenerateArgs) -> Result<(), SensorsError> {
    let timezone = parse_timezone(&args.timezone)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let opts = GenerateOptions {
        sensors: args.sensors,
        records: args.records,
        start: parse_start(&args.start, timezone)?,
        interval: args.interval,
        seed,
    };
    let total = opts.rows()?;
    let meter = Arc::new(Meter::new());
    let display = Display::spawn(Arc::clone(&meter), "written", Some(total), None);
    let out = args.out.clone();
    let done = tokio::task::spawn_blocking(move || sensors::generate(&opts, &out, &meter))
        .await
        .map_err(|e| SensorsError::io("generating", std::io::Error::other(e)))??;
    display.finish();
    println!(
        "wrote {} rows ({} sensors × {} records, seed {seed}) to {}: {} in {:.2} s",
        thousands(done.rows),
        thousands(args.sensors),
        thousands(args.records),
        args.out.display(),
        size(done.bytes),
        done.elapsed.as_secs_f64()
    );
    Ok(())
}

async fn produce(args: ProduceArgs) -> Result<(), SensorsError> {
    let queue = jobq::connect(&args.queue.url).await?;
    let opts = ProduceOptions {
        file: args.file.clone(),
        queue: queue_name(&args.queue.queue)?,
        chunk_rows: args.chunk,
        max_attempts: CHUNK_ATTEMPTS,
    };
    let meter = Arc::new(Meter::new());
    let display = Display::spawn(
        Arc::clone(&meter),
        "submitted",
        None,
        Some(Duration::from_secs(5)),
    );
    let mut listed = 0u64;
    let file = args.file.display().to_string();
    let done = sensors::produce(&queue, &opts, &meter, |bad| {
        listed += 1;
        if listed <= BAD_ROWS_LISTED {
            eprintln!("{file}:{}: bad row: {}", bad.line, bad.reason);
        }
    })
    .await;
    display.finish();
    let done = done?;
    if done.bad_rows > BAD_ROWS_LISTED {
        eprintln!(
            "… and {} more bad rows",
            thousands(done.bad_rows - BAD_ROWS_LISTED)
        );
    }
    println!(
        "read {} rows from {file} ({} bad) into {} chunks: {} submitted, {} submitted before; \
         {:.2} s, {} rows/s",
        thousands(done.rows),
        thousands(done.bad_rows),
        thousands(done.chunks),
        thousands(done.submitted),
        thousands(done.already),
        done.elapsed.as_secs_f64(),
        thousands(rate(done.rows, done.elapsed) as u64)
    );
    if done.bad_rows > 0 {
        return Err(SensorsError::BadRows {
            bad: done.bad_rows,
            good: done.good_rows(),
        });
    }
    Ok(())
}

async fn consume(args: ConsumeArgs) -> Result<(), SensorsError> {
    let queue = jobq::connect(&args.queue.url).await?;
    let table = Postgres::connect(&args.table.postgres, &args.table.schema, args.replicas).await?;
    let opts = ConsumeOptions {
        queue: queue_name(&args.queue.queue)?,
        replicas: args.replicas,
        lease: args.lease,
        exit_when_empty: args.exit_when_empty,
        name: args.name.unwrap_or_else(jobq::worker::default_name),
    };
    let meter = Arc::new(Meter::new());
    let display = Display::spawn(
        Arc::clone(&meter),
        "written",
        None,
        Some(Duration::from_secs(5)),
    );
    let done = sensors::consume(
        queue,
        table,
        opts,
        Arc::clone(&meter),
        jobq::worker::shutdown_signal(),
    )
    .await;
    display.finish();
    let done = done?;
    println!(
        "wrote {} chunks ({} rows: {} new, {} there already) to {}.records in {:.2} s, \
         {} rows/s; {} attempts failed, {} lost",
        thousands(done.chunks),
        thousands(done.rows),
        thousands(done.written),
        thousands(done.rows - done.written),
        args.table.schema,
        done.elapsed.as_secs_f64(),
        thousands(rate(done.rows, done.elapsed) as u64),
        done.failed,
        done.lost
    );
    Ok(())
}

async fn run_bench(args: BenchArgs) -> Result<(), SensorsError> {
    let settings = bench::BenchSettings {
        sensors: args.sensors,
        records: args.records,
        seed_way_rows: args.seed_way_rows,
        runs: args.runs.max(1),
        chunk_rows: args.chunk,
        replicas: args.replicas.max(1),
        postgres: args.postgres,
    };
    let figures = bench::run(&settings, |line| eprintln!("{line}")).await?;
    if args.json {
        println!("{}", figures.to_json());
    } else {
        println!("{figures}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SENSORS_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(args).await,
        Command::Produce(args) => produce(args).await,
        Command::Consume(args) => consume(args).await,
        Command::Bench(args) => run_bench(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sensors: {err}");
            ExitCode::FAILURE
        }
    }
}
