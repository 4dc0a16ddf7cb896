//! Returning expired leases (G3).

use jobq_core::{EventKind, Result, Timestamp};

use super::{EndedAttempt, db, end_failed_attempt};
use crate::writer::Ctx;

/// Every running job whose lease has expired goes back to `queued` (after its back-off) or,
/// with no attempts left, to `failed`, with an error that says whose lease expired and when.
///
/// Walks the partial index of leases from the earliest, so when nothing has expired it costs
/// one index probe.
pub(crate) fn sweep(ctx: &mut Ctx<'_>) -> Result<()> {
    type Row = (i64, u32, u32, Option<String>, i64);
    let expired: Vec<Row> = ctx
        .conn
        .prepare_cached(include_str!("../../sql/expired_leases.sql"))
        .and_then(|mut stmt| {
            stmt.query_map([ctx.now.as_unix_micros()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        })
        .map_err(db("finding expired leases"))?;
    for (seq, attempts, max_attempts, worker, until) in expired {
        let until = Timestamp::from_unix_micros(until);
        let error = match &worker {
            Some(w) => format!(
                "lease expired at {until}: worker {w} did not complete, fail or extend it in time"
            ),
            None => format!(
                "lease expired at {until}: the consumer did not complete, fail or extend it in time"
            ),
        };
        end_failed_attempt(
            ctx,
            EndedAttempt {
                seq,
                attempts,
                max_attempts,
                error: &error,
                kind: EventKind::LeaseExpired,
            },
        )?;
    }
    Ok(())
}
