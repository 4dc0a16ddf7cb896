//! Ending and extending leases: `settle` and `extend`.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use jobq_core::request::validate_lease;
use jobq_core::{
    Error, EventKind, JobId, JobState, LeaseToken, Outcome, Result, Settled, Settlement, Timestamp,
};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

use super::{EndedAttempt, db, end_failed_attempt};
use crate::writer::Ctx;

/// What a lease check needs to know of a job.
struct Leased {
    seq: i64,
    state: String,
    attempts: u32,
    max_attempts: u32,
    token: Option<String>,
    until: Option<i64>,
}

impl Leased {
    /// Whether `token` is this job's current, unexpired lease at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::LeaseLost`] saying why.
    fn check(&self, id: &JobId, token: &LeaseToken, now: Timestamp) -> Result<()> {
        if self.state != JobState::Running.as_str() {
            return Err(Error::lease_lost(
                id,
                format!("the job is {} now, no longer leased", self.state),
            ));
        }
        if self.token.as_deref() != Some(token.as_str()) {
            return Err(Error::lease_lost(
                id,
                format!(
                    "attempt {} holds a different lease (this one is stale or unknown)",
                    self.attempts
                ),
            ));
        }
        let until = Timestamp::from_unix_micros(self.until.unwrap_or(i64::MIN));
        if until <= now {
            return Err(Error::lease_lost(
                id,
                format!("the lease expired at {until}"),
            ));
        }
        Ok(())
    }
}

/// Settles each attempt by itself: one result per settlement. The jobs are read in one
/// statement and the completed ones written in one; only a database failure is an error of
/// the whole operation.
pub(crate) fn settle(ctx: &mut Ctx<'_>, batch: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
    let mut jobs = leases_of(ctx, &batch)?;
    let mut results = Vec::with_capacity(batch.len());
    let mut completed = Vec::new();
    for settlement in batch {
        let Some(job) = jobs.get_mut(settlement.id.as_str()) else {
            results.push(Err(Error::NotFound { id: settlement.id }));
            continue;
        };
        if let Err(err) = job.check(&settlement.id, &settlement.lease, ctx.now) {
            results.push(Err(err));
            continue;
        }
        let settled = match &settlement.outcome {
            Outcome::Complete => {
                completed.push(Value::Integer(job.seq));
                Settled {
                    state: JobState::Done,
                    retry_at: None,
                }
            }
            Outcome::Fail { error } => end_failed_attempt(
                ctx,
                EndedAttempt {
                    seq: job.seq,
                    attempts: job.attempts,
                    max_attempts: job.max_attempts,
                    error,
                    kind: EventKind::Failed,
                },
            )?,
        };
        // A second settlement of the same attempt in this batch finds it settled.
        job.state = settled.state.as_str().to_owned();
        results.push(Ok(settled));
    }
    if !completed.is_empty() {
        ctx.conn
            .prepare_cached(include_str!("../../sql/complete_jobs.sql"))
            .and_then(|mut stmt| stmt.execute((Rc::new(completed), ctx.now.as_unix_micros())))
            .map_err(db("completing jobs"))?;
    }
    Ok(results)
}

/// The jobs `batch` names, by id.
fn leases_of(ctx: &Ctx<'_>, batch: &[Settlement]) -> Result<HashMap<String, Leased>> {
    let ids: Vec<Value> = batch
        .iter()
        .map(|s| Value::Text(s.id.as_str().to_owned()))
        .collect();
    let mut stmt = ctx
        .conn
        .prepare_cached(include_str!("../../sql/leases_of.sql"))
        .map_err(db("looking up leases"))?;
    let rows = stmt
        .query_map([Rc::new(ids)], |r| {
            Ok((
                r.get::<_, String>(1)?,
                Leased {
                    seq: r.get(0)?,
                    state: r.get(2)?,
                    attempts: r.get(3)?,
                    max_attempts: r.get(4)?,
                    token: r.get(5)?,
                    until: r.get(6)?,
                },
            ))
        })
        .map_err(db("looking up leases"))?;
    rows.collect::<rusqlite::Result<_>>()
        .map_err(db("looking up leases"))
}

/// Renews job `id`'s lease to last `lease_for` from now.
pub(crate) fn extend(
    ctx: &mut Ctx<'_>,
    id: &JobId,
    token: &LeaseToken,
    lease_for: Duration,
) -> Result<Timestamp> {
    validate_lease(lease_for)?;
    let found = ctx
        .conn
        .prepare_cached(include_str!("../../sql/lookup_lease.sql"))
        .and_then(|mut stmt| {
            stmt.query_row([id.as_str()], |r| {
                Ok(Leased {
                    seq: r.get(0)?,
                    state: r.get(1)?,
                    token: r.get(2)?,
                    until: r.get(3)?,
                    attempts: r.get(4)?,
                    max_attempts: 0,
                })
            })
            .optional()
        })
        .map_err(db("looking up a lease"))?;
    let job = found.ok_or_else(|| Error::NotFound { id: id.clone() })?;
    job.check(id, token, ctx.now)?;
    let until = ctx.now + lease_for;
    ctx.conn
        .prepare_cached(include_str!("../../sql/extend_lease.sql"))
        .and_then(|mut stmt| stmt.execute((job.seq, until.as_unix_micros())))
        .map_err(db("extending a lease"))?;
    Ok(until)
}
