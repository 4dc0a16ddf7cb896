//! The write operations. Each runs inside the writer's transaction (see
//! [`writer`](crate::writer)), reads "now" from its [`Ctx`], and returns an error only for a
//! failure that must undo its changes.

mod lease;
mod manage;
mod submit;
mod sweep;
mod take;

pub(crate) use lease::{extend, settle};
pub(crate) use manage::{cancel, purge_chunk, resubmit};
pub(crate) use submit::submit;
pub(crate) use sweep::sweep;
pub(crate) use take::claim;

use jobq_core::{Backoff, Error, EventKind, JobState, Result, Settled};

use crate::writer::Ctx;

/// Maps a SQLite error met while doing `what`.
pub(crate) fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |err| Error::backend(what, err)
}

/// Appends one transition to a job's history.
pub(crate) fn record(
    ctx: &Ctx<'_>,
    seq: i64,
    kind: EventKind,
    state: JobState,
    attempt: u32,
    worker: Option<&str>,
    error: Option<&str>,
) -> Result<()> {
    ctx.conn
        .prepare_cached(include_str!("../../sql/insert_event.sql"))
        .and_then(|mut stmt| {
            stmt.execute((
                seq,
                ctx.now.as_unix_micros(),
                kind.as_str(),
                state.as_str(),
                attempt,
                worker,
                error,
            ))
        })
        .map(drop)
        .map_err(db("recording a job's history"))
}

/// Where an attempt that ended badly goes: back to `queued` after the back-off while
/// attempts are left, else to `failed`.
pub(crate) struct EndedAttempt<'a> {
    pub(crate) seq: i64,
    pub(crate) attempts: u32,
    pub(crate) max_attempts: u32,
    pub(crate) worker: Option<&'a str>,
    pub(crate) error: &'a str,
    pub(crate) kind: EventKind,
}

/// Ends an attempt that failed or whose lease expired.
pub(crate) fn end_failed_attempt(ctx: &mut Ctx<'_>, ended: EndedAttempt<'_>) -> Result<Settled> {
    let error = jobq_core::request::truncate_error(ended.error);
    let (state, retry_at) = if ended.attempts < ended.max_attempts {
        let backoff: Backoff = ctx.opts.backoff;
        let at = ctx.now + backoff.delay(ended.attempts);
        if at <= ctx.now {
            ctx.wake = true;
        }
        (JobState::Queued, Some(at))
    } else {
        (JobState::Failed, None)
    };
    finish(ctx, ended.seq, state, retry_at, Some(error))?;
    record(
        ctx,
        ended.seq,
        ended.kind,
        state,
        ended.attempts,
        ended.worker,
        Some(error),
    )?;
    Ok(Settled { state, retry_at })
}

/// Ends a lease: moves the job to `state`, at `run_at` when given, keeping `error`.
pub(crate) fn finish(
    ctx: &Ctx<'_>,
    seq: i64,
    state: JobState,
    run_at: Option<jobq_core::Timestamp>,
    error: Option<&str>,
) -> Result<()> {
    ctx.conn
        .prepare_cached(include_str!("../../sql/finish_job.sql"))
        .and_then(|mut stmt| {
            stmt.execute((
                seq,
                state.as_str(),
                run_at.map(|t| t.as_unix_micros()),
                error,
                ctx.now.as_unix_micros(),
            ))
        })
        .map(drop)
        .map_err(db("ending a lease"))
}
