//! [`SqliteOptions`]: where the store is and how it behaves, from code or from a URL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jobq_core::{Backoff, Clock, Error, Limits, Result, SystemClock};

/// How hard SQLite works to keep a commit through a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is on disk before it returns, even through a power loss (G1). The default.
    #[default]
    Full,
    /// A commit survives a crash of any process, but the last commits may be lost in a power
    /// loss or an operating-system crash. Faster.
    Normal,
}

impl Synchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// How to open a SQLite store.
///
/// ```
/// use std::time::Duration;
/// use jobq_sqlite::SqliteOptions;
///
/// let opts = SqliteOptions::new("jobs.db").busy_timeout(Duration::from_secs(5));
/// let same = SqliteOptions::from_url("sqlite:jobs.db?busy_timeout=5s")?;
/// assert_eq!(opts.path(), same.path());
/// # Ok::<(), jobq_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub(crate) path: PathBuf,
    pub(crate) synchronous: Synchronous,
    pub(crate) busy_timeout: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) backoff: Backoff,
    pub(crate) limits: Limits,
    pub(crate) poll_interval: Duration,
    pub(crate) recheck_interval: Duration,
}

impl SqliteOptions {
    /// The file opened when no URL is given: `jobq.db` in the working directory.
    pub const DEFAULT_PATH: &'static str = "jobq.db";

    /// The store in the file at `path` (created if missing), with every default: durable
    /// commits, a 30 s bound on waiting for other processes, the system clock.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(30),
            clock: Arc::new(SystemClock),
            backoff: Backoff::default(),
            limits: Limits::default(),
            poll_interval: Duration::from_millis(5),
            recheck_interval: Duration::from_millis(250),
        }
    }

    /// Reads a URL: `sqlite:PATH`, `sqlite://PATH` or a bare path, with optional
    /// `?synchronous=full|normal` and `&busy_timeout=DURATION` (`30s`, `500ms`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty path, an in-memory database (it would vanish with
    /// the process), or an unknown or malformed option.
    pub fn from_url(url: &str) -> Result<Self> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        if path.is_empty() {
            return Err(Error::invalid(
                "url",
                format!("{url:?} names no file; write sqlite:PATH, for example sqlite:jobq.db"),
            ));
        }
        if path == ":memory:" || path.starts_with("file::memory:") {
            return Err(Error::invalid(
                "url",
                "an in-memory SQLite database would vanish with the process; give a file path",
            ));
        }
        let mut opts = SqliteOptions::new(path);
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "synchronous" => {
                    opts.synchronous = match value.to_ascii_lowercase().as_str() {
                        "full" => Synchronous::Full,
                        "normal" => Synchronous::Normal,
                        _ => {
                            return Err(Error::invalid(
                                "url",
                                format!("synchronous={value:?}; expected full or normal"),
                            ));
                        }
                    }
                }
                "busy_timeout" => {
                    opts.busy_timeout = humantime::parse_duration(value).map_err(|e| {
                        Error::invalid("url", format!("busy_timeout={value:?}: {e}"))
                    })?;
                }
                _ => {
                    return Err(Error::invalid(
                        "url",
                        format!("unknown option {key:?}; known: synchronous, busy_timeout"),
                    ));
                }
            }
        }
        Ok(opts)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets how commits reach the disk (default [`Synchronous::Full`]).
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets how long a call waits for other processes to release the store before it fails
    /// with [`Error::Busy`] (default 30 s).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets the clock "now" is read from (default the system clock). Tests pass a
    /// [`ManualClock`](jobq_core::ManualClock).
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

    /// Sets how often a waiting `take` checks whether another process changed the store
    /// (default 5 ms). Changes made through this handle wake waiting takers at once.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets how often a waiting `take` tries again when nothing changed, so that delayed jobs
    /// and expired leases are picked up (default 250 ms).
    pub fn recheck_interval(mut self, interval: Duration) -> Self {
        self.recheck_interval = interval;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        for url in ["sqlite:a/b.db", "sqlite://a/b.db", "a/b.db"] {
            assert_eq!(
                SqliteOptions::from_url(url).unwrap().path(),
                Path::new("a/b.db")
            );
        }
        let abs = SqliteOptions::from_url("sqlite:///var/x.db").unwrap();
        assert_eq!(abs.path(), Path::new("/var/x.db"));
        let opts =
            SqliteOptions::from_url("sqlite:x.db?synchronous=normal&busy_timeout=2s").unwrap();
        assert_eq!(opts.synchronous, Synchronous::Normal);
        assert_eq!(opts.busy_timeout, Duration::from_secs(2));
    }

    #[test]
    fn bad_urls_name_the_problem() {
        let empty = SqliteOptions::from_url("sqlite:").unwrap_err().to_string();
        assert!(empty.contains("names no file"), "{empty}");
        let mem = SqliteOptions::from_url("sqlite::memory:")
            .unwrap_err()
            .to_string();
        assert!(mem.contains("in-memory"), "{mem}");
        let unknown = SqliteOptions::from_url("x.db?fast=yes")
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("unknown option \"fast\""), "{unknown}");
        let sync = SqliteOptions::from_url("x.db?synchronous=off")
            .unwrap_err()
            .to_string();
        assert!(sync.contains("expected full or normal"), "{sync}");
    }
}
