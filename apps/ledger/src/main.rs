//! `ledger`: the transactions pipeline of seed 002 — RabbitMQ to PostgreSQL, balances to
//! Redis at every minute.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ledger::config::{
    DEFAULT_AMQP_URL, DEFAULT_POSTGRES_URL, DEFAULT_QUEUE, DEFAULT_REDIS_URL, DEFAULT_SCHEMA,
};
use ledger::consumer::ConsumerOptions;
use ledger::message::Transaction;
use ledger::publisher::{Publisher, setup};
use ledger::run::{RunOptions, run};
use ledger::{LedgerError, Settings};
use tokio_util::sync::CancellationToken;

/// ledger: write transactions from RabbitMQ to PostgreSQL, and every provider's balance to
/// Redis at every minute.
#[derive(Debug, Parser)]
#[command(name = "ledger", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    services: Services,
    #[command(subcommand)]
    command: Command,
}

/// Where the services are, and the names the ledger uses in them.
#[derive(Debug, Args)]
struct Services {
    /// RabbitMQ.
    #[arg(long, env = "LEDGER_AMQP_URL", default_value = DEFAULT_AMQP_URL, global = true)]
    amqp: String,
    /// PostgreSQL.
    #[arg(long, env = "LEDGER_POSTGRES_URL", default_value = DEFAULT_POSTGRES_URL, global = true)]
    postgres: String,
    /// Redis.
    #[arg(long, env = "LEDGER_REDIS_URL", default_value = DEFAULT_REDIS_URL, global = true)]
    redis: String,
    /// The jobq store of the minute tick [default: the --postgres database, schema
    /// ledger_jobq (SCHEMA_jobq with --schema)].
    #[arg(long, env = "JOBQ_URL", global = true)]
    url: Option<String>,
    /// The PostgreSQL schema of the tables.
    #[arg(long, env = "LEDGER_SCHEMA", default_value = DEFAULT_SCHEMA, global = true)]
    schema: String,
    /// The RabbitMQ queue of the transactions; malformed messages go to QUEUE.dead-letter.
    #[arg(long, env = "LEDGER_QUEUE", default_value = DEFAULT_QUEUE, global = true)]
    queue: String,
    /// Put before every Redis key (none: the keys are 1_Visa, 2_Mastercard, …).
    #[arg(long, env = "LEDGER_REDIS_PREFIX", default_value = "", global = true)]
    redis_prefix: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the tables with the seed's sample rows, and the durable queues (running it
    /// again changes nothing).
    Setup,
    /// Consume transactions and set the balances at every minute; a second instance waits
    /// as standby.
    Run(RunArgs),
    /// Publish a test transaction (persistent, with a message id).
    Publish(PublishArgs),
}

#[derive(Debug, Args)]
struct RunArgs {
    /// How many unacknowledged messages the broker may hand over at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    prefetch: u16,
    /// This instance's name, as RabbitMQ and jobq show it [default: ledger:HOST:PID].
    #[arg(long)]
    name: Option<String>,
    /// The interval of the balance tick (for tests; ticks fall on multiples of it since
    /// the epoch).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration, hide = true)]
    tick: Duration,
    /// Fault injection for tests: exit abruptly right after the N-th commit, before its
    /// acknowledgement.
    #[arg(long, hide = true)]
    exit_after_commits: Option<u64>,
}

#[derive(Debug, Args)]
struct PublishArgs {
    /// The provider: an id of initial_data.
    #[arg(allow_negative_numbers = true)]
    provider_id: i32,
    /// The amount: a number such as 600, -12.50 or 1e3.
    #[arg(allow_negative_numbers = true)]
    value: String,
    /// The message id [default: a new UUIDv7]; a message with an id written before adds
    /// nothing.
    #[arg(long)]
    message_id: Option<String>,
}

fn settings(s: &Services) -> Result<Settings, LedgerError> {
    Settings::new(
        &s.amqp,
        &s.postgres,
        &s.redis,
        s.url.as_deref(),
        &s.schema,
        &s.queue,
        &s.redis_prefix,
    )
}

/// Cancelled at the first SIGINT or SIGTERM; a second one ends the process at once.
fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        jobq::worker::shutdown_signal().await;
        tracing::info!("stopping (a second signal stops at once)");
        cancel.cancel();
        jobq::worker::shutdown_signal().await;
        std::process::exit(130);
    });
    token
}

async fn main_result(cli: Cli) -> Result<(), LedgerError> {
    let settings = settings(&cli.services)?;
    match cli.command {
        Command::Setup => {
            let done = setup(&settings).await?;
            println!(
                "tables of schema {:?} ready: {} seed providers and {} seed transactions added",
                settings.schema, done.tables.providers_added, done.tables.transactions_added
            );
            println!(
                "queues {} and {} ready (durable)",
                done.queue, done.dead_letter_queue
            );
        }
        Command::Run(args) => {
            let mut consumer = ConsumerOptions {
                prefetch: args.prefetch,
                exit_after_commits: args.exit_after_commits,
                ..ConsumerOptions::default()
            };
            if let Some(name) = args.name {
                consumer.name = name;
            }
            let options = RunOptions {
                tick: args.tick,
                consumer,
                ..RunOptions::default()
            };
            run(settings, options, shutdown_token()).await?;
        }
        Command::Publish(args) => {
            let transaction =
                Transaction::new(args.provider_id, &args.value).map_err(LedgerError::invalid)?;
            let publisher = Publisher::connect(&settings).await?;
            let id = publisher
                .send(&transaction, args.message_id.as_deref())
                .await?;
            let _ = publisher.close().await;
            println!(
                "published {} to {} (message id {id})",
                transaction.to_json(),
                settings.queue
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LEDGER_LOG")
                .unwrap_or_else(|_| "info,lapin=warn,tokio_postgres=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match main_result(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ledger: {err}");
            match err {
                LedgerError::InvalidInput(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
