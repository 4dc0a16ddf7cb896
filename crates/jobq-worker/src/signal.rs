//! [`shutdown_signal`]: the usual way to ask a worker to stop.

/// Resolves when the process receives SIGINT (Ctrl-C) or, on Unix, SIGTERM (what process
/// managers such as systemd and pm2 send). Pass it to [`Worker::run`](crate::Worker::run) for
/// a graceful stop: no new jobs are taken and running ones finish.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
            Err(err) => tracing::warn!("cannot listen for SIGTERM ({err}); only Ctrl-C stops"),
        }
    }
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::warn!("cannot listen for Ctrl-C ({err}); the worker runs until it is killed");
        std::future::pending::<()>().await;
    }
}
