//! What a manager does: resubmit, cancel, purge.

use std::collections::HashMap;
use std::rc::Rc;

use jobq_core::request::pick_ids;
use jobq_core::{JobState, PurgeQuery, QueueName, Result, Select};
use rusqlite::types::Value;

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
/// another state; nothing has been written then.
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
            let texts: Vec<Value> = ids
                .iter()
                .map(|id| Value::Text(id.as_str().to_owned()))
                .collect();
            let rows: Vec<(i64, String, String)> = ctx
                .conn
                .prepare_cached(include_str!("../../sql/states_of.sql"))
                .and_then(|mut stmt| {
                    stmt.query_map([Rc::new(texts)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                        .collect()
                })
                .map_err(db("looking up jobs"))?;
            let mut found = HashMap::with_capacity(rows.len());
            for (seq, id, state) in rows {
                found.insert(id, (seq, state.parse()?));
            }
            pick_ids(ids, &found, from, action, allowed)
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
