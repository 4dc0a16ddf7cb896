//! Turning the driver's and the pool's errors into [`jobq_core::Error`].
//!
//! Only text crosses the crate boundary: the driver's error types stay inside, so upgrading
//! the driver never breaks a caller. Each error says what jobq was doing and where.

use std::fmt;
use std::time::Duration;

use deadpool_postgres::{PoolError, TimeoutType};
use jobq_core::Error;

/// The cause of an [`Error::Backend`]: the driver's message, as text.
#[derive(Debug)]
pub(crate) struct Cause(pub(crate) String);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Cause {}

/// The SQLSTATE of a violated unique or exclusion constraint.
pub(crate) fn is_duplicate(err: &tokio_postgres::Error) -> bool {
    matches!(err.code().map(|c| c.code()), Some("23505" | "23P01"))
}

/// Whether the connection broke, so a write may or may not have been made.
fn lost_connection(err: &tokio_postgres::Error) -> bool {
    err.is_closed() || std::error::Error::source(err).is_some_and(|s| s.is::<std::io::Error>())
}

/// A driver error as one line: the server's severity, SQLSTATE and message (with its hint),
/// or the driver's message with its causes.
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
        if let Some(hint) = db.hint() {
            text.push_str(" (hint: ");
            text.push_str(hint);
            text.push(')');
        }
        return text;
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An [`Error::Backend`] for `err`, met while doing `what` on `target`. `write` says whether
/// the operation changes the store: then a lost connection leaves its outcome unknown, and
/// the message says so.
pub(crate) fn driver(what: &str, target: &str, write: bool, err: &tokio_postgres::Error) -> Error {
    let mut cause = describe(err);
    if write && lost_connection(err) {
        cause.push_str(
            "; the connection was lost, so the change may or may not have been made \
             (it was made whole or not at all)",
        );
    }
    Error::backend(format!("{what} in {target}"), Cause(cause))
}

/// The error for a connection the pool could not hand out.
pub(crate) fn pool(
    what: &str,
    target: &str,
    size: usize,
    waited: Duration,
    err: PoolError,
) -> Error {
    match err {
        PoolError::Timeout(TimeoutType::Wait) => Error::Busy {
            waited,
            what: format!("a free connection to {target} (all {size} of the pool were in use)"),
        },
        PoolError::Timeout(TimeoutType::Create) => Error::backend(
            format!("{what} in {target}"),
            Cause("connecting timed out".to_owned()),
        ),
        PoolError::Timeout(TimeoutType::Recycle) => Error::backend(
            format!("{what} in {target}"),
            Cause("checking a pooled connection timed out".to_owned()),
        ),
        PoolError::Backend(err) => Error::backend(
            format!("{what} in {target}: cannot connect"),
            Cause(describe(&err)),
        ),
        other => Error::backend(format!("{what} in {target}"), Cause(other.to_string())),
    }
}
