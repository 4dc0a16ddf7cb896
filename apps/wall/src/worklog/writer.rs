//! The log's writer: one thread per handle family that records feet with group commit.
//!
//! Crews of one process send their feet to one thread, which records every foot waiting
//! for it in one transaction and answers each when that transaction is committed. A commit
//! is durable (`synchronous=FULL`), so it waits for the disk; sharing it is what lets more
//! crews build faster instead of queueing one fsync each.

use std::sync::mpsc::{Receiver, Sender, channel};

use jobq::Timestamp;
use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::conn::sql_int;
use super::{Foot, Recorded};
use crate::error::{Result, WallError};

/// The most feet recorded in one transaction.
const MAX_BATCH: usize = 512;

/// A foot to record, and where to send what became of it.
pub(super) type Request = (Foot, oneshot::Sender<Result<Recorded>>);

/// Starts the writer thread on `conn`; it ends when every sender is dropped.
///
/// # Errors
///
/// [`WallError::Other`] when the thread cannot be started.
pub(super) fn start(conn: Connection) -> Result<Sender<Request>> {
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .name("wall-worklog-writer".into())
        .spawn(move || run(conn, &rx))
        .map_err(|e| WallError::Other(format!("starting the work log's writer: {e}")))?;
    Ok(tx)
}

fn run(mut conn: Connection, rx: &Receiver<Request>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let feet: Vec<&Foot> = batch.iter().map(|(foot, _)| foot).collect();
        match write(&mut conn, &feet) {
            Ok(recorded) => {
                for ((_, reply), recorded) in batch.into_iter().zip(recorded) {
                    let _ = reply.send(Ok(recorded));
                }
            }
            Err(err) => {
                let text = err.to_string();
                for (_, reply) in batch {
                    let _ = reply.send(Err(WallError::log("recording a foot", text.clone())));
                }
            }
        }
    }
}

/// Records `feet` in one transaction. The configuration check and the inserts share it,
/// so no foot of a replaced configuration gets in after the replacement.
fn write(conn: &mut Connection, feet: &[&Foot]) -> rusqlite::Result<Vec<Recorded>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let latest: Option<i64> =
        tx.query_row("SELECT MAX(generation) FROM generations", [], |r| r.get(0))?;
    let now = Timestamp::now().as_unix_micros();
    let mut recorded = Vec::with_capacity(feet.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO work
                 (generation, profile, section, day, height, ice, crew, at_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for foot in feet {
            if latest != Some(sql_int(foot.generation)) {
                recorded.push(Recorded::Superseded);
                continue;
            }
            let inserted = insert.execute(params![
                sql_int(foot.generation),
                foot.profile,
                foot.section,
                sql_int(foot.day),
                foot.height,
                sql_int(foot.ice),
                foot.crew,
                now,
            ])?;
            recorded.push(if inserted == 1 {
                Recorded::New
            } else {
                Recorded::Already
            });
        }
    }
    tx.commit()?;
    Ok(recorded)
}
