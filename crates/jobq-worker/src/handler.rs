//! [`Handler`]: what the worker runs for each job.

use std::fmt::Display;
use std::future::Future;

use jobq_core::LeasedJob;

/// Does the work of one job.
///
/// `Ok(())` completes the job; `Err(text)` fails the attempt with `text` as its error (the
/// queue retries it after a back-off while it has attempts left). A panic fails the attempt
/// too, with the panic's message.
///
/// Any `Fn(LeasedJob) -> impl Future<Output = Result<(), E>>` where `E: Display` is a
/// handler, so an async closure is the usual way to write one:
///
/// ```
/// use jobq_core::LeasedJob;
/// use jobq_worker::Handler;
///
/// fn assert_handler(_: impl Handler) {}
/// assert_handler(|job: LeasedJob| async move {
///     if job.payload.is_empty() {
///         return Err("empty payload");
///     }
///     Ok(())
/// });
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Runs job `job`; the error's text becomes the attempt's error.
    fn handle(&self, job: LeasedJob) -> impl Future<Output = Result<(), String>> + Send;
}

impl<F, Fut, E> Handler for F
where
    F: Fn(LeasedJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    fn handle(&self, job: LeasedJob) -> impl Future<Output = Result<(), String>> + Send {
        let fut = self(job);
        async move { fut.await.map_err(|e| e.to_string()) }
    }
}
