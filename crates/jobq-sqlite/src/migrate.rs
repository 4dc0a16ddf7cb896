//! The schema, in numbered migrations embedded in the binary.
//!
//! Applied versions are recorded in `jobq_migrations` (not in `PRAGMA user_version`, which
//! belongs to whatever application shares the file). Several processes may open a new file
//! at once: each checks under the write lock, so exactly one applies each migration.

use std::time::Instant;

use jobq_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension};

use crate::conn::{lock_of, retry_busy};
use crate::options::SqliteOptions;

/// Every migration, in order: (version, SQL).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../sql/migrations/0001_init.sql")),
    (2, include_str!("../sql/migrations/0002_schedules.sql")),
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS jobq_migrations \
     (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

fn applied(conn: &Connection) -> rusqlite::Result<i64> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'jobq_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM jobq_migrations",
        [],
        |row| row.get(0),
    )
}

/// Brings the store's schema up to date.
///
/// # Errors
///
/// [`Error::Backend`] when the file was made by a newer jobq, or is not a SQLite database;
/// [`Error::Busy`] when other processes held the lock past `deadline`.
pub(crate) fn migrate(conn: &Connection, opts: &SqliteOptions, deadline: Instant) -> Result<()> {
    let started = Instant::now();
    let path = &opts.path;
    let context = format!("preparing the jobq schema in {}", path.display());
    let current = retry_busy(
        deadline,
        started,
        || lock_of(path),
        &context,
        || applied(conn),
    )?;
    check_not_newer(current, opts)?;
    if current == latest() {
        return Ok(());
    }
    retry_busy(
        deadline,
        started,
        || lock_of(path),
        &context,
        || conn.execute_batch("BEGIN IMMEDIATE"),
    )?;
    let result = apply(conn, opts);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = retry_busy(
        deadline,
        started,
        || lock_of(path),
        &context,
        || conn.execute_batch(end),
    );
    result.and(ended)
}

fn apply(conn: &Connection, opts: &SqliteOptions) -> Result<()> {
    let context = || format!("preparing the jobq schema in {}", opts.path.display());
    let current = applied(conn).map_err(|e| Error::backend(context(), e.to_string()))?;
    check_not_newer(current, opts)?;
    conn.execute_batch(CREATE_TABLE)
        .map_err(|e| Error::backend(context(), e.to_string()))?;
    let now = opts.clock.now().as_unix_micros();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        conn.execute_batch(sql)
            .and_then(|()| {
                conn.execute(
                    "INSERT INTO jobq_migrations (version, applied_at) VALUES (?1, ?2)",
                    (version, now),
                )
            })
            .map_err(|e| Error::backend(format!("{} (migration {version})", context()), e))?;
    }
    Ok(())
}

fn check_not_newer(current: i64, opts: &SqliteOptions) -> Result<()> {
    if current > latest() {
        return Err(Error::backend(
            format!("opening {}", opts.path.display()),
            format!(
                "the store has jobq schema version {current}, newer than this jobq knows \
                 ({}); upgrade jobq",
                latest()
            ),
        ));
    }
    Ok(())
}
