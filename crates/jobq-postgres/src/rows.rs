//! Turning rows into the model's types.
//!
//! A row that does not convert (a column of an unexpected type, text that is not a valid
//! id) means the schema was changed behind jobq's back: an [`Error::Backend`] that names
//! the column.

use chrono::{DateTime, Utc};
use jobq_core::{Error, Event, Job, JobId, JobState, QueueName, Result};
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use crate::db::from_pg;
use crate::error::Cause;

/// Column `idx` of `row` as a `T`.
pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(|e| bad(idx, &e.to_string()))
}

fn bad(idx: usize, why: &str) -> Error {
    Error::backend(
        "reading a row of the jobq schema",
        Cause(format!("column {idx}: {why}")),
    )
}

/// Text read back as a state.
pub(crate) fn state(text: &str) -> Result<JobState> {
    text.parse()
        .map_err(|e: Error| bad(0, &format!("state {text:?}: {e}")))
}

/// A count read back as a `u32` (attempts).
pub(crate) fn count(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| bad(0, &format!("{n} does not fit an attempt count")))
}

/// Text read back as a job id.
pub(crate) fn job_id(text: String) -> Result<JobId> {
    JobId::new(text).map_err(|e| bad(0, &e.to_string()))
}

/// Text read back as a queue name.
pub(crate) fn queue_name(text: String) -> Result<QueueName> {
    QueueName::new(text).map_err(|e| bad(0, &e.to_string()))
}

/// A job from the columns of `status.sql` and the list queries: `seq` first.
pub(crate) fn job(row: &Row) -> Result<(i64, Job)> {
    let job = Job {
        id: job_id(get(row, 1)?)?,
        queue: queue_name(get(row, 2)?)?,
        state: state(get(row, 3)?)?,
        priority: get(row, 4)?,
        run_at: from_pg(get(row, 5)?),
        attempts: count(get(row, 6)?)?,
        max_attempts: count(get(row, 7)?)?,
        created_at: from_pg(get(row, 8)?),
        updated_at: from_pg(get(row, 9)?),
        last_error: get(row, 10)?,
        worker: get(row, 11)?,
        lease_until: get::<Option<DateTime<Utc>>>(row, 12)?.map(from_pg),
        payload: get(row, 13)?,
    };
    Ok((get(row, 0)?, job))
}

/// The history from the parallel arrays of `status.sql` (columns 14 to 19).
pub(crate) fn history(row: &Row) -> Result<Vec<Event>> {
    let ats: Option<Vec<DateTime<Utc>>> = get(row, 14)?;
    let Some(ats) = ats else {
        return Ok(Vec::new());
    };
    let kinds: Vec<String> = get(row, 15)?;
    let states: Vec<String> = get(row, 16)?;
    let attempts: Vec<i64> = get(row, 17)?;
    let workers: Vec<Option<String>> = get(row, 18)?;
    let errors: Vec<Option<String>> = get(row, 19)?;
    let columns = [
        kinds.len(),
        states.len(),
        attempts.len(),
        workers.len(),
        errors.len(),
    ];
    if columns.iter().any(|&n| n != ats.len()) {
        return Err(bad(14, "the history's columns differ in length"));
    }
    let mut history = Vec::with_capacity(ats.len());
    let rows = kinds
        .into_iter()
        .zip(states)
        .zip(attempts)
        .zip(workers)
        .zip(errors);
    for (at, ((((kind, state_text), attempt), worker), error)) in ats.into_iter().zip(rows) {
        history.push(Event {
            at: from_pg(at),
            kind: kind.parse().map_err(|e: Error| bad(15, &e.to_string()))?,
            state: state(&state_text)?,
            attempt: count(attempt)?,
            worker,
            error,
        });
    }
    Ok(history)
}
