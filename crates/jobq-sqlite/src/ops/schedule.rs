//! Setting and removing periodic jobs.

use jobq_core::{Result, Schedule, ScheduleName};
use rusqlite::OptionalExtension;

use super::db;
use crate::writer::Ctx;

/// Adds `schedule` or replaces the one of its name, counting its ticks from now. Returns
/// whether it replaced one.
pub(crate) fn set(ctx: &mut Ctx<'_>, schedule: &Schedule) -> Result<bool> {
    let existed = ctx
        .conn
        .prepare_cached(include_str!("../../sql/schedule_exists.sql"))
        .and_then(|mut stmt| {
            stmt.query_row([schedule.name.as_str()], |_| Ok(()))
                .optional()
        })
        .map_err(db("looking up a schedule"))?
        .is_some();
    ctx.conn
        .prepare_cached(include_str!("../../sql/set_schedule.sql"))
        .and_then(|mut stmt| {
            stmt.execute((
                schedule.name.as_str(),
                schedule.every.to_string(),
                schedule.queue.as_str(),
                &schedule.payload,
                schedule.priority,
                schedule.max_attempts,
                ctx.now.as_unix_micros(),
            ))
        })
        .map_err(db("setting a schedule"))?;
    Ok(existed)
}

/// Removes the schedule `name`. Returns whether there was one.
pub(crate) fn remove(ctx: &mut Ctx<'_>, name: &ScheduleName) -> Result<bool> {
    ctx.conn
        .prepare_cached(include_str!("../../sql/remove_schedule.sql"))
        .and_then(|mut stmt| stmt.execute([name.as_str()]))
        .map(|n| n > 0)
        .map_err(db("removing a schedule"))
}
