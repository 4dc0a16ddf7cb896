//! RabbitMQ: connecting, declaring the ledger's queues, and publishing with publisher
//! confirms (test messages, and malformed messages to the dead-letter queue).
//!
//! Both queues are durable and plain (no arguments), so that declaring them again from
//! `ledger setup`, `ledger run` or `ledger publish` always agrees with what exists.
//! Malformed messages are dead-lettered by the app itself, not by a broker policy: it
//! publishes them to the dead-letter queue with the reason in a header, waits for the
//! broker's confirm, and only then acknowledges the original.

use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};

use crate::error::{LedgerError, Result};

/// The header that says why a message was dead-lettered.
pub const REASON_HEADER: &str = "x-ledger-reason";

/// The header that names the queue a dead-lettered message came from.
pub const QUEUE_HEADER: &str = "x-ledger-queue";

/// The header with the time a message was dead-lettered (RFC 3339, UTC).
pub const TIME_HEADER: &str = "x-ledger-dead-lettered-at";

/// AMQP's delivery mode for messages written to disk.
const PERSISTENT: u8 = 2;

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens a connection to `url`.
///
/// # Errors
///
/// [`LedgerError::Amqp`] naming the broker (without the password).
pub async fn connect(url: &str, name: &str) -> Result<Connection> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect(url, props)
        .await
        .map_err(|e| LedgerError::amqp(format!("connecting to {}", redact(url)), e))
}

/// A channel on `conn`, in confirm mode when `confirms`.
///
/// # Errors
///
/// [`LedgerError::Amqp`].
pub async fn channel(conn: &Connection, confirms: bool) -> Result<Channel> {
    let channel = conn
        .create_channel()
        .await
        .map_err(|e| LedgerError::amqp("opening a channel", e))?;
    if confirms {
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| LedgerError::amqp("turning on publisher confirms", e))?;
    }
    Ok(channel)
}

/// A short string for AMQP, or an error naming `what` when it is over 255 bytes.
fn short(what: &str, text: &str) -> Result<ShortString> {
    ShortString::try_new(text).map_err(|_| {
        LedgerError::invalid(format!(
            "{what} {text:?} is {} bytes long; AMQP allows 255",
            text.len()
        ))
    })
}

/// Declares `queue` durable (creating it unless it exists).
///
/// # Errors
///
/// [`LedgerError::Amqp`], for example when the queue exists with other arguments.
pub async fn declare(channel: &Channel, queue: &str) -> Result<()> {
    let options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(short("queue", queue)?, options, FieldTable::default())
        .await
        .map_err(|e| LedgerError::amqp(format!("declaring queue {queue}"), e))?;
    Ok(())
}

/// Checks that `queue` exists, without creating it.
///
/// # Errors
///
/// [`LedgerError::Amqp`] saying it does not (run `ledger setup`).
pub async fn expect_queue(conn: &Connection, queue: &str) -> Result<()> {
    // A refused passive declare closes its channel: use one of its own.
    let channel = channel(conn, false).await?;
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(short("queue", queue)?, options, FieldTable::default())
        .await
        .map_err(|e| {
            LedgerError::amqp(
                format!("looking for queue {queue} (run `ledger setup` to create it)"),
                e,
            )
        })?;
    let _ = channel.close(200, "done".into()).await;
    Ok(())
}

/// Deletes `queue` and the messages in it (for tests and teardown).
///
/// # Errors
///
/// [`LedgerError::Amqp`].
pub async fn delete(channel: &Channel, queue: &str) -> Result<()> {
    channel
        .queue_delete(short("queue", queue)?, QueueDeleteOptions::default())
        .await
        .map_err(|e| LedgerError::amqp(format!("deleting queue {queue}"), e))?;
    Ok(())
}

/// Publishes `body` to `queue` as a persistent message and waits for the broker's
/// confirm. The channel must be in confirm mode.
///
/// # Errors
///
/// [`LedgerError::Amqp`] when the broker cannot be reached, refuses the message (a
/// negative confirm) or has no such queue (the message came back unroutable).
pub async fn publish(
    channel: &Channel,
    queue: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<()> {
    let what = format!("publishing to {queue}");
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let confirm = channel
        .basic_publish(
            ShortString::from(""),
            short("queue", queue)?,
            options,
            body,
            properties.with_delivery_mode(PERSISTENT),
        )
        .await
        .map_err(|e| LedgerError::amqp(&what, e))?
        .await
        .map_err(|e| LedgerError::amqp(&what, e))?;
    match confirm {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(_)) => Err(LedgerError::amqp(
            what,
            "the message came back unroutable: no such queue",
        )),
        Confirmation::Nack(_) => Err(LedgerError::amqp(what, "the broker refused the message")),
        Confirmation::NotRequested => Err(LedgerError::amqp(
            what,
            "the channel is not in confirm mode, so the broker did not confirm",
        )),
    }
}

/// Properties of a new message: JSON, with `message_id`.
///
/// # Errors
///
/// [`LedgerError::InvalidInput`] for a message id over 255 bytes.
pub fn properties(message_id: &str) -> Result<BasicProperties> {
    Ok(BasicProperties::default()
        .with_content_type("application/json".into())
        .with_message_id(short("message id", message_id)?))
}

/// The properties of a dead-lettered copy: the original's, with the reason, the source
/// queue and the time added to its headers.
pub fn dead_letter_properties(
    original: &BasicProperties,
    queue: &str,
    reason: &str,
    at: &str,
) -> BasicProperties {
    let mut headers = original.headers().clone().unwrap_or_default();
    let text = |s: &str| AMQPValue::LongString(LongString::from(s.as_bytes().to_vec()));
    headers.insert(REASON_HEADER.into(), text(reason));
    headers.insert(QUEUE_HEADER.into(), text(queue));
    headers.insert(TIME_HEADER.into(), text(at));
    original.clone().with_headers(headers)
}

/// The text of header `name`, when it is there and is text.
pub fn header_text(properties: &BasicProperties, name: &str) -> Option<String> {
    let headers = properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact("amqp://h:5672"), "amqp://h:5672");
    }

    #[test]
    fn dead_letter_headers_keep_the_originals() {
        let mut headers = FieldTable::default();
        headers.insert("trace".into(), AMQPValue::LongString("t-1".into()));
        let original = properties("m-1").unwrap().with_headers(headers);
        let copy = dead_letter_properties(&original, "q", "not JSON", "2026-01-01T00:00:00Z");
        assert_eq!(
            header_text(&copy, REASON_HEADER).as_deref(),
            Some("not JSON")
        );
        assert_eq!(header_text(&copy, QUEUE_HEADER).as_deref(), Some("q"));
        assert_eq!(header_text(&copy, "trace").as_deref(), Some("t-1"));
        assert_eq!(
            copy.message_id().as_ref().map(ShortString::as_str),
            Some("m-1")
        );
        let long = "x".repeat(256);
        assert!(properties(&long).unwrap_err().to_string().contains("255"));
    }
}
