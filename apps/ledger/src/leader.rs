//! One active instance: whoever holds a PostgreSQL session advisory lock is active; the
//! others wait as standby and try to take the lock every second.
//!
//! The lock is held on a connection of its own, outside the pool. A session lock lives as
//! long as the session: when the active process dies (even by SIGKILL), its connection
//! closes, PostgreSQL ends the session and the lock is free, and a standby takes it within
//! a second. The active instance checks its session every second too; when it cannot, it
//! must assume the lock is gone (PostgreSQL restarted, the network broke) and stop being
//! active at once, since a standby may hold the lock by then.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::error::describe_postgres;

/// How often a standby tries the lock, and the active instance checks its session.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How long one check may take before the session counts as lost.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The lock is ('ledg' as an integer, a hash of this text and the schema's name).
const TRY_LOCK: &str = "SELECT pg_try_advisory_lock(1818584167, hashtext('ledger:' || $1::text))";

/// The lock's session. Once [`acquire`] returns it, it holds the lock: this instance is
/// the active one until [`Leader::lost`] resolves.
#[derive(Debug)]
pub struct Leader {
    client: Client,
    /// The connection's task, until it was seen to end.
    session: Option<JoinHandle<()>>,
}

/// Waits until this instance holds the lock of `schema`, or `stop` is cancelled (`None`).
/// Says once that it is waiting as standby, and keeps trying through PostgreSQL outages.
pub async fn acquire(
    config: &tokio_postgres::Config,
    schema: &str,
    stop: &CancellationToken,
) -> Option<Leader> {
    let fresh = || Backoff::between(CHECK_EVERY, Duration::from_secs(5));
    let mut backoff = fresh();
    let mut said_standby = false;
    let mut said_down = false;
    // The standby keeps one connection between tries, and opens a new one when it breaks.
    let mut session: Option<Leader> = None;
    loop {
        let attempt = match session.take() {
            Some(held) => Ok(held),
            None => connect(config).await,
        };
        let pause = match attempt {
            Ok(candidate) => match candidate.try_lock(schema).await {
                Ok(true) => return Some(candidate),
                Ok(false) => {
                    if !said_standby {
                        said_standby = true;
                        tracing::info!(
                            "standby: another instance is active (it holds the ledger lock \
                             of schema {schema:?}); trying every {CHECK_EVERY:?}"
                        );
                    }
                    said_down = false;
                    backoff = fresh();
                    session = Some(candidate);
                    CHECK_EVERY
                }
                Err(err) => {
                    candidate.release().await;
                    down(&mut said_down, &err);
                    backoff.next_pause()
                }
            },
            Err(err) => {
                down(&mut said_down, &err);
                backoff.next_pause()
            }
        };
        tokio::select! {
            () = stop.cancelled() => {
                if let Some(held) = session {
                    held.release().await;
                }
                return None;
            }
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Warns once that the lock cannot be tried.
fn down(said: &mut bool, err: &str) {
    if !*said {
        *said = true;
        tracing::warn!("cannot try the ledger lock: {err}; trying again");
    } else {
        tracing::debug!("still cannot try the ledger lock: {err}");
    }
}

/// Opens the lock's own connection.
async fn connect(config: &tokio_postgres::Config) -> Result<Leader, String> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| describe_postgres(&e))?;
    let session = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("the ledger lock's session ended: {}", describe_postgres(&e));
        }
    });
    Ok(Leader {
        client,
        session: Some(session),
    })
}

impl Leader {
    /// Tries the lock once on this session.
    async fn try_lock(&self, schema: &str) -> Result<bool, String> {
        let row = tokio::time::timeout(CHECK_TIMEOUT, self.client.query_one(TRY_LOCK, &[&schema]))
            .await
            .map_err(|_| format!("no answer within {CHECK_TIMEOUT:?}"))?
            .map_err(|e| describe_postgres(&e))?;
        Ok(row.get(0))
    }

    /// Resolves when the lock can no longer be counted on: its session ended, or a check
    /// got no answer in time. Then another instance may be active already.
    pub async fn lost(&mut self) -> String {
        loop {
            let Some(session) = self.session.as_mut() else {
                return "the lock's connection closed".to_owned();
            };
            tokio::select! {
                _ = session => {
                    self.session = None;
                    return "the lock's connection closed".to_owned();
                }
                () = tokio::time::sleep(CHECK_EVERY) => {}
            }
            match tokio::time::timeout(CHECK_TIMEOUT, self.client.simple_query("SELECT 1")).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return describe_postgres(&e),
                Err(_) => {
                    return format!("the lock's session gave no answer within {CHECK_TIMEOUT:?}");
                }
            }
        }
    }

    /// Gives the lock up (by ending its session), so that a standby takes over at once.
    pub async fn release(self) {
        drop(self.client);
        if let Some(session) = self.session {
            let _ = session.await;
        }
    }
}
