//! `wall`: the construction crews of seed 004, as jobq workers behind a REST API.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use wall::build::{BuildOptions, build};
use wall::crew::{CrewOptions, run_crew};
use wall::{ServeOptions, Server, Site, WallConfig, WallError};

/// The default store: `wall.db` in the working directory.
const DEFAULT_URL: &str = "sqlite:wall.db";

/// wall: build a wall of ice with crews sharing a jobq queue, and answer for it over REST.
#[derive(Debug, Parser)]
#[command(name = "wall", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST API, with N crews building the configured wall.
    Serve(ServeArgs),
    /// Run one crew as its own process, on the store a server uses.
    Crew(CrewArgs),
    /// Build a wall with N crews and print the overview and the time it took.
    Run(RunArgs),
}

/// Where the queue and the log are, and how crews work.
#[derive(Debug, Args)]
struct Common {
    /// The job queue: sqlite:PATH (or a bare path).
    #[arg(long, env = "JOBQ_URL", default_value = DEFAULT_URL)]
    url: String,
    /// The work log's SQLite file (default: beside the queue's, as NAME.worklog.db).
    #[arg(long)]
    worklog: Option<PathBuf>,
    /// The simulated time one foot takes (250ms, 1s …).
    #[arg(long, default_value = "1ms", value_parser = humantime::parse_duration)]
    foot_time: Duration,
    /// How long a crew's hold on a section lasts unless renewed; a killed crew's section
    /// goes to another crew after at most this long.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    lease: Duration,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8000")]
    listen: String,
    /// A configuration file to build from the start (default: the stored one).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Crews in this process (0: only crews run as `wall crew` build).
    #[arg(long, default_value_t = 4)]
    crews: usize,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct CrewArgs {
    /// The crew's name in the log (default crew-PID).
    #[arg(long)]
    name: Option<String>,
    /// Stop when no section is queued or being built.
    #[arg(long)]
    exit_when_empty: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The configuration file.
    #[arg(long)]
    config: PathBuf,
    /// How many crews.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    crews: u16,
    /// The job queue (default: a new store in a temporary directory).
    #[arg(long, env = "JOBQ_URL")]
    url: Option<String>,
    /// The work log's SQLite file (default: beside the queue's).
    #[arg(long)]
    worklog: Option<PathBuf>,
    /// The simulated time one foot takes.
    #[arg(long, default_value = "1ms", value_parser = humantime::parse_duration)]
    foot_time: Duration,
}

fn read_config(path: &PathBuf) -> Result<WallConfig, WallError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| WallError::Other(format!("reading {}: {e}", path.display())))?;
    WallConfig::parse(&text).map_err(|e| match e {
        WallError::InvalidConfig(msg) => {
            WallError::InvalidConfig(format!("{}: {msg}", path.display()))
        }
        other => other,
    })
}

fn crew_options(name: String, common: &Common) -> CrewOptions {
    CrewOptions {
        foot_time: common.foot_time,
        lease: common.lease,
        ..CrewOptions::new(name)
    }
}

async fn serve(args: ServeArgs) -> Result<(), WallError> {
    let config = args.config.as_ref().map(read_config).transpose()?;
    let server = Server::start(ServeOptions {
        listen: args.listen,
        url: args.common.url.clone(),
        worklog: args.common.worklog.clone(),
        config,
        crews: args.crews,
        crew: crew_options(String::new(), &args.common),
    })
    .await?;
    println!(
        "wall serving on http://{} with {} crews (store {}, work log {})",
        server.addr(),
        args.crews,
        args.common.url,
        server.site().log().path().display()
    );
    server.run_until(jobq::worker::shutdown_signal()).await
}

async fn crew(args: CrewArgs) -> Result<(), WallError> {
    let site = Site::open(&args.common.url, args.common.worklog.clone()).await?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("crew-{}", std::process::id()));
    let opts = CrewOptions {
        exit_when_empty: args.exit_when_empty,
        ..crew_options(name.clone(), &args.common)
    };
    let queue = site.queue().clone();
    let summary = run_crew(queue, site.log(), opts, jobq::worker::shutdown_signal()).await?;
    println!(
        "{name}: {} sections built, {} retried, {} failed, {} lost",
        summary.done, summary.retried, summary.failed, summary.lost
    );
    Ok(())
}

async fn run(args: RunArgs) -> Result<(), WallError> {
    let wall = read_config(&args.config)?;
    let report = build(BuildOptions {
        wall,
        crews: usize::from(args.crews),
        url: args.url,
        worklog: args.worklog,
        crew: CrewOptions {
            foot_time: args.foot_time,
            ..CrewOptions::new("crew")
        },
    })
    .await?;
    println!("{report}");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WALL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Crew(args) => crew(args).await,
        Command::Run(args) => run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("wall: {err}");
            ExitCode::FAILURE
        }
    }
}
