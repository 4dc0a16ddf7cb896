//! Opening connections, and waiting out other processes (G4).
//!
//! SQLite lets one connection write at a time. jobq never lets a caller see "database is
//! locked": every connection has SQLite's own busy timeout off, and jobq retries a busy
//! statement itself, with short randomised pauses, until the caller's deadline. At the
//! deadline it fails with [`Error::Busy`], which names the file it waited for.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use jobq_core::{Error, Result};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::options::SqliteOptions;

/// Whether `err` means another connection holds a lock we need.
pub(crate) fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Pauses between attempts to get a lock: ten microseconds at first (a commit of another
/// process is usually that short), doubling to 1 ms, each randomised so that waiting
/// processes do not retry in step. Short pauses cost a failed lock attempt each, which is
/// cheap; long ones leave the file idle after its holder let go.
pub(crate) struct Pause {
    next: Duration,
}

impl Pause {
    pub(crate) fn new() -> Self {
        Self {
            next: Duration::from_micros(10),
        }
    }

    /// Sleeps for the next pause, never past `deadline`.
    pub(crate) fn sleep(&mut self, deadline: Instant) {
        let jittered = self.next.mul_f64(0.5 + rand::random::<f64>());
        let left = deadline.saturating_duration_since(Instant::now());
        thread::sleep(jittered.min(left));
        self.next = (self.next * 2).min(Duration::from_millis(1));
    }
}

/// Runs `f` until it does not fail with busy, or `deadline` passes.
///
/// # Errors
///
/// [`Error::Busy`] at the deadline, saying that it waited for `what`; any other error of `f`
/// as [`Error::Backend`] with `context`.
pub(crate) fn retry_busy<T>(
    deadline: Instant,
    started: Instant,
    what: impl Fn() -> String,
    context: &str,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> Result<T> {
    let mut pause = Pause::new();
    loop {
        match f() {
            Ok(value) => return Ok(value),
            Err(err) if is_busy(&err) => {
                if Instant::now() >= deadline {
                    return Err(Error::Busy {
                        waited: started.elapsed(),
                        what: what(),
                    });
                }
                pause.sleep(deadline);
            }
            Err(err) => return Err(Error::backend(context.to_owned(), err.to_string())),
        }
    }
}

/// Describes what a busy caller waited for.
pub(crate) fn lock_of(path: &Path) -> String {
    format!(
        "the lock of {} (another process is writing to it)",
        path.display()
    )
}

/// Opens a connection to the store and sets it up: WAL, the chosen `synchronous`, no SQLite
/// busy timeout (jobq waits itself, see the module docs).
pub(crate) fn open(opts: &SqliteOptions, deadline: Instant) -> Result<Connection> {
    let started = Instant::now();
    let path = &opts.path;
    let context = || format!("opening SQLite store {}", path.display());
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| Error::backend(context(), e.to_string()))?;
    conn.busy_timeout(Duration::ZERO)
        .map_err(|e| Error::backend(context(), e.to_string()))?;
    // Each statement keeps the plan it was prepared with. Otherwise SQLite prepares a
    // statement again whenever the values bound to it could change its plan, which a profile
    // of the batched cycle showed costing more than a tenth of the writer's time; jobq's
    // statements walk their indexes whatever the values.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(|e| Error::backend(context(), e.to_string()))?;
    // `rarray(?)`: a statement takes a whole batch of ids or seqs as one parameter.
    rusqlite::vtab::array::load_module(&conn)
        .map_err(|e| Error::backend(context(), e.to_string()))?;
    conn.set_prepared_statement_cache_capacity(64);
    let mode: String = retry_busy(
        deadline,
        started,
        || lock_of(path),
        &context(),
        || conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)),
    )?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::backend(
            context(),
            format!(
                "SQLite could not switch {} to WAL mode (it stayed {mode:?}); \
                 jobq needs WAL to share the file between processes: \
                 is it on a network file system?",
                path.display()
            ),
        ));
    }
    let setup = format!(
        "PRAGMA synchronous = {}; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;",
        opts.synchronous.pragma()
    );
    retry_busy(
        deadline,
        started,
        || lock_of(path),
        &context(),
        || conn.execute_batch(&setup),
    )?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Synchronous;

    fn sync_of(opts: &SqliteOptions) -> i64 {
        let conn = open(opts, Instant::now() + Duration::from_secs(5)).unwrap();
        conn.query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn connections_are_durable_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let opts = SqliteOptions::new(dir.path().join("q.db"));
        assert_eq!(
            sync_of(&opts),
            2,
            "synchronous must be FULL (2) by default: G1"
        );
        assert_eq!(sync_of(&opts.synchronous(Synchronous::Normal)), 1);
    }
}
