//! `jobq serve`: the HTTP API, the dashboard and the metrics over the store `--url` names.

use std::net::SocketAddr;

use std::time::Duration;

use jobq::worker::{Scheduler, shutdown_signal};
use jobq::{AnyQueue, Error, JobState, PurgeQuery, Queue};
use jobq_server::{ServerConfig, app, check_listen};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::args::ServeArgs;
use crate::failure::Failure;
use crate::output::Out;

/// How often the server purges old `done` jobs, with `--retain-done`.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Serves until SIGINT or SIGTERM, then stops gracefully. Beside the API run the scheduler
/// of periodic jobs (unless `--no-scheduler`) and, with `--retain-done`, the purge of old
/// `done` jobs.
pub(crate) async fn serve(url: &str, args: ServeArgs, out: &Out) -> Result<(), Failure> {
    if url.starts_with("http://") || url.starts_with("https://") {
        return Err(Failure::Usage(format!(
            "serve keeps its queue in a store, not in another server ({url}); give \
             --url sqlite:PATH"
        )));
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&args.listen)
        .await
        .map_err(|e| {
            Failure::Usage(format!(
                "--listen {:?}: {e}; write HOST:PORT, such as 127.0.0.1:7070",
                args.listen
            ))
        })?
        .collect();
    let Some(&addr) = addrs.first() else {
        return Err(Failure::Usage(format!(
            "--listen {:?} names no address",
            args.listen
        )));
    };
    for addr in &addrs {
        check_listen(*addr, args.token.as_deref()).map_err(Failure::Usage)?;
    }
    let queue = jobq::connect(url).await?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::backend(format!("listening on {addr}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::backend("reading the address listened on", e))?;
    let mut config = ServerConfig::new();
    if let Some(token) = args.token {
        config = config.token(token);
    }
    let auth = if config.token.is_some() {
        "the API needs the token"
    } else {
        "no token: open to this machine only"
    };
    out.emit(&json!({ "listening": format!("http://{addr}") }), |w| {
        writeln!(
            w,
            "jobq serve: listening on http://{addr} ({auth}); dashboard at http://{addr}/, \
             metrics at /metrics; Ctrl-C stops"
        )
    })?;
    let stop = CancellationToken::new();
    let mut background = Vec::new();
    if !args.no_scheduler {
        let stop = stop.clone();
        let scheduler = Scheduler::new(queue.clone());
        background.push(tokio::spawn(async move {
            scheduler.run(stop.cancelled()).await;
        }));
    }
    if let Some(age) = args.retain_done {
        background.push(tokio::spawn(retain_done(queue.clone(), age, stop.clone())));
    }
    let served = app(queue, config)
        .serve(listener, {
            let stop = stop.clone();
            async move {
                shutdown_signal().await;
                stop.cancel();
            }
        })
        .await;
    stop.cancel();
    for task in background {
        let _ = task.await;
    }
    served.map_err(|e| Error::backend(format!("serving on {addr}"), e))?;
    if !out.is_json() {
        out.line("jobq serve: stopped")?;
    }
    Ok(())
}

/// Purges `done` jobs older than `age` every [`PURGE_EVERY`] until `stop` is cancelled.
async fn retain_done(queue: AnyQueue, age: Duration, stop: CancellationToken) {
    let query = PurgeQuery {
        state: JobState::Done,
        older_than: age,
        queue: None,
    };
    loop {
        match queue.purge(query.clone()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("purged {n} done jobs older than {age:?}"),
            Err(err) => tracing::warn!("purging done jobs: {err}"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(PURGE_EVERY) => {}
        }
    }
}
