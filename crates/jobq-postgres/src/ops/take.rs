//! Leasing ready jobs, and returning expired leases first when there are any.

use chrono::{DateTime, Utc};
use jobq_core::{LeaseToken, LeasedJob, Result, TakeRequest, Timestamp};

use crate::db::{Db, pg_time};
use crate::{rows, wakeup};

/// Leases up to `req.max` ready jobs of `req.queue`, in claim order, each with a new token.
///
/// The claim statement also says whether any lease has expired. When one has, the sweep
/// returns expired leases to their queues (or fails them) and the claim runs once more for
/// what is left of `req.max`, so a job whose lease expired is never taken in its old
/// attempt, and one that is ready again at once is not missed.
pub(crate) async fn claim(db: &Db, req: &TakeRequest) -> Result<Vec<LeasedJob>> {
    let (now_ts, now) = db.now()?;
    let until_ts = now_ts + req.lease;
    let until = pg_time(until_ts, "lease")?;
    let conn = db.conn("leasing jobs").await?;
    let (mut jobs, expired) = claim_once(db, &conn, req, req.max, now, until, until_ts).await?;
    if expired {
        match sweep(db, &conn, now).await {
            Ok(()) => {}
            // The jobs are leased already: hand them out; the next take sweeps.
            Err(err) if !jobs.is_empty() => tracing::warn!("jobq: {err}"),
            Err(err) => return Err(err),
        }
        if jobs.len() < req.max {
            let left = req.max - jobs.len();
            let (more, _) = claim_once(db, &conn, req, left, now, until, until_ts).await?;
            jobs.extend(more);
        }
    }
    Ok(jobs)
}

async fn claim_once(
    db: &Db,
    conn: &deadpool_postgres::Object,
    req: &TakeRequest,
    max: usize,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    until_ts: Timestamp,
) -> Result<(Vec<LeasedJob>, bool)> {
    let what = format!("leasing jobs of queue {:?}", req.queue.as_str());
    let err = db.write_err(&what);
    let stmt = conn.prepare_cached(&db.sql.claim).await.map_err(&err)?;
    let limit = i64::try_from(max).unwrap_or(i64::MAX);
    let rows = conn
        .query(
            &stmt,
            &[
                &req.queue.as_str(),
                &now,
                &limit,
                &until,
                &req.worker.as_deref(),
            ],
        )
        .await
        .map_err(&err)?;
    let mut expired = false;
    let mut jobs = Vec::with_capacity(rows.len());
    for row in &rows {
        expired |= rows::get::<bool>(row, 7)?;
        let Some(id) = rows::get::<Option<String>>(row, 0)? else {
            continue;
        };
        let token: String = rows::get(row, 6)?;
        jobs.push(LeasedJob {
            id: rows::job_id(id)?,
            queue: rows::queue_name(rows::get(row, 1)?)?,
            payload: rows::get(row, 2)?,
            priority: rows::get(row, 3)?,
            attempt: rows::count(rows::get(row, 4)?)?,
            max_attempts: rows::count(rows::get(row, 5)?)?,
            lease: LeaseToken::new(token)?,
            lease_until: until_ts,
        });
    }
    Ok((jobs, expired))
}

/// Returns expired leases (see `sweep.sql`) and wakes the takers of queues that got a job
/// ready now.
async fn sweep(db: &Db, conn: &deadpool_postgres::Object, now: DateTime<Utc>) -> Result<()> {
    let err = db.write_err("returning expired leases");
    let stmt = conn.prepare_cached(&db.sql.sweep).await.map_err(&err)?;
    let (base, max) = db.backoff_micros();
    let rows = conn
        .query(&stmt, &[&now, &base, &max])
        .await
        .map_err(&err)?;
    let queues: Vec<String> = rows
        .iter()
        .map(|r| rows::get(r, 0))
        .collect::<Result<_>>()?;
    wakeup::announce(db, conn, &queues).await;
    Ok(())
}
