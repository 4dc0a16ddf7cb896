//! Opening connections to the log, and waiting out other processes.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Result, WallError};

/// The statements that make the schema (idempotent).
const SCHEMA: &str = include_str!("../../sql/schema.sql");

/// How many times a statement waits for another connection's lock before it fails: with
/// pauses growing to 5 ms, about 30 s in all.
const BUSY_TRIES: i32 = 6_000;

/// Adds what the app was doing to a SQLite error.
pub(super) trait Context<T> {
    /// The error as a [`WallError::Log`] saying what was being done.
    fn ctx(self, what: &str) -> Result<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn ctx(self, what: &str) -> Result<T> {
        self.map_err(|e| WallError::log(what, e))
    }
}

/// SQLite stores integers as i64; days past that are all "after every section is done".
pub(super) fn sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Reads a column that holds a count, which SQLite keeps as i64.
pub(super) fn unsigned(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<u64> {
    row.get::<_, i64>(column)
        .map(|n| u64::try_from(n).unwrap_or(0))
}

/// SQLite's busy handler: called with how many times the statement has waited so far.
///
/// SQLite's own busy timeout sleeps in steps that grow to 100 ms, which leaves the file idle
/// most of the time when crews in several processes write a foot each every few
/// milliseconds. These pauses start at 50 µs (a commit is usually that short) and grow to
/// 5 ms, each randomised so that waiting processes do not retry in step.
fn wait_for_lock(tries: i32) -> bool {
    let exponent = u32::try_from(tries.clamp(0, 7)).unwrap_or(7);
    let pause = Duration::from_micros(50 << exponent).min(Duration::from_millis(5));
    std::thread::sleep(pause.mul_f64(0.5 + rand::random::<f64>()));
    tries < BUSY_TRIES
}

/// Opens the file, makes it WAL and durable, and makes the schema.
pub(super) fn connect(path: &Path) -> Result<Connection> {
    let what = format!("opening {}", path.display());
    let mut conn = Connection::open(path).ctx(&what)?;
    conn.busy_handler(Some(wait_for_lock)).ctx(&what)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .ctx(&what)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(WallError::log(
            what,
            format!("SQLite could not switch it to WAL mode (it stayed {mode:?})"),
        ));
    }
    conn.execute_batch("PRAGMA synchronous = FULL;")
        .ctx(&what)?;
    let site = format!("{:08x}", rand::random::<u32>());
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         {SCHEMA}
         INSERT OR IGNORE INTO meta (key, value) VALUES ('site', '{site}');
         COMMIT;"
    ))
    .ctx(&format!("making the schema of {}", path.display()))?;
    Ok(conn)
}
