//! `jobq bench`: measure, then print a table (or one JSON object).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use jobq_bench::{Settings, Target};

use crate::args::{BenchArgs, BenchProcessArgs};
use crate::failure::Failure;
use crate::output::{Out, table, write_table};

/// Runs the benchmark on `url`, or on a scratch SQLite file when `url_given` is false.
pub(crate) async fn bench(
    url: &str,
    url_given: bool,
    args: BenchArgs,
    out: &Out,
) -> Result<(), Failure> {
    let settings = Settings {
        jobs: args.jobs,
        single_jobs: args.single_jobs,
        batch: args.batch as usize,
        callers: args.callers as usize,
        concurrent_jobs: args.concurrent_jobs,
        processes: args.processes as usize,
        pickups: args.pickups as usize,
        backlog: args.backlog,
        repeats: args.repeats as usize,
    };
    let scratch = if url_given {
        None
    } else {
        Some(tempfile::Builder::new().prefix("jobq-bench-").tempdir()?)
    };
    let url = match &scratch {
        Some(dir) => format!("sqlite:{}", dir.path().join("bench.db").display()),
        None => url.to_owned(),
    };
    let sqlite_dir = jobq::SqliteOptions::from_url(&url)
        .ok()
        .filter(|_| is_sqlite(&url))
        .map(|o| {
            o.path()
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| ".".into(), ToOwned::to_owned)
        });
    let target = Target {
        url: url.clone(),
        sqlite_dir,
        exe: std::env::current_exe()?,
        scratch: scratch.is_some(),
    };
    let progress = ProgressBar::new(0);
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.enable_steady_tick(Duration::from_millis(200));
    let figures = jobq_bench::run(&target, &settings, &progress).await;
    progress.finish_and_clear();
    let figures = figures?;
    out.emit(&figures.to_json(), |w| {
        writeln!(
            w,
            "jobq bench on {}",
            if target.scratch {
                "a scratch SQLite file (durable: synchronous=FULL)"
            } else {
                &url
            }
        )?;
        writeln!(
            w,
            "medians of {} runs; raw: the same row writes without jobq",
            settings.repeats
        )?;
        writeln!(w)?;
        let mut t = table(
            &["FIGURE", "VALUE", "UNIT", "RAW LIMIT", "OF RAW"],
            &[1, 3, 4],
        );
        for row in figures.rows() {
            t.add_row(row.to_vec());
        }
        write_table(w, &t)
    })?;
    Ok(())
}

fn is_sqlite(url: &str) -> bool {
    !url.contains("://") || url.starts_with("sqlite:")
}

/// One process of the multi-process cycle.
pub(crate) async fn bench_process(url: &str, args: BenchProcessArgs) -> Result<(), Failure> {
    jobq_bench::process::child(url, &args.queue, args.jobs, args.callers).await?;
    Ok(())
}
