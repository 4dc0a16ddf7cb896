//! Leasing ready jobs.

use jobq_core::{JobId, LeaseToken, LeasedJob, QueueName, Result, TakeRequest, Timestamp};

use super::db;
use crate::writer::Ctx;

/// Leases up to `req.max` ready jobs of `req.queue` in one statement, each with a new token,
/// and returns them in claim order.
pub(crate) fn claim(ctx: &mut Ctx<'_>, req: &TakeRequest) -> Result<Vec<LeasedJob>> {
    let now = ctx.now;
    let lease_until = now + req.lease;
    let mut stmt = ctx
        .conn
        .prepare_cached(include_str!("../../sql/claim_ready.sql"))
        .map_err(db("leasing jobs"))?;
    let rows = stmt
        .query_map(
            (
                req.queue.as_str(),
                now.as_unix_micros(),
                lease_until.as_unix_micros(),
                req.worker.as_deref(),
                req.max as i64,
            ),
            |r| {
                Ok(Claimed {
                    seq: r.get(0)?,
                    id: r.get(1)?,
                    queue: r.get(2)?,
                    payload: r.get(3)?,
                    priority: r.get(4)?,
                    run_at: r.get(5)?,
                    attempt: r.get(6)?,
                    max_attempts: r.get(7)?,
                    lease: r.get(8)?,
                })
            },
        )
        .map_err(db("leasing jobs"))?;
    let mut claimed = rows
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db("leasing jobs"))?;
    claimed.sort_by_key(|c| (std::cmp::Reverse(c.priority), c.run_at, c.seq));
    claimed
        .into_iter()
        .map(|c| {
            Ok(LeasedJob {
                id: JobId::new(c.id)?,
                queue: QueueName::new(c.queue)?,
                payload: c.payload,
                priority: c.priority,
                attempt: c.attempt,
                max_attempts: c.max_attempts,
                lease: LeaseToken::new(c.lease)?,
                lease_until: Timestamp::from_unix_micros(lease_until.as_unix_micros()),
            })
        })
        .collect()
}

/// A row the claim leased.
struct Claimed {
    seq: i64,
    id: String,
    queue: String,
    payload: Vec<u8>,
    priority: i32,
    run_at: i64,
    attempt: u32,
    max_attempts: u32,
    lease: String,
}
