//! The consumer: reads `incoming_transactions`, writes each transaction to PostgreSQL and
//! acknowledges the message only after the commit; sends malformed messages to the
//! dead-letter queue (confirmed by the broker before the original is acknowledged).
//!
//! It runs while its instance is the active one. A lost connection to RabbitMQ ends the
//! session and a new one starts after a back-off: the broker puts every unacknowledged
//! message back, and the store's message ids keep a message that comes again from being
//! written twice. While PostgreSQL cannot be reached the message in hand stays
//! unacknowledged and its write is tried again with back-off.

use std::time::Duration;

use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use tokio_util::sync::CancellationToken;

use crate::amqp;
use crate::backoff::Backoff;
use crate::config::Settings;
use crate::error::{LedgerError, Result};
use crate::message::{self, MessageKey};
use crate::store::{Recorded, Store};

/// How the consumer works.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// How many unacknowledged messages the broker may hand over at once (default 32).
    pub prefetch: u16,
    /// The name of the consumer and its connection, as RabbitMQ shows them.
    pub name: String,
    /// Fault injection for tests: end the process abruptly (as a crash would) right after
    /// this many transactions were committed, before the last one is acknowledged.
    pub exit_after_commits: Option<u64>,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        Self {
            prefetch: 32,
            name: format!("ledger:{}", jobq::worker::default_name()),
            exit_after_commits: None,
        }
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Written (or written before): acknowledge it.
    Done(Recorded),
    /// Not a transaction that can be written: dead-letter it with this reason.
    DeadLetter(String),
    /// The consumer was asked to stop before the write succeeded: leave it
    /// unacknowledged, for the broker to hand out again.
    Stopped,
}

/// Consumes until `stop` is cancelled, reconnecting with back-off whenever RabbitMQ goes
/// away.
pub async fn consume(
    settings: Settings,
    store: Store,
    options: ConsumerOptions,
    stop: CancellationToken,
) {
    let mut backoff = Backoff::new();
    // Whether the last session failed before it consumed: then a new failure is only
    // worth a debug line (the first was a warning).
    let mut failing = false;
    loop {
        let mut connected = false;
        let result = session(&settings, &store, &options, &stop, &mut connected).await;
        if stop.is_cancelled() {
            return;
        }
        if connected {
            backoff.reset();
            failing = false;
        }
        let pause = backoff.next_pause();
        match result {
            Ok(()) => return,
            Err(err) if failing => {
                tracing::debug!("still cannot consume: {err}; trying again in {pause:.1?}");
            }
            Err(err) => {
                failing = !connected;
                tracing::warn!("consuming stopped: {err}; reconnecting in {pause:.1?}");
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// One connection's worth of consuming. Returns `Ok` when stopped, an error when the
/// connection or a channel failed.
async fn session(
    settings: &Settings,
    store: &Store,
    options: &ConsumerOptions,
    stop: &CancellationToken,
    connected: &mut bool,
) -> Result<()> {
    let conn = amqp::connect(&settings.amqp_url, &options.name).await?;
    let result = consume_on(&conn, settings, store, options, stop, connected).await;
    // Closing hands every message not acknowledged back to the queue at once.
    let _ = tokio::time::timeout(Duration::from_secs(2), conn.close(200, "stopping".into())).await;
    result
}

async fn consume_on(
    conn: &Connection,
    settings: &Settings,
    store: &Store,
    options: &ConsumerOptions,
    stop: &CancellationToken,
    connected: &mut bool,
) -> Result<()> {
    let dead_letters = settings.dead_letter_queue();
    let channel = amqp::channel(conn, false).await?;
    amqp::declare(&channel, &settings.queue).await?;
    amqp::declare(&channel, &dead_letters).await?;
    channel
        .basic_qos(options.prefetch, BasicQosOptions::default())
        .await
        .map_err(|e| LedgerError::amqp("setting the prefetch count", e))?;
    let confirmed = amqp::channel(conn, true).await?;
    let mut deliveries = channel
        .basic_consume(
            settings.queue.as_str().into(),
            options.name.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| LedgerError::amqp(format!("consuming {}", settings.queue), e))?;
    *connected = true;
    let mut commits = 0_u64;
    tracing::info!(
        "consuming {} on {} (prefetch {}); dead letters go to {dead_letters}",
        settings.queue,
        amqp::redact(&settings.amqp_url),
        options.prefetch
    );
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => {
                // Cancelling first makes the broker stop delivering; closing the channel
                // then hands what it delivered but was not acknowledged back at once.
                let tag = options.name.as_str().into();
                let _ = channel.basic_cancel(tag, BasicCancelOptions::default()).await;
                let _ = channel.close(200, "stopping".into()).await;
                let _ = confirmed.close(200, "stopping".into()).await;
                return Ok(());
            }
            next = deliveries.next() => next,
        };
        let delivery = match next {
            Some(Ok(delivery)) => delivery,
            Some(Err(e)) => return Err(LedgerError::amqp("receiving", e)),
            None => {
                return Err(LedgerError::amqp(
                    format!("consuming {}", settings.queue),
                    "the broker cancelled the consumer (was the queue deleted?)",
                ));
            }
        };
        let outcome = handle(store, &delivery, stop).await;
        if let Outcome::Done(Recorded::Written { transaction_id }) = &outcome {
            commits += 1;
            if options.exit_after_commits == Some(commits) {
                tracing::error!(
                    "exiting abruptly after committing transaction {transaction_id}, before \
                     acknowledging its message (--exit-after-commits {commits})"
                );
                std::process::exit(137);
            }
        }
        settle(settings, &confirmed, &delivery, outcome).await?;
    }
}

/// Reads and writes one message, trying the write again while PostgreSQL cannot be
/// reached.
async fn handle(store: &Store, delivery: &Delivery, stop: &CancellationToken) -> Outcome {
    let transaction = match message::parse(&delivery.data) {
        Ok(t) => t,
        Err(reason) => return Outcome::DeadLetter(reason),
    };
    let message_id = delivery
        .properties
        .message_id()
        .as_ref()
        .map(|id| id.as_str());
    let key = MessageKey::of(message_id, &delivery.data);
    let mut maybe_written = delivery.redelivered;
    let mut backoff = Backoff::new();
    loop {
        match store.record(&transaction, &key, maybe_written).await {
            Ok(Recorded::Refused(reason)) => return Outcome::DeadLetter(reason),
            Ok(Recorded::PossibleDuplicate { transaction_id }) => {
                return Outcome::DeadLetter(format!(
                    "possible duplicate: this message has no message id, came again \
                     (redelivered), and transaction {transaction_id} was written from a \
                     message with the very same body; it may be this one, written before \
                     a crash, or another with the same content. Not written again: \
                     republish it with a message id if it is a new transaction"
                ));
            }
            Ok(recorded) => return Outcome::Done(recorded),
            Err(err) => {
                // The commit may have happened before the connection was lost.
                maybe_written = true;
                let pause = backoff.next_pause();
                tracing::warn!("{key}: {err}; trying again in {pause:.1?}");
                tokio::select! {
                    () = stop.cancelled() => return Outcome::Stopped,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// Acknowledges a written message, or dead-letters a malformed one and then acknowledges
/// it. Leaves a stopped one alone.
///
/// # Errors
///
/// When the broker cannot be reached: the message stays unacknowledged and comes again.
async fn settle(
    settings: &Settings,
    confirmed: &Channel,
    delivery: &Delivery,
    outcome: Outcome,
) -> Result<()> {
    let key = MessageKey::of(
        delivery
            .properties
            .message_id()
            .as_ref()
            .map(|id| id.as_str()),
        &delivery.data,
    );
    match outcome {
        Outcome::Stopped => return Ok(()),
        Outcome::Done(Recorded::Written { transaction_id }) => {
            tracing::debug!("{key} written as transaction {transaction_id}");
        }
        Outcome::Done(Recorded::Duplicate { transaction_id }) => {
            tracing::info!(
                "{key} came again; it was written before as transaction {transaction_id}, \
                 so nothing was added"
            );
        }
        Outcome::Done(other) => tracing::debug!("{key}: {other:?}"),
        Outcome::DeadLetter(reason) => {
            let queue = settings.dead_letter_queue();
            let at = jobq::Timestamp::now().to_string();
            let props =
                amqp::dead_letter_properties(&delivery.properties, &settings.queue, &reason, &at);
            amqp::publish(confirmed, &queue, &delivery.data, props).await?;
            tracing::warn!(
                "{key} sent to {queue}: {reason}; body: {}",
                String::from_utf8_lossy(&delivery.data[..delivery.data.len().min(200)])
            );
        }
    }
    delivery
        .acker
        .ack(BasicAckOptions::default())
        .await
        .map_err(|e| LedgerError::amqp(format!("acknowledging {key}"), e))?;
    Ok(())
}
