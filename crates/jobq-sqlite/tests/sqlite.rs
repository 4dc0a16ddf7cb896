//! What only the SQLite backend has to show: its durability settings, how it waits out other
//! processes holding the file (G4), and how it refuses files it must not touch.

use std::time::Duration;

use jobq_core::{Error, NewJob, Queue, QueueName, TakeRequest};
use jobq_sqlite::{SqliteOptions, SqliteQueue};
use rusqlite::Connection;

async fn open(path: &std::path::Path) -> SqliteQueue {
    SqliteQueue::open(SqliteOptions::new(path)).await.unwrap()
}

#[tokio::test]
async fn store_is_wal_and_the_claim_walks_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let queue = open(&path).await;
    queue.submit(NewJob::new("x")).await.unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT seq FROM jobq_jobs INDEXED BY jobq_jobs_ready \
             WHERE state = 'queued' AND queue = 'default' AND run_at <= 0 \
             ORDER BY priority DESC, run_at, seq LIMIT 1",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("jobq_jobs_ready"), "{plan}");
    assert!(
        !plan.contains("TEMP B-TREE"),
        "the claim must not sort: {plan}"
    );
}

#[tokio::test]
async fn waits_for_a_foreign_write_lock_then_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let queue = open(&path).await;
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let submit = tokio::spawn({
        let queue = queue.clone();
        async move { queue.submit(NewJob::new("waited")).await }
    });
    // The submit cannot finish while the lock is held: it must still be waiting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !submit.is_finished(),
        "submit went through a held write lock"
    );
    other.execute_batch("COMMIT").unwrap();
    let id = submit
        .await
        .unwrap()
        .expect("submit after the lock was released");
    assert_eq!(queue.status(&id).await.unwrap().job.payload, b"waited");
}

#[tokio::test]
async fn busy_past_the_bound_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let queue =
        SqliteQueue::open(SqliteOptions::new(&path).busy_timeout(Duration::from_millis(300)))
            .await
            .unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = queue.submit(NewJob::new("x")).await.unwrap_err();
    other.execute_batch("COMMIT").unwrap();
    let Error::Busy { waited, what } = &err else {
        panic!("expected Busy, got {err:?}");
    };
    assert!(*waited >= Duration::from_millis(300), "{waited:?}");
    assert!(what.contains("q.db"), "{what}");
    let message = err.to_string();
    assert!(!message.contains("database is locked"), "{message}");
    assert!(queue.stats(None).await.unwrap().queues.is_empty());
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "my notes, not a database, long enough to have a header ....",
    )
    .unwrap();
    let err = SqliteQueue::open(SqliteOptions::new(&path))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("my notes"),
        "the file was changed"
    );
}

#[tokio::test]
async fn a_store_from_a_newer_jobq_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    drop(open(&path).await);
    Connection::open(&path)
        .unwrap()
        .execute("INSERT INTO jobq_migrations VALUES (999, 0)", [])
        .unwrap();
    let err = SqliteQueue::open(SqliteOptions::new(&path))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("newer than this jobq"), "{err}");
}

#[tokio::test]
async fn many_handles_opening_a_new_file_at_once_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let opens: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            tokio::spawn(async move { SqliteQueue::open(SqliteOptions::new(path)).await })
        })
        .collect();
    for open in opens {
        open.await.unwrap().expect("open");
    }
    let conn = Connection::open(&path).unwrap();
    let (applied, distinct): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT version) FROM jobq_migrations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (applied, distinct),
        (2, 2),
        "each of the two migrations applied once"
    );
}

#[tokio::test]
async fn smoke_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir.path().join("q.db")).await;
    let id = queue.submit(NewJob::new("a")).await.unwrap();
    let job = queue
        .take_one(TakeRequest::new(QueueName::default()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, id);
    queue.complete(&job.id, &job.lease).await.unwrap();
    let status = queue.status(&id).await.unwrap();
    assert_eq!(status.history.len(), 3);
}
