//! [`Server`]: `wall serve` as a library call, so tests start the real thing on a free port.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use jobq::worker::Summary;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::api;
use crate::config::WallConfig;
use crate::crew::{CrewOptions, run_crew};
use crate::error::{Result, WallError};
use crate::site::Site;

/// What `wall serve` is told.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen, such as `127.0.0.1:8000` (port 0: any free port).
    pub listen: String,
    /// The job queue's URL.
    pub url: String,
    /// The work log's file (default: beside the queue's).
    pub worklog: Option<PathBuf>,
    /// A configuration to build from the start (default: go on with the stored one).
    pub config: Option<WallConfig>,
    /// How many crews to run in this process (0: crews run elsewhere, as `wall crew`).
    pub crews: usize,
    /// How the crews work; each is named `crew-N`.
    pub crew: CrewOptions,
}

/// A running `wall serve`: the REST routes and its crews.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    site: Arc<Site>,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    crews: JoinSet<Result<Summary>>,
}

/// Resolves once `stop` says true (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

impl Server {
    /// Opens the site, listens, takes the configuration (or resumes the stored one) and
    /// starts the crews.
    ///
    /// # Errors
    ///
    /// [`WallError::Other`] when the address cannot be listened on; what
    /// [`Site::open`], [`Site::configure`] and [`Site::resume`] return.
    pub async fn start(opts: ServeOptions) -> Result<Self> {
        let site = Arc::new(Site::open(&opts.url, opts.worklog).await?);
        let listener = TcpListener::bind(&opts.listen)
            .await
            .map_err(|e| WallError::Other(format!("cannot listen on {}: {e}", opts.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| WallError::Other(format!("reading the listening address: {e}")))?;
        match opts.config {
            Some(wall) => {
                site.configure(wall).await?;
            }
            None => {
                site.resume().await?;
            }
        }
        let (stop, _) = watch::channel(false);
        let mut crews = JoinSet::new();
        for n in 1..=opts.crews {
            let crew = CrewOptions {
                name: format!("crew-{n}"),
                ..opts.crew.clone()
            };
            let queue = site.queue().clone();
            let log = site.log().clone();
            let shutdown = stopped(stop.subscribe());
            crews.spawn(async move { run_crew(queue, &log, crew, shutdown).await });
        }
        let app = api::router(Arc::clone(&site));
        let http = tokio::spawn(
            axum::serve(listener, app)
                .with_graceful_shutdown(stopped(stop.subscribe()))
                .into_future(),
        );
        Ok(Self {
            addr,
            site,
            stop,
            http,
            crews,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The site it serves.
    pub fn site(&self) -> &Arc<Site> {
        &self.site
    }

    /// Runs until `signal` resolves, then stops as [`stop`](Server::stop) does.
    ///
    /// # Errors
    ///
    /// As [`stop`](Server::stop).
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<()> {
        signal.await;
        self.stop().await
    }

    /// Stops: no new requests or sections are taken, the crews finish the section they
    /// are on, and running requests are answered.
    ///
    /// # Errors
    ///
    /// The first error a crew or the HTTP server ended with.
    pub async fn stop(mut self) -> Result<()> {
        self.stop.send_replace(true);
        let mut first = None;
        while let Some(joined) = self.crews.join_next().await {
            let ended = joined
                .map_err(|e| WallError::Other(format!("a crew task failed: {e}")))
                .and_then(|r| r);
            if let Err(err) = ended {
                first.get_or_insert(err);
            }
        }
        let http = self
            .http
            .await
            .map_err(|e| WallError::Other(format!("the HTTP task failed: {e}")))
            .and_then(|r| r.map_err(|e| WallError::Other(format!("serving HTTP: {e}"))));
        match (first, http) {
            (Some(err), _) | (None, Err(err)) => Err(err),
            (None, Ok(())) => Ok(()),
        }
    }
}
