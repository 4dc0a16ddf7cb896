//! Ending and extending leases: `settle` and `extend`.

use std::time::Duration;

use jobq_core::request::validate_lease;
use jobq_core::{
    Error, EventKind, JobId, JobState, LeaseToken, Outcome, Result, Settled, Settlement, Timestamp,
};
use rusqlite::OptionalExtension;

use super::{EndedAttempt, db, end_failed_attempt, finish, record};
use crate::writer::Ctx;

/// A running job whose lease was presented and checked.
struct Held {
    seq: i64,
    attempts: u32,
    max_attempts: u32,
    worker: Option<String>,
}

/// Checks that `token` is job `id`'s current, unexpired lease.
///
/// # Errors
///
/// [`Error::NotFound`], [`Error::LeaseLost`] saying why, or [`Error::Backend`].
fn check_lease(ctx: &Ctx<'_>, id: &JobId, token: &LeaseToken) -> Result<Held> {
    type Row = (
        i64,
        String,
        u32,
        u32,
        Option<String>,
        Option<i64>,
        Option<String>,
    );
    let row: Option<Row> = ctx
        .conn
        .prepare_cached(include_str!("../../sql/lookup_lease.sql"))
        .and_then(|mut stmt| {
            stmt.query_row([id.as_str()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()
        })
        .map_err(db("looking up a lease"))?;
    let Some((seq, state, attempts, max_attempts, current, until, worker)) = row else {
        return Err(Error::NotFound { id: id.clone() });
    };
    if state != JobState::Running.as_str() {
        return Err(Error::lease_lost(
            id,
            format!("the job is {state} now, no longer leased"),
        ));
    }
    if current.as_deref() != Some(token.as_str()) {
        return Err(Error::lease_lost(
            id,
            format!("attempt {attempts} holds a different lease (this one is stale or unknown)"),
        ));
    }
    let until = Timestamp::from_unix_micros(until.unwrap_or(i64::MIN));
    if until <= ctx.now {
        return Err(Error::lease_lost(
            id,
            format!("the lease expired at {until}"),
        ));
    }
    Ok(Held {
        seq,
        attempts,
        max_attempts,
        worker,
    })
}

/// Settles each attempt by itself: one result per settlement. Only a database failure is an
/// error of the whole operation.
pub(crate) fn settle(ctx: &mut Ctx<'_>, batch: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
    let mut results = Vec::with_capacity(batch.len());
    for settlement in batch {
        let held = match check_lease(ctx, &settlement.id, &settlement.lease) {
            Ok(held) => held,
            Err(err @ Error::Backend { .. }) => return Err(err),
            Err(err) => {
                results.push(Err(err));
                continue;
            }
        };
        let settled = match &settlement.outcome {
            Outcome::Complete => {
                finish(ctx, held.seq, JobState::Done, None, None)?;
                record(
                    ctx,
                    held.seq,
                    EventKind::Completed,
                    JobState::Done,
                    held.attempts,
                    held.worker.as_deref(),
                    None,
                )?;
                Settled {
                    state: JobState::Done,
                    retry_at: None,
                }
            }
            Outcome::Fail { error } => end_failed_attempt(
                ctx,
                EndedAttempt {
                    seq: held.seq,
                    attempts: held.attempts,
                    max_attempts: held.max_attempts,
                    worker: held.worker.as_deref(),
                    error,
                    kind: EventKind::Failed,
                },
            )?,
        };
        results.push(Ok(settled));
    }
    Ok(results)
}

/// Renews job `id`'s lease to last `lease_for` from now.
pub(crate) fn extend(
    ctx: &mut Ctx<'_>,
    id: &JobId,
    token: &LeaseToken,
    lease_for: Duration,
) -> Result<Timestamp> {
    validate_lease(lease_for)?;
    let held = check_lease(ctx, id, token)?;
    let until = ctx.now + lease_for;
    ctx.conn
        .prepare_cached(include_str!("../../sql/extend_lease.sql"))
        .and_then(|mut stmt| stmt.execute((held.seq, until.as_unix_micros())))
        .map_err(db("extending a lease"))?;
    Ok(until)
}
