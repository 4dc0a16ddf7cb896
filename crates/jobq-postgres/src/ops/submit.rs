//! Submitting jobs: one statement for a batch (a transaction of several statements for a
//! very large one), all or none.

use std::collections::HashSet;
use std::ops::Range;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use jobq_core::{Error, JobId, NewJob, Result};
use tokio_postgres::types::ToSql;

use crate::db::{Db, pg_time};
use crate::{error, wakeup};

/// The most jobs stored by one statement.
const MAX_ROWS: usize = 1000;

/// The most payload bytes sent in one statement (PostgreSQL refuses a parameter over 1 GiB;
/// smaller statements keep memory flat on both sides).
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// How often a batch refused as a duplicate is tried again when no duplicate can be found
/// afterwards (the conflicting job was purged, or its transaction rolled back, meanwhile).
const DUPLICATE_RETRIES: usize = 3;

/// The columns of a batch, as the statement takes them.
struct Columns<'a> {
    ids: Vec<&'a str>,
    queues: Vec<&'a str>,
    priorities: Vec<i32>,
    run_ats: Vec<DateTime<Utc>>,
    max_attempts: Vec<i64>,
    payloads: Vec<&'a [u8]>,
}

/// Stores `jobs` (already validated), all or none, and returns their ids in order.
pub(crate) async fn submit(db: &Db, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let (now_ts, now) = db.now()?;
    let ids: Vec<JobId> = jobs
        .iter()
        .map(|job| job.id.clone().unwrap_or_else(JobId::generate))
        .collect();
    let mut seen = HashSet::with_capacity(ids.len());
    if let Some(twice) = ids.iter().find(|id| !seen.insert(*id)) {
        return Err(Error::Duplicate { id: twice.clone() });
    }
    let columns = Columns {
        ids: ids.iter().map(JobId::as_str).collect(),
        queues: jobs.iter().map(|job| job.queue.as_str()).collect(),
        priorities: jobs.iter().map(|job| job.priority).collect(),
        run_ats: jobs
            .iter()
            .map(|job| pg_time(job.run_at.resolve(now_ts), "run_at"))
            .collect::<Result<_>>()?,
        max_attempts: jobs.iter().map(|job| i64::from(job.max_attempts)).collect(),
        payloads: jobs.iter().map(|job| job.payload.as_slice()).collect(),
    };
    let chunks = chunks(&jobs);
    for _ in 0..DUPLICATE_RETRIES {
        match insert(db, &columns, &chunks, now).await? {
            Inserted::Stored => return Ok(ids),
            Inserted::Duplicate => {
                if let Some(id) = first_existing(db, &ids, &columns.ids).await? {
                    return Err(Error::Duplicate { id });
                }
            }
        }
    }
    Err(Error::backend(
        format!("storing jobs in {}", db.target),
        error::Cause(
            "PostgreSQL kept refusing the batch as a duplicate, but none of its ids exists"
                .to_owned(),
        ),
    ))
}

/// What a try at storing the batch did.
enum Inserted {
    /// Stored (and the takers of queues that got a job ready now told).
    Stored,
    /// Refused: an id exists (nothing was stored).
    Duplicate,
}

/// Splits the batch into ranges of at most [`MAX_ROWS`] jobs and about [`MAX_BYTES`].
fn chunks(jobs: &[NewJob]) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, job) in jobs.iter().enumerate() {
        if i > start && (i - start >= MAX_ROWS || bytes + job.payload.len() > MAX_BYTES) {
            chunks.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += job.payload.len();
    }
    chunks.push(start..jobs.len());
    chunks
}

async fn insert(
    db: &Db,
    columns: &Columns<'_>,
    chunks: &[Range<usize>],
    now: DateTime<Utc>,
) -> Result<Inserted> {
    let what = "storing jobs";
    let err = db.write_err(what);
    let mut conn = db.conn(what).await?;
    let ready = if chunks.len() == 1 {
        insert_chunks(db, &conn, columns, chunks, now).await?
    } else {
        let tx = conn.transaction().await.map_err(&err)?;
        let ready = insert_chunks(db, &tx, columns, chunks, now).await?;
        if ready.is_some() {
            tx.commit().await.map_err(&err)?;
        }
        ready
    };
    let Some(ready) = ready else {
        return Ok(Inserted::Duplicate);
    };
    wakeup::announce(db, &conn, &ready).await;
    Ok(Inserted::Stored)
}

/// Runs the statement once per chunk on `client` (a transaction when there are several).
/// Returns the queues that got a job ready now, or `None` when an id exists.
async fn insert_chunks(
    db: &Db,
    client: &impl GenericClient,
    columns: &Columns<'_>,
    chunks: &[Range<usize>],
    now: DateTime<Utc>,
) -> Result<Option<Vec<String>>> {
    let err = db.write_err("storing jobs");
    let stmt = client.prepare_cached(&db.sql.submit).await.map_err(&err)?;
    let mut ready = Vec::new();
    for r in chunks.iter().cloned() {
        let params: [&(dyn ToSql + Sync); 7] = [
            &&columns.ids[r.clone()],
            &&columns.queues[r.clone()],
            &&columns.priorities[r.clone()],
            &&columns.run_ats[r.clone()],
            &&columns.max_attempts[r.clone()],
            &&columns.payloads[r],
            &now,
        ];
        match client.query(&stmt, &params).await {
            Ok(rows) => {
                for row in rows {
                    ready.push(crate::rows::get::<String>(&row, 0)?);
                }
            }
            Err(e) if error::is_duplicate(&e) => return Ok(None),
            Err(e) => return Err(err(e)),
        }
    }
    Ok(Some(ready))
}

/// The first of `ids` (in the batch's order) that exists.
async fn first_existing(db: &Db, ids: &[JobId], texts: &[&str]) -> Result<Option<JobId>> {
    let what = "finding which id exists";
    let err = db.read_err(what);
    let conn = db.conn(what).await?;
    let stmt = conn
        .prepare_cached(&db.sql.existing_ids)
        .await
        .map_err(&err)?;
    let rows = conn.query(&stmt, &[&texts]).await.map_err(&err)?;
    let existing: HashSet<String> = rows
        .iter()
        .map(|row| crate::rows::get(row, 0))
        .collect::<Result<_>>()?;
    Ok(ids
        .iter()
        .find(|id| existing.contains(id.as_str()))
        .cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_by_rows_and_bytes() {
        let small: Vec<NewJob> = (0..2500).map(|_| NewJob::new("x")).collect();
        assert_eq!(chunks(&small), vec![0..1000, 1000..2000, 2000..2500]);
        let big: Vec<NewJob> = (0..5).map(|_| NewJob::new(vec![0u8; 20 << 20])).collect();
        assert_eq!(chunks(&big), vec![0..1, 1..2, 2..3, 3..4, 4..5]);
        assert_eq!(chunks(&[NewJob::new("x")]), vec![0..1]);
    }
}
