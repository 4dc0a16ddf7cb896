//! What every PostgreSQL test needs: the service's URL, a loud skip when it is unreachable
//! (a failure under `CI=true`), and a fresh schema per test, dropped afterwards.
//!
//! The URL comes from `JOBQ_TEST_POSTGRES_URL`, by default
//! `postgres://postgres@127.0.0.1:5432/test` (see DEVELOPERS.md).

#![allow(dead_code)] // Each test file uses its own part of this module.

use std::sync::OnceLock;
use std::time::Duration;

use jobq_conformance::services::{self, Service};
use jobq_core::Clock;
use jobq_postgres::PostgresOptions;

/// The URL of the PostgreSQL service the tests use.
pub(crate) fn url() -> String {
    Service::Postgres.url()
}

/// Whether this is CI, where a missing service is a failure, not a skip.
pub(crate) fn in_ci() -> bool {
    services::in_ci()
}

/// Skips the calling test (returning `false`) with a loud line when `what` is missing, or
/// fails it under `CI=true`.
pub(crate) fn skip(what: &str) -> bool {
    services::skip(what);
    false
}

/// Whether the service answers; the first call connects once for the whole test binary.
/// When it does not, prints `SKIPPED: PostgreSQL unreachable at URL` and returns `false`,
/// or panics under `CI=true`.
pub(crate) fn postgres_available() -> bool {
    static REACHED: OnceLock<Result<(), String>> = OnceLock::new();
    let url = url();
    let reached = REACHED.get_or_init(|| {
        let url = url.clone();
        std::thread::spawn(move || on_own_runtime(try_connect(url)))
            .join()
            .unwrap_or_else(|_| Err("the connection attempt panicked".to_owned()))
    });
    match reached {
        Ok(()) => true,
        Err(why) => skip(&format!("PostgreSQL unreachable at {url} ({why})")),
    }
}

/// Runs `fut` to completion on a runtime of its own (for use outside the test's runtime).
fn on_own_runtime<T>(fut: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(fut)
}

async fn try_connect(url: String) -> Result<(), String> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
    config.connect_timeout(Duration::from_secs(3));
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(|e| {
        format!(
            "{e}: {}",
            std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        )
    })?;
    tokio::spawn(connection);
    client
        .simple_query("SELECT 1")
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Returns from the calling test, after a loud skip line, when PostgreSQL is unreachable
/// (and fails it under `CI=true`).
#[macro_export]
macro_rules! require_postgres {
    () => {
        if !support::postgres_available() {
            return;
        }
    };
}

/// A schema of its own for one test, with a random name; dropped (best effort) when the
/// guard is dropped.
pub(crate) struct TestSchema {
    /// The schema's name.
    pub(crate) name: String,
}

impl TestSchema {
    /// A new, unused schema name (the schema is created when a store first opens it).
    pub(crate) fn new() -> Self {
        Self {
            name: format!("jobq_test_{:016x}", rand_u64()),
        }
    }

    /// Options for this schema on the test service, reading `clock`.
    pub(crate) fn options(&self, clock: impl Clock) -> PostgresOptions {
        PostgresOptions::from_url(&url())
            .expect("JOBQ_TEST_POSTGRES_URL is a postgres:// URL")
            .schema(&self.name)
            .clock(clock)
            .pool_size(8)
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let sql = format!(
            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            self.name
        );
        let url = url();
        let dropped = std::thread::spawn(move || on_own_runtime(run(url, sql))).join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop test schema {}: {err}", self.name);
        }
    }
}

/// Runs `sql` (simple protocol, several statements allowed) on a connection of its own.
pub(crate) async fn run(url: String, sql: String) -> Result<(), String> {
    let config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    client.batch_execute(&sql).await.map_err(|e| e.to_string())
}

/// A connection to the test service, for inspecting what jobq stored.
pub(crate) async fn client() -> tokio_postgres::Client {
    let config: tokio_postgres::Config = url().parse().expect("a postgres URL");
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to the test service");
    tokio::spawn(connection);
    client
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
