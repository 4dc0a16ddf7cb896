//! [`Db`]: what every operation needs — the pool, the statements, the options, the
//! wake-ups — and the few ways operations talk to PostgreSQL.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use jobq_core::{Error, Result, Timestamp};
use tokio_postgres::NoTls;

use crate::error;
use crate::options::PostgresOptions;
use crate::sql::Sql;
use crate::wakeup::Wakeups;

/// Shared by every clone of a store handle, and by its listener task.
pub(crate) struct Db {
    pool: Pool,
    /// The statements, for this schema.
    pub(crate) sql: Sql,
    /// The options the store was opened with.
    pub(crate) opts: Arc<PostgresOptions>,
    /// Where the store is, for messages (no password).
    pub(crate) target: String,
    /// The notification channel of this schema.
    pub(crate) channel: String,
    /// Waiting takers, woken by this handle's own changes and by notifications.
    pub(crate) wakeups: Arc<Wakeups>,
}

impl Db {
    /// A pool for `opts` (no connection is opened yet).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the pool cannot be built.
    pub(crate) fn new(opts: Arc<PostgresOptions>) -> Result<Self> {
        let target = opts.target();
        let manager = Manager::from_config(
            opts.driver_config(),
            NoTls,
            ManagerConfig {
                // A closed connection is dropped when it comes back to the pool; a check
                // query per checkout would cost a round trip per operation.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(opts.pool_size)
            .wait_timeout(Some(opts.pool_timeout))
            .create_timeout(opts.config.get_connect_timeout().copied())
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| Error::backend(format!("building the connection pool for {target}"), e))?;
        Ok(Self {
            pool,
            sql: Sql::new(&opts.schema),
            channel: opts.channel(),
            wakeups: Wakeups::new(),
            target,
            opts,
        })
    }

    /// A connection from the pool, for doing `what`.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] when every connection stayed in use past the pool timeout;
    /// [`Error::Backend`] when no connection could be opened.
    pub(crate) async fn conn(&self, what: &str) -> Result<Object> {
        let started = Instant::now();
        self.pool.get().await.map_err(|e| {
            error::pool(
                what,
                &self.target,
                self.opts.pool_size,
                started.elapsed(),
                e,
            )
        })
    }

    /// Maps a driver error met while reading, for doing `what`.
    pub(crate) fn read_err(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> Error {
        move |e| error::driver(what, &self.target, false, &e)
    }

    /// Maps a driver error met while writing, for doing `what`.
    pub(crate) fn write_err(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> Error {
        move |e| error::driver(what, &self.target, true, &e)
    }

    /// "Now", from the store's clock, as PostgreSQL stores it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the clock reads a time PostgreSQL cannot store.
    pub(crate) fn now(&self) -> Result<(Timestamp, DateTime<Utc>)> {
        let now = self.opts.clock.now();
        Ok((now, pg_time(now, "clock")?))
    }

    /// The back-off's base and cap in microseconds, as the SQL's `backoff` takes them. The
    /// cap is held to 100 years, so that a retry time stays one PostgreSQL can store.
    pub(crate) fn backoff_micros(&self) -> (i64, i64) {
        const CENTURY_MICROS: i64 = 100 * 365 * 24 * 3600 * 1_000_000;
        let micros = |d: std::time::Duration| {
            i64::try_from(d.as_micros())
                .unwrap_or(i64::MAX)
                .min(CENTURY_MICROS)
        };
        (
            micros(self.opts.backoff.base),
            micros(self.opts.backoff.max),
        )
    }
}

/// The first year PostgreSQL's `timestamptz` stores (4713 BC, in astronomical numbering).
const FIRST_YEAR: i32 = -4712;

/// `t` as PostgreSQL stores it.
///
/// # Errors
///
/// [`Error::InvalidInput`] for `field` when `t` is outside 4713 BC to 262142 AD.
pub(crate) fn pg_time(t: Timestamp, field: &'static str) -> Result<DateTime<Utc>> {
    use chrono::Datelike;
    DateTime::from_timestamp_micros(t.as_unix_micros())
        .filter(|dt| dt.year() >= FIRST_YEAR)
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("{t} is outside the times PostgreSQL stores here (4713 BC to 262142 AD)"),
            )
        })
}

/// The earliest time [`pg_time`] accepts.
pub(crate) fn earliest() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(FIRST_YEAR, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A time read from PostgreSQL.
pub(crate) fn from_pg(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from(t)
}
