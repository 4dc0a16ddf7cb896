//! Submitting jobs.

use std::collections::HashSet;
use std::rc::Rc;

use jobq_core::{Error, JobId, NewJob, Result};
use rusqlite::types::Value;

use super::db;
use crate::writer::Ctx;

/// Stores `jobs` (already validated), all or none: ids are checked before anything is
/// written, so a duplicate refuses the batch having changed nothing.
pub(crate) fn submit(ctx: &mut Ctx<'_>, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
    refuse_duplicates(ctx, &jobs)?;
    insert(ctx, jobs)
}

/// Stores `jobs`, whose ids are known to be new.
fn insert(ctx: &mut Ctx<'_>, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
    let mut ids = Vec::with_capacity(jobs.len());
    let now = ctx.now;
    let mut stmt = ctx
        .conn
        .prepare_cached(include_str!("../../sql/insert_job.sql"))
        .map_err(db("storing a job"))?;
    for job in jobs {
        let id = job.id.unwrap_or_else(JobId::generate);
        let run_at = job.run_at.resolve(now);
        stmt.execute((
            id.as_str(),
            job.queue.as_str(),
            job.priority,
            run_at.as_unix_micros(),
            job.max_attempts,
            now.as_unix_micros(),
            &job.payload,
        ))
        .map_err(db("storing a job"))?;
        if run_at <= now {
            ctx.wake = true;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Stores each job of `jobs` that was valid (`Ok`) and whose id is new, in order; the
/// others get their error. One lookup finds the ids that exist.
pub(crate) fn submit_each(
    ctx: &mut Ctx<'_>,
    jobs: Vec<Result<NewJob>>,
) -> Result<Vec<Result<JobId>>> {
    let given: Vec<Value> = jobs
        .iter()
        .filter_map(|job| job.as_ref().ok()?.id.as_ref())
        .map(|id| Value::Text(id.as_str().to_owned()))
        .collect();
    let mut taken: HashSet<String> = if given.is_empty() {
        HashSet::new()
    } else {
        ctx.conn
            .prepare_cached(include_str!("../../sql/existing_ids.sql"))
            .and_then(|mut stmt| stmt.query_map([Rc::new(given)], |r| r.get(0))?.collect())
            .map_err(db("looking for existing ids"))?
    };
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let job = match job {
            Ok(job) => job,
            Err(err) => {
                results.push(Err(err));
                continue;
            }
        };
        if let Some(id) = &job.id
            && !taken.insert(id.as_str().to_owned())
        {
            results.push(Err(Error::Duplicate { id: id.clone() }));
            continue;
        }
        let mut ids = insert(ctx, vec![job])?;
        results.push(
            ids.pop()
                .ok_or_else(|| Error::backend("submitting", "no id")),
        );
    }
    Ok(results)
}

/// Refuses the batch when an id the caller chose repeats in it or exists already (the
/// first such id, in batch order). Generated ids are new by construction.
fn refuse_duplicates(ctx: &Ctx<'_>, jobs: &[NewJob]) -> Result<()> {
    let mut seen = HashSet::new();
    let mut given = Vec::new();
    for id in jobs.iter().filter_map(|job| job.id.as_ref()) {
        if !seen.insert(id.as_str()) {
            return Err(Error::Duplicate { id: id.clone() });
        }
        given.push(Value::Text(id.as_str().to_owned()));
    }
    if given.is_empty() {
        return Ok(());
    }
    let existing: HashSet<String> = ctx
        .conn
        .prepare_cached(include_str!("../../sql/existing_ids.sql"))
        .and_then(|mut stmt| stmt.query_map([Rc::new(given)], |r| r.get(0))?.collect())
        .map_err(db("looking for existing ids"))?;
    match jobs
        .iter()
        .filter_map(|job| job.id.as_ref())
        .find(|id| existing.contains(id.as_str()))
    {
        Some(id) => Err(Error::Duplicate { id: id.clone() }),
        None => Ok(()),
    }
}
