//! Submitting jobs.

use jobq_core::{Error, EventKind, JobId, JobState, NewJob, Result};
use rusqlite::ffi;

use super::{db, record};
use crate::writer::Ctx;

/// Stores `jobs` (already validated), all or none: an error undoes the whole batch.
pub(crate) fn submit(ctx: &mut Ctx<'_>, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
    let mut ids = Vec::with_capacity(jobs.len());
    let now = ctx.now;
    for job in jobs {
        let id = job.id.unwrap_or_else(JobId::generate);
        let run_at = job.run_at.resolve(now);
        let inserted = ctx
            .conn
            .prepare_cached(include_str!("../../sql/insert_job.sql"))
            .and_then(|mut stmt| {
                stmt.execute((
                    id.as_str(),
                    job.queue.as_str(),
                    job.priority,
                    run_at.as_unix_micros(),
                    job.max_attempts,
                    now.as_unix_micros(),
                    &job.payload,
                ))
            });
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                return Err(Error::Duplicate { id });
            }
            Err(err) => return Err(db("storing a job")(err)),
        }
        let seq = ctx.conn.last_insert_rowid();
        record(
            ctx,
            seq,
            EventKind::Submitted,
            JobState::Queued,
            0,
            None,
            None,
        )?;
        if run_at <= now {
            ctx.wake = true;
        }
        ids.push(id);
    }
    Ok(ids)
}
