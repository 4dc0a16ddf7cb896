//! The shared conformance suite (`jobq-conformance`) run through the HTTP client against a
//! real server: each case starts `jobq-server` on a free local port over a fresh SQLite
//! store whose clock is the case's `ManualClock` (the server runs in this process, so it
//! can share the clock), and `connect` opens another, independent client to the same
//! server, as another process would.

use jobq::AnyQueue;
use jobq_conformance::{Backend, BoxFuture, Fixture};
use jobq_core::ManualClock;
use jobq_http::{HttpOptions, HttpQueue};
use jobq_server::ServerConfig;
use jobq_sqlite::{SqliteOptions, SqliteQueue};

/// A jobq server over SQLite, reached through `HttpQueue`.
struct Http;

/// A new client of the server at `url`.
async fn client(url: String) -> HttpQueue {
    let opts = HttpOptions::from_url(&url).expect("the server's URL");
    HttpQueue::connect(opts)
        .await
        .expect("connect to the server")
}

impl Backend for Http {
    type Queue = HttpQueue;

    async fn fixture(&self, clock: ManualClock) -> Fixture<HttpQueue> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store =
            SqliteQueue::open(SqliteOptions::new(dir.path().join("jobq.db")).clock(clock.clone()))
                .await
                .expect("open the SQLite store");
        let server =
            jobq_server::start("127.0.0.1:0", AnyQueue::Sqlite(store), ServerConfig::new())
                .await
                .expect("start the server");
        let url = server.url();
        let queue = client(url.clone()).await;
        let connect = move || -> BoxFuture<'static, HttpQueue> { Box::pin(client(url.clone())) };
        Fixture::new(queue, clock, connect, (server, dir))
    }
}

jobq_conformance::conformance_tests!(Http);
