//! `jobq work -- CMD`: run a command for each job.

use jobq::AnyQueue;

use crate::args::WorkArgs;
use crate::failure::Failure;
use crate::output::Out;

/// Runs the worker until it is told to stop (or, with `--exit-when-empty`, the queue is
/// empty).
pub(crate) async fn work(_queue: AnyQueue, _args: WorkArgs, _out: &Out) -> Result<(), Failure> {
    Err(Failure::Usage("work: wiring pending".into()))
}
