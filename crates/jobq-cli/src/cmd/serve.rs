//! `jobq serve`: the HTTP API, the dashboard and the metrics over the store `--url` names.

use std::net::SocketAddr;

use jobq::Error;
use jobq_server::{ServerConfig, app, check_listen};
use serde_json::json;
use tokio::net::TcpListener;

use crate::args::ServeArgs;
use crate::failure::Failure;
use crate::output::Out;

/// Serves until SIGINT or SIGTERM, then stops gracefully.
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
    app(queue, config)
        .serve(listener, jobq::worker::shutdown_signal())
        .await
        .map_err(|e| Error::backend(format!("serving on {addr}"), e))?;
    if !out.is_json() {
        out.line("jobq serve: stopped")?;
    }
    Ok(())
}
