//! Reads: status, list and stats, on their own connections so that they never wait for the
//! writer (WAL lets readers and one writer work at once).
//!
//! Each read runs in one read transaction, so it sees one consistent snapshot (a job and its
//! history agree). Connections are kept in a small pool; a read borrows one on a blocking
//! thread.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use jobq_core::{
    Error, Job, JobId, JobState, JobStatus, ListQuery, QueueCounts, QueueName, Result, Schedule,
    ScheduleName, Stats,
};
use rusqlite::{Connection, OptionalExtension};

use crate::conn::{self, lock_of, retry_busy};
use crate::options::SqliteOptions;
use crate::row;

/// The most idle read connections kept open.
const MAX_IDLE: usize = 8;

/// The pool of read connections.
pub(crate) struct Readers {
    opts: Arc<SqliteOptions>,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(crate) fn new(opts: Arc<SqliteOptions>) -> Self {
        Self {
            opts,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` in a read transaction on a pooled connection, on a blocking thread; retried
    /// from the start if the store is busy, up to the busy timeout.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, what: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || this.read_blocking(what, f))
            .await
            .map_err(|e| Error::backend(what, e.to_string()))?
    }

    fn read_blocking<T>(
        &self,
        what: &'static str,
        f: impl Fn(&Connection) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let deadline = started + self.opts.busy_timeout;
        let conn = self.checkout(deadline)?;
        let path = &self.opts.path;
        let result = retry_busy(
            deadline,
            started,
            || lock_of(path),
            what,
            || {
                conn.execute_batch("BEGIN")?;
                let result = f(&conn);
                conn.execute_batch("COMMIT")?;
                Ok(result)
            },
        )
        .and_then(|r| r);
        if conn.is_autocommit() {
            self.checkin(conn);
        }
        result
    }

    fn checkout(&self, deadline: Instant) -> Result<Connection> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(conn) => Ok(conn),
            None => {
                let conn = conn::open(&self.opts, deadline)?;
                conn.execute_batch("PRAGMA query_only = ON")
                    .map_err(|e| Error::backend("opening a read connection", e))?;
                Ok(conn)
            }
        }
    }

    fn checkin(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |err| Error::backend(what, err.to_string())
}

/// One job with its history.
pub(crate) fn status(conn: &Connection, id: &JobId) -> Result<JobStatus> {
    let found = conn
        .prepare_cached(include_str!("../sql/job_by_id.sql"))
        .and_then(|mut stmt| stmt.query_row([id.as_str()], row::job).optional())
        .map_err(db("reading a job"))?;
    let (seq, job) = found.ok_or_else(|| Error::NotFound { id: id.clone() })?;
    let history = conn
        .prepare_cached(include_str!("../sql/events_of_job.sql"))
        .and_then(|mut stmt| stmt.query_map([seq], row::event)?.collect())
        .map_err(db("reading a job's history"))?;
    Ok(JobStatus { job, history })
}

/// Jobs as `query` asks.
pub(crate) fn list(conn: &Connection, query: &ListQuery) -> Result<Vec<Job>> {
    let sql = if query.oldest_first {
        include_str!("../sql/list_oldest.sql")
    } else {
        include_str!("../sql/list_newest.sql")
    };
    conn.prepare_cached(sql)
        .and_then(|mut stmt| {
            stmt.query_map(
                (
                    query.queue.as_ref().map(QueueName::as_str),
                    query.state.map(JobState::as_str),
                    query.limit as i64,
                ),
                |r| row::job(r).map(|(_, job)| job),
            )?
            .collect()
        })
        .map_err(db("listing jobs"))
}

/// Counts by queue and state.
pub(crate) fn stats(conn: &Connection, queue: Option<&QueueName>) -> Result<Stats> {
    let rows: Vec<(String, String, i64)> = conn
        .prepare_cached(include_str!("../sql/stats.sql"))
        .and_then(|mut stmt| {
            stmt.query_map([queue.map(QueueName::as_str)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect()
        })
        .map_err(db("counting jobs"))?;
    let mut queues: BTreeMap<QueueName, QueueCounts> = BTreeMap::new();
    for (name, state, n) in rows {
        let counts = queues.entry(QueueName::new(name)?).or_default();
        *counts.get_mut(state.parse()?) = n.unsigned_abs();
    }
    Ok(Stats { queues })
}

/// Every schedule, by name.
pub(crate) fn schedules(conn: &Connection) -> Result<Vec<Schedule>> {
    type Row = (String, String, String, Vec<u8>, i32, u32, i64);
    let rows: Vec<Row> = conn
        .prepare_cached(include_str!("../sql/schedules.sql"))
        .and_then(|mut stmt| {
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect()
        })
        .map_err(db("reading schedules"))?;
    rows.into_iter()
        .map(
            |(name, every, queue, payload, priority, max_attempts, since)| {
                Ok(Schedule {
                    name: ScheduleName::new(name)?,
                    every: every.parse()?,
                    queue: QueueName::new(queue)?,
                    payload,
                    priority,
                    max_attempts,
                    since: Some(jobq_core::Timestamp::from_unix_micros(since)),
                })
            },
        )
        .collect()
}

/// Whether a claim on `queue` at `now` would find something: a ready job, or an expired
/// lease to return first (which may make one ready).
pub(crate) fn claimable(
    conn: &Connection,
    queue: &QueueName,
    now: jobq_core::Timestamp,
) -> Result<bool> {
    conn.prepare_cached(include_str!("../sql/claimable.sql"))
        .and_then(|mut stmt| stmt.query_row((queue.as_str(), now.as_unix_micros()), |r| r.get(0)))
        .map_err(db("looking for ready jobs"))
}
