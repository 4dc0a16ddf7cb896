//! Periodic jobs: setting, removing and reading schedules.

use jobq_core::{QueueName, Result, Schedule, ScheduleName, Timestamp};

use crate::db::Db;
use crate::rows;

/// Adds `schedule` or replaces the one of its name, counting its ticks from now. Returns
/// whether it replaced one.
pub(crate) async fn set(db: &Db, schedule: &Schedule) -> Result<bool> {
    let what = "setting a schedule";
    let err = db.write_err(what);
    let (_, now) = db.now()?;
    let conn = db.conn(what).await?;
    let stmt = conn
        .prepare_cached(&db.sql.set_schedule)
        .await
        .map_err(&err)?;
    let priority = schedule.priority;
    let attempts = i32::try_from(schedule.max_attempts).unwrap_or(i32::MAX);
    let row = conn
        .query_one(
            &stmt,
            &[
                &schedule.name.as_str(),
                &schedule.every.to_string(),
                &schedule.queue.as_str(),
                &schedule.payload,
                &priority,
                &attempts,
                &now,
            ],
        )
        .await
        .map_err(&err)?;
    rows::get(&row, 0)
}

/// Removes the schedule `name`. Returns whether there was one.
pub(crate) async fn remove(db: &Db, name: &ScheduleName) -> Result<bool> {
    let what = "removing a schedule";
    let err = db.write_err(what);
    let conn = db.conn(what).await?;
    let stmt = conn
        .prepare_cached(&db.sql.remove_schedule)
        .await
        .map_err(&err)?;
    let removed = conn.execute(&stmt, &[&name.as_str()]).await.map_err(&err)?;
    Ok(removed > 0)
}

/// Every schedule, by name.
pub(crate) async fn list(db: &Db) -> Result<Vec<Schedule>> {
    let what = "reading schedules";
    let err = db.read_err(what);
    let conn = db.conn(what).await?;
    let stmt = conn.prepare_cached(&db.sql.schedules).await.map_err(&err)?;
    let rows = conn.query(&stmt, &[]).await.map_err(&err)?;
    rows.iter()
        .map(|row| {
            let since: chrono::DateTime<chrono::Utc> = rows::get(row, 6)?;
            Ok(Schedule {
                name: ScheduleName::new(rows::get::<String>(row, 0)?)?,
                every: rows::get::<String>(row, 1)?.parse()?,
                queue: QueueName::new(rows::get::<String>(row, 2)?)?,
                payload: rows::get(row, 3)?,
                priority: rows::get(row, 4)?,
                max_attempts: rows::count(i64::from(rows::get::<i32>(row, 5)?))?,
                since: Some(Timestamp::from(since)),
            })
        })
        .collect()
}
