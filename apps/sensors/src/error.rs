//! [`SensorsError`]: the one error type of the app.

/// A `Result` whose error is [`SensorsError`].
pub type Result<T, E = SensorsError> = std::result::Result<T, E>;

/// Everything that can go wrong in the sensors app.
///
/// Driver errors (PostgreSQL's, the file system's) are kept as boxed sources, so no
/// driver's type is part of the app's API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SensorsError {
    /// An option or argument is malformed; the message names it and says what is allowed.
    #[error("{0}")]
    InvalidInput(String),

    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What the app was doing, naming the file.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// The job queue refused or failed an operation.
    #[error("job queue: {0}")]
    Queue(#[from] jobq::Error),

    /// PostgreSQL could not be reached, or refused a statement.
    #[error("PostgreSQL: {context}: {source}")]
    Postgres {
        /// What the app was doing.
        context: String,
        /// The cause, as the driver reported it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A chunk job's payload is not what `sensors produce` writes.
    #[error("chunk {id}: {message}")]
    BadChunk {
        /// The job's id.
        id: String,
        /// What was wrong with it.
        message: String,
    },

    /// `sensors produce` submitted every good row, but some rows were bad (each was
    /// reported with its line number).
    #[error("{bad} bad rows were skipped (listed above); the {good} good rows were submitted")]
    BadRows {
        /// How many rows were refused.
        bad: u64,
        /// How many rows were submitted (or had been before).
        good: u64,
    },
}

impl SensorsError {
    /// A [`SensorsError::Io`] saying what the app was doing.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        SensorsError::Io {
            context: context.into(),
            source,
        }
    }

    /// A [`SensorsError::Postgres`] saying what the app was doing.
    pub fn postgres(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        SensorsError::Postgres {
            context: context.into(),
            source: source.into(),
        }
    }
}
