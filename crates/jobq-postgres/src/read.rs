//! Reads: status, list and stats. Each is one statement, so it sees one snapshot (a job and
//! its history agree).

use std::collections::BTreeMap;

use jobq_core::{Error, Job, JobId, JobStatus, ListQuery, QueueCounts, QueueName, Result, Stats};

use crate::db::Db;
use crate::rows;

/// One job with its history.
pub(crate) async fn status(db: &Db, id: &JobId) -> Result<JobStatus> {
    let what = "reading a job";
    let err = db.read_err(what);
    let conn = db.conn(what).await?;
    let stmt = conn.prepare_cached(&db.sql.status).await.map_err(&err)?;
    let row = conn
        .query_opt(&stmt, &[&id.as_str()])
        .await
        .map_err(&err)?
        .ok_or_else(|| Error::NotFound { id: id.clone() })?;
    let (_, job) = rows::job(&row)?;
    let history = rows::history(&row)?;
    Ok(JobStatus { job, history })
}

/// Jobs as `query` asks.
pub(crate) async fn list(db: &Db, query: &ListQuery) -> Result<Vec<Job>> {
    let what = "listing jobs";
    let err = db.read_err(what);
    let conn = db.conn(what).await?;
    let sql = if query.oldest_first {
        &db.sql.list_oldest
    } else {
        &db.sql.list_newest
    };
    let stmt = conn.prepare_cached(sql).await.map_err(&err)?;
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let rows = conn
        .query(
            &stmt,
            &[
                &query.queue.as_ref().map(QueueName::as_str),
                &query.state.map(|s| s.as_str()),
                &limit,
            ],
        )
        .await
        .map_err(&err)?;
    rows.iter()
        .map(|row| rows::job(row).map(|(_, job)| job))
        .collect()
}

/// Counts by queue and state.
pub(crate) async fn stats(db: &Db, queue: Option<&QueueName>) -> Result<Stats> {
    let what = "counting jobs";
    let err = db.read_err(what);
    let conn = db.conn(what).await?;
    let stmt = conn.prepare_cached(&db.sql.stats).await.map_err(&err)?;
    let rows = conn
        .query(&stmt, &[&queue.map(QueueName::as_str)])
        .await
        .map_err(&err)?;
    let mut queues: BTreeMap<QueueName, QueueCounts> = BTreeMap::new();
    for row in &rows {
        let name = rows::queue_name(rows::get(row, 0)?)?;
        let state = rows::state(rows::get(row, 1)?)?;
        let n: i64 = rows::get(row, 2)?;
        *queues.entry(name).or_default().get_mut(state) = n.unsigned_abs();
    }
    Ok(Stats { queues })
}
