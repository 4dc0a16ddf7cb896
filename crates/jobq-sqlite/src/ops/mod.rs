//! The write operations. Each runs inside the writer's transaction (see
//! [`writer`](crate::writer)), reads "now" from its [`Ctx`], and returns an error only for a
//! failure that must undo its changes.
//!
//! Every statement that moves a job sets its `event` and bumps its `history`; the schema's
//! triggers write the job's history from them, in the same statement.

mod lease;
mod manage;
pub(crate) mod schedule;
mod submit;
mod sweep;
mod take;

pub(crate) use lease::{extend, settle};
pub(crate) use manage::{cancel, purge_chunk, resubmit};
pub(crate) use submit::{submit, submit_each};
pub(crate) use sweep::sweep;
pub(crate) use take::claim;

use jobq_core::{Backoff, Error, EventKind, JobState, Result, Settled, Timestamp};

use crate::writer::Ctx;

/// Maps a SQLite error met while doing `what`.
pub(crate) fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |err| Error::backend(what, err.to_string())
}

/// A leased attempt that ended badly: failed by its consumer, or its lease expired.
pub(crate) struct EndedAttempt<'a> {
    pub(crate) seq: i64,
    pub(crate) attempts: u32,
    pub(crate) max_attempts: u32,
    pub(crate) error: &'a str,
    pub(crate) kind: EventKind,
}

/// Ends an attempt that failed or whose lease expired: back to `queued` after the back-off
/// while attempts are left, else `failed`.
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
    finish(ctx, ended.seq, state, retry_at, error, ended.kind)?;
    Ok(Settled { state, retry_at })
}

/// Moves a job out of `running` to `state` (at `run_at` when given), keeping `error`.
fn finish(
    ctx: &Ctx<'_>,
    seq: i64,
    state: JobState,
    run_at: Option<Timestamp>,
    error: &str,
    kind: EventKind,
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
                kind.as_str(),
            ))
        })
        .map(drop)
        .map_err(db("ending a lease"))
}
