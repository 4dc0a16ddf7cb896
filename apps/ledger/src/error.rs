//! [`LedgerError`]: the one error type of the app.
//!
//! The drivers' own error types stay inside the modules that use them: an error carries
//! what the app was doing, where, and the driver's message as text.

/// A `Result` whose error is [`LedgerError`].
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

/// Everything that can go wrong in the ledger app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A setting or an argument was refused; the message names it and says why.
    #[error("{0}")]
    InvalidInput(String),

    /// RabbitMQ could not be reached, or refused an operation.
    #[error("RabbitMQ: {context}: {message}")]
    Amqp {
        /// What the app was doing.
        context: String,
        /// What the client or the broker said.
        message: String,
    },

    /// PostgreSQL could not be reached, or refused an operation.
    #[error("PostgreSQL: {context}: {message}")]
    Postgres {
        /// What the app was doing.
        context: String,
        /// What the driver or the server said.
        message: String,
    },

    /// Redis could not be reached, or refused an operation.
    #[error("Redis: {context}: {message}")]
    Redis {
        /// What the app was doing.
        context: String,
        /// What the client or the server said.
        message: String,
    },

    /// The jobq store refused or failed an operation.
    #[error("job queue: {0}")]
    Queue(#[from] jobq::Error),
}

impl LedgerError {
    /// A [`LedgerError::InvalidInput`].
    pub fn invalid(message: impl Into<String>) -> Self {
        LedgerError::InvalidInput(message.into())
    }

    /// A [`LedgerError::Amqp`] met while doing `context`.
    pub fn amqp(context: impl Into<String>, err: impl std::fmt::Display) -> Self {
        LedgerError::Amqp {
            context: context.into(),
            message: err.to_string(),
        }
    }

    /// A [`LedgerError::Redis`] met while doing `context`.
    pub fn redis(context: impl Into<String>, err: impl std::fmt::Display) -> Self {
        LedgerError::Redis {
            context: context.into(),
            message: err.to_string(),
        }
    }

    /// A [`LedgerError::Postgres`] met while doing `context`, with the server's SQLSTATE
    /// and message when the server answered, or the driver's chain of causes.
    pub fn postgres(context: impl Into<String>, err: &tokio_postgres::Error) -> Self {
        LedgerError::Postgres {
            context: context.into(),
            message: describe_postgres(err),
        }
    }
}

/// A driver error as one line: the SQLSTATE and message (with the hint), or the driver's
/// message with its causes.
pub(crate) fn describe_postgres(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut text = format!("{} {}", db.code().code(), db.message());
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
