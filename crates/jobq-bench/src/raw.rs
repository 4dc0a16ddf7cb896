//! The raw SQLite limit: the row writes jobq makes for a job (the job's row, and a history
//! row for each transition) done with plain rusqlite in the same transaction sizes, on a
//! file beside the store, durable in the same way (WAL, `synchronous=FULL`). What jobq adds
//! on top (validation, leases, group commit, waking takers) is the difference.

use std::path::Path;
use std::time::Instant;

use jobq::Error;
use rusqlite::{Connection, params};

use crate::cycle::PAYLOAD;
use crate::figures::Raw;
use crate::{Settings, rate};

const SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL,
        state TEXT NOT NULL, priority INTEGER NOT NULL, run_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, lease_token TEXT,
        lease_until INTEGER, worker TEXT, last_error TEXT, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL, payload BLOB NOT NULL);
    CREATE INDEX jobs_ready ON jobs (queue, priority DESC, run_at, seq) WHERE state = 'queued';
    CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
    CREATE INDEX jobs_state ON jobs (state, queue, updated_at);
    CREATE TABLE events (job INTEGER NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,
        state TEXT NOT NULL, attempt INTEGER NOT NULL, worker TEXT, error TEXT);
    CREATE INDEX events_job ON events (job);
";

/// Measures every raw limit once, in a new file in `dir` (removed afterwards).
pub(crate) fn sqlite(dir: &Path, s: &Settings) -> jobq::Result<Raw> {
    let file = tempfile::Builder::new()
        .prefix("jobq-bench-raw-")
        .suffix(".db")
        .tempfile_in(dir)
        .map_err(|e| Error::backend("creating the raw SQLite file", e))?;
    let db = |e: rusqlite::Error| Error::backend("measuring the raw SQLite limit", e);
    let conn = Connection::open(file.path()).map_err(db)?;
    conn.execute_batch(SCHEMA).map_err(db)?;
    let mut raw = Rw { conn, next: 0 };
    let started = Instant::now();
    for _ in 0..s.single_jobs {
        raw.insert(1).map_err(db)?;
    }
    let submit_single = rate(s.single_jobs, started.elapsed());
    let started = Instant::now();
    for chunk in crate::cycle::batches(s.jobs, s.batch) {
        raw.insert(chunk).map_err(db)?;
    }
    let submit_batched = rate(s.jobs, started.elapsed());
    raw.conn
        .execute_batch("DELETE FROM jobs; DELETE FROM events;")
        .map_err(db)?;
    let started = Instant::now();
    for chunk in crate::cycle::batches(s.jobs, s.batch) {
        raw.cycle(chunk).map_err(db)?;
    }
    let cycle_batched = rate(s.jobs, started.elapsed());
    let started = Instant::now();
    for _ in 0..s.single_jobs {
        raw.cycle(1).map_err(db)?;
    }
    let cycle_single = rate(s.single_jobs, started.elapsed());
    drop(raw);
    for suffix in ["-wal", "-shm"] {
        let mut side = file.path().as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    Ok(Raw {
        submit_single,
        submit_batched,
        cycle_batched,
        cycle_single,
    })
}

struct Rw {
    conn: Connection,
    next: u64,
}

impl Rw {
    /// Inserts `n` queued jobs and their `submitted` events in one transaction.
    fn insert(&mut self, n: usize) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut job = tx.prepare_cached(
                "INSERT INTO jobs (id, queue, state, priority, run_at, attempts, max_attempts,
                 created_at, updated_at, payload) VALUES (?1, 'raw', 'queued', 0, ?2, 0, 3, ?2, ?2, ?3)",
            )?;
            let mut event = tx.prepare_cached(
                "INSERT INTO events (job, at, kind, state, attempt) VALUES (?1, ?2, 'submitted', 'queued', 0)",
            )?;
            for _ in 0..n {
                self.next += 1;
                let now = now();
                job.execute(params![format!("raw-{}", self.next), now, PAYLOAD])?;
                event.execute(params![tx.last_insert_rowid(), now])?;
            }
        }
        tx.commit()
    }

    /// Inserts `n` jobs, claims them and completes them: three transactions.
    fn cycle(&mut self, n: usize) -> rusqlite::Result<()> {
        self.insert(n)?;
        let tx = self.conn.transaction()?;
        let mut claimed = Vec::with_capacity(n);
        {
            let mut ready = tx.prepare_cached(
                "SELECT seq FROM jobs INDEXED BY jobs_ready WHERE state = 'queued' AND queue = 'raw'
                 AND run_at <= ?1 ORDER BY priority DESC, run_at, seq LIMIT ?2",
            )?;
            let mut lease = tx.prepare_cached(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = ?2,
                 lease_until = ?3, updated_at = ?3 WHERE seq = ?1",
            )?;
            let mut event = tx.prepare_cached(
                "INSERT INTO events (job, at, kind, state, attempt) VALUES (?1, ?2, 'taken', 'running', 1)",
            )?;
            let now = now();
            let seqs: Vec<i64> = ready
                .query_map(params![now, n as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for seq in seqs {
                lease.execute(params![seq, "0123456789abcdef0123456789abcdef", now])?;
                event.execute(params![seq, now])?;
                claimed.push(seq);
            }
        }
        tx.commit()?;
        let tx = self.conn.transaction()?;
        {
            let mut done = tx.prepare_cached(
                "UPDATE jobs SET state = 'done', lease_token = NULL, lease_until = NULL,
                 updated_at = ?2 WHERE seq = ?1",
            )?;
            let mut event = tx.prepare_cached(
                "INSERT INTO events (job, at, kind, state, attempt) VALUES (?1, ?2, 'completed', 'done', 1)",
            )?;
            let now = now();
            for seq in claimed {
                done.execute(params![seq, now])?;
                event.execute(params![seq, now])?;
            }
        }
        tx.commit()
    }
}

fn now() -> i64 {
    jobq::Timestamp::now().as_unix_micros()
}
