//! How a command ends badly: the message, and the exit status of SPEC section 4
//! (1 error, 2 usage error, 3 nothing there).

use std::io;
use std::process::ExitCode;

use jobq::{Error, ErrorCode, wire::ErrorJson};

use crate::output::{Out, style, styled};

/// Exit status 3: no job ready to take, job not found.
pub(crate) const NOTHING_THERE: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The queue refused or could not do it.
    Queue(Error),
    /// The queue refused or could not do it, part-way through something larger.
    During {
        /// What was being done, and what had been done already.
        context: String,
        /// The queue's error.
        error: Error,
    },
    /// The arguments or input do not make sense (exit 2).
    Usage(String),
    /// Nothing there: no job came (exit 3).
    Nothing(String),
    /// Writing the output failed.
    Io(io::Error),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Queue(err)
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure::Io(err)
    }
}

impl Failure {
    /// Reports the failure on standard error (and, with `--json`, as a JSON error object on
    /// standard output) and returns the exit status.
    pub(crate) fn report(self, out: &Out) -> ExitCode {
        let (code, message, status) = match &self {
            // `jobq list | head`: the reader left; that is not an error.
            Failure::Io(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                return ExitCode::SUCCESS;
            }
            Failure::Queue(err) => (err.code().as_str(), err.to_string(), status_of(err)),
            Failure::During { context, error } => (
                error.code().as_str(),
                format!("{context}: {error}"),
                status_of(error),
            ),
            Failure::Usage(message) => ("usage", message.clone(), 2),
            Failure::Nothing(message) => ("nothing", message.clone(), NOTHING_THERE),
            Failure::Io(err) => ("io", format!("writing output: {err}"), 1),
        };
        if out.is_json() {
            let json = match &self {
                Failure::Queue(err) => ErrorJson::from(err),
                Failure::During { .. }
                | Failure::Usage(_)
                | Failure::Nothing(_)
                | Failure::Io(_) => ErrorJson {
                    error: jobq::wire::ErrorBody::new(code, message.clone()),
                },
            };
            let _ = out.json_line(&json);
        }
        let label = if status == NOTHING_THERE {
            styled(style::WARN, "nothing:")
        } else {
            styled(style::BAD, "error:")
        };
        anstream::eprintln!("{label} {message}");
        ExitCode::from(status)
    }
}

fn status_of(err: &Error) -> u8 {
    if err.code() == ErrorCode::NotFound {
        NOTHING_THERE
    } else {
        1
    }
}
