//! `jobq work -- CMD`: run a command for each job.

use jobq::AnyQueue;
use jobq::worker::{
    CommandHandler, Ended, Report, Scheduler, Worker, command::Output, shutdown_signal,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::args::WorkArgs;
use crate::failure::Failure;
use crate::output::{Out, style, styled};

/// The exit status after a second Ctrl-C, as shells report a process ended by SIGINT.
const INTERRUPTED: i32 = 130;

/// Runs the worker until SIGINT or SIGTERM (or, with `--exit-when-empty`, until the queue is
/// empty), printing a line per job. Beside it runs the scheduler, which submits the ticks of
/// periodic jobs (unless `--no-scheduler`).
pub(crate) async fn work(queue: AnyQueue, args: WorkArgs, out: &Out) -> Result<(), Failure> {
    let json = out.is_json();
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Failure::Usage("work needs a command after --".into()));
    };
    // With --json, standard output carries only the worker's JSON lines.
    let handler = CommandHandler::new(program, rest).output(if json {
        Output::Stderr
    } else {
        Output::Inherit
    });
    let stop = CancellationToken::new();
    let scheduler = (!args.no_scheduler).then(|| {
        let stop = stop.clone();
        tokio::spawn(Scheduler::new(queue.clone()).run(async move { stop.cancelled().await }))
    });
    let signalled = stop.clone();
    tokio::spawn(async move {
        stop_gracefully().await;
        signalled.cancel();
    });
    let worker = Worker::new(queue, args.queue.clone())
        .concurrency(args.concurrency as usize)
        .lease(args.lease)
        .name(args.worker.unwrap_or_else(jobq::worker::default_name))
        .exit_when_empty(args.exit_when_empty)
        .on_report(move |report| print_report(&Out::new(json), report));
    let finished = stop.clone();
    let summary = worker
        .run(handler, async move { finished.cancelled().await })
        .await;
    stop.cancel();
    if let Some(scheduler) = scheduler {
        let _ = scheduler.await;
    }
    let summary = summary?;
    if !json {
        out.line(format_args!(
            "worker stopped: {} done, {} to be retried, {} failed, {} lost",
            summary.done, summary.retried, summary.failed, summary.lost
        ))?;
    }
    Ok(())
}

/// Resolves at the first SIGINT or SIGTERM; a second one ends the process at once (the
/// leases of running jobs then expire and the jobs run again).
async fn stop_gracefully() {
    shutdown_signal().await;
    eprintln!("stopping: no new jobs are taken, running ones finish (interrupt again to quit now)");
    tokio::spawn(async {
        shutdown_signal().await;
        std::process::exit(INTERRUPTED);
    });
}

/// One line per attempt: JSON with `--json`, else a sentence.
fn print_report(out: &Out, r: &Report) {
    let elapsed_ms = u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX);
    let mut value = json!({
        "id": r.id,
        "queue": r.queue,
        "attempt": r.attempt,
        "outcome": r.ended.as_str(),
        "elapsed_ms": elapsed_ms,
    });
    let (label, detail) = match &r.ended {
        Ended::Done => (styled(style::GOOD, "done     "), String::new()),
        Ended::Retry { at, error } => {
            value["retry_at"] = json!(at);
            value["error"] = json!(error);
            (
                styled(style::WARN, "retry    "),
                format!(", runs again at {at}: {error}"),
            )
        }
        Ended::Failed { error } => {
            value["error"] = json!(error);
            (styled(style::BAD, "failed   "), format!(": {error}"))
        }
        Ended::LeaseLost { reason } => {
            value["error"] = json!(reason);
            (styled(style::BAD, "lost     "), format!(": {reason}"))
        }
        Ended::Unsettled { error } => {
            value["error"] = json!(error);
            (styled(style::BAD, "unsettled"), format!(": {error}"))
        }
        _ => (r.ended.as_str().to_owned(), String::new()),
    };
    let _ = out.emit(&value, |w| {
        writeln!(
            w,
            "{} {label} job {} (attempt {} of {}, {:.1?}){detail}",
            jobq::Timestamp::now(),
            r.id,
            r.attempt,
            r.max_attempts,
            r.elapsed,
        )
    });
}
