//! A consumer's commands: `take`, `complete`, `fail`, `extend`.

use jobq::wire::LeasedJson;
use jobq::{AnyQueue, JobState, Queue, TakeRequest};
use serde_json::json;

use crate::args::{ExtendArgs, FailArgs, LeaseArgs, TakeArgs};
use crate::failure::Failure;
use crate::output::{Out, preview, style, styled};

/// Leases the next ready job, or fails with "nothing there" (exit 3).
pub(crate) async fn take(queue: &AnyQueue, args: TakeArgs, out: &Out) -> Result<(), Failure> {
    let req = TakeRequest::new(args.queue.clone())
        .lease(args.lease)
        .wait(args.wait)
        .worker(args.worker.unwrap_or_else(jobq::worker::default_name));
    let Some(job) = queue.take_one(req).await? else {
        return Err(Failure::Nothing(format!(
            "no job ready in queue {}",
            args.queue
        )));
    };
    out.emit(&LeasedJson::from(&job), |w| {
        writeln!(w, "{}  {}", styled(style::BOLD, "job    "), job.id)?;
        writeln!(w, "queue    {}", job.queue)?;
        writeln!(w, "attempt  {} of {}", job.attempt, job.max_attempts)?;
        writeln!(w, "lease    {} (until {})", job.lease, job.lease_until)?;
        writeln!(w, "payload  {}", preview(&job.payload, 200))
    })?;
    Ok(())
}

/// Marks a leased job done.
pub(crate) async fn complete(queue: &AnyQueue, args: LeaseArgs, out: &Out) -> Result<(), Failure> {
    queue.complete(&args.id, &args.lease).await?;
    out.emit(&json!({ "id": args.id, "state": JobState::Done }), |w| {
        writeln!(w, "job {} is {}", args.id, styled(style::GOOD, "done"))
    })?;
    Ok(())
}

/// Records a failed attempt.
pub(crate) async fn fail(queue: &AnyQueue, args: FailArgs, out: &Out) -> Result<(), Failure> {
    let id = &args.job.id;
    let settled = queue.fail(id, &args.job.lease, &args.error).await?;
    let mut json = json!({ "id": id, "state": settled.state });
    if let Some(at) = settled.retry_at {
        json["retry_at"] = json!(at);
    }
    out.emit(&json, |w| match settled.retry_at {
        Some(at) => writeln!(w, "job {id} failed this attempt; it runs again at {at}"),
        None => writeln!(
            w,
            "job {id} {}: no attempts left",
            styled(style::BAD, "failed")
        ),
    })?;
    Ok(())
}

/// Extends a lease.
pub(crate) async fn extend(queue: &AnyQueue, args: ExtendArgs, out: &Out) -> Result<(), Failure> {
    let id = &args.job.id;
    let until = queue.extend(id, &args.job.lease, args.by).await?;
    out.emit(&json!({ "id": id, "lease_until": until }), |w| {
        writeln!(w, "the lease of job {id} now ends at {until}")
    })?;
    Ok(())
}
