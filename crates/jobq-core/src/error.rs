//! The one error type of jobq.
//!
//! Every backend maps its driver's errors into [`Error`], so no driver type leaks into the
//! API and upgrading a driver never breaks a caller. Each variant says what was wrong in its
//! message, and [`Error::code`] gives a stable machine-readable code, used as the `code` of
//! the JSON errors of the command line and the HTTP API.

use std::time::Duration;

use crate::id::JobId;
use crate::job::JobState;

/// A `Result` whose error is jobq's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a queue operation.
///
/// An operation that returns an error changed nothing, with one exception stated where it
/// applies: [`Error::Backend`] after a commit was sent may leave the outcome unknown, exactly
/// as with any database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No job has this id.
    #[error("job {id:?} not found")]
    NotFound {
        /// The id asked for.
        id: JobId,
    },

    /// A job with this id already exists; ids are unique in the whole store.
    #[error("job {id:?} already exists")]
    Duplicate {
        /// The id submitted.
        id: JobId,
    },

    /// The lease presented is not the job's current lease: it expired, or the job was
    /// completed, failed or taken again since.
    #[error("lease lost for job {id:?}: {reason}")]
    LeaseLost {
        /// The job.
        id: JobId,
        /// Why the lease is no longer valid.
        reason: String,
    },

    /// The job is in a state the operation does not apply to (for example resubmitting a
    /// job that is `done`).
    #[error("job {id:?} is {state}; {action} applies only to {allowed} jobs")]
    InvalidState {
        /// The job.
        id: JobId,
        /// Its current state.
        state: JobState,
        /// What was asked ("resubmit", "cancel").
        action: &'static str,
        /// The states the operation applies to, for the message ("failed or cancelled").
        allowed: &'static str,
    },

    /// An argument is malformed: too long an id, a bad queue name, an oversized payload, a
    /// zero lease, malformed JSON.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// What was wrong ("id", "queue name", "payload", "lease" …).
        field: &'static str,
        /// Why, naming the limit where there is one.
        message: String,
    },

    /// The store stayed busy (another process held its write lock) for longer than the
    /// bound.
    #[error("gave up after waiting {:.1?} for {what}", waited)]
    Busy {
        /// How long the call waited.
        waited: Duration,
        /// What it waited for, such as "the write lock of /var/lib/jobq.db".
        what: String,
    },

    /// The store could not be opened, read or written: I/O, a lost connection, a corrupt
    /// file, a store made by a newer jobq.
    #[error("{context}: {source}")]
    Backend {
        /// What jobq was doing.
        context: String,
        /// The cause, as the backend reported it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A stable, machine-readable name for each kind of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Duplicate`].
    Duplicate,
    /// [`Error::LeaseLost`].
    LeaseLost,
    /// [`Error::InvalidState`].
    InvalidState,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::Busy`].
    Busy,
    /// [`Error::Backend`].
    Backend,
}

impl ErrorCode {
    /// The code as written in JSON errors: `not_found`, `duplicate`, `lease_lost`,
    /// `invalid_state`, `invalid_input`, `busy`, `backend`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::Duplicate => "duplicate",
            ErrorCode::LeaseLost => "lease_lost",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Busy => "busy",
            ErrorCode::Backend => "backend",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// This error's stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Duplicate { .. } => ErrorCode::Duplicate,
            Error::LeaseLost { .. } => ErrorCode::LeaseLost,
            Error::InvalidState { .. } => ErrorCode::InvalidState,
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::Busy { .. } => ErrorCode::Busy,
            Error::Backend { .. } => ErrorCode::Backend,
        }
    }

    /// An [`Error::InvalidInput`] for `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            message: message.into(),
        }
    }

    /// An [`Error::Backend`] that says what jobq was doing when `source` happened.
    pub fn backend(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Backend {
            context: context.into(),
            source: source.into(),
        }
    }

    /// An [`Error::LeaseLost`] for job `id`.
    pub fn lease_lost(id: &JobId, reason: impl Into<String>) -> Self {
        Error::LeaseLost {
            id: id.clone(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_was_wrong() {
        let id = JobId::new("a").unwrap();
        assert_eq!(
            Error::NotFound { id: id.clone() }.to_string(),
            r#"job "a" not found"#
        );
        assert_eq!(
            Error::Duplicate { id: id.clone() }.to_string(),
            r#"job "a" already exists"#
        );
        let e = Error::InvalidState {
            id,
            state: JobState::Done,
            action: "resubmit",
            allowed: "failed or cancelled",
        };
        assert_eq!(
            e.to_string(),
            r#"job "a" is done; resubmit applies only to failed or cancelled jobs"#
        );
        let busy = Error::Busy {
            waited: Duration::from_secs(30),
            what: "the write lock of x.db".into(),
        };
        assert_eq!(
            busy.to_string(),
            "gave up after waiting 30.0s for the write lock of x.db"
        );
        assert_eq!(busy.code().as_str(), "busy");
    }
}
