//! The shared conformance suite (`jobq-conformance`) run against the SQLite backend: each
//! case gets a fresh database file in its own temporary directory, and `connect` opens
//! another, independent `SqliteQueue` on the same file, as another process would.

use jobq_conformance::{Backend, BoxFuture, Fixture};
use jobq_core::ManualClock;
use jobq_sqlite::{SqliteOptions, SqliteQueue};

/// The SQLite backend with its default options, on a temporary file.
struct Sqlite;

/// Opens a handle on the database at `path`, reading `clock`.
async fn open(path: std::path::PathBuf, clock: ManualClock) -> SqliteQueue {
    SqliteQueue::open(SqliteOptions::new(path).clock(clock))
        .await
        .expect("open the SQLite store")
}

impl Backend for Sqlite {
    type Queue = SqliteQueue;

    async fn fixture(&self, clock: ManualClock) -> Fixture<SqliteQueue> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("jobq.db");
        let queue = open(path.clone(), clock.clone()).await;
        let connect = {
            let clock = clock.clone();
            move || -> BoxFuture<'static, SqliteQueue> {
                Box::pin(open(path.clone(), clock.clone()))
            }
        };
        Fixture::new(queue, clock, connect, dir)
    }
}

jobq_conformance::conformance_tests!(Sqlite);
