//! Ending and extending leases: `settle` and `extend`, one statement each.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jobq_core::request::{truncate_error, validate_lease};
use jobq_core::{
    Error, JobId, JobState, LeaseToken, Outcome, Result, Settled, Settlement, Timestamp,
};

use crate::db::{Db, from_pg, pg_time};
use crate::error::Cause;
use crate::{rows, wakeup};

/// Settles each attempt by itself: one result per settlement, in order. Only a failure to
/// reach the store is an error of the whole call (and then nothing changed, or — if the
/// connection broke while the statement ran — all of it or none).
pub(crate) async fn settle(db: &Db, batch: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let what = "settling leased jobs";
    let err = db.write_err(what);
    let (_, now) = db.now()?;
    let ids: Vec<&str> = batch.iter().map(|s| s.id.as_str()).collect();
    let tokens: Vec<&str> = batch.iter().map(|s| s.lease.as_str()).collect();
    let failed: Vec<bool> = batch
        .iter()
        .map(|s| matches!(s.outcome, Outcome::Fail { .. }))
        .collect();
    let errors: Vec<Option<&str>> = batch
        .iter()
        .map(|s| match &s.outcome {
            Outcome::Complete => None,
            Outcome::Fail { error } => Some(truncate_error(error)),
        })
        .collect();
    let (base, max) = db.backoff_micros();
    let conn = db.conn(what).await?;
    let stmt = conn.prepare_cached(&db.sql.settle).await.map_err(&err)?;
    let rows = conn
        .query(&stmt, &[&ids, &tokens, &failed, &errors, &now, &base, &max])
        .await
        .map_err(&err)?;
    if rows.len() != batch.len() {
        return Err(Error::backend(
            format!("{what} in {}", db.target),
            Cause(format!(
                "{} results for {} settlements",
                rows.len(),
                batch.len()
            )),
        ));
    }
    let mut results = Vec::with_capacity(rows.len());
    for (settlement, row) in batch.iter().zip(&rows) {
        results.push(verdict(&settlement.id, row)?);
    }
    if let Some(row) = rows.first() {
        wakeup::announce(db, &conn, &rows::get::<Vec<String>>(row, 8)?).await;
    }
    Ok(results)
}

/// One settlement's result from its row of `settle.sql`. The outer error is for a row that
/// cannot be read; the inner one is the settlement's own refusal.
fn verdict(id: &JobId, row: &tokio_postgres::Row) -> Result<Result<Settled>> {
    let ord: i64 = rows::get(row, 0)?;
    let verdict: String = rows::get(row, 1)?;
    let winner: Option<i64> = rows::get(row, 5)?;
    if let Some(winner) = winner {
        let new_state = rows::state(rows::get(row, 6)?)?;
        if winner == ord {
            let retry_at: Option<DateTime<Utc>> = rows::get(row, 7)?;
            return Ok(Ok(Settled {
                state: new_state,
                retry_at: retry_at.map(from_pg),
            }));
        }
        if winner < ord {
            return Ok(Err(not_leased(id, new_state)));
        }
    }
    Ok(Err(match verdict.as_str() {
        "unknown" => Error::NotFound { id: id.clone() },
        "not_running" => not_leased(id, rows::state(rows::get(row, 2)?)?),
        "other_lease" => other_lease(id, rows::count(rows::get(row, 3)?)?),
        "expired" => expired(id, rows::get(row, 4)?),
        other => {
            return Err(Error::backend(
                "settling leased jobs",
                Cause(format!("unexpected verdict {other:?}")),
            ));
        }
    }))
}

fn not_leased(id: &JobId, state: JobState) -> Error {
    Error::lease_lost(id, format!("the job is {state} now, no longer leased"))
}

fn other_lease(id: &JobId, attempts: u32) -> Error {
    Error::lease_lost(
        id,
        format!("attempt {attempts} holds a different lease (this one is stale or unknown)"),
    )
}

fn expired(id: &JobId, until: Option<DateTime<Utc>>) -> Error {
    let until = until.map_or(Timestamp::EPOCH, from_pg);
    Error::lease_lost(id, format!("the lease expired at {until}"))
}

/// Renews job `id`'s lease to last `lease_for` from now.
pub(crate) async fn extend(
    db: &Db,
    id: &JobId,
    token: &LeaseToken,
    lease_for: Duration,
) -> Result<Timestamp> {
    validate_lease(lease_for)?;
    let what = "extending a lease";
    let err = db.write_err(what);
    let (now_ts, now) = db.now()?;
    let until_ts = now_ts + lease_for;
    let until = pg_time(until_ts, "lease")?;
    let conn = db.conn(what).await?;
    let stmt = conn.prepare_cached(&db.sql.extend).await.map_err(&err)?;
    let row = conn
        .query_opt(&stmt, &[&id.as_str(), &token.as_str(), &now, &until])
        .await
        .map_err(&err)?
        .ok_or_else(|| Error::NotFound { id: id.clone() })?;
    if rows::get::<bool>(&row, 4)? {
        return Ok(until_ts);
    }
    let state = rows::state(rows::get(&row, 0)?)?;
    Err(if state != JobState::Running {
        not_leased(id, state)
    } else if rows::get::<Option<bool>>(&row, 2)? != Some(true) {
        other_lease(id, rows::count(rows::get(&row, 1)?)?)
    } else {
        expired(id, rows::get(&row, 3)?)
    })
}
