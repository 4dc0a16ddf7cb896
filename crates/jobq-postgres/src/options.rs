//! [`PostgresOptions`]: which database and schema, and how the backend behaves, from code or
//! from a `postgres://` URL.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jobq_core::{Backoff, Clock, Error, Limits, Result, SystemClock};
use tokio_postgres::config::Host;

/// The schema used when none is given.
pub const DEFAULT_SCHEMA: &str = "jobq";

/// The longest schema name accepted, so that the notification channel (`jobq:SCHEMA`) stays
/// within PostgreSQL's 63-byte identifiers.
const MAX_SCHEMA_CHARS: usize = 50;

/// The options of the URL that are jobq's own; every other one goes to the driver.
const OWN_OPTIONS: &str = "schema, pool_size, pool_timeout, recheck, listen";

/// How to reach a PostgreSQL store.
///
/// From a URL (see [`from_url`](Self::from_url)):
///
/// ```
/// use jobq_postgres::PostgresOptions;
///
/// let opts = PostgresOptions::from_url(
///     "postgres://app:secret@db.internal:5432/orders?schema=jobs&pool_size=20",
/// )?;
/// assert_eq!(opts.schema_name(), "jobs");
/// # Ok::<(), jobq_core::Error>(())
/// ```
///
/// or from code:
///
/// ```
/// use std::time::Duration;
/// use jobq_postgres::PostgresOptions;
///
/// let opts = PostgresOptions::new()
///     .host("db.internal")
///     .user("app")
///     .password("secret")
///     .dbname("orders")
///     .schema("jobs")
///     .pool_size(20)
///     .recheck_interval(Duration::from_millis(500));
/// ```
#[derive(Clone)]
pub struct PostgresOptions {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) schema: String,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) backoff: Backoff,
    pub(crate) limits: Limits,
    pub(crate) pool_size: usize,
    pub(crate) pool_timeout: Duration,
    pub(crate) recheck_interval: Duration,
    pub(crate) listen: bool,
}

impl fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("target", &self.target())
            .field("schema", &self.schema)
            .field("clock", &self.clock)
            .field("backoff", &self.backoff)
            .field("limits", &self.limits)
            .field("pool_size", &self.pool_size)
            .field("pool_timeout", &self.pool_timeout)
            .field("recheck_interval", &self.recheck_interval)
            .field("listen", &self.listen)
            .finish()
    }
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl PostgresOptions {
    /// The database `postgres` on `localhost:5432` as user `postgres` (change them with the
    /// setters), schema `jobq`, with
    /// every default: a pool of 10 connections waited for up to 30 s, the system clock,
    /// notifications with a 250 ms recheck.
    pub fn new() -> Self {
        let mut config = tokio_postgres::Config::new();
        config.user("postgres").dbname("postgres");
        Self::with_config(config)
    }

    fn with_config(mut config: tokio_postgres::Config) -> Self {
        if config.get_application_name().is_none() {
            config.application_name("jobq");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        Self {
            config,
            schema: DEFAULT_SCHEMA.to_owned(),
            clock: Arc::new(SystemClock),
            backoff: Backoff::default(),
            limits: Limits::default(),
            pool_size: 10,
            pool_timeout: Duration::from_secs(30),
            recheck_interval: Duration::from_millis(250),
            listen: true,
        }
    }

    /// Reads a URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`),
    /// with optional query parameters.
    ///
    /// jobq's own parameters are removed before the rest reaches the driver:
    ///
    /// - `schema=NAME`: the schema holding jobq's tables (default `jobq`); 1 to 50
    ///   characters of `a-z 0-9 _`, not starting with a digit.
    /// - `pool_size=N`: the most connections this handle opens (default 10), plus one for
    ///   notifications.
    /// - `pool_timeout=DURATION`: how long a call waits for a free connection (default 30 s).
    /// - `recheck=DURATION`: how often a waiting `take` looks again without a notification
    ///   (default 250 ms).
    /// - `listen=on|off`: whether to LISTEN for notifications (default on; off behind a
    ///   pooler in transaction mode, which drops them).
    ///
    /// Every other parameter is PostgreSQL's own, as libpq reads it (`connect_timeout`,
    /// `application_name`, `options`, `keepalives`, `target_session_attrs`, …).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for another scheme, a URL the driver cannot read, one that
    /// names no host or user, a bad schema name or an unknown or malformed option. The
    /// message never repeats the password.
    pub fn from_url(url: &str) -> Result<Self> {
        let shown = redact(url);
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::invalid(
                "url",
                format!("{shown:?} is not a postgres:// or postgresql:// URL"),
            ));
        }
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, query),
            None => (url, ""),
        };
        let mut own = Vec::new();
        let mut driver = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "schema" | "pool_size" | "pool_timeout" | "recheck" | "listen" => {
                    own.push((key, value));
                }
                _ => driver.push(pair),
            }
        }
        let driver_url = if driver.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", driver.join("&"))
        };
        let config: tokio_postgres::Config = driver_url.parse().map_err(|e| {
            Error::invalid(
                "url",
                format!("{shown:?}: {e} (jobq's own options: {OWN_OPTIONS})"),
            )
        })?;
        if config.get_hosts().is_empty() {
            return Err(Error::invalid(
                "url",
                format!("{shown:?} names no host; write postgres://USER@HOST/DATABASE"),
            ));
        }
        if config.get_user().is_none() {
            return Err(Error::invalid(
                "url",
                format!("{shown:?} names no user; write postgres://USER@HOST/DATABASE"),
            ));
        }
        let mut opts = Self::with_config(config);
        for (key, value) in own {
            opts = opts.apply(key, value)?;
        }
        opts.check()?;
        Ok(opts)
    }

    fn apply(mut self, key: &str, value: &str) -> Result<Self> {
        let duration = |value: &str| {
            humantime::parse_duration(value)
                .map_err(|e| Error::invalid("url", format!("{key}={value:?}: {e}")))
        };
        match key {
            "schema" => self.schema = value.to_owned(),
            "pool_size" => {
                self.pool_size = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    Error::invalid(
                        "url",
                        format!("pool_size={value:?}; expected a number above 0"),
                    )
                })?;
            }
            "pool_timeout" => self.pool_timeout = duration(value)?,
            "recheck" => self.recheck_interval = duration(value)?,
            "listen" => {
                self.listen = match value {
                    "on" | "true" | "1" => true,
                    "off" | "false" | "0" => false,
                    _ => {
                        return Err(Error::invalid(
                            "url",
                            format!("listen={value:?}; expected on or off"),
                        ));
                    }
                }
            }
            _ => unreachable!("only jobq's own options are applied"),
        }
        Ok(self)
    }

    /// Checks what the setters cannot: the schema name and the durations.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the problem.
    pub(crate) fn check(&self) -> Result<()> {
        check_schema(&self.schema)?;
        if self.recheck_interval.is_zero() {
            return Err(Error::invalid("recheck", "must be above zero"));
        }
        Ok(())
    }

    /// The schema holding jobq's tables.
    pub fn schema_name(&self) -> &str {
        &self.schema
    }

    /// Where the store is, for messages: `PostgreSQL at HOST:PORT/DATABASE, schema NAME`.
    /// Never includes the password.
    pub fn target(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self
            .config
            .get_dbname()
            .or(self.config.get_user())
            .unwrap_or("?");
        format!("PostgreSQL at {host}:{port}/{db}, schema {}", self.schema)
    }

    /// Adds a host to connect to: a name, an address, or a directory holding a Unix socket.
    /// Several hosts are tried in order. Without any, `localhost`.
    pub fn host(mut self, host: &str) -> Self {
        self.config.host(host);
        self
    }

    /// Sets the port (default 5432); with several hosts, call it once per host, in order.
    pub fn port(mut self, port: u16) -> Self {
        self.config.port(port);
        self
    }

    /// Sets the user.
    pub fn user(mut self, user: &str) -> Self {
        self.config.user(user);
        self
    }

    /// Sets the password.
    pub fn password(mut self, password: impl AsRef<[u8]>) -> Self {
        self.config.password(password);
        self
    }

    /// Sets the database.
    pub fn dbname(mut self, dbname: &str) -> Self {
        self.config.dbname(dbname);
        self
    }

    /// Sets the schema holding jobq's tables (default `jobq`): 1 to 50 characters of
    /// `a-z 0-9 _`, not starting with a digit. It is created on first use when missing, so
    /// one database can hold several independent stores, and an application's own tables.
    /// A bad name is refused when the store is opened.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// Sets the clock "now" is read from (default the system clock). Tests pass a
    /// [`ManualClock`](jobq_core::ManualClock). jobq never reads the database's clock, so
    /// every machine sharing a store must keep its clock in time.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sets the back-off between attempts of a failing job.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the limits (the largest payload).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the most connections the pool opens (default 10; at least 1). A handle uses one
    /// more, for notifications.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }

    /// Sets how long a call waits for a free connection of the pool before it fails with
    /// [`Error::Busy`] (default 30 s).
    pub fn pool_timeout(mut self, timeout: Duration) -> Self {
        self.pool_timeout = timeout;
        self
    }

    /// Sets how long opening a connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout(timeout);
        self
    }

    /// Sets how often a waiting `take` tries again when no notification came, so that
    /// delayed jobs, expired leases and lost notifications are picked up (default 250 ms).
    pub fn recheck_interval(mut self, interval: Duration) -> Self {
        self.recheck_interval = interval;
        self
    }

    /// Sets whether waiting takers are woken by LISTEN/NOTIFY (default on). Off, they find
    /// new jobs at each recheck only; turn it off behind a connection pooler in transaction
    /// mode, which cannot deliver notifications.
    pub fn listen(mut self, listen: bool) -> Self {
        self.listen = listen;
        self
    }

    /// The driver's configuration, with `localhost` when no host was given.
    pub(crate) fn driver_config(&self) -> tokio_postgres::Config {
        let mut config = self.config.clone();
        if config.get_hosts().is_empty() {
            config.host("localhost");
        }
        config
    }

    /// The channel jobq notifies and listens on for this schema.
    pub(crate) fn channel(&self) -> String {
        format!("jobq:{}", self.schema)
    }
}

/// Checks a schema name: 1 to 50 characters of `a-z 0-9 _`, not starting with a digit (so it
/// needs no quoting in psql, and its channel fits in an identifier).
fn check_schema(schema: &str) -> Result<()> {
    let valid = !schema.is_empty()
        && schema.chars().count() <= MAX_SCHEMA_CHARS
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(Error::invalid(
            "schema",
            format!(
                "{schema:?}; a schema name is 1 to {MAX_SCHEMA_CHARS} characters of a-z 0-9 _, \
                 not starting with a digit"
            ),
        ));
    }
    Ok(())
}

/// `url` with its password replaced by `***`, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms_and_own_options() {
        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            let opts = PostgresOptions::from_url(url).unwrap();
            assert_eq!(opts.schema_name(), DEFAULT_SCHEMA);
            assert_eq!(opts.target(), "PostgreSQL at h:5432/db, schema jobq");
        }
        let opts = PostgresOptions::from_url(
            "postgres://u:pw@h:6543/db?schema=work_2&pool_size=3&pool_timeout=2s\
             &recheck=50ms&listen=off&application_name=mine",
        )
        .unwrap();
        assert_eq!(opts.schema_name(), "work_2");
        assert_eq!(opts.pool_size, 3);
        assert_eq!(opts.pool_timeout, Duration::from_secs(2));
        assert_eq!(opts.recheck_interval, Duration::from_millis(50));
        assert!(!opts.listen);
        assert_eq!(opts.config.get_application_name(), Some("mine"));
        assert_eq!(opts.config.get_ports(), [6543]);
        assert_eq!(opts.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(opts.channel(), "jobq:work_2");
    }

    #[test]
    fn defaults_name_jobq_to_the_server() {
        let opts = PostgresOptions::from_url("postgres://u@h/db").unwrap();
        assert_eq!(opts.config.get_application_name(), Some("jobq"));
        assert_eq!(
            opts.config.get_connect_timeout(),
            Some(&Duration::from_secs(10))
        );
    }

    #[test]
    fn bad_urls_name_the_problem_and_hide_the_password() {
        let cases = [
            ("mysql://u@h/db", "is not a postgres://"),
            (
                "postgres://u:hunter2@h/db?schema=Bad-Name",
                "a schema name is",
            ),
            ("postgres://u:hunter2@h/db?schema=", "a schema name is"),
            (
                "postgres://u:hunter2@h/db?schema=9lives",
                "not starting with a digit",
            ),
            ("postgres://u:hunter2@h/db?pool_size=0", "pool_size"),
            ("postgres://u:hunter2@h/db?recheck=soon", "recheck"),
            (
                "postgres://u:hunter2@h/db?listen=maybe",
                "expected on or off",
            ),
            ("postgres://u:hunter2@h/db?fast=yes", "jobq's own options"),
            ("postgres://h/db", "names no user"),
        ];
        for (url, expected) in cases {
            let err = PostgresOptions::from_url(url).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(expected), "{url}: {message}");
            assert!(
                !message.contains("hunter2"),
                "{url} leaks the password: {message}"
            );
            assert_eq!(err.code(), jobq_core::ErrorCode::InvalidInput);
        }
        let long = format!("postgres://u@h/db?schema={}", "s".repeat(51));
        assert!(PostgresOptions::from_url(&long).is_err());
    }

    #[test]
    fn built_from_code() {
        let opts = PostgresOptions::new()
            .host("db.internal")
            .port(6000)
            .user("app")
            .dbname("orders")
            .schema("jobs");
        assert_eq!(
            opts.target(),
            "PostgreSQL at db.internal:6000/orders, schema jobs"
        );
        assert!(opts.check().is_ok());
        assert!(PostgresOptions::new().schema("No").check().is_err());
        let local = PostgresOptions::new();
        assert_eq!(
            local.target(),
            "PostgreSQL at localhost:5432/postgres, schema jobq"
        );
        assert_eq!(local.driver_config().get_hosts().len(), 1);
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("postgres://u:p@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db?x=1"), "postgres://h/db?x=1");
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
    }
}
