//! The shared conformance suite (`jobq-conformance`) run against the PostgreSQL backend: each
//! case gets a schema of its own (a random name, dropped at the end), and `connect` opens
//! another, independent `PostgresQueue` on the same schema, as another process would.
//!
//! When PostgreSQL is unreachable each case prints a `SKIPPED` line and passes, except under
//! `CI=true`, where it fails (see `support`).

mod support;

use jobq_conformance::{Backend, BoxFuture, Fixture};
use jobq_core::ManualClock;
use jobq_postgres::{PostgresOptions, PostgresQueue};
use support::TestSchema;

/// The PostgreSQL backend with its default options, on a fresh schema of the test service.
struct Postgres;

impl Postgres {
    /// The backend, or `None` (after a loud skip line) when PostgreSQL is unreachable.
    fn or_skip() -> Option<Self> {
        support::postgres_available().then_some(Postgres)
    }
}

/// Opens a handle on the store `opts` describes.
async fn open(opts: PostgresOptions) -> PostgresQueue {
    PostgresQueue::connect(opts)
        .await
        .expect("open the PostgreSQL store")
}

impl Backend for Postgres {
    type Queue = PostgresQueue;

    async fn fixture(&self, clock: ManualClock) -> Fixture<PostgresQueue> {
        let schema = TestSchema::new();
        let opts = schema.options(clock.clone());
        let queue = open(opts.clone()).await;
        let connect = move || -> BoxFuture<'static, PostgresQueue> { Box::pin(open(opts.clone())) };
        Fixture::new(queue, clock, connect, schema)
    }
}

jobq_conformance::conformance_tests!(match Postgres::or_skip() {
    Some(backend) => backend,
    None => return,
});
