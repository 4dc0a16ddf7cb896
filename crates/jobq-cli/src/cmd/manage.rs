//! A manager's commands: `resubmit`, `cancel`, `purge`.

use jobq::{AnyQueue, JobState, PurgeQuery, Queue, Select};
use serde_json::json;

use crate::args::{CancelArgs, PurgeArgs, ResubmitArgs};
use crate::failure::Failure;
use crate::output::Out;

/// Puts failed or cancelled jobs back in their queue.
pub(crate) async fn resubmit(
    queue: &AnyQueue,
    args: ResubmitArgs,
    out: &Out,
) -> Result<(), Failure> {
    let which = if args.failed {
        Select::State {
            state: JobState::Failed,
            queue: args.queue,
        }
    } else {
        Select::Ids(args.ids)
    };
    let n = queue.resubmit(which).await?;
    out.emit(&json!({ "resubmitted": n }), |w| {
        writeln!(w, "resubmitted {n} {}", jobs(n))
    })?;
    Ok(())
}

/// Cancels queued jobs.
pub(crate) async fn cancel(queue: &AnyQueue, args: CancelArgs, out: &Out) -> Result<(), Failure> {
    let n = queue.cancel(Select::Ids(args.ids)).await?;
    out.emit(&json!({ "cancelled": n }), |w| {
        writeln!(w, "cancelled {n} {}", jobs(n))
    })?;
    Ok(())
}

/// Deletes finished jobs.
pub(crate) async fn purge(queue: &AnyQueue, args: PurgeArgs, out: &Out) -> Result<(), Failure> {
    let n = queue
        .purge(PurgeQuery {
            state: args.state,
            older_than: args.older_than,
            queue: args.queue,
        })
        .await?;
    out.emit(&json!({ "purged": n }), |w| {
        writeln!(w, "purged {n} {} {}", args.state, jobs(n))
    })?;
    Ok(())
}

fn jobs(n: u64) -> &'static str {
    if n == 1 { "job" } else { "jobs" }
}
