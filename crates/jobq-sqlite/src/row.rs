//! Turning rows into the model's types.

use jobq_core::{Event, Job, JobId, JobState, QueueName, Timestamp};
use rusqlite::Row;
use rusqlite::types::Type;

/// Converts a column's text into a model type, as a row error when it does not parse.
fn parse<T, E>(
    idx: usize,
    text: String,
    f: impl FnOnce(String) -> Result<T, E>,
) -> rusqlite::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    f(text).map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<Timestamp> {
    row.get(idx).map(Timestamp::from_unix_micros)
}

/// A job from the columns of `job_by_id.sql` (and the list queries): `seq` first.
pub(crate) fn job(row: &Row<'_>) -> rusqlite::Result<(i64, Job)> {
    let job = Job {
        id: parse(1, row.get(1)?, JobId::new)?,
        queue: parse(2, row.get(2)?, QueueName::new)?,
        state: parse(3, row.get(3)?, |s: String| s.parse::<JobState>())?,
        priority: row.get(4)?,
        run_at: time(row, 5)?,
        attempts: row.get(6)?,
        max_attempts: row.get(7)?,
        created_at: time(row, 8)?,
        updated_at: time(row, 9)?,
        last_error: row.get(10)?,
        worker: row.get(11)?,
        lease_until: row
            .get::<_, Option<i64>>(12)?
            .map(Timestamp::from_unix_micros),
        payload: row.get(13)?,
    };
    Ok((row.get(0)?, job))
}

/// An event from the columns of `events_of_job.sql`.
pub(crate) fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        at: time(row, 0)?,
        kind: parse(1, row.get(1)?, |s: String| s.parse())?,
        state: parse(2, row.get(2)?, |s: String| s.parse())?,
        attempt: row.get(3)?,
        worker: row.get(4)?,
        error: row.get(5)?,
    })
}
