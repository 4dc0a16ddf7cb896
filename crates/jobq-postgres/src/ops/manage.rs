//! What a manager does: resubmit, cancel, purge.

use std::collections::HashMap;

use jobq_core::request::pick_ids;
use jobq_core::{JobId, JobState, PurgeQuery, QueueName, Result, Select};

use crate::db::{Db, earliest, pg_time};
use crate::{rows, wakeup};

/// Puts failed or cancelled jobs back to `queued`, ready now, attempts reset.
pub(crate) async fn resubmit(db: &Db, which: &Select) -> Result<u64> {
    const FROM: &[JobState] = &[JobState::Failed, JobState::Cancelled];
    which.validate("resubmit", FROM)?;
    let what = "resubmitting jobs";
    let err = db.write_err(what);
    let (_, now) = db.now()?;
    let mut conn = db.conn(what).await?;
    let tx = conn.transaction().await.map_err(&err)?;
    let seqs = select(db, &tx, which, FROM, "resubmit", "failed or cancelled").await?;
    if seqs.is_empty() {
        return Ok(0);
    }
    let stmt = tx.prepare_cached(&db.sql.resubmit).await.map_err(&err)?;
    let rows = tx.query(&stmt, &[&seqs, &now]).await.map_err(&err)?;
    tx.commit().await.map_err(&err)?;
    let queues: Vec<String> = rows
        .iter()
        .map(|r| rows::get(r, 0))
        .collect::<Result<_>>()?;
    wakeup::announce(db, &conn, &queues).await;
    Ok(seqs.len() as u64)
}

/// Cancels queued jobs.
pub(crate) async fn cancel(db: &Db, which: &Select) -> Result<u64> {
    const FROM: &[JobState] = &[JobState::Queued];
    which.validate("cancel", FROM)?;
    let what = "cancelling jobs";
    let err = db.write_err(what);
    let (_, now) = db.now()?;
    let mut conn = db.conn(what).await?;
    let tx = conn.transaction().await.map_err(&err)?;
    let seqs = select(db, &tx, which, FROM, "cancel", "queued").await?;
    if seqs.is_empty() {
        return Ok(0);
    }
    let stmt = tx.prepare_cached(&db.sql.cancel).await.map_err(&err)?;
    tx.execute(&stmt, &[&seqs, &now]).await.map_err(&err)?;
    tx.commit().await.map_err(&err)?;
    Ok(seqs.len() as u64)
}

/// The jobs `which` names, locked, all of which must be in a state of `from`.
///
/// # Errors
///
/// [`Error::NotFound`] or [`Error::InvalidState`] for the first id that is unknown or in
/// another state; the caller's transaction then rolls back, changing nothing.
async fn select(
    db: &Db,
    tx: &deadpool_postgres::Transaction<'_>,
    which: &Select,
    from: &[JobState],
    action: &'static str,
    allowed: &'static str,
) -> Result<Vec<i64>> {
    let err = db.write_err("selecting jobs");
    match which {
        Select::Ids(ids) => {
            let texts: Vec<&str> = ids.iter().map(JobId::as_str).collect();
            let stmt = tx.prepare_cached(&db.sql.lock_ids).await.map_err(&err)?;
            let rows = tx.query(&stmt, &[&texts]).await.map_err(&err)?;
            let mut found = HashMap::with_capacity(rows.len());
            for row in &rows {
                let id: String = rows::get(row, 1)?;
                let state = rows::state(rows::get(row, 2)?)?;
                found.insert(id, (rows::get::<i64>(row, 0)?, state));
            }
            pick_ids(ids, &found, from, action, allowed)
        }
        Select::State { state, queue } => {
            let queue = queue.as_ref().map(QueueName::as_str);
            let rows = if *state == JobState::Queued {
                let stmt = tx.prepare_cached(&db.sql.lock_queued).await.map_err(&err)?;
                tx.query(&stmt, &[&queue]).await
            } else {
                let stmt = tx
                    .prepare_cached(&db.sql.lock_finished)
                    .await
                    .map_err(&err)?;
                tx.query(&stmt, &[&state.as_str(), &queue]).await
            };
            rows.map_err(&err)?
                .iter()
                .map(|row| rows::get(row, 0))
                .collect()
        }
    }
}

/// Deletes up to `chunk` jobs that `query` selects, with their history, in one statement.
/// Returns how many.
pub(crate) async fn purge_chunk(db: &Db, query: &PurgeQuery, chunk: usize) -> Result<u64> {
    let what = "purging jobs";
    let err = db.write_err(what);
    let (now_ts, _) = db.now()?;
    // A cutoff before any time PostgreSQL stores selects every finished job of the state.
    let cutoff = pg_time(now_ts - query.older_than, "older_than").unwrap_or_else(|_| earliest());
    let conn = db.conn(what).await?;
    let stmt = conn.prepare_cached(&db.sql.purge).await.map_err(&err)?;
    let limit = i64::try_from(chunk).unwrap_or(i64::MAX);
    let row = conn
        .query_one(
            &stmt,
            &[
                &query.state.as_str(),
                &cutoff,
                &query.queue.as_ref().map(QueueName::as_str),
                &limit,
            ],
        )
        .await
        .map_err(&err)?;
    Ok(rows::get::<i64>(&row, 0)?.unsigned_abs())
}
