//! What a manager does: resubmit, cancel, purge.

use std::collections::HashSet;

use jobq_core::{Error, JobId, JobState, PurgeQuery, QueueName, Result, Select};
use rusqlite::OptionalExtension;

use super::db;
use crate::writer::Ctx;

/// Puts failed or cancelled jobs back to `queued`, ready now, attempts reset.
pub(crate) fn resubmit(ctx: &mut Ctx<'_>, which: &Select) -> Result<u64> {
    const FROM: &[JobState] = &[JobState::Failed, JobState::Cancelled];
    let seqs = select(ctx, which, FROM, "resubmit", "failed or cancelled")?;
    for &seq in &seqs {
        ctx.conn
            .prepare_cached(include_str!("../../sql/requeue.sql"))
            .and_then(|mut stmt| stmt.execute((seq, ctx.now.as_unix_micros())))
            .map_err(db("resubmitting a job"))?;
        ctx.wake = true;
    }
    Ok(seqs.len() as u64)
}

/// Cancels queued jobs.
pub(crate) fn cancel(ctx: &mut Ctx<'_>, which: &Select) -> Result<u64> {
    let seqs = select(ctx, which, &[JobState::Queued], "cancel", "queued")?;
    for &seq in &seqs {
        ctx.conn
            .prepare_cached(include_str!("../../sql/cancel.sql"))
            .and_then(|mut stmt| stmt.execute((seq, ctx.now.as_unix_micros())))
            .map_err(db("cancelling a job"))?;
    }
    Ok(seqs.len() as u64)
}

/// The jobs `which` names, all of which must be in a state of `from`.
///
/// # Errors
///
/// [`Error::NotFound`] or [`Error::InvalidState`] for the first id that is unknown or in
/// another state; the caller's savepoint then undoes everything.
fn select(
    ctx: &Ctx<'_>,
    which: &Select,
    from: &[JobState],
    action: &'static str,
    allowed: &'static str,
) -> Result<Vec<i64>> {
    which.validate(action, from)?;
    match which {
        Select::Ids(ids) => {
            let mut seen = HashSet::new();
            let mut seqs = Vec::with_capacity(ids.len());
            for id in ids.iter().filter(|id| seen.insert(*id)) {
                let (seq, state) = lookup_state(ctx, id)?;
                if !from.contains(&state) {
                    return Err(Error::InvalidState {
                        id: id.clone(),
                        state,
                        action,
                        allowed,
                    });
                }
                seqs.push(seq);
            }
            Ok(seqs)
        }
        Select::State { state, queue } => {
            let queue = queue.as_ref().map(QueueName::as_str);
            let query = |sql: &str, params: &[&dyn rusqlite::ToSql]| {
                ctx.conn
                    .prepare_cached(sql)
                    .and_then(|mut stmt| stmt.query_map(params, |r| r.get(0))?.collect())
                    .map_err(db("selecting jobs by state"))
            };
            match state {
                JobState::Queued => query(include_str!("../../sql/select_queued.sql"), &[&queue]),
                _ => query(
                    include_str!("../../sql/select_finished.sql"),
                    &[&state.as_str(), &queue],
                ),
            }
        }
    }
}

fn lookup_state(ctx: &Ctx<'_>, id: &JobId) -> Result<(i64, JobState)> {
    let row: Option<(i64, String)> = ctx
        .conn
        .prepare_cached(include_str!("../../sql/lookup_state.sql"))
        .and_then(|mut stmt| {
            stmt.query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(db("looking up a job"))?;
    let (seq, state) = row.ok_or_else(|| Error::NotFound { id: id.clone() })?;
    Ok((seq, state.parse()?))
}

/// Deletes up to `chunk` jobs that `query` selects, with their history. Returns how many.
pub(crate) fn purge_chunk(ctx: &mut Ctx<'_>, query: &PurgeQuery, chunk: usize) -> Result<u64> {
    let cutoff = ctx.now - query.older_than;
    let deleted = ctx
        .conn
        .prepare_cached(include_str!("../../sql/purge_jobs.sql"))
        .and_then(|mut stmt| {
            stmt.execute((
                query.state.as_str(),
                cutoff.as_unix_micros(),
                query.queue.as_ref().map(QueueName::as_str),
                chunk as i64,
            ))
        })
        .map_err(db("purging jobs"))?;
    Ok(deleted as u64)
}
