//! Size limits of the model.

/// The most characters (Unicode scalar values) a job id may have.
pub const MAX_ID_CHARS: usize = 2000;

/// The most characters a queue name may have.
pub const MAX_QUEUE_CHARS: usize = 128;

/// The most characters a worker name may have.
pub const MAX_WORKER_CHARS: usize = 200;

/// The most bytes of error text kept as a job's `last_error`; longer text keeps its end,
/// where a failing program usually says what went wrong.
pub const MAX_ERROR_BYTES: usize = 8 * 1024;

/// The most jobs one `take` may lease at once.
pub const MAX_TAKE: usize = 10_000;

/// Limits a backend enforces that its user may configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest payload accepted, in bytes. Default 1 MiB.
    pub max_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: 1024 * 1024,
        }
    }
}
