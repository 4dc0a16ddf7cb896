//! [`WallError`]: the one error type of the app, and how each kind answers over HTTP.

/// A `Result` whose error is [`WallError`].
pub type Result<T, E = WallError> = std::result::Result<T, E>;

/// Everything that can go wrong in the wall app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WallError {
    /// The configuration was refused; the message names the line and the value. Nothing
    /// changed: the previous wall is still the one being built and answered for.
    #[error("{0}")]
    InvalidConfig(String),

    /// A request body over the limit.
    #[error("{0}")]
    TooLarge(String),

    /// A day that is not a whole number of 1 or more.
    #[error("{0}")]
    InvalidDay(String),

    /// Another malformed argument (a profile that is not a number, bad paging).
    #[error("{0}")]
    InvalidInput(String),

    /// No profile has this number.
    #[error("profile {profile:?} does not exist; this wall has profiles 1 to {count}")]
    UnknownProfile {
        /// The profile asked for, as written.
        profile: String,
        /// How many profiles the wall has.
        count: usize,
    },

    /// No configuration has been given yet.
    #[error("no wall is configured yet; POST one to /profiles/config/")]
    NoWall,

    /// The answer asked for depends on work the crews have not recorded yet.
    #[error(
        "{what} is still being built: {waiting} of {sections} sections have not recorded \
         the work it depends on yet; ask again later"
    )]
    StillBuilding {
        /// What was asked, such as "profile 1 through day 3".
        what: String,
        /// Sections still short of the day asked for.
        waiting: usize,
        /// Sections the answer depends on.
        sections: usize,
    },

    /// The job queue refused or failed an operation.
    #[error("job queue: {0}")]
    Queue(#[from] jobq::Error),

    /// The work log could not be opened, read or written.
    #[error("work log: {context}: {source}")]
    Log {
        /// What the app was doing.
        context: String,
        /// The cause, as SQLite reported it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// Anything else: a port that cannot be bound, a file that cannot be read.
    #[error("{0}")]
    Other(String),
}

impl WallError {
    /// A [`WallError::Log`] saying what the app was doing when `source` happened.
    pub fn log(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        WallError::Log {
            context: context.into(),
            source: source.into(),
        }
    }

    /// The machine-readable code of the JSON error: `invalid_configuration`,
    /// `too_large`, `invalid_day`, `invalid_input`, `unknown_profile`, `no_wall`,
    /// `still_building`, `queue`, `work_log`, `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            WallError::InvalidConfig(_) => "invalid_configuration",
            WallError::TooLarge(_) => "too_large",
            WallError::InvalidDay(_) => "invalid_day",
            WallError::InvalidInput(_) => "invalid_input",
            WallError::UnknownProfile { .. } => "unknown_profile",
            WallError::NoWall => "no_wall",
            WallError::StillBuilding { .. } => "still_building",
            WallError::Queue(_) => "queue",
            WallError::Log { .. } => "work_log",
            WallError::Other(_) => "internal",
        }
    }

    /// The HTTP status this error answers with: 400 for bad input, 404 for what does not
    /// exist, 409 while the answer is still being built, 413 for a body over the limit,
    /// 503 when a store is busy, else 500.
    pub fn status(&self) -> u16 {
        match self {
            WallError::InvalidConfig(_) | WallError::InvalidDay(_) | WallError::InvalidInput(_) => {
                400
            }
            WallError::UnknownProfile { .. } | WallError::NoWall => 404,
            WallError::StillBuilding { .. } => 409,
            WallError::TooLarge(_) => 413,
            WallError::Queue(err) if err.code() == jobq::ErrorCode::Busy => 503,
            WallError::Queue(_) | WallError::Log { .. } | WallError::Other(_) => 500,
        }
    }
}
