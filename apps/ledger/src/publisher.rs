//! [`Publisher`]: puts test messages on the ledger's queue (`ledger publish`), each
//! persistent, with a message id, and confirmed by the broker.

use lapin::{BasicProperties, Channel, Connection};

use crate::amqp;
use crate::config::Settings;
use crate::error::{LedgerError, Result};
use crate::message::Transaction;

/// A connection and a confirmed channel for publishing to the ledger's queue.
pub struct Publisher {
    conn: Connection,
    channel: Channel,
    queue: String,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// Connects to the RabbitMQ of `settings` and checks that the queue exists.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Amqp`] when the broker cannot be reached or has no such queue (run
    /// `ledger setup`).
    pub async fn connect(settings: &Settings) -> Result<Self> {
        let conn = amqp::connect(&settings.amqp_url, "ledger publish").await?;
        amqp::expect_queue(&conn, &settings.queue).await?;
        let channel = amqp::channel(&conn, true).await?;
        Ok(Self {
            conn,
            channel,
            queue: settings.queue.clone(),
        })
    }

    /// Publishes `transaction` with `message_id` (a new UUIDv7 when `None`) and returns the
    /// message id.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Amqp`] when the broker did not confirm it;
    /// [`LedgerError::InvalidInput`] for a message id over 255 bytes.
    pub async fn send(
        &self,
        transaction: &Transaction,
        message_id: Option<&str>,
    ) -> Result<String> {
        let id = message_id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
        let body = transaction.to_json();
        self.send_raw(body.as_bytes(), amqp::properties(&id)?)
            .await?;
        Ok(id)
    }

    /// Publishes any body with any properties (made persistent): for tests and for
    /// replaying dead letters.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Amqp`] when the broker did not confirm it.
    pub async fn send_raw(&self, body: &[u8], properties: BasicProperties) -> Result<()> {
        amqp::publish(&self.channel, &self.queue, body, properties).await
    }

    /// Closes the connection.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Amqp`] when the broker did not answer the close.
    pub async fn close(self) -> Result<()> {
        self.conn
            .close(200, "done".into())
            .await
            .map_err(|e| LedgerError::amqp("closing the connection", e))
    }
}

/// What `ledger setup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// What was added to the tables.
    pub tables: crate::store::SetupReport,
    /// The queue the transactions arrive on.
    pub queue: String,
    /// The dead-letter queue.
    pub dead_letter_queue: String,
}

/// `ledger setup`: the tables with the seed's sample rows, and the durable queues. Running
/// it again changes nothing.
///
/// # Errors
///
/// [`LedgerError::Postgres`] or [`LedgerError::Amqp`] when a service cannot be reached or
/// refuses.
pub async fn setup(settings: &Settings) -> Result<Setup> {
    let store = crate::store::Store::new(&settings.postgres_url, &settings.schema)?;
    let tables = store.setup().await?;
    let conn = amqp::connect(&settings.amqp_url, "ledger setup").await?;
    let channel = amqp::channel(&conn, false).await?;
    let dead_letter_queue = settings.dead_letter_queue();
    amqp::declare(&channel, &settings.queue).await?;
    amqp::declare(&channel, &dead_letter_queue).await?;
    let _ = conn.close(200, "done".into()).await;
    Ok(Setup {
        tables,
        queue: settings.queue.clone(),
        dead_letter_queue,
    })
}
