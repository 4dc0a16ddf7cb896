//! Leasing ready jobs.

use jobq_core::{
    EventKind, JobId, JobState, LeaseToken, LeasedJob, QueueName, Result, TakeRequest,
};

use super::{db, record};
use crate::writer::Ctx;

/// Leases up to `req.max` ready jobs of `req.queue`, in claim order, each with a new token.
pub(crate) fn claim(ctx: &mut Ctx<'_>, req: &TakeRequest) -> Result<Vec<LeasedJob>> {
    let now = ctx.now;
    let lease_until = now + req.lease;
    let seqs: Vec<i64> = ctx
        .conn
        .prepare_cached(include_str!("../../sql/claim_ready.sql"))
        .and_then(|mut stmt| {
            stmt.query_map(
                (req.queue.as_str(), now.as_unix_micros(), req.max as i64),
                |row| row.get(0),
            )?
            .collect()
        })
        .map_err(db("finding ready jobs"))?;
    let mut leased = Vec::with_capacity(seqs.len());
    for seq in seqs {
        let lease = LeaseToken::generate();
        let (id, queue, payload, priority, attempt, max_attempts): (
            String,
            String,
            Vec<u8>,
            i32,
            u32,
            u32,
        ) = ctx
            .conn
            .prepare_cached(include_str!("../../sql/lease_job.sql"))
            .and_then(|mut stmt| {
                stmt.query_row(
                    (
                        seq,
                        lease.as_str(),
                        lease_until.as_unix_micros(),
                        req.worker.as_deref(),
                        now.as_unix_micros(),
                    ),
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                        ))
                    },
                )
            })
            .map_err(db("leasing a job"))?;
        record(
            ctx,
            seq,
            EventKind::Taken,
            JobState::Running,
            attempt,
            req.worker.as_deref(),
            None,
        )?;
        leased.push(LeasedJob {
            id: JobId::new(id)?,
            queue: QueueName::new(queue)?,
            payload,
            priority,
            attempt,
            max_attempts,
            lease,
            lease_until,
        });
    }
    Ok(leased)
}
